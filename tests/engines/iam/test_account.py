"""Account analysis on hand-built snapshots: can, who-can, and escalation paths with near-misses."""

from __future__ import annotations

from typing import Any

from cloudwarden.engines.iam.account import can as account_can
from cloudwarden.engines.iam.account import load_account, who_can
from cloudwarden.engines.iam.escalation import ADMIN, build_graph, escalation_paths
from cloudwarden.engines.iam.policy import compile_policy
from cloudwarden.inventory.snapshot import Snapshot

ACCT = "123456789012"
V = "2012-10-17"
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"


def arn(kind: str, name: str) -> str:
    return f"arn:aws:iam::{ACCT}:{kind}/{name}"


def statement(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def user(
    name: str,
    *statements: dict[str, Any],
    managed: tuple[str, ...] = (),
    boundary: str = "",
    groups: tuple[str, ...] = (),
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "UserName": name,
        "Arn": arn("user", name),
        "GroupList": list(groups),
        "UserPolicyList": [
            {"PolicyName": "inline", "PolicyDocument": {"Version": V, "Statement": list(statements)}}
        ]
        if statements
        else [],
        "AttachedManagedPolicies": [{"PolicyArn": m} for m in managed],
    }
    if boundary:
        entry["PermissionsBoundary"] = {"PermissionsBoundaryArn": boundary}
    return entry


def role(name: str, trust: dict[str, Any], managed: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "RoleName": name,
        "Arn": arn("role", name),
        "AssumeRolePolicyDocument": {
            "Version": V,
            "Statement": [{"Effect": "Allow", "Principal": trust, "Action": "sts:AssumeRole"}],
        },
        "RolePolicyList": [],
        "AttachedManagedPolicies": [{"PolicyArn": m} for m in managed],
        "InstanceProfileList": [{"Arn": f"arn:aws:iam::{ACCT}:instance-profile/{name}"}]
        if "Service" in trust and trust["Service"] == "ec2.amazonaws.com"
        else [],
    }


def managed_policy(policy_arn: str, *statements: dict[str, Any]) -> dict[str, Any]:
    document = {"Version": V, "Statement": list(statements)}
    # as IAM returns it: URL-encoded JSON text
    import json
    import urllib.parse

    return {
        "Arn": policy_arn,
        "PolicyName": policy_arn.rsplit("/", 1)[1],
        "PolicyVersionList": [
            {
                "VersionId": "v1",
                "IsDefaultVersion": True,
                "Document": urllib.parse.quote(json.dumps(document)),
            }
        ],
    }


S3_ONLY = f"arn:aws:iam::{ACCT}:policy/s3-only"


def snapshot() -> Snapshot:
    details = {
        "UserDetailList": [
            user("admin", managed=(ADMIN_ARN,)),
            user("dev", statement("iam:CreateAccessKey", arn("user", "admin"))),
            user(
                "near-condition",
                statement(
                    "iam:CreateAccessKey",
                    arn("user", "admin"),
                    Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                ),
            ),
            user("near-boundary", statement("iam:CreateAccessKey"), boundary=S3_ONLY),
            user("assumer", statement("sts:AssumeRole", arn("role", "ops-admin"))),
            user("near-trust", statement("sts:AssumeRole", "*")),
            user("self-putter", statement("iam:PutUserPolicy", arn("user", "self-putter"))),
            user("passer", statement(["iam:PassRole", "ec2:RunInstances"])),
            user("two-hops", statement("iam:UpdateLoginProfile", arn("user", "assumer"))),
            user("reader", statement("s3:GetObject", "arn:aws:s3:::data/*")),
        ],
        "GroupDetailList": [],
        "RoleDetailList": [
            role("ops-admin", {"AWS": arn("user", "assumer")}, managed=(ADMIN_ARN,)),
            role("ec2-admin", {"Service": "ec2.amazonaws.com"}, managed=(ADMIN_ARN,)),
        ],
        "Policies": [managed_policy(ADMIN_ARN, statement("*")), managed_policy(S3_ONLY, statement("s3:*"))],
    }
    snap = Snapshot(account_id=ACCT, collected_at="2026-01-01T00:00:00Z", regions=["eu-west-1"])
    snap.put("iam.authorization_details", "global", details)
    snap.put(
        "s3.bucket_policy",
        "global",
        {
            "data": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
            '"Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"}]}',
            "private": None,
        },
    )
    return snap


def test_can_uses_managed_policy_default_versions() -> None:
    account = load_account(snapshot())
    assert account.problems == []
    assert account_can(account, account.principal("admin"), "ec2:TerminateInstances", "*").allowed
    assert not account_can(account, account.principal("dev"), "ec2:TerminateInstances", "*").allowed


def test_who_can_includes_anonymous_through_a_public_bucket_policy() -> None:
    account = load_account(snapshot())
    names = [name for name, _ in who_can(account, "s3:GetObject", "arn:aws:s3:::data/report.csv")]
    assert "anonymous" in names
    assert arn("user", "reader") in names and arn("user", "admin") in names
    assert arn("user", "dev") in names  # the public bucket policy allows every principal
    private = [name for name, _ in who_can(account, "s3:GetObject", "arn:aws:s3:::private/x")]
    assert "anonymous" not in private and arn("user", "reader") not in private


def paths() -> dict[str, list[tuple[str, str, str]]]:
    account = load_account(snapshot())
    return {
        who: [(s.target, s.kind, s.permission) for s in steps] for who, steps in escalation_paths(account)
    }


def test_escalation_paths_found() -> None:
    found = paths()
    assert found[arn("user", "dev")] == [
        (arn("user", "admin"), "iam-002", "iam:CreateAccessKey"),
        (ADMIN, "is administrator", "*"),
    ]
    assert found[arn("user", "assumer")][0] == (arn("role", "ops-admin"), "sts-001", "sts:AssumeRole")
    assert found[arn("user", "self-putter")] == [(ADMIN, "iam-007", "iam:PutUserPolicy")]
    assert found[arn("user", "passer")][0][:2] == (arn("role", "ec2-admin"), "ec2-001")
    assert [step[0] for step in found[arn("user", "two-hops")]] == [
        arn("user", "assumer"),
        arn("role", "ops-admin"),
        ADMIN,
    ]


def test_near_misses_are_not_reported() -> None:
    found = paths()
    for name in ("near-condition", "near-boundary", "near-trust", "reader", "admin"):
        assert arn("user", name) not in found, name
    assert arn("role", "ops-admin") not in found


def test_scp_blocks_an_edge() -> None:
    account = load_account(snapshot())
    deny = compile_policy(
        {
            "Version": V,
            "Statement": [
                statement("*"),
                {"Effect": "Deny", "Action": "iam:CreateAccessKey", "Resource": "*"},
            ],
        },
        "scp",
        "deny-keys",
    )
    account.scps = ((deny,),)
    graph = build_graph(account)
    assert not graph.has_edge(arn("user", "dev"), arn("user", "admin"))
    assert graph.has_edge(arn("user", "assumer"), arn("role", "ops-admin"))
