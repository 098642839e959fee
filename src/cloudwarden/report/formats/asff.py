"""findings.asff.json: AWS Security Finding Format, the shape BatchImportFindings takes.

A JSON array of `AwsSecurityFinding`s, one per finding, PASS included (Compliance PASSED, so that a
re-import closes what was fixed). Ids are stable per check and resource, so importing again updates
the same Security Hub findings. The product is the account's own "default" product, which any
account may import into; `cloudwarden securityhub import --region` points it at another region.
Limits AWS documents (Title 256 characters, Description 1024, Recommendation text 512,
ProductFields values 2048) are applied by truncation.
"""

from __future__ import annotations

from typing import Any

from cloudwarden import __version__
from cloudwarden.assess import Assessment
from cloudwarden.core.arn import partition_of
from cloudwarden.core.enums import Status
from cloudwarden.core.findings import Finding
from cloudwarden.report.common import collected_time, finding_uids, iso_z, json_lines_array, meta_for
from cloudwarden.report.json_report import sort_key

SCHEMA_VERSION = "2018-10-08"
FINDING_TYPE = "Software and Configuration Checks/AWS Security Best Practices"
COMPLIANCE_STATUS = {Status.PASS: "PASSED", Status.FAIL: "FAILED", Status.UNKNOWN: "NOT_AVAILABLE",
                     Status.ERROR: "NOT_AVAILABLE"}
DEFAULT_REGION = "us-east-1"


class AsffReporter:
    name = "asff"
    filename = "findings.asff.json"
    description = "AWS Security Finding Format for Security Hub (`cloudwarden securityhub import`)"

    def render(self, assessment: Assessment) -> str:
        return json_lines_array(asff_findings(assessment))


def product_arn(partition: str, region: str, account_id: str) -> str:
    return f"arn:{partition}:securityhub:{region}:{account_id}:product/{account_id}/default"


def asff_findings(assessment: Assessment) -> list[dict[str, Any]]:
    home = assessment.regions[0] if assessment.regions else DEFAULT_REGION
    observed = iso_z(collected_time(assessment))
    findings = sorted(assessment.findings, key=sort_key)
    return [_finding(assessment, f, uid, home, observed) for f, uid in zip(findings, finding_uids(findings), strict=True)]


def _finding(assessment: Assessment, finding: Finding, uid: str, home: str, observed: str) -> dict[str, Any]:
    meta = meta_for(assessment, finding)
    region = finding.region if finding.region not in ("", "global") else home
    partition = _partition(finding.resource_arn)
    status = COMPLIANCE_STATUS.get(finding.status, "NOT_AVAILABLE")
    remediation = finding.remediation or meta.remediation
    recommendation = {"Text": _cut(remediation.summary + (f" CLI: {remediation.cli}" if remediation.cli else ""),
                                   512) or "See the check's documentation."}
    if remediation.doc_url:
        recommendation["Url"] = remediation.doc_url
    compliance: dict[str, Any] = {"Status": status}
    requirements = [f"{framework} {control}" for framework, controls in sorted(finding.compliance.items())
                    for control in controls]
    if requirements:
        compliance["RelatedRequirements"] = requirements[:32]
    if status == "NOT_AVAILABLE":
        compliance["StatusReasons"] = [{"ReasonCode": "CONFIG_ACCESS_DENIED" if _denied(finding.message)
                                        else "CONFIG_RETURNS_NOT_APPLICABLE",
                                        "Description": _cut(finding.message, 2048)}]
    return {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": f"cloudwarden/{finding.account_id}/{region}/{finding.check_id}/{uid}",
        "ProductArn": product_arn(partition, region, finding.account_id),
        "ProductName": "cloudwarden",
        "CompanyName": "cloudwarden",
        "Region": region,
        "GeneratorId": f"cloudwarden/{finding.check_id}",
        "AwsAccountId": finding.account_id,
        "Types": [FINDING_TYPE],
        "FirstObservedAt": observed,
        "LastObservedAt": observed,
        "CreatedAt": observed,
        "UpdatedAt": observed,
        # Security Hub's convention: a passed control is informational whatever its check's severity.
        "Severity": {"Label": "INFORMATIONAL" if finding.status is Status.PASS else finding.severity.value.upper(),
                     "Original": finding.severity.value},
        "Title": _cut(f"{finding.title} ({finding.resource_id})", 256),
        "Description": _cut(finding.message or finding.title, 1024),
        "Remediation": {"Recommendation": recommendation},
        "ProductFields": {
            "cloudwarden/check_id": finding.check_id,
            "cloudwarden/status": finding.status.value,
            "cloudwarden/area": finding.area.value,
            "cloudwarden/version": __version__,
        },
        "Resources": [{
            "Type": _resource_type(finding.resource_type),
            "Id": _cut(finding.resource_arn or finding.resource_id, 512),
            "Partition": partition,
            "Region": region,
        }],
        "Compliance": compliance,
        "RecordState": "ACTIVE",
    }


def _resource_type(cloudformation_type: str) -> str:
    """`AWS::EC2::SecurityGroup` → `AwsEc2SecurityGroup`, the ASFF resource type naming; else `Other`."""
    parts = cloudformation_type.split("::")
    if len(parts) != 3 or parts[0] != "AWS":
        return "Other"
    return "Aws" + "".join(part[:1].upper() + part[1:].lower() if part.isupper() else part for part in parts[1:])


def _partition(arn: str) -> str:
    return partition_of(arn)


def _denied(message: str) -> bool:
    return any(code in message for code in ("AccessDenied", "UnauthorizedOperation", "UnauthorizedAccess"))


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


REPORTER = AsffReporter()
