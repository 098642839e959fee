"""What changed between two assessments: new, resolved, still failing and newly unknown results.

Results are matched by (account, check, region, resource). Between two snapshots the changes
behind them are told by the checks and the network engine, not by comparing fields: a resource
whose verdict changed is listed with the compliant condition it lost or regained and the evidence
before and after, and every port the internet newly reaches (or no longer reaches) is listed from
the exposure analysis of both snapshots.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.core.enums import Severity, Status
from cloudwarden.core.findings import Finding
from cloudwarden.engines.network import Exposure, analyze, model_from_snapshot
from cloudwarden.inventory.snapshot import DataUnavailable, Snapshot
from cloudwarden.posture.sources import Results

Key = tuple[str, str, str, str]
CATEGORIES = ("new", "resolved", "still_failing", "newly_unknown", "newly_muted")
_GAP = (Status.UNKNOWN, Status.ERROR)


def key_of(finding: Finding) -> Key:
    return (finding.account_id, finding.check_id, finding.region, finding.resource_id)


@dataclass
class Change:
    category: str
    finding: Finding  # the newer result (the older one for a result that is gone)
    before: Finding | None
    after: Finding | None

    def to_dict(self) -> dict[str, Any]:
        subject = self.finding
        return {"category": self.category, "check_id": subject.check_id, "title": subject.title,
                "severity": subject.severity.value, "area": subject.area.code, "account_id": subject.account_id,
                "region": subject.region, "resource_id": subject.resource_id, "resource_arn": subject.resource_arn,
                "before": _state(self.before), "after": _state(self.after)}


def _state(finding: Finding | None) -> dict[str, str] | None:
    return None if finding is None else {"status": finding.status.value, "message": finding.message}


@dataclass
class Diff:
    old: Results
    new: Results
    changes: list[Change] = field(default_factory=list)
    exposure_opened: list[Exposure] = field(default_factory=list)
    exposure_closed: list[Exposure] = field(default_factory=list)
    config_changes_available: bool = False

    def of(self, category: str) -> list[Change]:
        return [c for c in self.changes if c.category == category]

    def counts(self) -> dict[str, dict[str, int]]:
        table: dict[str, dict[str, int]] = {}
        for category in CATEGORIES:
            by_severity = Counter(c.finding.severity.value for c in self.of(category))
            table[category] = {s.value: by_severity.get(s.value, 0) for s in Severity}
            table[category]["total"] = sum(by_severity.values())
        return table

    def new_at_or_above(self, severity: Severity) -> list[Change]:
        return [c for c in self.of("new") if c.finding.severity.rank >= severity.rank]

    def config_changes(self) -> list[dict[str, Any]]:
        """Per resource, the compliant conditions it lost or regained, with the evidence."""
        per_resource: dict[tuple[str, str, str], dict[str, Any]] = {}
        for change in self.changes:
            if change.category not in ("new", "resolved"):
                continue
            f = change.finding
            entry = per_resource.setdefault((f.account_id, f.region, f.resource_id), {
                "account_id": f.account_id, "region": f.region, "resource_id": f.resource_id,
                "resource_type": f.resource_type, "worse": [], "better": []})
            side = "worse" if change.category == "new" else "better"
            entry[side].append({"check_id": f.check_id, "kind": change_kind(f.check_id, worse=side == "worse"),
                                "condition": f.title, "severity": f.severity.value,
                                "before": change.before.message if change.before else "(not reported)",
                                "after": change.after.message if change.after else "(resource gone)"})
        return sorted(per_resource.values(), key=lambda e: (not e["worse"], e["region"], e["resource_id"]))

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "schema": "cloudwarden-diff", "schema_version": "1.0",
            "old": {"path": str(self.old.path), "account_id": self.old.account_id,
                    "collected_at": self.old.collected_at},
            "new": {"path": str(self.new.path), "account_id": self.new.account_id,
                    "collected_at": self.new.collected_at},
            "counts": self.counts(),
            "changes": {category: [c.to_dict() for c in self.of(category)] for category in CATEGORIES},
        }
        if self.config_changes_available:
            document["configuration_changes"] = {
                "resources": self.config_changes(),
                "internet_exposure_opened": [_exposure(e) for e in self.exposure_opened],
                "internet_exposure_closed": [_exposure(e) for e in self.exposure_closed],
            }
        return document


def diff(old: Results, new: Results) -> Diff:
    before = {key_of(f): f for f in old.findings}
    after = {key_of(f): f for f in new.findings}
    result = Diff(old, new)
    for key, current in after.items():
        category = _category(before.get(key), current)
        if category:
            result.changes.append(Change(category, current, before.get(key), current))
    for key, previous in before.items():
        # Gone from the newer results although its check ran: the resource was removed.
        if key not in after and previous.status is Status.FAIL and key[1] in new.checks:
            result.changes.append(Change("resolved", previous, previous, None))
    result.changes.sort(key=lambda c: (CATEGORIES.index(c.category), -c.finding.severity.rank,
                                       c.finding.check_id, c.finding.region, c.finding.resource_id))
    if old.snapshot is not None and new.snapshot is not None:
        result.config_changes_available = True
        opened, closed = _exposure_changes(old.snapshot, new.snapshot)
        result.exposure_opened, result.exposure_closed = opened, closed
    return result


# What kind of configuration change a check's verdict stands for, by the words of its id.
_KINDS = (
    (("public", "foreign", "shared", "anonymous"), "made public", "no longer public"),
    (("logging", "trail", "flow_log", "recorder", "monitor", "alarm"), "monitoring turned off",
     "monitoring turned on"),
    (("reachable", "sg_", "nacl", "port", "ingress"), "network opened", "network closed"),
    (("policy", "admin", "escalation", "wildcard", "trust", "privilege"), "permissions widened",
     "permissions narrowed"),
    (("encrypt", "kms", "ssl", "tls"), "encryption weakened", "encryption strengthened"),
)


def change_kind(check_id: str, worse: bool) -> str:
    condition = check_id.split(".", 1)[-1]
    for words, worse_kind, better_kind in _KINDS:
        if any(word in condition for word in words):
            return worse_kind if worse else better_kind
    return "setting weakened" if worse else "setting fixed"


def _category(previous: Finding | None, current: Finding) -> str | None:
    was = previous.status if previous else None
    now = current.status
    if now is Status.FAIL:
        return "still_failing" if was is Status.FAIL else "new"
    if now is Status.PASS and was is Status.FAIL:
        return "resolved"
    if now is Status.MUTED and was is Status.FAIL:
        return "newly_muted"
    if now in _GAP and was not in _GAP:
        return "newly_unknown"
    return None


def _exposure_changes(old: Snapshot, new: Snapshot) -> tuple[list[Exposure], list[Exposure]]:
    before, after = _exposures(old), _exposures(new)
    opened = [after[k] for k in sorted(set(after) - set(before))]
    closed = [before[k] for k in sorted(set(before) - set(after))]
    return opened, closed


def _exposures(snapshot: Snapshot) -> dict[tuple[Any, ...], Exposure]:
    found: dict[tuple[Any, ...], Exposure] = {}
    for region in snapshot.regions:
        try:
            model = model_from_snapshot(snapshot, region)
        except DataUnavailable:
            continue  # the exposure checks already report this region UNKNOWN
        for exposure in analyze(model):
            found[(exposure.region, exposure.resource_id, exposure.protocol, exposure.from_port, exposure.to_port,
                   exposure.ip_version, exposure.source)] = exposure
    return found


def _exposure(exposure: Exposure) -> dict[str, Any]:
    return {"region": exposure.region, "resource_id": exposure.resource_id, "resource_type": exposure.resource_type,
            "ports": exposure.port_text(), "source": exposure.source, "ip_version": exposure.ip_version,
            "severity": exposure.severity, "path": exposure.path_text()}
