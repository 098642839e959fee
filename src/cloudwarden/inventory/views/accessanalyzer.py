"""IAM Access Analyzer as typed views: each region's analyzers, with the active findings of each
external-access analyzer (a per-analyzer part)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views import Deferred, PerRegion, deferred_item

ANALYZERS, FINDINGS = "accessanalyzer.analyzers", "accessanalyzer.active_findings"
EXTERNAL = ("ACCOUNT", "ORGANIZATION")  # the analyzer types that report access from outside


@dataclass(frozen=True)
class Analyzer:
    region: str
    name: str
    arn: str
    type: str
    status: str  # ACTIVE, CREATING, DISABLED, FAILED
    findings: Deferred[tuple[str, ...]] = field(repr=False, compare=False)  # each active finding's resource type

    @property
    def external(self) -> bool:
        return self.type in EXTERNAL


class AccessAnalyzerView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

        def analyzer(region: str, raw: dict[str, Any]) -> Analyzer:
            arn = str(raw.get("arn"))
            return Analyzer(region, str(raw.get("name")), arn, str(raw.get("type")), str(raw.get("status")), deferred_item(
                snapshot, FINDINGS, region, arn, lambda found: tuple(str(f.get("resourceType")) for f in found or [])))

        self.analyzers: PerRegion[Analyzer] = PerRegion(snapshot, ANALYZERS, analyzer)


__all__ = ["AccessAnalyzerView", "Analyzer"]
