"""An organization's snapshots as one IAM estate: cross-account role trusts become edges between the
accounts' escalation graphs, with each member's SCPs (rebuilt from the management account's
snapshot) on the caller's side and the owner's RCPs on the resource's side."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cloudwarden.collect.runner import new_snapshot
from cloudwarden.engines.iam.estate import (
    CROSS_ACCOUNT,
    admin_node,
    escalations,
    load_estate,
    reach_across,
    snapshot_files,
    who_can_across,
)
from cloudwarden.inventory.snapshot import GLOBAL, Snapshot, save_snapshot

MGMT, DEV, PROD, STRANGER = "100000000001", "200000000002", "300000000003", "900000000009"
DEV_USER = f"arn:aws:iam::{DEV}:user/dev"
DEPLOY = f"arn:aws:iam::{PROD}:role/deploy"
BUCKET = "arn:aws:s3:::prod-data"
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def iam(users: list[dict[str, Any]] = (), roles: list[dict[str, Any]] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    return {"UserDetailList": list(users), "RoleDetailList": list(roles), "GroupDetailList": [], "Policies": []}


def user(account: str, name: str, policy: dict[str, Any]) -> dict[str, Any]:
    return {"UserName": name, "Arn": f"arn:aws:iam::{account}:user/{name}", "UserId": f"AIDA{name.upper()}", "Path": "/",
            "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": policy}], "AttachedManagedPolicies": [],
            "GroupList": []}


def role(account: str, name: str, trust: dict[str, Any], policy: dict[str, Any]) -> dict[str, Any]:
    return {"RoleName": name, "Arn": f"arn:aws:iam::{account}:role/{name}", "RoleId": f"AROA{name.upper()}", "Path": "/",
            "AssumeRolePolicyDocument": trust, "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": policy}],
            "AttachedManagedPolicies": []}


def member(account: str, details: dict[str, Any], in_org: bool = True) -> Snapshot:
    """A member account's own snapshot: it can describe its organization, nothing more of it."""
    snap = new_snapshot(account, f"arn:aws:iam::{account}:role/scanner", ["us-east-1"], "aws", None)
    snap.put("iam.authorization_details", GLOBAL, details)
    snap.put("organizations.organization", GLOBAL, {"Id": "o-estate", "MasterAccountId": MGMT} if in_org else None)
    return snap


def management(scps: dict[str, tuple[dict[str, Any], list[str]]], rcps: dict[str, tuple[dict[str, Any], list[str]]]) -> Snapshot:
    snap = member(MGMT, iam())
    snap.put("organizations.tree", GLOBAL, {
        "organizational_units": [{"Id": "ou-work", "ParentId": "r-root", "Path": "Root/Workloads"}],
        "account_parents": {MGMT: "r-root", DEV: "ou-work", PROD: "ou-work"}})
    full = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    rcp_full = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}
    every = [{"TargetId": t} for t in ("r-root", "ou-work", MGMT, DEV, PROD)]
    snap.put("organizations.policy_targets", GLOBAL, {"p-FullAWSAccess": every,
                                                      **{pid: [{"TargetId": t} for t in targets] for pid, (_, targets) in scps.items()}})
    snap.put("organizations.scp_content", GLOBAL, {"p-FullAWSAccess": json.dumps(full),
                                                   **{pid: json.dumps(d) for pid, (d, _) in scps.items()}})
    snap.put("organizations.rcp_targets", GLOBAL, {"p-RCPFullAWSAccess": every,
                                                   **{pid: [{"TargetId": t} for t in targets] for pid, (_, targets) in rcps.items()}})
    snap.put("organizations.rcp_content", GLOBAL, {"p-RCPFullAWSAccess": json.dumps(rcp_full),
                                                   **{pid: json.dumps(d) for pid, (d, _) in rcps.items()}})
    snap.put("organizations.scps", GLOBAL, [{"Id": pid, "Name": pid} for pid in ("p-FullAWSAccess", *scps)])
    snap.put("organizations.rcps", GLOBAL, [{"Id": pid, "Name": pid} for pid in ("p-RCPFullAWSAccess", *rcps)])
    return snap


