"""EventBridge as typed views: each region's rules on the default bus, with their targets (a per-rule part)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views import Deferred, PerRegion, deferred_item

RULES, TARGETS = "events.rules", "events.rule_targets"


@dataclass(frozen=True)
class Rule:
    region: str
    name: str
    state: str  # ENABLED when not reported
    event_pattern: str  # the pattern's JSON text ("{}" when the rule has none)
    targets: Deferred[tuple[str, ...]] = field(repr=False, compare=False)  # the targets' ARNs

    @property
    def enabled(self) -> bool:
        return self.state == "ENABLED"


class EventsView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

        def rule(region: str, raw: dict[str, Any]) -> Rule:
            name = str(raw["Name"])
            return Rule(region, name, str(raw.get("State", "ENABLED")), str(raw.get("EventPattern") or "{}"),
                        deferred_item(snapshot, TARGETS, region, name,
                                      lambda targets: tuple(str(t.get("Arn")) for t in targets or [])))

        self.rules: PerRegion[Rule] = PerRegion(snapshot, RULES, rule)


__all__ = ["EventsView", "Rule"]
