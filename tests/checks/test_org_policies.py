"""PASS, FAIL and UNKNOWN cases for the SCP guardrail checks (decided by the IAM evaluator) and the
delegation / management-account checks. DescribeResourcePolicy's answer is built on the AWS response
shape (moto lacks the operation)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.checks.cases import ACCOUNT, Case, Regional, assert_case

MGMT, SEC, PROD, DEV = ACCOUNT, "222233334444", "333344445555", "444455556666"
ORG = {"Id": "o-abc123", "MasterAccountId": MGMT, "FeatureSet": "ALL"}
OUS = [{"Id": "ou-sec", "Name": "Security", "ParentId": "r-root", "Path": "Root/Security", "Depth": 1},
       {"Id": "ou-prod", "Name": "Prod", "ParentId": "r-root", "Path": "Root/Prod", "Depth": 1},
       {"Id": "ou-dev", "Name": "Dev", "ParentId": "r-root", "Path": "Root/Dev", "Depth": 1}]
TREE = {"organizational_units": OUS, "account_parents": {MGMT: "r-root", SEC: "ou-sec", PROD: "ou-prod",
                                                         DEV: "ou-dev"}}
ACCOUNTS = [{"Id": a, "Arn": f"arn:aws:organizations::{MGMT}:account/o-abc123/{a}", "Status": "ACTIVE"}
            for a in (MGMT, SEC, PROD, DEV)]


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


FULL = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
PROTECT = doc({"Sid": "ProtectSensors", "Effect": "Deny", "Action": [
    "cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "config:StopConfigurationRecorder",
    "config:DeleteConfigurationRecorder", "guardduty:DeleteDetector", "guardduty:Disassociate*",
    "securityhub:DisableSecurityHub", "securityhub:DisassociateFromAdministratorAccount"], "Resource": "*",
    "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/SecurityBreakGlass"}}})
PROTECT_PARTIAL = doc({"Effect": "Deny", "Action": ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"],
                       "Resource": "*"})
REGIONS = doc({"Sid": "DenyOtherRegions", "Effect": "Deny", "NotAction": ["iam:*", "organizations:*", "sts:*",
                                                                          "support:*", "cloudfront:*"],
               "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}})
# Exempts the probe's own name pattern: everything is allowed for any role, so nothing is denied.
EXEMPT_ALL = doc({"Effect": "Deny", "Action": "cloudtrail:StopLogging", "Resource": "*",
                  "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}})
POLICIES = {"p-FullAWSAccess": ("FullAWSAccess", FULL), "p-protect": ("protect-sensors", PROTECT),
            "p-partial": ("protect-trail", PROTECT_PARTIAL), "p-regions": ("deny-regions", REGIONS),
            "p-exempt": ("exempt-all", EXEMPT_ALL)}


def scps(attachments: dict[str, list[str]], tree: dict[str, Any] = TREE) -> dict[str, Any]:
    """SCP datasets: attachments maps policy id -> target ids; FullAWSAccess sits on every target."""
    targets = ["r-root", *[u["Id"] for u in tree["organizational_units"]], *tree["account_parents"]]
    attached = {"p-FullAWSAccess": targets, **attachments}
    used = [p for p in POLICIES if p in attached]
    return {"organizations.organization": ORG, "organizations.tree": tree, "organizations.accounts": ACCOUNTS,
            "organizations.scps": [{"Id": p, "Name": POLICIES[p][0], "AwsManaged": p == "p-FullAWSAccess"}
                                   for p in used],
            "organizations.policy_targets": {p: [{"TargetId": t, "Type": "ROOT" if t.startswith("r-") else
                                                  "ORGANIZATIONAL_UNIT" if t.startswith("ou-") else "ACCOUNT"}
                                                 for t in attached[p]] for p in used},
            "organizations.scp_content": {p: POLICIES[p][1] for p in used}}


STANDALONE = {"organizations.organization": None}
SEC_SVC, REG, EFF, AUTHZ = ("org.scp_protects_security_services", "org.scp_region_restriction",
                            "org.effective_guardrails_per_account", "org.authorization_guardrails")
DELEG, MGMT_WL = "org.delegated_admin_for_policies", "org.management_account_no_workloads"
GOOD = {"p-protect": ["r-root"], "p-regions": ["r-root"]}
NOT_ENABLED = {**scps({}), "organizations.policy_targets": {"p-FullAWSAccess": []}}


def delegation(*accounts: str, actions: Any = ("organizations:Describe*", "organizations:List*",
                                              "organizations:CreatePolicy", "organizations:UpdatePolicy",
                                              "organizations:AttachPolicy", "organizations:DetachPolicy")) -> dict[str, Any]:
    # DescribeResourcePolicy's ResourcePolicy (AWS API reference): Content is the policy text
    return {"ResourcePolicySummary": {"Id": "rp-abc", "Arn": f"arn:aws:organizations::{MGMT}:resourcepolicy/o-abc123/rp-abc"},
            "Content": doc({"Sid": "Delegate", "Effect": "Allow",
                            "Principal": {"AWS": [f"arn:aws:iam::{a}:root" for a in accounts]},
                            "Action": list(actions), "Resource": "*"})}


def workloads(**regional: Any) -> dict[str, Any]:
    empty: dict[str, list[Any]] = {"ec2.instances": [], "rds.db_instances": [], "dynamodb.table_names": [], "lambda.functions": []}
    data: dict[str, Any] = {"organizations.organization": ORG, "s3.buckets": [{"Name": "org-trail-logs"}]}
    for dataset, value in empty.items():
        data[dataset] = Regional({"us-east-1": regional.get(dataset.split(".")[1], value), "eu-west-1": value})
    return data


CASES = [
    Case("pass-root-protects", SEC_SVC, scps(GOOD), message="deny disabling CloudTrail, Config"),
    Case("fail-only-trail", SEC_SVC, scps({"p-partial": ["r-root"]}),
         message="do not stop disabling Config, GuardDuty, Security Hub"),
    Case("fail-protect-only-on-prod-ou", SEC_SVC, scps({"p-protect": ["ou-prod"]})),
    Case("fail-exemption-covers-every-role", SEC_SVC, scps({"p-exempt": ["r-root"]})),
    Case("fail-scps-not-enabled", SEC_SVC, NOT_ENABLED, message="not enabled"),
    Case("fail-standalone-sec", SEC_SVC, STANDALONE, message="standalone"),
    Case("unknown-scp-content-unread", SEC_SVC, {k: v for k, v in scps(GOOD).items()
                                                 if k != "organizations.scp_content"}),
    Case("pass-regions-denied", REG, scps(GOOD), message="allowed: us-east-1, eu-west-1"),
    Case("fail-no-region-scp", REG, scps({"p-protect": ["r-root"]}), message="no SCP at the root denies"),
    Case("fail-standalone-region", REG, STANDALONE),
    Case("pass-every-account-guarded", EFF, scps(GOOD), resource=PROD, message="security services protected"),
    Case("fail-dev-ou-lacks-guardrails", EFF, scps({"p-protect": ["ou-prod", "ou-sec"], "p-regions": ["ou-prod", "ou-sec"]}),
         resource=DEV, message="under Root/Dev: disabling CloudTrail"),
    Case("pass-prod-ou-guarded", EFF, scps({"p-protect": ["ou-prod"], "p-regions": ["ou-prod"]}), resource=PROD),
    Case("fail-not-enabled-eff", EFF, NOT_ENABLED, resource=DEV),
    Case("unknown-targets-incomplete", EFF, {**scps(GOOD), "organizations.policy_targets": {
        "p-FullAWSAccess": [{"TargetId": "r-root", "Type": "ROOT"}], "p-protect": [{"TargetId": "r-root"}],
        "p-regions": [{"TargetId": "r-root"}]}}, resource=DEV),
    Case("pass-dev-has-a-guardrail", AUTHZ, scps({"p-partial": ["ou-dev"]}), resource=DEV,
         message="disabling security services"),
    Case("fail-full-access-only", AUTHZ, scps({}), resource=DEV, message="only allow-all guardrails"),
    Case("fail-standalone-authz", AUTHZ, STANDALONE),
    Case("pass-policy-management-delegated", DELEG, {"organizations.organization": ORG,
         "organizations.accounts": ACCOUNTS, "organizations.resource_policy": delegation(SEC)},
         message=f"delegated to {SEC}"),
    Case("fail-read-only-delegation", DELEG, {"organizations.organization": ORG, "organizations.accounts": ACCOUNTS,
         "organizations.resource_policy": delegation(SEC, actions=["organizations:Describe*", "organizations:List*"])},
         message="delegates no policy management"),
    Case("fail-no-resource-policy", DELEG, {"organizations.organization": ORG, "organizations.accounts": ACCOUNTS,
         "organizations.resource_policy": None}, message="no Organizations resource policy"),
    Case("pass-management-quiet", MGMT_WL, workloads(), message="1 S3 bucket"),
    Case("fail-management-runs-ec2", MGMT_WL, workloads(instances=[{"InstanceId": "i-1", "State": {"Name": "running"}}],
                                                        functions=[{"FunctionName": "f"}]),
         message="1 EC2 instance(s) in us-east-1"),
    Case("pass-terminated-instance-only", MGMT_WL, workloads(instances=[{"InstanceId": "i-1", "State": {
        "Name": "terminated"}}])),
    Case("unknown-member-account-scan", MGMT_WL, {**workloads(), "organizations.organization": {
        **ORG, "MasterAccountId": SEC}}),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)


def test_unknown_cases_say_why() -> None:
    from tests.checks.cases import findings_for
    unread = next(c for c in CASES if c.name == "unknown-scp-content-unread")
    assert any("scp_content" in f.message or "not collected" in f.message for f in findings_for(unread))
