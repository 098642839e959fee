"""Resource control policies in the account analysis: read per level like SCPs, applied to requests
for this member account's resources in the services RCPs govern, never to the management account."""

from __future__ import annotations

import json
from typing import Any

from cloudwarden.collect.runner import new_snapshot
from cloudwarden.engines.iam.account import load_account, who_can
from cloudwarden.engines.iam.external import assumable_by_outsiders
from cloudwarden.inventory.snapshot import GLOBAL, Gap, Snapshot

REGION = "us-east-1"
MEMBER, MGMT, FOREIGN = "111122223333", "210987654321", "999988887777"
QUEUE_URL = f"https://sqs.{REGION}.amazonaws.com/{MEMBER}/shared"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{MEMBER}:shared"
ROLE_ARN = f"arn:aws:iam::{MEMBER}:role/partner"


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


FULL = doc({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})
ORG_ONLY = doc({"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*",
                "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-example"},
                              "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}})


def member_snapshot(rcps: dict[str, str] | None, account: str = MEMBER) -> Snapshot:
    """A member account with a queue open to every AWS account and a role a foreign account may assume."""
    snap = new_snapshot(account, f"arn:aws:iam::{account}:user/scanner", [REGION], "aws", None)
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{FOREIGN}:root"},
                                                     "Action": "sts:AssumeRole"}]}
    snap.put("iam.authorization_details", GLOBAL, {"UserDetailList": [], "GroupDetailList": [], "Policies": [],
                                                   "RoleDetailList": [{"RoleName": "partner", "Arn": ROLE_ARN,
                                                                       "RoleId": "AROAEXAMPLE", "Path": "/",
                                                                       "AssumeRolePolicyDocument": trust,
                                                                       "RolePolicyList": [],
                                                                       "AttachedManagedPolicies": []}]})
    snap.put("sqs.queue_urls", REGION, [QUEUE_URL])
    snap.put("sqs.queue_attributes", REGION, {QUEUE_URL: {"QueueArn": QUEUE_ARN, "Policy": doc(
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sqs:SendMessage", "Resource": QUEUE_ARN})}})
    snap.put("organizations.organization", GLOBAL, {"Id": "o-example", "MasterAccountId": MGMT})
    snap.put("organizations.accounts", GLOBAL, [{"Id": MEMBER}, {"Id": MGMT}])
    snap.put("organizations.roots", GLOBAL, [{"Id": "r-root", "PolicyTypes": [
        {"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"},
        {"Type": "RESOURCE_CONTROL_POLICY", "Status": "ENABLED"}]}])
    snap.put("organizations.account_chain", GLOBAL, [{"Id": "r-root", "Type": "ROOT"}, {"Id": account, "Type": "ACCOUNT"}])
    snap.put("organizations.scps_for_target", GLOBAL, {"r-root": [{"Id": "p-FullAWSAccess"}],
                                                       account: [{"Id": "p-FullAWSAccess"}]})
    snap.put("organizations.scp_content", GLOBAL, {"p-FullAWSAccess": doc(
        {"Effect": "Allow", "Action": "*", "Resource": "*"})})
    if rcps is not None:
        at_root = [{"Id": "p-RCPFullAWSAccess"}] + [{"Id": pid, "Name": pid} for pid in rcps]
        snap.put("organizations.rcps_for_target", GLOBAL, {"r-root": at_root, account: [{"Id": "p-RCPFullAWSAccess"}]})
        snap.put("organizations.rcp_content", GLOBAL, {"p-RCPFullAWSAccess": FULL, **rcps})
    return snap


def _outsiders(snapshot: Snapshot, action: str = "sqs:SendMessage", resource: str = QUEUE_ARN) -> list[str]:
    return [who for who, _ in who_can(load_account(snapshot), action, resource) if "arn:aws:iam::" + MEMBER not in who]


def test_without_rcps_any_account_can_use_the_queue_and_assume_the_role() -> None:
    account = load_account(member_snapshot({}))
    assert account.organization.rcps is not None and "RCPs from 2 levels" in account.organization.rcp_note
    assert "any AWS account" in _outsiders(member_snapshot({}))
    assert [o.account for o, _ in assumable_by_outsiders(account, account.principals[ROLE_ARN])] == [FOREIGN]


def test_an_org_only_rcp_takes_the_outsiders_away() -> None:
    snapshot = member_snapshot({"p-org-only": ORG_ONLY})
    assert _outsiders(snapshot) == []
    account = load_account(snapshot)
    assert assumable_by_outsiders(account, account.principals[ROLE_ARN]) == []


def test_an_rcp_denying_another_service_leaves_the_queue_open() -> None:
    only_s3 = doc({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"})
    assert "any AWS account" in _outsiders(member_snapshot({"p-s3": only_s3}))


def test_rcps_do_not_govern_services_outside_their_list() -> None:
    """An RCP's "*" covers the services that support RCPs: a Lambda function's policy is not capped."""
    account = load_account(member_snapshot({"p-org-only": ORG_ONLY}))
    org = account.organization
    assert org.rcps_for("lambda:InvokeFunction", MEMBER, MEMBER) is None
    assert org.rcps_for("sqs:SendMessage", MEMBER, MEMBER) is org.rcps
    assert org.rcps_for("SQS:SendMessage", FOREIGN, MEMBER) is None  # another account's resource


def test_the_management_account_is_not_governed_by_its_rcps() -> None:
    snapshot = member_snapshot({"p-org-only": ORG_ONLY}, account=MGMT)
    account = load_account(snapshot)
    assert account.organization.rcps is None and "management account" in account.organization.rcp_note


def test_unreadable_rcps_leave_the_answer_wide_and_say_why() -> None:
    snapshot = member_snapshot(None)
    snapshot.gaps.append(Gap(dataset="organizations.rcps_for_target", service="organizations",
                             operation="ListPoliciesForTarget", region=GLOBAL, error_code="AccessDeniedException",
                             message="not the management account", permission="organizations:ListPoliciesForTarget"))
    account = load_account(snapshot)
    assert account.organization.rcps is None and account.organization.rcp_note.startswith("RCPs not readable")
    assert account.organization.scps is not None  # the SCPs are read all the same
    assert "any AWS account" in _outsiders(snapshot)


def test_a_snapshot_taken_before_rcps_were_collected_reads_as_not_readable() -> None:
    account = load_account(member_snapshot(None))
    assert account.organization.rcps is None and "RCPs not readable" in account.organization.rcp_note


def test_an_rcp_cuts_assume_role_edges_of_the_escalation_graph() -> None:
    """A user allowed sts:AssumeRole on an administrator role whose trust names the account: the edge
    exists without RCPs and is gone under an RCP that denies sts:AssumeRole outside the organization's
    network perimeter (here: any request not from a VPC endpoint)."""
    from cloudwarden.engines.iam.escalation import build_graph

    def with_admin_role(rcps: dict[str, str]) -> Snapshot:
        snap = member_snapshot(rcps)
        details = snap.get("iam.authorization_details", GLOBAL)
        admin_trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
            "AWS": f"arn:aws:iam::{MEMBER}:root"}, "Action": "sts:AssumeRole"}]}
        details["RoleDetailList"].append({"RoleName": "admin", "Arn": f"arn:aws:iam::{MEMBER}:role/admin",
                                          "RoleId": "AROAADMIN", "Path": "/", "AssumeRolePolicyDocument": admin_trust,
                                          "RolePolicyList": [{"PolicyName": "all", "PolicyDocument": {
                                              "Version": "2012-10-17",
                                              "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}],
                                          "AttachedManagedPolicies": []})
        details["UserDetailList"].append({"UserName": "ops", "Arn": f"arn:aws:iam::{MEMBER}:user/ops", "UserId": "AIDAOPS",
                                          "Path": "/", "GroupList": [], "AttachedManagedPolicies": [],
                                          "UserPolicyList": [{"PolicyName": "assume", "PolicyDocument": {
                                              "Version": "2012-10-17", "Statement": [{
                                                  "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}}]})
        return snap

    ops, admin = f"arn:aws:iam::{MEMBER}:user/ops", f"arn:aws:iam::{MEMBER}:role/admin"
    open_graph = build_graph(load_account(with_admin_role({})))
    assert open_graph.has_edge(ops, admin)
    vpce_only = doc({"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole", "Resource": "*",
                     "Condition": {"Null": {"aws:SourceVpce": "true"}}})
    fenced = build_graph(load_account(with_admin_role({"p-vpce": vpce_only})))
    assert not fenced.has_edge(ops, admin)
