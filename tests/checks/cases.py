"""Table-driven check tests: a Case is a hand-built snapshot and the verdict a check must give.

Every check needs at least one `pass-...` and one `fail-...` case; test_catalogue.py enforces it
over every module's CASES.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudwarden.assess import run_check
from cloudwarden.checks.registry import load_all_checks
from cloudwarden.core.enums import Status
from cloudwarden.core.findings import Finding
from cloudwarden.inventory.snapshot import Gap, Snapshot

ACCOUNT = "111122223333"
NOW = "2026-11-28T12:00:00+00:00"
REGIONS = ("us-east-1", "eu-west-1")


class Regional(dict):  # type: ignore[type-arg]
    """A dataset value per region: Regional({"us-east-1": [...], "eu-west-1": [...]})."""


@dataclass
class Case:
    name: str  # "pass-..." or "fail-..." (or "unknown-...")
    check_id: str
    data: dict[str, Any]
    resource: str | None = None  # only findings for this resource id are judged
    message: str = ""  # a substring the judged findings' messages must contain
    gaps: list[Gap] = field(default_factory=list)
    regions: tuple[str, ...] = REGIONS

    @property
    def expected(self) -> Status:
        prefix = self.name.split("-", 1)[0]
        return {"pass": Status.PASS, "fail": Status.FAIL, "unknown": Status.UNKNOWN, "manual": Status.MANUAL}[prefix]

    def __str__(self) -> str:
        return f"{self.check_id}:{self.name}"


def snapshot_with(data: dict[str, Any], regions: tuple[str, ...] = REGIONS,
                  gaps: list[Gap] | None = None) -> Snapshot:
    snap = Snapshot(account_id=ACCOUNT, collected_at=NOW, regions=list(regions))
    for dataset, value in data.items():
        if isinstance(value, Regional):
            for region, per_region in value.items():
                snap.put(dataset, region, per_region)
        else:
            snap.put(dataset, "global", value)
    for gap in gaps or []:
        snap.add_gap(gap)
    return snap


def findings_for(case: Case) -> list[Finding]:
    check_def = load_all_checks()[case.check_id]
    findings = run_check(check_def, snapshot_with(case.data, case.regions, case.gaps))
    if case.resource is not None:
        findings = [f for f in findings if f.resource_id == case.resource]
    return findings


def assert_case(case: Case) -> None:
    findings = findings_for(case)
    assert findings, f"{case}: the check produced no finding" + (
        f" for {case.resource}" if case.resource else "")
    statuses = {f.status for f in findings}
    assert statuses == {case.expected}, f"{case}: got " + "; ".join(
        f"{f.status.value} {f.resource_id}: {f.message}" for f in findings)
    if case.message:
        assert any(case.message in f.message for f in findings), (
            f"{case}: no message contains {case.message!r}: {[f.message for f in findings]}")
