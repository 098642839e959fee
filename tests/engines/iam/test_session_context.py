"""The assumed session context of the escalation graph: conditions on aws:TokenIssueTime,
aws:MultiFactorAuthPresent, aws:SourceIp and aws:SourceVpc are evaluated with the documented
defaults (no MFA, an outside address, a role session issued at the snapshot's time, long-term keys
for users), and a different ``SessionContext`` changes the answer the way AWS would."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.engines.iam.account import load_account
from cloudwarden.engines.iam.escalation import SessionContext, build_graph, escalation_paths
from cloudwarden.engines.iam.links import Links
from cloudwarden.inventory.snapshot import GLOBAL, Snapshot

ACCT = "123456789012"
V = "2012-10-17"
WHEN = "2026-06-01T12:00:00Z"
ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"


def arn(kind: str, name: str) -> str:
    return f"arn:aws:iam::{ACCT}:{kind}/{name}"


BOSS = arn("user", "boss")
TAKE_KEY = {"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": BOSS}


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": V, "Statement": list(statements)}


def _account(actor_kind: str, *statements: dict[str, Any], trust_condition: dict[str, Any] | None = None) -> Any:
    admin = {"Arn": ADMIN_POLICY, "PolicyName": "AdministratorAccess", "PolicyVersionList": [
        {"VersionId": "v1", "IsDefaultVersion": True, "Document": _doc({"Effect": "Allow", "Action": "*",
                                                                          "Resource": "*"})}]}
    inline = [{"PolicyName": "inline", "PolicyDocument": _doc(*statements)}]
    users = [{"UserName": "boss", "Arn": BOSS, "GroupList": [], "UserPolicyList": [],
              "AttachedManagedPolicies": [{"PolicyArn": ADMIN_POLICY}]}]
    trust_statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"},
                                       "Action": "sts:AssumeRole"}
    if trust_condition:
        trust_statement["Condition"] = trust_condition
    roles = []
    if actor_kind == "user":
        users.append({"UserName": "actor", "Arn": arn("user", "actor"), "GroupList": [], "UserPolicyList": inline,
                      "AttachedManagedPolicies": []})
    else:
        roles.append({"RoleName": "actor", "Arn": arn("role", "actor"), "AssumeRolePolicyDocument": _doc(trust_statement),
                      "RolePolicyList": inline, "AttachedManagedPolicies": [], "InstanceProfileList": []})
    snap = Snapshot(account_id=ACCT, collected_at=WHEN, regions=["eu-west-1"])
    snap.put("iam.authorization_details", GLOBAL, {"UserDetailList": users, "GroupDetailList": [],
                                                    "RoleDetailList": roles, "Policies": [admin]})
    account = load_account(snap)
    assert account.problems == []
    return account


def _escalates(account: Any, context: SessionContext | None = None, actor: str = "") -> bool:
    graph = build_graph(account, Links(region="eu-west-1", when=WHEN), context)
    return (actor or next(p for p in account.principals if p.endswith("/actor"))) in dict(
        escalation_paths(account, graph))


REVOKED_BEFORE = {"Effect": "Deny", "Action": "*", "Resource": "*",
                  "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2026-05-01T00:00:00Z"}}}


def test_a_revoke_older_sessions_deny_does_not_stop_a_new_role_session() -> None:
    account = _account("role", TAKE_KEY, REVOKED_BEFORE)
    assert _escalates(account)  # the session is issued at the snapshot's time, after the revocation
    # a session taken before the revocation is denied: the key is evaluated, not ignored
    assert not _escalates(account, SessionContext(when="2026-04-01T00:00:00Z"))


def test_token_issue_time_is_absent_for_a_user_with_long_term_keys() -> None:
    issued_after = dict(TAKE_KEY, Condition={"DateGreaterThan": {"aws:TokenIssueTime": "2026-01-01T00:00:00Z"}})
    assert _escalates(_account("role", issued_after))
    assert not _escalates(_account("user", issued_after))  # no session token: the key is missing
    assert not _escalates(_account("user", TAKE_KEY, REVOKED_BEFORE), SessionContext(
        mfa=True, when="2026-04-01T00:00:00Z"))  # GetSessionToken credentials issued before: denied


@pytest.mark.parametrize("kind", ["user", "role"])
def test_mfa_is_absent_by_default_and_counted_when_assumed(kind: str) -> None:
    needs_mfa = dict(TAKE_KEY, Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})
    account = _account(kind, needs_mfa)
    assert not _escalates(account)
    assert _escalates(account, SessionContext(mfa=True))


def test_a_deny_without_mfa_if_exists_binds_long_term_keys() -> None:
    deny = {"Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}
    account = _account("user", TAKE_KEY, deny)
    assert not _escalates(account)  # the key is missing for access keys: IfExists holds, the deny applies
    assert _escalates(account, SessionContext(mfa=True))


def test_an_mfa_age_limit_is_met_by_a_fresh_mfa_session() -> None:
    recent = dict(TAKE_KEY, Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}})
    assert not _escalates(_account("user", recent))
    assert _escalates(_account("user", recent), SessionContext(mfa=True))


def test_source_ip_is_an_outside_address_by_default() -> None:
    office = dict(TAKE_KEY, Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
    account = _account("user", office)
    assert not _escalates(account)
    assert _escalates(account, SessionContext(source_ip="10.1.2.3"))
    outside_denied = {"Effect": "Deny", "Action": "*", "Resource": "*",
                      "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}
    assert not _escalates(_account("user", TAKE_KEY, outside_denied))
    assert _escalates(_account("user", TAKE_KEY, outside_denied), SessionContext(source_ip="203.0.113.9"))


def test_source_vpc_replaces_the_source_ip() -> None:
    from_vpc = dict(TAKE_KEY, Condition={"StringEquals": {"aws:SourceVpc": "vpc-0abc"}})
    account = _account("user", from_vpc)
    assert not _escalates(account)
    assert _escalates(account, SessionContext(source_vpc="vpc-0abc"))
    ip_fenced = dict(TAKE_KEY, Condition={"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}})
    assert _escalates(_account("user", ip_fenced))
    # through a VPC endpoint there is no aws:SourceIp: an IpAddress condition cannot hold
    assert not _escalates(_account("user", ip_fenced), SessionContext(source_vpc="vpc-0abc"))


def test_a_trust_policy_that_needs_mfa_keeps_an_assumer_out_by_default() -> None:
    """The role is an administrator; a user allowed to assume it needs MFA, as its trust says."""
    mfa_trust = _doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"}, "Action": "sts:AssumeRole",
                      "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}})
    full = _doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
    assume = _doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": arn("role", "admin-mfa")})
    snap = Snapshot(account_id=ACCT, collected_at=WHEN, regions=["eu-west-1"])
    snap.put("iam.authorization_details", GLOBAL, {
        "UserDetailList": [{"UserName": "assumer", "Arn": arn("user", "assumer"), "GroupList": [],
                            "UserPolicyList": [{"PolicyName": "inline", "PolicyDocument": assume}],
                            "AttachedManagedPolicies": []}],
        "GroupDetailList": [], "Policies": [],
        "RoleDetailList": [{"RoleName": "admin-mfa", "Arn": arn("role", "admin-mfa"),
                            "AssumeRolePolicyDocument": mfa_trust, "AttachedManagedPolicies": [],
                            "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": full}],
                            "InstanceProfileList": []}]})
    account = load_account(snap)
    assumer = arn("user", "assumer")
    assert not _escalates(account, actor=assumer)
    assert _escalates(account, SessionContext(mfa=True), actor=assumer)


def test_the_context_of_each_principal_kind() -> None:
    account = _account("role", TAKE_KEY)
    role = account.principals[arn("role", "actor")]
    user = account.principals[BOSS]
    default = SessionContext()
    assert default.for_principal(role, WHEN) == {
        "aws:SecureTransport": True, "aws:ViaAWSService": False, "aws:SourceIp": "198.51.100.10",
        "aws:CurrentTime": WHEN, "aws:EpochTime": "1780315200", "aws:MultiFactorAuthPresent": False,
        "aws:TokenIssueTime": WHEN}
    assert default.for_principal(user, WHEN) == {
        "aws:SecureTransport": True, "aws:ViaAWSService": False, "aws:SourceIp": "198.51.100.10",
        "aws:CurrentTime": WHEN, "aws:EpochTime": "1780315200"}
    vpc = SessionContext(source_vpc="vpc-1", source_vpce="vpce-1", mfa=True).for_principal(user, WHEN)
    assert "aws:SourceIp" not in vpc and vpc["aws:SourceVpc"] == "vpc-1" and vpc["aws:SourceVpce"] == "vpce-1"
    assert vpc["aws:MultiFactorAuthPresent"] is True and vpc["aws:TokenIssueTime"] == WHEN
