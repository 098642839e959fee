"""AWS Support as typed views: Trusted Advisor's checks with their results (a per-check part) and the
severity levels a case may be opened with. Both are None on a Basic (or Developer) support plan, where
the Support API does not answer: an answer, not a gap."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudwarden.inventory.snapshot import GLOBAL, Snapshot
from cloudwarden.inventory.views import Deferred, Global, deferred_item

TA_CHECKS, TA_RESULTS = "support.trusted_advisor_checks", "support.trusted_advisor_results"
SEVERITY = "support.severity_levels"


@dataclass(frozen=True)
class CheckResult:
    status: str  # ok, warning, error, not_available
    flagged: Any  # how many resources it flags, as reported (0 when not)

    @classmethod
    def of(cls, raw: dict[str, Any] | None) -> CheckResult | None:
        if raw is None:
            return None
        return cls(str(raw.get("status")), raw.get("flagged", 0))


@dataclass(frozen=True)
class AdvisorCheck:
    id: str
    name: str  # the id when unnamed
    result: Deferred[CheckResult | None] = field(repr=False, compare=False)  # None: Trusted Advisor has none


class SupportView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.trusted_advisor_checks: Global[tuple[AdvisorCheck, ...] | None] = Global(
            snapshot, TA_CHECKS, lambda raw: None if raw is None else tuple(AdvisorCheck(
                str(c["id"]), str(c.get("name") or c["id"]),
                deferred_item(snapshot, TA_RESULTS, GLOBAL, str(c["id"]), CheckResult.of)) for c in raw))
        # The severity codes ("low" ... "critical"); None on a plan without technical support.
        self.severity_levels: Global[tuple[str, ...] | None] = Global(
            snapshot, SEVERITY, lambda raw: None if raw is None else tuple(str(level.get("code")) for level in raw))


__all__ = ["AdvisorCheck", "CheckResult", "SupportView"]
