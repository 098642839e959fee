"""findings.json: the versioned, documented machine-readable result (docs/findings.md).

It holds everything the other reporters need (each check's metadata, the collection gaps, the
optional sections), so that `cloudwarden report` renders any format again from it alone.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cloudwarden import __version__
from cloudwarden.assess import Assessment
from cloudwarden.checks.registry import CheckMeta
from cloudwarden.core.enums import Area, Severity, Status
from cloudwarden.core.errors import InputError
from cloudwarden.core.findings import FINDINGS_SCHEMA_VERSION, Finding, Remediation
from cloudwarden.inventory.snapshot import Gap

FINDINGS_FILE = "findings.json"
SCHEMA_NAME = "cloudwarden-findings"

# Statuses added later (MUTED, MANUAL ...) sort after these, in their declaration order.
_STATUS_RANK = {Status.FAIL: 0, Status.ERROR: 1, Status.UNKNOWN: 2, Status.PASS: 3}


def status_rank(status: Status) -> int:
    return _STATUS_RANK.get(status, 4 + list(Status).index(status))


def sort_key(finding: Finding) -> tuple[int, int, str, str, str]:
    return (status_rank(finding.status), -finding.severity.rank, finding.check_id, finding.region,
            finding.resource_id)


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


def check_meta_to_dict(meta: CheckMeta) -> dict[str, Any]:
    return {
        "title": meta.title,
        "service": meta.service,
        "area": meta.area.value,
        "area_code": meta.area.code,
        "severity": meta.severity.value,
        "resource_type": meta.resource_type,
        "datasets": list(meta.datasets),
        "optional": list(meta.optional),
        "rationale": meta.rationale,
        "remediation": meta.remediation.to_dict(),
        "compliance": {k: list(v) for k, v in meta.compliance.items()},
    }


def gap_to_dict(gap: Gap) -> dict[str, str]:
    return {"dataset": gap.dataset, "operation": f"{gap.service}:{gap.operation}", "region": gap.region,
            "resource": gap.resource, "error_code": gap.error_code, "message": gap.message,
            "permission": gap.permission}


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
        "gaps": [gap_to_dict(g) for g in (gaps if gaps is not None else assessment.collection_gaps)],
        # Added in 1.0 without breaking readers: the metadata of every check run, keyed by id, and
        # the optional report sections.
        "checks": {cid: check_meta_to_dict(assessment.check_meta[cid])
                   for cid in assessment.checks_run if cid in assessment.check_meta},
        "sections": assessment.sections,
        "findings": [f.to_dict() for f in findings],
        # Optional views (suppressions, shared responsibility, account strategy ...), when present.
        **assessment.sections,
    }


def render_findings_json(assessment: Assessment) -> str:
    return json.dumps(findings_document(assessment), indent=2) + "\n"


def write_findings(assessment: Assessment, out_dir: Path, gaps: list[Gap] | None = None) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / FINDINGS_FILE
    target.write_text(json.dumps(findings_document(assessment, gaps), indent=2) + "\n", encoding="utf-8")
    return target


# -- reading findings.json back (for `cloudwarden report` and `securityhub import`) --

def load_findings(path: Path) -> Assessment:
    """An earlier findings.json as an Assessment every reporter can render."""
    hint = "give a findings.json written by `cloudwarden scan --out DIR` (or assess, demo)"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"no such file: {path}", hint=hint) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"{path} is not a findings JSON document ({error})", hint=hint) from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA_NAME:
        raise InputError(f"{path} is not a cloudwarden findings document (schema {SCHEMA_NAME!r} expected)",
                         hint=hint)
    major = str(document.get("schema_version", "")).split(".")[0]
    if major != FINDINGS_SCHEMA_VERSION.split(".")[0]:
        raise InputError(f"{path} has findings schema {document.get('schema_version')!r}; this cloudwarden "
                         f"reads {FINDINGS_SCHEMA_VERSION}", hint="re-run the scan with this version")
    try:
        return assessment_from_document(document)
    except (KeyError, TypeError, ValueError) as error:
        raise InputError(f"{path} has a malformed entry ({type(error).__name__}: {error})", hint=hint) from None


def assessment_from_document(document: dict[str, Any]) -> Assessment:
    findings = [Finding.from_dict(f) for f in document.get("findings", [])]
    checks = {cid: _check_meta_from_dict(cid, data) for cid, data in (document.get("checks") or {}).items()}
    for finding in findings:
        # Documents written before the `checks` block still render: metadata from the findings.
        checks.setdefault(finding.check_id, CheckMeta(
            id=finding.check_id, title=finding.title, area=finding.area, severity=finding.severity,
            resource_type=finding.resource_type, datasets=(), rationale="",
            remediation=finding.remediation or Remediation(summary=""), compliance=finding.compliance,
            service=finding.check_id.split(".")[0]))
    return Assessment(
        account_id=document.get("account_id", ""),
        collected_at=document.get("collected_at", ""),
        regions=list(document.get("regions", [])),
        findings=findings,
        checks_run=list(checks),
        checks_without_resources=list(document.get("checks_without_resources", [])),
        gaps=len(document.get("gaps", [])),
        check_meta=checks,
        collection_gaps=[_gap_from_dict(g) for g in document.get("gaps", [])],
        sections=dict(document.get("sections") or {}),
    )


REMEDIATION_FIELDS = ("summary", "cli", "doc_url", "cloudformation", "terraform", "manual")


def _check_meta_from_dict(check_id: str, data: dict[str, Any]) -> CheckMeta:
    remediation = data.get("remediation") or {}
    return CheckMeta(
        id=check_id, title=data["title"], area=Area.parse(data["area"]), severity=Severity(data["severity"]),
        resource_type=data.get("resource_type", ""), datasets=tuple(data.get("datasets", ())),
        rationale=data.get("rationale", ""),
        remediation=Remediation(**{k: str(remediation.get(k) or "") for k in REMEDIATION_FIELDS}),
        compliance={k: list(v) for k, v in (data.get("compliance") or {}).items()},
        service=data.get("service", ""),
        optional=tuple(data.get("optional", ())),
    )


def _gap_from_dict(data: dict[str, Any]) -> Gap:
    service, _, operation = str(data.get("operation", "")).partition(":")
    return Gap(dataset=data.get("dataset", ""), service=service, operation=operation,
               region=data.get("region", ""), error_code=data.get("error_code", ""),
               message=data.get("message", ""), permission=data.get("permission", ""),
               resource=data.get("resource", ""))
