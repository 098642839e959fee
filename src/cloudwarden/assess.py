"""Runs the registered checks over a snapshot and returns findings.

A check's own crash becomes an ERROR finding for that check; data the snapshot lacks becomes
UNKNOWN with the gap's reason; the rest of the assessment always goes on.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from cloudwarden.checks.context import AssessmentContext, CheckContext
from cloudwarden.checks.registry import CheckDef, CheckMeta, Result, load_all_checks
from cloudwarden.core.enums import Status
from cloudwarden.core.errors import UsageError
from cloudwarden.core.findings import Finding
from cloudwarden.core.settings import Thresholds
from cloudwarden.inventory.enrich import enrich
from cloudwarden.inventory.snapshot import GLOBAL, DataUnavailable, Gap, Snapshot
from cloudwarden.suppress import RuleSet, tag_index

log = logging.getLogger(__name__)


@dataclass
class Assessment:
    account_id: str
    collected_at: str
    regions: list[str]
    findings: list[Finding]
    checks_run: list[str]
    checks_without_resources: list[str] = field(default_factory=list)
    gaps: int = 0
    stats: dict[str, object] = field(default_factory=dict)
    # What every reporter needs beside the findings: each run check's metadata (rationale,
    # remediation, compliance ids) and the failed reads behind UNKNOWN results.
    check_meta: dict[str, CheckMeta] = field(default_factory=dict)
    collection_gaps: list[Gap] = field(default_factory=list)
    # Optional report sections, plain JSON-able data keyed by name ("compliance",
    # "shared_responsibility", "account_strategy", "suppressed", ...): the HTML and JSON reports
    # show whatever is here (docs/reports.md).
    sections: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        counts = {status.value: 0 for status in Status}
        for finding in self.findings:
            counts[finding.status.value] += 1
        return counts


def select_checks(only: Iterable[str] | None = None, skip: Iterable[str] | None = None) -> list[CheckDef]:
    registry = load_all_checks()
    chosen = dict(registry)
    unknown = [c for c in {*(only or ()), *(skip or ())}
               if not any(cid == c or cid.startswith(c + ".") for cid in registry)]
    if unknown:
        raise UsageError(f"no such check or service: {', '.join(sorted(unknown))}",
                         hint="`cloudwarden checks` lists the check ids")
    if only:
        wanted = set(only)
        chosen = {cid: c for cid, c in registry.items()
                  if cid in wanted or cid.split(".")[0] in wanted}
    for cid in skip or ():
        chosen = {k: v for k, v in chosen.items() if k != cid and k.split(".")[0] != cid}
    return [chosen[k] for k in sorted(chosen)]


def assess(snapshot: Snapshot, checks: list[CheckDef] | None = None, suppressions: RuleSet | None = None,
           today: date | None = None, thresholds: Thresholds | None = None) -> Assessment:
    checks = checks if checks is not None else select_checks()
    findings: list[Finding] = []
    empty: list[str] = []
    shared = AssessmentContext(snapshot, thresholds)  # the engines' analyses, built once for all checks
    for check_def in checks:
        produced = run_check(check_def, snapshot, shared)
        if not produced:
            empty.append(check_def.meta.id)
        findings.extend(produced)
    sections: dict[str, Any] = {}
    if suppressions is not None:
        outcome = suppressions.apply(findings, tag_index(snapshot), today or datetime.now(UTC).date())
        findings, sections["suppressions"] = outcome.findings, outcome.to_dict()
    return Assessment(
        account_id=snapshot.account_id,
        collected_at=snapshot.collected_at,
        regions=list(snapshot.regions),
        findings=findings,
        checks_run=[c.meta.id for c in checks],
        checks_without_resources=empty,
        gaps=len(snapshot.gaps),
        stats=dict(snapshot.stats),
        sections=sections,
        check_meta={c.meta.id: c.meta for c in checks},
        collection_gaps=list(snapshot.gaps),
    )


def run_check(check_def: CheckDef, snapshot: Snapshot, shared: AssessmentContext | None = None) -> list[Finding]:
    ctx = CheckContext(snapshot, shared)
    results: list[Result] = []
    try:
        # One by one, so that results a check yielded before it failed are kept.
        for result in check_def.fn(ctx):
            results.append(result)  # noqa: PERF402
    except DataUnavailable as missing:
        results.append(Result(Status.UNKNOWN, missing.resource or _scope(missing.region, snapshot),
                              f"not evaluated: {missing.reason}", missing.region))
    except Exception as error:  # noqa: BLE001 - one broken check must not stop the assessment
        log.debug("check %s raised:\n%s", check_def.meta.id, traceback.format_exc())
        results.append(Result(Status.ERROR, "check", f"the check raised {type(error).__name__}: {error}",
                              GLOBAL))
    for skipped in ctx.skipped:
        results.append(Result(Status.UNKNOWN, skipped.resource_id, f"not evaluated: {skipped.reason}",
                              skipped.region))
    return [_finding(check_def, snapshot, r) for r in results]


def _scope(region: str, snapshot: Snapshot) -> str:
    return snapshot.account_id if region == GLOBAL else region


def _finding(check_def: CheckDef, snapshot: Snapshot, result: Result) -> Finding:
    meta = check_def.meta
    return enrich(snapshot, Finding(
        check_id=meta.id,
        title=meta.title,
        area=meta.area,
        severity=result.severity or meta.severity,
        status=result.status,
        account_id=snapshot.account_id,
        region=result.region,
        resource_type=result.resource_type or meta.resource_type,
        resource_id=result.resource_id,
        resource_arn=result.resource_arn,
        message=result.message,
        remediation=meta.remediation,
        compliance=meta.compliance,
        rationale=meta.rationale,
    ))
