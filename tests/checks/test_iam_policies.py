"""PASS and FAIL cases for checks over IAM policy documents, roles and trust policies."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from tests.checks.cases import Case, assert_case

ADMIN_DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
READ_DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"],
                                                     "Resource": "arn:aws:s3:::b/*"}]}


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def policy(name: str, document: Any, attached: int = 1, encoded: bool = False) -> dict[str, Any]:
    body = quote(json.dumps(document)) if encoded else document
    return {"PolicyName": name, "Arn": f"arn:aws:iam::111122223333:policy/{name}", "AttachmentCount": attached,
            "PolicyVersionList": [{"Document": body, "IsDefaultVersion": True, "VersionId": "v1"}]}


def details(users: Any = (), groups: Any = (), roles: Any = (), policies: Any = ()) -> dict[str, Any]:
    return {"iam.authorization_details": {"UserDetailList": list(users), "GroupDetailList": list(groups),
                                          "RoleDetailList": list(roles), "Policies": list(policies)}}


def iam_user(name: str, attached: Any = (), inline: Any = (), groups: Any = ()) -> dict[str, Any]:
    return {"UserName": name, "Arn": f"arn:aws:iam::111122223333:user/{name}",
            "AttachedManagedPolicies": list(attached), "UserPolicyList": list(inline), "GroupList": list(groups)}


def role(name: str, trust: dict[str, Any], attached: Any = (), inline: Any = ()) -> dict[str, Any]:
    return {"RoleName": name, "Arn": f"arn:aws:iam::111122223333:role/{name}",
            "AssumeRolePolicyDocument": quote(json.dumps(trust)),
            "AttachedManagedPolicies": list(attached), "RolePolicyList": list(inline)}


def trust(principal: Any, condition: Any = None) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return doc(statement)


ADMIN_ATTACH = {"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}
SUPPORT = {"PolicyName": "AWSSupportAccess", "PolicyArn": "arn:aws:iam::aws:policy/AWSSupportAccess"}
AUDIT = {"PolicyName": "SecurityAudit", "PolicyArn": "arn:aws:iam::aws:policy/SecurityAudit"}
EC2_TRUST = trust({"Service": "ec2.amazonaws.com"})
REPORT_MFA = [{"user": "admin", "mfa_active": "true"}]
REPORT_NO_MFA = [{"user": "admin", "mfa_active": "false"}]

CASES = [
    Case("pass-group-only", "iam.user_no_direct_policies", details(users=[iam_user("a", groups=["dev"])])),
    Case("fail-direct", "iam.user_no_direct_policies", details(users=[iam_user("a", attached=[ADMIN_ATTACH])]),
         message="AdministratorAccess"),
    Case("pass-scoped", "iam.policy_no_full_admin", details(policies=[policy("read", READ_DOC)])),
    Case("pass-admin-unattached", "iam.policy_no_full_admin", details(policies=[policy("adm", ADMIN_DOC, 0)])),
    Case("fail-admin-attached", "iam.policy_no_full_admin",
         details(policies=[policy("adm", ADMIN_DOC, 2, encoded=True)]), message="attached to 2"),
    Case("pass-inline-scoped", "iam.inline_policy_no_full_admin",
         details(roles=[role("r", EC2_TRUST, inline=[{"PolicyName": "p", "PolicyDocument": READ_DOC}])])),
    Case("fail-inline-admin", "iam.inline_policy_no_full_admin",
         details(roles=[role("r", EC2_TRUST, inline=[{"PolicyName": "p", "PolicyDocument": ADMIN_DOC}])])),
    Case("pass-no-service-wildcard", "iam.policy_no_service_wildcard", details(policies=[policy("p", READ_DOC)])),
    Case("fail-service-wildcard", "iam.policy_no_service_wildcard",
         details(policies=[policy("p", doc(allow("s3:*")))]), message="s3:*"),
    Case("pass-no-admin-on-user", "iam.no_administratoraccess_on_users", details(users=[iam_user("a")])),
    Case("fail-admin-on-user", "iam.no_administratoraccess_on_users",
         details(users=[iam_user("a", attached=[ADMIN_ATTACH])]), resource="user/a"),
    Case("pass-admin-mfa", "iam.admin_principals_have_mfa",
         {**details(users=[iam_user("admin", attached=[ADMIN_ATTACH])]), "iam.credential_report": REPORT_MFA}),
    Case("fail-admin-no-mfa-via-group", "iam.admin_principals_have_mfa",
         {**details(users=[iam_user("admin", groups=["ops"])],
                    groups=[{"GroupName": "ops", "AttachedManagedPolicies": [ADMIN_ATTACH]}]),
          "iam.credential_report": REPORT_NO_MFA}, message="via group ops"),
    Case("pass-assume-named", "iam.policy_no_wildcard_assume_role",
         details(policies=[policy("p", doc(allow("sts:AssumeRole", "arn:aws:iam::111122223333:role/x")))])),
    Case("fail-assume-any", "iam.policy_no_wildcard_assume_role",
         details(policies=[policy("p", doc(allow("sts:AssumeRole")))])),
    Case("pass-kms-scoped", "iam.policy_no_full_kms_or_cloudtrail",
         details(policies=[policy("p", doc(allow(["kms:Decrypt"])))])),
    Case("fail-kms-all", "iam.policy_no_full_kms_or_cloudtrail",
         details(users=[iam_user("u", inline=[{"PolicyName": "k", "PolicyDocument": doc(allow("kms:*"))}])]),
         message="kms:*"),
    Case("pass-no-escalation", "iam.policy_no_privilege_escalation", details(policies=[policy("p", READ_DOC)])),
    Case("fail-passrole-runinstances", "iam.policy_no_privilege_escalation",
         details(policies=[policy("p", doc(allow(["iam:PassRole", "ec2:RunInstances"])))]),
         message="iam:PassRole+ec2:runinstances"),
    Case("fail-create-policy-version", "iam.policy_no_privilege_escalation",
         details(policies=[policy("p", doc(allow("iam:CreatePolicyVersion")))])),
    # Wrong verdicts of the string-matching checks (issue 8): each is now decided by the evaluator.
    Case("fail-attach-wildcard", "iam.policy_no_privilege_escalation",
         details(policies=[policy("p", doc(allow("iam:Attach*")))]), message="iam:AttachRolePolicy"),
    Case("fail-put-policy-wildcard", "iam.policy_no_privilege_escalation",
         details(policies=[policy("p", doc(allow("iam:Put*Policy")))]), message="iam:PutUserPolicy"),
    Case("fail-notaction-on-star", "iam.policy_no_privilege_escalation",
         details(policies=[policy("p", doc({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}))])),
    Case("fail-mixed-case-question-mark", "iam.policy_no_privilege_escalation",
         details(policies=[policy("p", doc(allow("IAM:CreateAccessKe?")))]), message="iam:CreateAccessKey"),
    Case("pass-escalation-denied", "iam.policy_no_privilege_escalation",
         details(policies=[policy("p", doc(allow("iam:*"), {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}))])),
    Case("pass-escalation-notresource-excludes-all", "iam.policy_no_privilege_escalation",
         details(policies=[policy("p", doc({"Effect": "Allow", "Action": "iam:AttachRolePolicy",
                                            "Resource": "arn:aws:iam::111122223333:role/only-this"}))])),
    Case("fail-notaction-admin-in-effect", "iam.policy_no_full_admin",
         details(policies=[policy("p", doc({"Effect": "Allow", "NotAction": "iam:DeleteAccountPasswordPolicy",
                                            "Resource": "*"}))])),
    Case("pass-notaction-iam-writes-not-admin", "iam.policy_no_full_admin",
         details(policies=[policy("p", doc({"Effect": "Allow", "NotAction": ["iam:Create*", "iam:Attach*"],
                                            "Resource": "*"}))])),
    Case("fail-inline-notaction-admin", "iam.inline_policy_no_full_admin",
         details(roles=[role("r", EC2_TRUST, inline=[{"PolicyName": "p", "PolicyDocument": doc(
             {"Effect": "Allow", "NotAction": "iam:DeleteAccountPasswordPolicy", "Resource": "*"})}])])),
    Case("fail-assume-question-mark", "iam.policy_no_wildcard_assume_role",
         details(policies=[policy("p", doc(allow("sts:AssumeRol?")))])),
    Case("fail-assume-notaction", "iam.policy_no_wildcard_assume_role",
         details(policies=[policy("p", doc({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}))])),
    Case("pass-assume-denied", "iam.policy_no_wildcard_assume_role",
         details(policies=[policy("p", doc(allow("sts:*"), {"Effect": "Deny", "Action": "sts:AssumeRole",
                                                            "Resource": "*"}))])),
    Case("unknown-unreadable-policy", "iam.policy_no_privilege_escalation",
         details(policies=[policy("p", "{not json")])),
    Case("fail-trust-star-in-list", "iam.role_trust_no_public_principal",
         details(roles=[role("r", trust({"AWS": ["arn:aws:iam::111122223333:root", "*"]}))])),
    Case("pass-trust-star-denied", "iam.role_trust_no_public_principal",
         details(roles=[role("r", doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
                                      {"Effect": "Deny", "Principal": "*", "Action": "sts:*",
                                       "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "111122223333"}}}))])),
    Case("pass-trust-service", "iam.role_trust_no_public_principal", details(roles=[role("r", EC2_TRUST)])),
    Case("pass-trust-star-with-org", "iam.role_trust_no_public_principal",
         details(roles=[role("r", trust({"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}))])),
    Case("fail-trust-star", "iam.role_trust_no_public_principal", details(roles=[role("r", trust({"AWS": "*"}))])),
    Case("pass-cross-account-external-id", "iam.role_cross_account_trust_conditioned",
         details(roles=[role("r", trust({"AWS": "arn:aws:iam::999988887777:root"},
                                        {"StringEquals": {"sts:ExternalId": "x"}}))])),
    Case("fail-cross-account-open", "iam.role_cross_account_trust_conditioned",
         details(roles=[role("r", trust({"AWS": "999988887777"}))]), message="999988887777"),
    Case("pass-support-role", "iam.support_role_exists", details(roles=[role("s", EC2_TRUST, attached=[SUPPORT])])),
    Case("fail-no-support-role", "iam.support_role_exists", details(roles=[role("s", EC2_TRUST)])),
    Case("pass-audit-role", "iam.security_audit_role_exists", details(roles=[role("s", EC2_TRUST, attached=[AUDIT])])),
    Case("fail-no-audit-role", "iam.security_audit_role_exists", details()),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)
