"""PASS, FAIL and UNKNOWN cases for the governance checks. Responses moto lacks are built on the AWS
API reference's shapes: GuardDuty ListFindings, Access Analyzer ListFindingsV2, Trusted Advisor check
results, DescribeSeverityLevels, GetContactInformation and drift information on DescribeStacks."""

from __future__ import annotations

from typing import Any

import pytest

from tests.checks.cases import ACCOUNT, Case, Regional, assert_case


def both(value: Any, eu: Any = None) -> Regional:
    return Regional({"us-east-1": value, "eu-west-1": value if eu is None else eu})


SH, GD, AA, TA, SUP, CON, CFN, UNUSED = (
    "securityhub.delegated_admin_all_regions", "guardduty.no_unaddressed_high_findings",
    "iam.access_analyzer_no_active_findings", "trustedadvisor.security_checks_clear", "support.plan_for_incidents",
    "account.contact_details_current", "cloudformation.stack_drift", "iam.unused_roles")
HUB = {"HubArn": f"arn:aws:securityhub:us-east-1:{ACCOUNT}:hub/default", "AutoEnableControls": True}


def hub(admin: Any = None, org: Any = None, enabled: bool = True) -> dict[str, Any]:
    return {"securityhub.hub": both(HUB if enabled else None), "securityhub.administrator": both(admin),
            "securityhub.organization_configuration": both(org)}


def guardduty(findings: list[str], status: str = "ENABLED") -> dict[str, Any]:
    return {"guardduty.detector_ids": both(["d1"]), "guardduty.detectors": both({"d1": {"Status": status}}),
            "guardduty.high_findings": both({"d1": findings})}


ANALYZER = {"arn": f"arn:aws:access-analyzer:us-east-1:{ACCOUNT}:analyzer/external", "name": "external",
            "type": "ACCOUNT", "status": "ACTIVE"}


def analyzer(findings: list[dict[str, Any]]) -> dict[str, Any]:
    eu = dict(ANALYZER, arn=ANALYZER["arn"].replace("us-east-1", "eu-west-1"))
    return {"accessanalyzer.analyzers": Regional({"us-east-1": [ANALYZER], "eu-west-1": [eu]}),
            "accessanalyzer.active_findings": Regional({"us-east-1": {ANALYZER["arn"]: findings},
                                                        "eu-west-1": {eu["arn"]: findings}})}


FINDING = {"id": "f-1", "resourceType": "AWS::S3::Bucket", "resource": "arn:aws:s3:::shared", "status": "ACTIVE",
           "findingType": "ExternalAccess", "resourceOwnerAccount": ACCOUNT}
TA_CHECK = {"id": "Pfx0RwqBli", "name": "Amazon S3 Bucket Permissions", "category": "security"}


def trusted_advisor(status: str | None, flagged: int = 0) -> dict[str, Any]:
    result = None if status is None else {"status": status, "flagged": flagged, "flagged_statuses": ["warning"]}
    return {"support.trusted_advisor_checks": [TA_CHECK], "support.trusted_advisor_results": {TA_CHECK["id"]: result}}


CONTACT = {"FullName": True, "PhoneNumber": True, "AddressLine1": True, "City": True, "CountryCode": True,
           "PostalCode": True, "CompanyName": False, "WebsiteUrl": False}


def stack(status: str | None, checked: str = "2026-11-20T10:00:00Z") -> dict[str, Any]:
    body: dict[str, Any] = {"StackName": "web", "StackId": f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/web/1",
                            "StackStatus": "CREATE_COMPLETE"}
    if status is not None:
        body["DriftInformation"] = {"StackDriftStatus": status, "LastCheckTimestamp": checked}
    return {"cloudformation.stacks": Regional({"us-east-1": [body], "eu-west-1": []})}


def role(last_used: Any = "absent", created: str = "2025-01-01T00:00:00Z", path: str = "/") -> dict[str, Any]:
    body: dict[str, Any] = {"RoleName": "deploy", "Arn": f"arn:aws:iam::{ACCOUNT}:role/deploy", "Path": path,
                            "CreateDate": created, "RolePolicyList": [], "AttachedManagedPolicies": []}
    if last_used != "absent":
        body["RoleLastUsed"] = last_used
    return {"iam.authorization_details": {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [body],
                                          "Policies": []}}


