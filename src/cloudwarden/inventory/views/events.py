"""EventBridge as typed views: each region's rules on the default bus, with their targets (a per-rule part)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views import Deferred, PerRegion, deferred_item

RULES, TARGETS = "events.rules", "events.rule_targets"

Matcher = tuple[str, str]  # ("exact", "aws.guardduty") or ("prefix", "aws.")


def source_matchers(event_pattern: Any) -> tuple[Matcher, ...]:
    """What an event pattern's ``source`` field matches: exact values and prefixes (other kinds, and a
    pattern that is not JSON, match no source)."""
    try:
        pattern = json.loads(str(event_pattern or "{}"))
    except json.JSONDecodeError:
        return ()
    matchers = pattern.get("source") if isinstance(pattern, dict) else None
    found: list[Matcher] = []
    for m in matchers if isinstance(matchers, list) else [matchers]:
        if isinstance(m, str):
            found.append(("exact", m))
        elif isinstance(m, dict) and isinstance(m.get("prefix"), str):
            found.append(("prefix", m["prefix"]))
    return tuple(found)


def matches_source(matchers: tuple[Matcher, ...], source: str) -> bool:
    return any(value == source if kind == "exact" else source.startswith(value) for kind, value in matchers)


@dataclass(frozen=True)
class Rule:
    region: str
    name: str
    state: str  # ENABLED when not reported
    sources: tuple[Matcher, ...]  # what its event pattern's ``source`` matches
    targets: Deferred[tuple[str, ...]] = field(repr=False, compare=False)  # the targets' ARNs

    @property
    def enabled(self) -> bool:
        return self.state == "ENABLED"


class EventsView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

        def rule(region: str, raw: dict[str, Any]) -> Rule:
            name = str(raw["Name"])
            return Rule(region, name, str(raw.get("State", "ENABLED")), source_matchers(raw.get("EventPattern")),
                        deferred_item(snapshot, TARGETS, region, name,
                                      lambda targets: tuple(str(t.get("Arn")) for t in targets or [])))

        self.rules: PerRegion[Rule] = PerRegion(snapshot, RULES, rule)


__all__ = ["EventsView", "Matcher", "Rule", "matches_source", "source_matchers"]
