"""Incidents: detections of the same actor close in time, told together, most severe first.

Two detections belong to one incident when they share a principal ARN, an access key or (for a
role session) the session, and their time spans are within ``window`` of each other. The grouping
is a union-find over those links, so A-B and B-C put A, B and C together. Pure functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cloudwarden.core.enums import Severity
from cloudwarden.engines.trail.detect import Detection

DEFAULT_WINDOW = timedelta(hours=1)
# Service principals act for everyone; linking through them would merge unrelated people.
_SHARED_ACTORS = ("AWS Internal",)


@dataclass(frozen=True)
class Incident:
    id: str
    severity: Severity
    first_seen: datetime | None
    last_seen: datetime | None
    principals: tuple[str, ...]
    access_keys: tuple[str, ...]
    source_ips: tuple[str, ...]
    detections: tuple[Detection, ...]

    @property
    def techniques(self) -> tuple[str, ...]:
        return tuple(sorted({d.rule.technique for d in self.detections if d.rule.technique}))

    def to_dict(self) -> dict[str, Any]:
        return {
            "incident_id": self.id,
            "severity": self.severity.value,
            "first_seen": self.first_seen.isoformat() + "Z" if self.first_seen else None,
            "last_seen": self.last_seen.isoformat() + "Z" if self.last_seen else None,
            "principals": list(self.principals),
            "access_keys": list(self.access_keys),
            "source_ips": list(self.source_ips),
            "techniques": list(self.techniques),
            "detections": [d.to_dict() for d in self.detections],
        }


def _identities(detection: Detection) -> set[str]:
    keys = {f"arn:{a}" for a in detection.principals if a not in _SHARED_ACTORS}
    keys |= {f"key:{k}" for k in detection.access_keys}
    return keys


def _close(a: Detection, b: Detection, window: timedelta) -> bool:
    if not (a.first_seen and a.last_seen and b.first_seen and b.last_seen):
        return True
    return a.first_seen - window <= b.last_seen and b.first_seen - window <= a.last_seen


def _find(parent: list[int], node: int) -> int:
    while parent[node] != node:
        parent[node] = parent[parent[node]]
        node = parent[node]
    return node


def group_incidents(detections: Sequence[Detection], window: timedelta = DEFAULT_WINDOW) -> list[Incident]:
    """Incidents from detections, most severe first, then earliest."""
    parent = list(range(len(detections)))
    by_identity: dict[str, list[int]] = {}
    for index, detection in enumerate(detections):
        for identity in _identities(detection):
            by_identity.setdefault(identity, []).append(index)
    for members in by_identity.values():
        for position, index in enumerate(members):
            for other in members[:position]:
                if _close(detections[index], detections[other], window):
                    parent[_find(parent, index)] = _find(parent, other)
    groups: dict[int, list[Detection]] = {}
    for index, detection in enumerate(detections):
        groups.setdefault(_find(parent, index), []).append(detection)
    incidents = [_incident(members) for members in groups.values()]
    incidents.sort(key=lambda i: (-i.severity.rank, -len(i.detections), i.first_seen or datetime.max))
    return [_numbered(incident, number) for number, incident in enumerate(incidents, start=1)]


def _incident(members: list[Detection]) -> Incident:
    members.sort(key=lambda d: (d.first_seen or datetime.max, -d.rule.severity.rank))
    firsts = [d.first_seen for d in members if d.first_seen]
    lasts = [d.last_seen for d in members if d.last_seen]
    return Incident(
        id="",
        severity=max((d.rule.severity for d in members), key=lambda s: s.rank),
        first_seen=min(firsts) if firsts else None,
        last_seen=max(lasts) if lasts else None,
        principals=tuple(sorted({p for d in members for p in d.principals})),
        access_keys=tuple(sorted({k for d in members for k in d.access_keys})),
        source_ips=tuple(sorted({ip for d in members for ip in d.source_ips})),
        detections=tuple(members),
    )


def _numbered(incident: Incident, number: int) -> Incident:
    return Incident(f"INC-{number:04d}", incident.severity, incident.first_seen, incident.last_seen,
                    incident.principals, incident.access_keys, incident.source_ips, incident.detections)
