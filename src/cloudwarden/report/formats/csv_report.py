"""findings.csv: one row a finding, for spreadsheets. The columns are stable: new ones are appended."""

from __future__ import annotations

import csv
import io

from cloudwarden.assess import Assessment
from cloudwarden.report.common import compliance_ids, finding_uids, meta_for, service_of
from cloudwarden.report.json_report import sort_key

COLUMNS = (
    "finding_id", "check_id", "title", "status", "severity", "area_code", "area", "service", "account_id",
    "region", "resource_type", "resource_id", "resource_arn", "message", "remediation", "remediation_cli",
    "doc_url", "compliance", "collected_at",
)


class CsvReporter:
    name = "csv"
    filename = "findings.csv"
    description = "one row a finding, stable columns (docs/reports.md)"

    def render(self, assessment: Assessment) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        findings = sorted(assessment.findings, key=sort_key)
        for finding, uid in zip(findings, finding_uids(findings), strict=True):
            meta = meta_for(assessment, finding)
            remediation = finding.remediation or meta.remediation
            writer.writerow(_safe(cell) for cell in (
                uid, finding.check_id, finding.title, finding.status.value,
                finding.severity.value, finding.area.code, finding.area.value, service_of(finding, meta),
                finding.account_id, finding.region, finding.resource_type, finding.resource_id,
                finding.resource_arn, _one_line(finding.message), _one_line(remediation.summary),
                remediation.cli, remediation.doc_url, ";".join(compliance_ids(finding.compliance)),
                assessment.collected_at,
            ))
        return buffer.getvalue()


def _safe(cell: str) -> str:
    # A resource name such as "=HYPERLINK(...)" must stay text in a spreadsheet, not become a formula.
    return "'" + cell if cell[:1] in _FORMULA_STARTS else cell


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _one_line(text: str) -> str:
    return " ".join(text.split())


REPORTER = CsvReporter()
