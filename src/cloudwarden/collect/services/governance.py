"""Reads for the governance and response checks: the Organizations delegation (resource) policy,
Security Hub's administrator and organization configuration, GuardDuty's open high-severity
findings, IAM Access Analyzer's active findings, Trusted Advisor's security checks, the support
plan, and the account's primary contact.

Every operation is a List, Get or Describe. moto lacks DescribeResourcePolicy (Organizations),
GuardDuty ListFindings with criteria, Access Analyzer's findings, Trusted Advisor results, support
severity levels and the account's contact information: against moto those reads are gaps and their
checks say UNKNOWN. The Support API needs a Business (or higher) plan for Trusted Advisor and a paid
plan for severity levels: SubscriptionRequiredException reads as "no such plan" (None).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from cloudwarden.collect.spec import Call

NOT_IN_ORG = ("AWSOrganizationsNotInUseException",)
NO_PLAN = ("SubscriptionRequiredException",)
# Open (unarchived) findings of severity High (7.0-8.9) or Critical (9.0+).
HIGH_OPEN = {"Criterion": {"severity": {"GreaterThanOrEqual": 7}, "service.archived": {"Equals": ["false"]}}}
EXTERNAL_ANALYZERS = ("ACCOUNT", "ORGANIZATION")


def fetch_resource_policy(client: Any, _params: dict[str, Any]) -> dict[str, Any] | None:
    """The organization's resource (delegation) policy; None outside an organization or without one."""
    try:
        client.describe_organization()
        return dict(client.describe_resource_policy().get("ResourcePolicy") or {}) or None
    except ClientError as error:
        if error.response["Error"].get("Code") in (*NOT_IN_ORG, "ResourcePolicyNotFoundException"):
            return None
        raise


def _security_checks(checks: Any) -> list[dict[str, Any]]:
    return [{"id": c.get("id"), "name": c.get("name"), "category": c.get("category")}
            for c in checks or [] if str(c.get("category", "")).lower() == "security"]


def _check_result(result: Any) -> dict[str, Any] | None:
    if result is None:
        return None
    flagged = [r for r in result.get("flaggedResources") or [] if not r.get("isSuppressed")]
    return {"status": result.get("status"), "flagged": len(flagged),
            "flagged_statuses": sorted({str(r.get("status")) for r in flagged})}


CONTACT_FIELDS = ("FullName", "PhoneNumber", "AddressLine1", "City", "CountryCode", "PostalCode", "CompanyName",
                  "WebsiteUrl")


def _contact_fields(contact: Any) -> dict[str, bool] | None:
    """Which fields of the primary contact are filled in; the personal details stay out of the snapshot."""
    if contact is None:
        return None
    return {name: bool(contact.get(name)) for name in CONTACT_FIELDS}


SPECS = [
    # The delegation policy that lets a member account manage Organizations policies.
    Call("organizations.resource_policy", "organizations", "describe_resource_policy", scope="global",
         fetch=fetch_resource_policy, extra_operations=("describe_organization",)),
    # InvalidAccessException: Security Hub is off, or this account is not an administrator.
    Call("securityhub.administrator", "securityhub", "get_administrator_account", "Administrator",
         absent_codes=("InvalidAccessException",)),
    Call("securityhub.organization_configuration", "securityhub", "describe_organization_configuration",
         ("AutoEnable", "AutoEnableStandards", "MemberAccountLimitReached", "OrganizationConfiguration"),
         absent_codes=("InvalidAccessException",)),
    Call("guardduty.high_findings", "guardduty", "list_findings", "FindingIds", paginate=True,
         params={"FindingCriteria": HIGH_OPEN}, per="guardduty.detector_ids",
         per_params=lambda detector_id: {"DetectorId": detector_id}, per_key=lambda detector_id: detector_id),
    Call("accessanalyzer.active_findings", "accessanalyzer", "list_findings_v2", "findings", paginate=True,
         params={"filter": {"status": {"eq": ["ACTIVE"]}}}, per="accessanalyzer.analyzers",
         per_params=lambda a: {"analyzerArn": a["arn"]}, per_key=lambda a: a["arn"],
         per_filter=lambda a, _region: a.get("type") in EXTERNAL_ANALYZERS),
    Call("support.trusted_advisor_checks", "support", "describe_trusted_advisor_checks", "checks", scope="global",
         params={"language": "en"}, transform=_security_checks, absent_codes=NO_PLAN),
    Call("support.trusted_advisor_results", "support", "describe_trusted_advisor_check_result", "result",
         scope="global", per="support.trusted_advisor_checks",
         per_params=lambda c: {"checkId": c["id"], "language": "en"}, per_key=lambda c: c["id"],
         transform=_check_result, absent_codes=NO_PLAN),
    Call("support.severity_levels", "support", "describe_severity_levels", "severityLevels", scope="global",
         params={"language": "en"}, absent_codes=NO_PLAN),
    Call("account.contact_information", "account", "get_contact_information", "ContactInformation",
         scope="global", transform=_contact_fields, absent_codes=("ResourceNotFoundException",)),
]
