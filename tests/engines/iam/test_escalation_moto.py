"""Escalation paths on a moto account: seeded paths are found, near-misses are not.

IAM, Lambda, EC2 and Organizations are seeded with boto3 under `mock_aws`, collected with the real
collector, and analysed from the snapshot. Administrator rights come from a customer-managed policy
(so that moto need not load the AWS-managed ones). Near-misses: the same permission behind an MFA or
source-IP condition, a permissions boundary, an explicit Deny, and an SCP. moto ignores user
permissions boundaries (CreateUser drops it, PutUserPermissionsBoundary is not implemented), so the
boundary near-miss is a role's, beside an unbounded twin role.

SCPs do not apply to an organization's management account, and moto serves a member account no
consistent view of the organization, so the SCP near-miss rewrites the collected organization's
management account id: the snapshot then reads as a member account (a delegated administrator) whose
SCP levels were collected from moto.
"""

from __future__ import annotations

import copy
import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from cloudwarden.collect import collect_snapshot
from cloudwarden.collect.services import ec2 as ec2_specs
from cloudwarden.collect.services import iam as iam_specs
from cloudwarden.collect.services import resource_policies
from cloudwarden.engines.iam.account import load_account
from cloudwarden.engines.iam.escalation import ADMIN, build_graph, compute_links, escalation_paths
from cloudwarden.inventory.snapshot import Snapshot
from tests.helpers import scoped_env

REGION = "us-east-1"
ACCOUNT = "123456789012"
ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}


def arn(kind: str, name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:{kind}/{name}"


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def trust(principal: dict[str, str]) -> str:
    return doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})


MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
OFFICE = {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}


def _user(iam: Any, name: str, *statements: dict[str, Any], managed: tuple[str, ...] = ()) -> None:
    iam.create_user(UserName=name)
    if statements:
        iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=doc(*statements))
    for policy_arn in managed:
        iam.attach_user_policy(UserName=name, PolicyArn=policy_arn)


def _role(iam: Any, name: str, principal: dict[str, str], admin: str = "", boundary: str = "",
          *statements: dict[str, Any]) -> None:
    extra = {"PermissionsBoundary": boundary} if boundary else {}
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust(principal), **extra)
    if admin:
        iam.attach_role_policy(RoleName=name, PolicyArn=admin)
    if statements:
        iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=doc(*statements))


