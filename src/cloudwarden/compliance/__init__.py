"""Compliance frameworks as data, and a framework's report from a set of findings.

Each file in `frameworks/` is one framework (CIS AWS Foundations v7.0.0, AWS FSBP, the
Well-Architected security pillar): its controls and, for each, the check ids that give evidence.
`evaluate` turns findings into one status per control:

- fail: a mapped check FAILed on some resource (the failing resources are listed);
- not_assessed: a mapped check could not decide (UNKNOWN/ERROR inputs are listed), or no mapped
  check is implemented or was run. A control with any UNKNOWN input is never passed;
- manual: no check can decide it (a benchmark-manual control, or every mapped check said MANUAL):
  the message says what a person must review;
- pass: every mapped check that ran passed everywhere (or found no resource in scope).

This room reads findings only (core); it never runs checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from cloudwarden.core.enums import Status
from cloudwarden.core.errors import UsageError
from cloudwarden.core.findings import Finding

FRAMEWORK_FILES = ("cis_aws_7_0.yaml", "aws_fsbp.yaml", "wa_security.yaml")


class ControlStatus(str, Enum):
    PASS = "pass"
    FAIL = "fail"
    MANUAL = "manual"
    NOT_ASSESSED = "not_assessed"


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    section: str
    assessment: str  # "automated" or "manual", as the framework marks it
    checks: tuple[str, ...]
    scored: bool = True  # False: listed so references resolve, left out of the score


@dataclass(frozen=True)
class Framework:
    id: str
    title: str
    version: str
    source: str
    catalog_key: str  # the catalogue field that references this framework's controls ("cis", "fsbp")
    controls: tuple[Control, ...]

    def control(self, control_id: str) -> Control | None:
        return next((c for c in self.controls if c.id == control_id), None)


@lru_cache(maxsize=1)
def frameworks() -> dict[str, Framework]:
    loaded: dict[str, Framework] = {}
    folder = resources.files("cloudwarden.compliance").joinpath("frameworks")
    for name in FRAMEWORK_FILES:
        document = yaml.load(folder.joinpath(name).read_text(encoding="utf-8"),
                             Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        framework = _framework(document)
        loaded[framework.id] = framework
    return loaded


def _framework(document: dict[str, Any]) -> Framework:
    controls = tuple(
        Control(id=str(c["id"]), title=c["title"], section=c.get("section", ""),
                assessment=c.get("assessment", "automated"), checks=tuple(c.get("checks") or ()),
                scored=c.get("in_fsbp_standard", True))
        for c in document["controls"])
    return Framework(id=document["id"], title=document["title"], version=str(document.get("version", "")),
                     source=document.get("source", ""), catalog_key=document.get("catalog_key", ""),
                     controls=controls)


def framework(framework_id: str) -> Framework:
    known = frameworks()
    if framework_id not in known:
        raise UsageError(f"unknown compliance framework {framework_id!r}",
                         hint=f"use one of: {', '.join(known)}")
    return known[framework_id]


@dataclass
class ControlResult:
    control: Control
    status: ControlStatus
    reason: str
    checks_run: list[str] = field(default_factory=list)
    failing: list[Finding] = field(default_factory=list)
    unknown: list[Finding] = field(default_factory=list)
    passed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.control.id, "title": self.control.title, "section": self.control.section,
            "assessment": self.control.assessment, "scored": self.control.scored,
            "status": self.status.value, "reason": self.reason,
            "checks": list(self.control.checks), "checks_run": self.checks_run, "resources_passed": self.passed,
            "failing": [_resource(f) for f in self.failing],
            "unknown": [_resource(f) for f in self.unknown],
        }


def _resource(finding: Finding) -> dict[str, str]:
    return {"check_id": finding.check_id, "status": finding.status.value, "region": finding.region,
            "resource_id": finding.resource_id, "resource_arn": finding.resource_arn, "message": finding.message}


@dataclass
class ComplianceReport:
    framework: Framework
    controls: list[ControlResult]

    def counts(self, scored_only: bool = True) -> dict[str, int]:
        counts = {s.value: 0 for s in ControlStatus}
        for result in self.controls:
            if result.control.scored or not scored_only:
                counts[result.status.value] += 1
        return counts

    @property
    def score(self) -> float | None:
        """Passed over decided (pass + fail) scored controls, in percent; None when nothing was decided."""
        counts = self.counts()
        decided = counts["pass"] + counts["fail"]
        return round(100.0 * counts["pass"] / decided, 1) if decided else None

    def to_dict(self) -> dict[str, Any]:
        fw = self.framework
        return {"framework": {"id": fw.id, "title": fw.title, "version": fw.version, "source": fw.source},
                "score_percent": self.score, "score_basis": "passed / (passed + failed) scored controls",
                "counts": self.counts(), "controls": [c.to_dict() for c in self.controls]}


def evaluate(fw: Framework, findings: Iterable[Finding], checks_run: Iterable[str],
             implemented: Iterable[str]) -> ComplianceReport:
    """One result per control of `fw` from the findings of an assessment.

    `checks_run` are the ids the assessment ran (with or without findings); `implemented` the ids
    the registry knows, to tell "no check written yet" from "not selected for this run".
    """
    by_check: dict[str, list[Finding]] = {}
    for finding in findings:
        by_check.setdefault(finding.check_id, []).append(finding)
    ran, known = set(checks_run) | set(by_check), set(implemented)
    return ComplianceReport(fw, [_control_result(c, by_check, ran, known) for c in fw.controls])


def _control_result(control: Control, by_check: dict[str, list[Finding]], ran: set[str],
                    known: set[str]) -> ControlResult:
    run = [c for c in control.checks if c in ran]
    results = [f for c in run for f in by_check.get(c, [])]
    failing = [f for f in results if f.status is Status.FAIL]
    unknown = [f for f in results if f.status in (Status.UNKNOWN, Status.ERROR)]
    manual = [f for f in results if f.status is Status.MANUAL]
    passed = sum(f.status is Status.PASS for f in results)
    result = ControlResult(control, ControlStatus.PASS, "", run, failing, unknown, passed)
    if failing:
        result.status, result.reason = ControlStatus.FAIL, f"{len(failing)} failing resource(s)"
    elif unknown:
        result.status = ControlStatus.NOT_ASSESSED
        result.reason = f"{len(unknown)} input(s) could not be evaluated: {unknown[0].message}"
    elif not run:
        result.status, result.reason = _without_evidence(control, known)
    elif manual and not passed:
        result.status = ControlStatus.MANUAL
        result.reason = "review: " + "; ".join(dict.fromkeys(f.message for f in manual))
    elif passed or manual:
        result.reason = f"{passed} resource(s) passed" + (f", {len(manual)} to review" if manual else "")
    else:
        result.reason = "no resource in scope"
    return result


def _without_evidence(control: Control, known: set[str]) -> tuple[ControlStatus, str]:
    if not control.checks:
        if control.assessment == "manual":
            return ControlStatus.MANUAL, f"review by hand: {control.title}"
        return ControlStatus.NOT_ASSESSED, "no check maps to this control"
    missing = [c for c in control.checks if c not in known]
    if len(missing) == len(control.checks):
        if control.assessment == "manual":
            return ControlStatus.MANUAL, f"review by hand: {control.title} (checks not implemented yet)"
        return ControlStatus.NOT_ASSESSED, f"checks not implemented yet: {', '.join(missing)}"
    return ControlStatus.NOT_ASSESSED, "its checks were not run (--checks/--skip-checks)"


@dataclass(frozen=True)
class Coverage:
    framework: Framework
    controls: int
    covered: int  # at least one mapped check exists in the catalogue
    automated: int  # at least one mapped check is implemented

    def percent(self, part: int) -> float:
        return round(100.0 * part / self.controls, 1) if self.controls else 0.0


def coverage(fw: Framework, implemented: Iterable[str], catalogued: Iterable[str]) -> Coverage:
    known, listed = set(implemented), set(catalogued)
    scored = [c for c in fw.controls if c.scored]
    return Coverage(fw, len(scored), sum(any(x in listed for x in c.checks) for c in scored),
                    sum(any(x in known for x in c.checks) for c in scored))
