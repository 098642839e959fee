"""PASS and FAIL cases for the Organizations account-strategy checks (centralised root access on
hand-built ListOrganizationsFeatures responses: moto lacks that IAM operation)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.checks.cases import ACCOUNT, Case, assert_case

MGMT, SEC, PROD, DEV = ACCOUNT, "222233334444", "333344445555", "444455556666"
ORG = {"Id": "o-abc123", "MasterAccountId": MGMT, "FeatureSet": "ALL"}
OUS = [{"Id": "ou-sec", "Name": "Security", "ParentId": "r-root", "Path": "Root/Security", "Depth": 1},
       {"Id": "ou-prod", "Name": "Prod", "ParentId": "r-root", "Path": "Root/Prod", "Depth": 1},
       {"Id": "ou-dev", "Name": "Dev", "ParentId": "r-root", "Path": "Root/Dev", "Depth": 1}]
ACCOUNTS = [{"Id": a} for a in (MGMT, SEC, PROD, DEV)]


def org_data(**extra: Any) -> dict[str, Any]:
    return {"organizations.organization": ORG, **extra}


def tree(parents: dict[str, str]) -> dict[str, Any]:
    return {"organizational_units": OUS, "account_parents": {MGMT: "r-root", **parents}}


def delegated(*services: str, admin: str = SEC) -> dict[str, Any]:
    return {"organizations.delegated_administrators": [{"Id": admin}],
            "organizations.delegated_services": {admin: [{"ServicePrincipal": s} for s in services]}}


POLICY = {"Id": "p-ai", "Name": "opt-out-all", "Type": "AISERVICES_OPT_OUT_POLICY"}


def ai(*target_types: str) -> dict[str, Any]:
    return {"organizations.ai_opt_out_policies": [POLICY],
            "organizations.ai_opt_out_targets": {"p-ai": [{"TargetId": f"t{i}", "Type": t}
                                                         for i, t in enumerate(target_types)]}}


ROOT, OU, SECSVC, AIO = ("org.centralized_root_access", "org.ou_structure",
                        "org.delegated_admin_for_security_services", "org.ai_services_opt_out")
GD, SH = "guardduty.amazonaws.com", "securityhub.amazonaws.com"

CASES = [
    Case("pass-root-centralised", ROOT, org_data(**{
        "iam.organizations_features": ["RootCredentialsManagement", "RootSessions"]}), message="enabled"),
    Case("fail-root-sessions-off", ROOT, org_data(**{"iam.organizations_features": ["RootCredentialsManagement"]}),
         message="not enabled: RootSessions"),
    Case("fail-iam-trusted-access-off", ROOT, org_data(**{"iam.organizations_features": None}),
         message="IAM trusted access is not enabled"),
    Case("fail-root-standalone", ROOT, {"organizations.organization": None, "iam.organizations_features": None},
         message="standalone"),
    Case("pass-ous-separate", OU, org_data(**{"organizations.tree": tree({SEC: "ou-sec", PROD: "ou-prod",
         DEV: "ou-dev"}), "organizations.accounts": ACCOUNTS}), message="Root/Dev, Root/Prod, Root/Security"),
    Case("fail-flat", OU, org_data(**{"organizations.tree": {"organizational_units": [], "account_parents": {
         a["Id"]: "r-root" for a in ACCOUNTS}}, "organizations.accounts": ACCOUNTS}),
         message="3 member account(s) directly under the root"),
    Case("fail-one-ou-holds-all", OU, org_data(**{"organizations.tree": tree({SEC: "ou-prod", PROD: "ou-prod",
         DEV: "ou-prod"}), "organizations.accounts": ACCOUNTS}), message="fewer than two OUs"),
    Case("fail-ou-standalone", OU, {"organizations.organization": None, "organizations.tree": None,
         "organizations.accounts": None}, message="standalone"),
    Case("pass-security-delegated", SECSVC, org_data(**delegated(GD, SH, "config.amazonaws.com")),
         message=f"GuardDuty by {SEC}"),
    Case("fail-securityhub-not-delegated", SECSVC, org_data(**delegated(GD)),
         message="no delegated administrator for Security Hub"),
    Case("fail-delegated-to-management", SECSVC, org_data(**delegated(GD, SH, admin=MGMT)),
         message="no delegated administrator for GuardDuty, Security Hub"),
    Case("fail-security-standalone", SECSVC, {"organizations.organization": None,
         "organizations.delegated_administrators": None, "organizations.delegated_services": None},
         message="standalone"),
    # An administrator whose delegated services were not read may hold the missing delegation.
    Case("unknown-admin-services-unread", SECSVC, org_data(**{"organizations.delegated_administrators": [{"Id": SEC}],
         "organizations.delegated_services": {}}), message="organizations.delegated_services"),
    Case("pass-delegated-despite-unread-admin", SECSVC, org_data(**{
         "organizations.delegated_administrators": [{"Id": SEC}, {"Id": PROD}],
         "organizations.delegated_services": {SEC: [{"ServicePrincipal": GD}, {"ServicePrincipal": SH}]}}),
         message=f"Security Hub by {SEC}"),
    Case("pass-ai-opt-out-on-root", AIO, org_data(**ai("ROOT")), message="attached to the root"),
    Case("fail-ai-opt-out-on-ou-only", AIO, org_data(**ai("ORGANIZATIONAL_UNIT")), message="only opt-out-all"),
    Case("fail-ai-opt-out-unattached", AIO, org_data(**ai()), message="no AI services opt-out policy is attached"),
    Case("unknown-ai-targets-unread", AIO, org_data(**{"organizations.ai_opt_out_policies": [POLICY],
         "organizations.ai_opt_out_targets": {}}), message="organizations.ai_opt_out_targets"),
    Case("fail-ai-no-policy", AIO, org_data(**{"organizations.ai_opt_out_policies": [],
         "organizations.ai_opt_out_targets": {}}), message="no AI services opt-out policy"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)