def _seed_iam() -> None:
    iam = boto3.client("iam", region_name=REGION)
    admin = iam.create_policy(PolicyName="full-admin", PolicyDocument=doc(allow("*")))["Policy"]["Arn"]
    tools = [iam.create_policy(PolicyName=f"dev-tools-{n}", PolicyDocument=doc(allow("s3:GetObject")))["Policy"]["Arn"]
             for n in (1, 2)]
    s3_only = iam.create_policy(PolicyName="s3-only", PolicyDocument=doc(allow("s3:*")))["Policy"]["Arn"]
    _user(iam, "boss", managed=(admin,))
    _role(iam, "admin-role", {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, admin)
    _role(iam, "ec2-admin", {"Service": "ec2.amazonaws.com"}, admin)
    _role(iam, "lambda-admin", {"Service": "lambda.amazonaws.com"}, admin)
    iam.create_instance_profile(InstanceProfileName="ec2-admin")
    iam.add_role_to_instance_profile(InstanceProfileName="ec2-admin", RoleName="ec2-admin")
    assume = allow("sts:AssumeRole", arn("role", "admin-role"))
    pass_role = [allow("iam:PassRole", arn("role", "ec2-admin")), allow("ec2:RunInstances")]
    # paths
    _user(iam, "versioner", allow("iam:CreatePolicyVersion", tools[0]), managed=(tools[0],))
    _user(iam, "passer", *pass_role)
    _user(iam, "assumer", assume)
    _user(iam, "key-taker", allow("iam:CreateAccessKey", arn("user", "boss")))
    _user(iam, "coder", allow("lambda:UpdateFunctionCode", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:*"))
    _user(iam, "operator", allow("ssm:SendCommand", f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/*"))
    # near-misses
    _user(iam, "versioner-mfa", allow("iam:CreatePolicyVersion", tools[1], Condition=MFA), managed=(tools[1],))
    _user(iam, "passer-office", *(dict(s, Condition=OFFICE) for s in pass_role))
    _role(iam, "worker", {"Service": "ecs-tasks.amazonaws.com"}, "", "", assume)
    _role(iam, "worker-bounded", {"Service": "ecs-tasks.amazonaws.com"}, "", s3_only, assume)
    _user(iam, "assumer-denied", assume, {"Effect": "Deny", "Action": "sts:*", "Resource": "*"})


def _seed_compute() -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("handler.py", "def handle(event, context):\n    return event\n")
    boto3.client("lambda", region_name=REGION).create_function(
        FunctionName="nightly", Runtime="python3.12", Role=arn("role", "lambda-admin"), Handler="handler.handle",
        Code={"ZipFile": archive.getvalue()})
    ec2 = boto3.client("ec2", region_name=REGION)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, IamInstanceProfile={"Name": "ec2-admin"})


def _seed_organization() -> None:
    """An SCP on the account that denies creating access keys."""
    org = boto3.client("organizations", region_name=REGION)
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    policy = org.create_policy(Name="no-access-keys", Description="near-miss", Type="SERVICE_CONTROL_POLICY",
                               Content=doc({"Effect": "Deny", "Action": "iam:CreateAccessKey", "Resource": "*"}))
    org.attach_policy(PolicyId=policy["Policy"]["PolicySummary"]["Id"], TargetId=ACCOUNT)


@pytest.fixture(scope="module")
def collected() -> Iterator[Snapshot]:
    with scoped_env(ENV), mock_aws():
        _seed_iam()
        _seed_compute()
        _seed_organization()
        wanted = ("iam.authorization_details", "organizations.organization", "ec2.instances")
        calls = [c for c in (*iam_specs.SPECS, *ec2_specs.SPECS) if c.dataset in wanted]
        yield collect_snapshot(regions=[REGION], calls=[*calls, *resource_policies.SPECS], workers=8)


def first_steps(snapshot: Snapshot) -> dict[str, tuple[str, str]]:
    """principal name -> (first step's target, permission) of its escalation path."""
    account = load_account(snapshot)
    graph = build_graph(account, compute_links(snapshot, account))
    return {who.rsplit("/", 1)[-1]: (steps[0].target, steps[0].permission)
            for who, steps in escalation_paths(account, graph)}


KNOWN = {
    "versioner": (ADMIN, "iam:CreatePolicyVersion"),
    "passer": (arn("role", "ec2-admin"), "iam:PassRole+ec2:RunInstances"),
    "assumer": (arn("role", "admin-role"), "sts:AssumeRole"),
    "worker": (arn("role", "admin-role"), "sts:AssumeRole"),
}
# Their paths rest on datasets this snapshot lacks (the function's event-source mappings, the
# instance's SSM registration): unknown, not found and not absent.
UNRESOLVED = {"coder": ("lambda-003", "lambda.event_source_mappings"),
              "operator": ("ssm-002", "ssm.managed_instances")}


def test_management_account_reports_exactly_the_seeded_paths(collected: Snapshot) -> None:
    # SCPs do not bind the management account: the key-taker's path stands
    assert load_account(collected).scps is None
    assert first_steps(collected) == {**KNOWN, "key-taker": (arn("user", "boss"), "iam:CreateAccessKey")}


def test_paths_through_uncollected_data_are_unknown(collected: Snapshot) -> None:
    account = load_account(collected)
    graph = build_graph(account, compute_links(collected, account))
    unresolved = {who.rsplit("/", 1)[-1]: why for who, why in graph.graph["unresolved"].items()}
    assert set(unresolved) == set(UNRESOLVED)
    for name, (path_id, dataset) in UNRESOLVED.items():
        assert any(kind == path_id and reason.startswith(dataset) for kind, reason in unresolved[name]), unresolved


def test_an_scp_on_a_member_account_removes_the_path_it_denies(collected: Snapshot) -> None:
    member = copy.deepcopy(collected)
    member.datasets["organizations.organization"]["global"]["MasterAccountId"] = "210987654321"
    account = load_account(member)
    assert account.scps is not None and len(account.scps) == 2  # root, then the account
    assert first_steps(member) == KNOWN


def test_collected_links_feed_the_compute_edges(collected: Snapshot) -> None:
    links = compute_links(collected, load_account(collected))
    assert [role for _, role, _ in links.instances] == [arn("role", "ec2-admin")]
    # event-source mappings were not collected here: whether something invokes the function is unknown
    assert links.functions == [(f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:nightly",
                                arn("role", "lambda-admin"), None)]