CASES = [
    # Not a member of an administrator: the organization configuration decides, so unread it is UNKNOWN.
    Case("unknown-org-configuration-unread", SH, {k: v for k, v in hub().items()
                                                  if k != "securityhub.organization_configuration"},
         message="securityhub.organization_configuration"),
    Case("pass-member-of-admin", SH, hub(admin={"AccountId": "222233334444", "MemberStatus": "Enabled"}),
         message="member of administrator 222233334444"),
    Case("pass-admin-auto-enables", SH, hub(org={"AutoEnable": True, "AutoEnableStandards": "DEFAULT"}),
         message="auto-enabled"),
    Case("pass-central-configuration", SH, hub(org={"AutoEnable": False, "OrganizationConfiguration": {
        "ConfigurationType": "CENTRAL", "Status": "ENABLED"}}), message="central configuration"),
    Case("fail-admin-no-auto-enable", SH, hub(org={"AutoEnable": False, "AutoEnableStandards": "NONE"}),
         message="NOT auto-enabled"),
    Case("fail-standalone-hub", SH, hub(), message="not a delegated administrator"),
    Case("fail-hub-off", SH, hub(enabled=False), message="not enabled"),
    Case("pass-no-high-findings", GD, guardduty([]), message="no unarchived"),
    Case("fail-open-high-findings", GD, guardduty(["f1", "f2"]), message="2 unarchived"),
    Case("fail-detector-suspended", GD, guardduty([], "DISABLED"), message="detector is DISABLED"),
    Case("unknown-findings-unread", GD, {k: v for k, v in guardduty([]).items() if k != "guardduty.high_findings"}),
    Case("pass-no-active-findings", AA, analyzer([]), message="no active"),
    Case("fail-active-finding", AA, analyzer([FINDING]), message="1 active finding(s) on AWS::S3::Bucket"),
    Case("fail-no-external-analyzer", AA, {"accessanalyzer.analyzers": both([dict(ANALYZER, type="ACCOUNT_UNUSED_ACCESS")]),
                                           "accessanalyzer.active_findings": both({})}, message="no external-access"),
    Case("pass-ta-ok", TA, trusted_advisor("ok"), message="status ok"),
    Case("fail-ta-warning", TA, trusted_advisor("warning", 3), message="3 flagged"),
    Case("unknown-ta-no-plan", TA, {"support.trusted_advisor_checks": None, "support.trusted_advisor_results": {}}),
    Case("unknown-ta-not-available", TA, trusted_advisor("not_available")),
    Case("pass-business-support", SUP, {"support.severity_levels": [{"code": c, "name": c} for c in
                                                                    ("low", "normal", "high", "urgent")]},
         message="urgent"),
    Case("fail-basic-support", SUP, {"support.severity_levels": None}, message="Basic support"),
    Case("manual-contact-filled", CON, {"account.contact_information": CONTACT}, message="confirm"),
    Case("fail-contact-incomplete", CON, {"account.contact_information": {**CONTACT, "PhoneNumber": False}},
         message="lacks PhoneNumber"),
    Case("fail-contact-absent", CON, {"account.contact_information": None}, message="lacks FullName"),
    Case("pass-in-sync", CFN, stack("IN_SYNC"), message="IN_SYNC (checked 8 day(s) ago)"),
    Case("fail-drifted", CFN, stack("DRIFTED"), message="DRIFTED"),
    Case("unknown-never-checked", CFN, stack("NOT_CHECKED")),
    Case("unknown-no-drift-information", CFN, stack(None)),
    Case("pass-recently-used", UNUSED, role({"LastUsedDate": "2026-11-01T00:00:00Z", "Region": "us-east-1"}),
         message="last used 27 day(s) ago"),
    Case("pass-new-role", UNUSED, role({}, created="2026-11-20T00:00:00Z"), message="never used"),
    Case("fail-stale-role", UNUSED, role({"LastUsedDate": "2026-03-01T00:00:00Z"}), message="unused for 90+"),
    Case("fail-never-used-old-role", UNUSED, role({}), message="no recorded use"),
    Case("unknown-last-used-not-reported", UNUSED, role()),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)
