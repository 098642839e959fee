"""findings.ocsf.json: OCSF Detection Finding events (class_uid 2004), built with `py-ocsf-models`.

The format of Amazon Security Lake and of Prowler's default output: a JSON array, one event per
finding. The check's verdict is `status_code` (PASS, FAIL, UNKNOWN, ERROR) with the evidence in
`status_detail`; compliance ids, area and check id travel in `unmapped`, which OCSF keeps for
attributes its class does not define.
"""

from __future__ import annotations

from typing import Any

from py_ocsf_models import OCSF_VERSION
from py_ocsf_models.events.findings.activity_id import ActivityID
from py_ocsf_models.events.findings.detection_finding import DetectionFinding
from py_ocsf_models.events.findings.detection_finding_type_id import DetectionFindingTypeID
from py_ocsf_models.events.findings.severity_id import SeverityID
from py_ocsf_models.events.findings.status_id import StatusID
from py_ocsf_models.objects.account import Account, TypeID
from py_ocsf_models.objects.cloud import Cloud
from py_ocsf_models.objects.finding_info import FindingInformation
from py_ocsf_models.objects.group import Group
from py_ocsf_models.objects.metadata import Metadata
from py_ocsf_models.objects.product import Product
from py_ocsf_models.objects.remediation import Remediation
from py_ocsf_models.objects.resource_details import ResourceDetails

from cloudwarden import __version__
from cloudwarden.assess import Assessment
from cloudwarden.core.arn import partition_of
from cloudwarden.core.enums import Severity
from cloudwarden.core.findings import Finding
from cloudwarden.report.common import collected_time, finding_uids, json_lines_array, meta_for, service_of
from cloudwarden.report.json_report import sort_key

SEVERITY_ID = {Severity.CRITICAL: SeverityID.Critical, Severity.HIGH: SeverityID.High,
               Severity.MEDIUM: SeverityID.Medium, Severity.LOW: SeverityID.Low,
               Severity.INFORMATIONAL: SeverityID.Informational}


class OcsfReporter:
    name = "ocsf"
    filename = "findings.ocsf.json"
    description = f"OCSF {OCSF_VERSION} Detection Finding (class_uid 2004), for Security Lake and SIEMs"

    def render(self, assessment: Assessment) -> str:
        return json_lines_array(ocsf_events(assessment))


def ocsf_events(assessment: Assessment) -> list[dict[str, Any]]:
    moment = collected_time(assessment)
    product = Product(name="cloudwarden", vendor_name="cloudwarden", version=__version__, uid="cloudwarden")
    findings = sorted(assessment.findings, key=sort_key)
    return [_event(assessment, finding, uid, moment, product).model_dump(mode="json", exclude_none=True)
            for finding, uid in zip(findings, finding_uids(findings), strict=True)]


def _event(assessment: Assessment, finding: Finding, uid: str, moment: Any, product: Product) -> DetectionFinding:
    meta = meta_for(assessment, finding)
    remediation = finding.remediation or meta.remediation
    epoch_ms = int(moment.timestamp() * 1000)
    muted = finding.status.value == "MUTED"
    return DetectionFinding(
        metadata=Metadata(product=product, version=OCSF_VERSION, event_code=finding.check_id,
                          profiles=["cloud"], uid=uid),
        activity_id=ActivityID.Create,
        activity_name="Create",
        type_uid=DetectionFindingTypeID.Create,
        type_name="Detection Finding: Create",
        severity_id=SEVERITY_ID[finding.severity],
        severity=finding.severity.value.capitalize(),
        status_code=finding.status.value,
        status_detail=finding.message,
        status_id=StatusID.Suppressed if muted else StatusID.New,
        status="Suppressed" if muted else "New",
        message=finding.message,
        time=epoch_ms,
        time_dt=moment,
        finding_info=FindingInformation(
            uid=uid, title=finding.title, desc=meta.rationale or finding.title,
            types=[finding.area.value], created_time=epoch_ms, created_time_dt=moment,
            data_sources=list(meta.datasets) or None),
        cloud=Cloud(provider="AWS", region=finding.region,
                    account=Account(uid=finding.account_id, name=finding.account_id, type="AWS Account",
                                    type_id=TypeID.AWS_Account)),
        resources=[ResourceDetails(uid=finding.resource_arn or finding.resource_id, name=finding.resource_id,
                                   type=finding.resource_type, region=finding.region,
                                   group=Group(name=service_of(finding, meta)),
                                   cloud_partition=_partition(finding.resource_arn))],
        remediation=Remediation(desc=remediation.summary + (f" CLI: {remediation.cli}" if remediation.cli else ""),
                                references=[remediation.doc_url] if remediation.doc_url else None),
        risk_details=meta.rationale or None,
        unmapped={"check_id": finding.check_id, "area": finding.area.value, "area_code": finding.area.code,
                  "compliance": {k: list(v) for k, v in finding.compliance.items()},
                  "cloudwarden_status": finding.status.value},
    )


def _partition(arn: str) -> str:
    return partition_of(arn)


REPORTER = OcsfReporter()
