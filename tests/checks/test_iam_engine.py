"""PASS and FAIL cases for the checks decided by the IAM engine (escalation, external role chains,
effective S3 exposure, public resource policies), each with a near-miss that must pass."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudwarden.inventory.snapshot import Gap
from tests.checks.cases import ACCOUNT, Case, Regional, assert_case

V = "2012-10-17"
REGION = "us-east-1"
FOREIGN = "999988887777"
ADMIN_POLICY = f"arn:aws:iam::{ACCOUNT}:policy/admin"


def arn(kind: str, name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:{kind}/{name}"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": V, "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def user(name: str, *statements: dict[str, Any], managed: tuple[str, ...] = ()) -> dict[str, Any]:
    inline = [{"PolicyName": "inline", "PolicyDocument": doc(*statements)}] if statements else []
    return {"UserName": name, "Arn": arn("user", name), "GroupList": [], "UserPolicyList": inline,
            "AttachedManagedPolicies": [{"PolicyArn": m} for m in managed]}


def role(name: str, principal: Any, *statements: dict[str, Any], managed: tuple[str, ...] = (),
         condition: Any = None) -> dict[str, Any]:
    trust: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        trust["Condition"] = condition
    inline = [{"PolicyName": "inline", "PolicyDocument": doc(*statements)}] if statements else []
    return {"RoleName": name, "Arn": arn("role", name), "AssumeRolePolicyDocument": doc(trust),
            "RolePolicyList": inline, "AttachedManagedPolicies": [{"PolicyArn": m} for m in managed],
            "InstanceProfileList": []}


def details(users: Any = (), roles: Any = ()) -> dict[str, Any]:
    admin = {"PolicyName": "admin", "Arn": ADMIN_POLICY, "DefaultVersionId": "v1",
             "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": doc(allow("*"))}]}
    return {"UserDetailList": list(users), "GroupDetailList": [], "RoleDetailList": list(roles),
            "Policies": [admin]}


def iam_data(users: Any = (), roles: Any = ()) -> dict[str, Any]:
    return {"iam.authorization_details": details(users, roles), "organizations.organization": None}


ADMIN_USER = user("admin", managed=(ADMIN_POLICY,))
MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}

ESCALATION = [
    Case("fail-create-access-key-of-admin", "iam.privilege_escalation_to_admin",
         iam_data([ADMIN_USER, user("dev", allow("iam:CreateAccessKey", arn("user", "admin")))]),
         resource="user/dev", message="iam:CreateAccessKey"),
    Case("pass-same-permission-needs-mfa", "iam.privilege_escalation_to_admin",
         iam_data([ADMIN_USER, user("dev", allow("iam:CreateAccessKey", arn("user", "admin"), Condition=MFA))]),
         resource="user/dev", message="no path"),
    Case("pass-read-only", "iam.privilege_escalation_to_admin",
         iam_data([ADMIN_USER, user("reader", allow("s3:GetObject"))]), resource="user/reader"),
    # In the same account a trust naming everyone allows by itself: no sts:AssumeRole of one's own needed.
    Case("fail-anyone-may-assume-an-admin-role", "iam.privilege_escalation_to_admin",
         iam_data([user("intern", allow("s3:ListAllMyBuckets"))], [role("open", {"AWS": "*"}, managed=(ADMIN_POLICY,))]),
         resource="user/intern", message="-[sts:AssumeRole]-> role/open"),
    Case("pass-open-trust-narrowed-to-mfa", "iam.privilege_escalation_to_admin",
         iam_data([user("intern", allow("s3:ListAllMyBuckets"))],
                  [role("open", {"AWS": "*"}, managed=(ADMIN_POLICY,), condition=MFA)]),
         resource="user/intern"),
]

VENDOR_TRUST = {"AWS": f"arn:aws:iam::{FOREIGN}:root"}
ADMIN_ROLE = role("admin-role", {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, managed=(ADMIN_POLICY,))
CHAIN = [
    Case("fail-vendor-role-can-assume-admin-role", "iam.external_assume_role_chain",
         iam_data(roles=[ADMIN_ROLE, role("vendor", VENDOR_TRUST, allow("sts:AssumeRole", arn("role", "admin-role")))]),
         resource="role/vendor", message=f"account {FOREIGN} can assume it"),
    Case("fail-admin-role-trusts-any-account", "iam.external_assume_role_chain",
         iam_data(roles=[role("open-admin", {"AWS": "*"}, managed=(ADMIN_POLICY,))]),
         resource="role/open-admin", message="any AWS account"),
    Case("pass-vendor-role-read-only", "iam.external_assume_role_chain",
         iam_data(roles=[ADMIN_ROLE, role("vendor", VENDOR_TRUST, allow("s3:GetObject"))]),
         resource="role/vendor", message="does not reach administrator"),
    Case("pass-any-account-trust-narrowed-to-the-org", "iam.external_assume_role_chain",
         iam_data(roles=[role("org-admin", {"AWS": "*"}, managed=(ADMIN_POLICY,),
                              condition={"StringEquals": {"aws:PrincipalOrgID": "o-example"}}),
                         role("vendor", VENDOR_TRUST)]),
         resource="role/org-admin", message="no principal outside"),
]


def bucket_data(name: str, policy: Any = None, acl: Any = None, block: Any = None,
                roles: Any = ()) -> dict[str, Any]:
    owner = {"ID": "a" * 64}
    grants = [{"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"}]
    return {**iam_data(roles=roles), "s3.buckets": [{"Name": name}],
            "s3.bucket_policy": {name: json.dumps(policy) if policy else None},
            "s3.bucket_acl": {name: {"Owner": owner, "Grants": grants + list(acl or [])}},
            "s3.bucket_public_access_block": {name: block}, "s3.account_public_access_block": None,
            "s3.bucket_ownership_controls": {name: None}}


def public_read(name: str, condition: Any = None) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{name}/*"}
    if condition:
        statement["Condition"] = condition
    return doc(statement)


ALL_USERS_READ = [{"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
                   "Permission": "READ"}]
S3 = [
    Case("fail-public-bucket-policy", "s3.effective_public_or_foreign_read",
         bucket_data("open", public_read("open")), resource="open", message="anonymous (s3:GetObject via resource policy)"),
    Case("fail-public-acl", "s3.effective_public_or_foreign_read",
         bucket_data("listed", acl=ALL_USERS_READ), resource="listed", message="via ACL"),
    Case("fail-foreign-account-through-a-role", "s3.effective_public_or_foreign_read",
         bucket_data("data", roles=[role("vendor", VENDOR_TRUST, allow("s3:GetObject", "arn:aws:s3:::data/*"))]),
         resource="data", message="via role vendor"),
    Case("pass-public-statement-narrowed-by-source-ip", "s3.effective_public_or_foreign_read",
         bucket_data("office", public_read("office", {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})),
         resource="office"),
    Case("pass-restrict-public-buckets-and-ignore-public-acls", "s3.effective_public_or_foreign_read",
         bucket_data("fenced", public_read("fenced"), ALL_USERS_READ,
                     {"RestrictPublicBuckets": True, "IgnorePublicAcls": True}), resource="fenced"),
]


def queue_data(policy: Any) -> dict[str, Any]:
    url = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/jobs"
    attributes = {"QueueArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:jobs"}
    if policy:
        attributes["Policy"] = json.dumps(policy)
    return {"sqs.queue_urls": Regional({REGION: [url]}), "sqs.queue_attributes": Regional({REGION: {url: attributes}}),
            **{d: Regional({REGION: [] if d.endswith(("s", "functions")) else {}}) for d in (
                "lambda.functions", "lambda.function_policy", "sns.topics", "sns.topic_attributes",
                "secretsmanager.secrets", "secretsmanager.resource_policy")}}


def queue_policy(condition: Any = None) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sqs:SendMessage",
                 "Resource": f"arn:aws:sqs:{REGION}:{ACCOUNT}:jobs"}
    if condition:
        statement["Condition"] = condition
    return doc(statement)


PUBLIC_POLICIES = [
    Case("fail-queue-open-to-everyone", "iam.resource_policies_no_public_principal", queue_data(queue_policy()),
         resource="jobs", regions=(REGION,), message="anonymous (sqs:SendMessage"),
    Case("pass-queue-narrowed-to-the-org", "iam.resource_policies_no_public_principal",
         queue_data(queue_policy({"StringEquals": {"aws:PrincipalOrgID": "o-example"}})), resource="jobs",
         regions=(REGION,)),
    Case("pass-queue-without-policy", "iam.resource_policies_no_public_principal", queue_data(None),
         resource="jobs", regions=(REGION,), message="no resource policy"),
]

ORG_DENIED = [Gap("organizations.organization", "organizations", "DescribeOrganization", "global",
                  "AccessDenied", "denied", "organizations:DescribeOrganization")]


def without_org(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "organizations.organization"}


# Administrator is judged within the SCP guardrails, so unread SCPs leave "no path" undecided.
SCPS_UNREAD = [
    Case("unknown-read-only-scps-unread", "iam.privilege_escalation_to_admin",
         without_org(iam_data([ADMIN_USER, user("reader", allow("s3:GetObject"))])), resource="user/reader",
         message="SCPs not readable", gaps=ORG_DENIED),
    Case("fail-path-found-scps-unread", "iam.privilege_escalation_to_admin",
         without_org(iam_data([ADMIN_USER, user("dev", allow("iam:CreateAccessKey", arn("user", "admin")))])),
         resource="user/dev", message="iam:CreateAccessKey", gaps=ORG_DENIED),
    Case("unknown-member-account-scp-levels-unread", "iam.privilege_escalation_to_admin",
         {**iam_data([ADMIN_USER, user("reader", allow("s3:GetObject"))]),
          "organizations.organization": {"Id": "o-example", "MasterAccountId": FOREIGN}, "organizations.roots": []},
         resource="user/reader", message="SCPs not readable",
         gaps=[Gap("organizations.account_chain", "organizations", "ListParents", "global", "AccessDenied", "denied")]),
    Case("unknown-vendor-read-only-scps-unread", "iam.external_assume_role_chain",
         without_org(iam_data(roles=[ADMIN_ROLE, role("vendor", VENDOR_TRUST, allow("s3:GetObject"))])),
         resource="role/vendor", message="SCPs not readable", gaps=ORG_DENIED),
    Case("pass-no-outsider-scps-unread", "iam.external_assume_role_chain",
         without_org(iam_data(roles=[ADMIN_ROLE])), resource="role/admin-role", message="no principal outside",
         gaps=ORG_DENIED),
]

CASES = ESCALATION + CHAIN + SCPS_UNREAD + S3 + PUBLIC_POLICIES


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)
