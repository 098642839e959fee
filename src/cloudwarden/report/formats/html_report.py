"""report.html: one self-contained file (inline CSS, JS and SVG; nothing fetched) for people.

The overview (charts per area and severity) and the UNKNOWN/gaps section are rendered here; the
findings table is drawn by a small inline script from the data embedded once, compactly (each
check's metadata once, findings as rows of indexes), one page at a time, so that 20,000 findings
load and filter quickly. Optional sections of the assessment (`Assessment.sections`: compliance,
shared responsibility, account strategy, suppressed results ...) are shown when present, whatever
their JSON shape (docs/reports.md).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import jinja2

from cloudwarden import __version__
from cloudwarden.assess import Assessment
from cloudwarden.core.enums import Area, Severity, Status
from cloudwarden.core.findings import Finding
from cloudwarden.report.common import compliance_ids, meta_for, service_of
from cloudwarden.report.json_report import sort_key, status_rank

STATUS_COLOUR = {"FAIL": "#d64545", "ERROR": "#a23ea8", "UNKNOWN": "#e0a526", "PASS": "#3c9d5d",
                 "MUTED": "#8a8f98", "MANUAL": "#4a7fc1"}
SEVERITY_COLOUR = {"critical": "#8e1b1b", "high": "#d64545", "medium": "#e08a26", "low": "#4a7fc1",
                   "informational": "#8a8f98"}
# Titles of the sections other parts of cloudwarden may add; any other key is shown under its own name.
SECTION_TITLES = {
    "compliance": "Compliance",
    "shared_responsibility": "Shared responsibility",
    "account_strategy": "Account strategy",
    "suppressed": "Suppressed results",
    "settings": "Settings in force (config file, non-default values)",
}


class HtmlReporter:
    name = "html"
    filename = "report.html"
    description = "one self-contained HTML file: overview charts, filterable findings, gaps"

    def render(self, assessment: Assessment) -> str:
        return _template().render(**html_context(assessment))


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    env = jinja2.Environment(loader=jinja2.PackageLoader("cloudwarden.report", "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["thousands"] = lambda n: f"{n:,}"
    return env.get_template("report.html.j2")


def html_context(assessment: Assessment) -> dict[str, Any]:
    findings = sorted(assessment.findings, key=sort_key)
    statuses = sorted({f.status for f in findings} | {Status.FAIL, Status.PASS, Status.UNKNOWN}, key=status_rank)
    return {
        "version": __version__,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "assessment": assessment,
        "total": len(findings),
        "statuses": [s.value for s in statuses],
        "status_colour": STATUS_COLOUR,
        "severity_colour": SEVERITY_COLOUR,
        "counts": Counter(f.status.value for f in findings),
        "area_rows": _area_rows(findings, statuses),
        "severity_bars": _severity_bars(findings),
        "unknown_groups": _unknown_groups(findings),
        "gaps": assessment.collection_gaps,
        "sections": _sections(assessment.sections),
        "data_json": _embedded_json(assessment, findings),
    }


def _area_rows(findings: list[Finding], statuses: list[Status]) -> list[dict[str, Any]]:
    """One stacked bar per area: each status's share of the area's results (x in percent)."""
    by_area: dict[Area, Counter[str]] = defaultdict(Counter)
    fails: dict[Area, Counter[str]] = defaultdict(Counter)
    for finding in findings:
        by_area[finding.area][finding.status.value] += 1
        if finding.status is Status.FAIL:
            fails[finding.area][finding.severity.value] += 1
    rows = []
    for area in Area:
        counts = by_area[area]
        total = sum(counts.values())
        segments, x = [], 0.0
        for status in statuses:
            n = counts[status.value]
            if n:
                width = 100.0 * n / total
                segments.append({"status": status.value, "n": n, "x": round(x, 3), "w": round(width, 3)})
                x += width
        rows.append({"code": area.code, "name": area.value, "total": total, "segments": segments,
                     "counts": counts, "fails": fails[area]})
    return rows


def _severity_bars(findings: list[Finding]) -> list[dict[str, Any]]:
    fails = Counter(f.severity.value for f in findings if f.status is Status.FAIL)
    top = max(fails.values(), default=0) or 1
    return [{"severity": s.value, "n": fails[s.value], "h": round(100.0 * fails[s.value] / top, 2)}
            for s in Severity if s is not Severity.INFORMATIONAL or fails[s.value]]


def _unknown_groups(findings: list[Finding]) -> list[dict[str, Any]]:
    """UNKNOWN results by check: how many, and the distinct reasons (the gaps behind them)."""
    groups: dict[str, dict[str, Any]] = {}
    for finding in findings:
        if finding.status not in (Status.UNKNOWN, Status.ERROR):
            continue
        group = groups.setdefault(finding.check_id, {"check_id": finding.check_id, "title": finding.title,
                                                     "status": finding.status.value, "n": 0,
                                                     "reasons": Counter()})
        group["n"] += 1
        group["reasons"][finding.message] += 1
    return sorted(groups.values(), key=lambda g: (-g["n"], g["check_id"]))


def _sections(sections: dict[str, Any]) -> list[dict[str, Any]]:
    known = [k for k in SECTION_TITLES if k in sections]
    others = sorted(k for k in sections if k not in SECTION_TITLES)
    return [{"key": key, "title": SECTION_TITLES.get(key, key.replace("_", " ").capitalize()),
             "data": sections[key]} for key in known + others if sections[key] not in (None, {}, [])]


def _embedded_json(assessment: Assessment, findings: list[Finding]) -> str:
    """The table's data, compact: lookup lists, each check once, each finding a row of indexes."""
    check_ids = list(dict.fromkeys(f.check_id for f in findings))
    checks = []
    for check_id in check_ids:
        finding = next(f for f in findings if f.check_id == check_id)
        meta = meta_for(assessment, finding)
        remediation = meta.remediation
        checks.append({
            "id": check_id, "title": meta.title, "area": meta.area.code, "service": service_of(finding, meta),
            "rationale": meta.rationale, "fix": remediation.summary, "cli": remediation.cli,
            "cfn": remediation.cloudformation, "tf": remediation.terraform, "manual": remediation.manual,
            "doc": remediation.doc_url,
            "compliance": compliance_ids(meta.compliance), "type": meta.resource_type,
        })
    lookups: dict[str, list[str]] = {"status": [], "severity": [], "region": [], "account": []}
    index: dict[str, dict[str, int]] = {k: {} for k in lookups}

    def code(kind: str, value: str) -> int:
        if value not in index[kind]:
            index[kind][value] = len(lookups[kind])
            lookups[kind].append(value)
        return index[kind][value]

    position = {cid: i for i, cid in enumerate(check_ids)}
    rows = [[position[f.check_id], code("status", f.status.value), code("severity", f.severity.value),
             code("region", f.region), code("account", f.account_id), f.resource_id, f.resource_arn,
             f.message, compliance_ids(f.compliance) if f.compliance != meta_for(assessment, f).compliance else 0]
            for f in findings]
    data = {"checks": checks, "areas": {a.code: a.value for a in Area},
            "severities": [s.value for s in Severity], **lookups, "rows": rows}
    # "<" escaped so that no value can close the script element it is embedded in.
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).replace("<", "\\u003c")


REPORTER = HtmlReporter()
