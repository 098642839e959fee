"""findings.json: the versioned, documented machine-readable result (docs/findings.md)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cloudwarden import __version__
from cloudwarden.assess import Assessment
from cloudwarden.core.enums import Area, Severity, Status
from cloudwarden.core.findings import FINDINGS_SCHEMA_VERSION, Finding
from cloudwarden.inventory.snapshot import Gap

FINDINGS_FILE = "findings.json"
SCHEMA_NAME = "cloudwarden-findings"


def sort_key(finding: Finding) -> tuple[int, int, str, str, str]:
    status_rank = {Status.FAIL: 0, Status.ERROR: 1, Status.UNKNOWN: 2, Status.MUTED: 3}.get(finding.status, 4)
    return (status_rank, -finding.severity.rank, finding.check_id, finding.region, finding.resource_id)


def summary(findings: list[Finding]) -> dict[str, Any]:
    by_area: dict[str, dict[str, int]] = {
        area.value: {s.value: 0 for s in Status} for area in Area
    }
    fails_by_severity = {s.value: 0 for s in Severity}
    for finding in findings:
        by_area[finding.area.value][finding.status.value] += 1
        if finding.status is Status.FAIL:
            fails_by_severity[finding.severity.value] += 1
    return {
        "by_status": dict(Counter(f.status.value for f in findings)),
        "by_area": by_area,
        "failures_by_severity": fails_by_severity,
    }


def findings_document(assessment: Assessment, gaps: list[Gap] | None = None) -> dict[str, Any]:
    findings = sorted(assessment.findings, key=sort_key)
    return {
        "schema": SCHEMA_NAME,
        "schema_version": FINDINGS_SCHEMA_VERSION,
        "tool": {"name": "cloudwarden", "version": __version__},
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "account_id": assessment.account_id,
        "collected_at": assessment.collected_at,
        "regions": assessment.regions,
        "checks_run": len(assessment.checks_run),
        "checks_without_resources": assessment.checks_without_resources,
        "summary": summary(findings),
        "gaps": [
            {"dataset": g.dataset, "operation": f"{g.service}:{g.operation}", "region": g.region,
             "resource": g.resource, "error_code": g.error_code, "message": g.message,
             "permission": g.permission}
            for g in (gaps or [])
        ],
        "findings": [f.to_dict() for f in findings],
        # Optional views (suppressions, shared responsibility, account strategy ...), when present.
        **assessment.sections,
    }


def write_findings(assessment: Assessment, out_dir: Path, gaps: list[Gap] | None = None) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / FINDINGS_FILE
    target.write_text(json.dumps(findings_document(assessment, gaps), indent=2) + "\n", encoding="utf-8")
    return target