def dev_account(account: str = DEV, in_org: bool = True) -> Snapshot:
    assume_prod = doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::{PROD}:role/*"},
                      {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    return member(account, iam(users=[user(account, "dev", assume_prod)]), in_org)


def prod_account(trusted: tuple[str, ...] = (DEV,)) -> Snapshot:
    trust = doc({"Effect": "Allow", "Principal": {"AWS": [f"arn:aws:iam::{a}:root" for a in trusted]},
                 "Action": "sts:AssumeRole"})
    snap = member(PROD, iam(roles=[role(PROD, "deploy", trust, ALLOW_ALL),
                                   role(PROD, "reader", doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                             "Action": "sts:AssumeRole"}),
                                        doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}))]))
    snap.put("s3.buckets", GLOBAL, [{"Name": "prod-data"}])
    snap.put("s3.bucket_policy", GLOBAL, {"prod-data": json.dumps(doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DEV}:root"}, "Action": "s3:GetObject",
         "Resource": f"{BUCKET}/*"}))})
    return snap


def test_a_trust_to_another_account_joins_the_graphs_and_leads_to_its_administrator() -> None:
    estate = load_estate([management({}, {}), dev_account(), prod_account()])
    assert estate.graph.has_edge(DEV_USER, DEPLOY)
    assert estate.graph.edges[DEV_USER, DEPLOY]["step"].kind == CROSS_ACCOUNT
    found = {who: (account, [s.kind for s in steps]) for who, account, steps in escalations(estate)}
    assert found[DEV_USER] == (PROD, [CROSS_ACCOUNT, "is administrator"])
    assert admin_node(PROD) in estate.graph


def test_the_members_scps_come_from_the_management_snapshot() -> None:
    no_assume = doc({"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"})
    estate = load_estate([management({"p-no-assume": (no_assume, ["ou-work"])}, {}), dev_account(), prod_account()])
    dev = estate.members[DEV].account
    assert dev.scps is not None and "read in the management account" in dev.organization.note
    assert not estate.graph.has_edge(DEV_USER, DEPLOY)
    assert DEV_USER not in {who for who, _, _ in escalations(estate)}


def test_without_the_management_snapshot_the_member_says_its_scps_were_not_read() -> None:
    estate = load_estate([dev_account(), prod_account()])
    assert estate.members[DEV].account.scps is None
    assert "SCPs not readable" in estate.members[DEV].account.organization.note
    assert any("no management-account snapshot" in n for n in estate.notes)
    assert estate.graph.has_edge(DEV_USER, DEPLOY)  # unread SCPs only ever widen: the edge stays


def test_the_owners_rcps_keep_accounts_outside_the_organization_out() -> None:
    org_only = doc({"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole", "Resource": "*",
                    "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-estate"}}})
    stranger_user = f"arn:aws:iam::{STRANGER}:user/dev"
    snaps = [dev_account(), dev_account(STRANGER, in_org=False), prod_account(trusted=(DEV, STRANGER))]
    open_estate = load_estate([management({}, {}), *snaps])
    assert open_estate.graph.has_edge(stranger_user, DEPLOY) and open_estate.graph.has_edge(DEV_USER, DEPLOY)
    fenced = load_estate([management({}, {"p-org-only": (org_only, [PROD])}), *snaps])
    assert not fenced.graph.has_edge(stranger_user, DEPLOY)
    assert fenced.graph.has_edge(DEV_USER, DEPLOY)


def test_who_can_read_a_bucket_across_accounts_directly_and_by_escalation() -> None:
    estate = load_estate([management({}, {}), dev_account(), prod_account()])
    direct = {who for who, _ in who_can_across(estate, "s3:GetObject", f"{BUCKET}/report.csv")}
    assert DEV_USER in direct and f"arn:aws:iam::{PROD}:role/reader" in direct
    no_bucket_grant = prod_account()
    no_bucket_grant.put("s3.bucket_policy", GLOBAL, {"prod-data": None})
    estate = load_estate([management({}, {}), dev_account(), no_bucket_grant])
    direct = {who for who, _ in who_can_across(estate, "s3:GetObject", f"{BUCKET}/report.csv")}
    assert DEV_USER not in direct  # the bucket does not admit the other account
    chains = {who: [s.kind for s in steps] for who, steps, _ in reach_across(estate, "s3:GetObject", f"{BUCKET}/report.csv")}
    assert chains[DEV_USER] == [CROSS_ACCOUNT]  # ... but dev becomes deploy, which may read it


def test_an_organization_scan_folder_is_found(tmp_path: Path) -> None:
    for snap in (management({}, {}), dev_account(), prod_account()):
        save_snapshot(snap, tmp_path / snap.account_id / "account.snapshot")
    assert [p.parent.name for p in snapshot_files(tmp_path)] == sorted([MGMT, DEV, PROD])


def test_the_cli_answers_across_an_organization_scan_folder(tmp_path: Path, capsys: Any) -> None:
    from cloudwarden.cli import main

    for snap in (management({}, {}), dev_account(), prod_account()):
        save_snapshot(snap, tmp_path / snap.account_id / "account.snapshot")
    assert main(["iam", "escalation", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert f"{DEV_USER} can reach administrator of account {PROD} in 2 steps" in out
    assert "3 accounts" in err and "cross-account edges" in err
    assert main(["iam", "escalation", str(tmp_path), "--format", "json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    dev = next(r for r in rows if r["principal"] == DEV_USER)
    assert dev["reaches_admin_of"] == PROD and dev["path"][0]["kind"] == CROSS_ACCOUNT
    assert main(["iam", "who-can", str(tmp_path), "s3:GetObject", f"{BUCKET}/x"]) == 0
    assert DEV_USER in {json.loads(line)["principal"] for line in capsys.readouterr().out.splitlines()}


def test_a_folder_without_snapshots_is_a_clear_error(tmp_path: Path, capsys: Any) -> None:
    from cloudwarden.cli import main

    (tmp_path / "empty").mkdir()
    assert main(["iam", "escalation", str(tmp_path / "empty")]) == 2
    assert "no snapshots in it" in capsys.readouterr().err
