"""A detection rule: metadata plus a SQL condition over the store's columns.

Three families share this shape: the CIS monitoring detections (cis.py), the built-in attacker
behaviours (builtin.py) and Sigma rules compiled to SQL (sigma.py). A rule either matches single
events, or counts matching events in a sliding window (``threshold``), or pairs two conditions
close in time (``near``). Pure data and SQL-text helpers; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from cloudwarden.core.enums import Severity

# Who did it: the key single-event detections are grouped by, and the default key of windows.
ACTOR_SQL = "coalesce(user_arn, user_principal_id, user_invoked_by, source_ip, 'unknown')"

EXACT = "exact"  # case-sensitive, as CloudWatch metric filters compare
SIGMA = "sigma"  # case-insensitive, wildcards, absent field never equal


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: Severity
    technique: str  # MITRE ATT&CK technique id, e.g. "T1562.008"
    where: str  # SQL boolean over the store's columns; never NULL
    family: str  # "cis" | "builtin" | "sigma"
    semantics: str = EXACT
    description: str = ""
    threshold: int = 0  # > 0: fires when more than this many matches fall in one window
    window_seconds: int = 0
    group_by: str = ACTOR_SQL  # SQL expression windows are counted per
    distinct: str | None = None  # count distinct values of this expression instead of events
    near: str | None = None  # a second condition that must match close in time (same actor)
    first_seen: str | None = None  # fires on a value of this expression new for the group (history)
    author: str = ""
    references: tuple[str, ...] = field(default_factory=tuple)

    @property
    def kind(self) -> str:
        if self.near is not None:
            return "near"
        if self.first_seen is not None:
            return "first_seen"
        return "window" if self.threshold > 0 else "event"

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "rule_id": self.id,
            "title": self.title,
            "severity": self.severity.value,
            "technique": self.technique,
            "family": self.family,
            "semantics": self.semantics,
            "kind": self.kind,
        }
        if self.kind in ("window", "near"):
            data.update(threshold=self.threshold, window_seconds=self.window_seconds)
        if self.author:
            data["author"] = self.author
        return data


def quote(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def any_of(column: str, values: Iterable[str]) -> str:
    """Exact (case-sensitive) membership that is false, never NULL, when the column is absent."""
    return f"coalesce({column} IN ({', '.join(quote(v) for v in values)}), false)"


def equals(column: str, value: str) -> str:
    return f"coalesce({column} = {quote(value)}, false)"


def differs(column: str, value: str) -> str:
    """``!=`` as CloudWatch filters mean it: an absent key differs from every value."""
    return f"({column} IS DISTINCT FROM {quote(value)})"


def all_of(*conditions: str) -> str:
    return "(" + " AND ".join(conditions) + ")"


def either(*conditions: str) -> str:
    return "(" + " OR ".join(conditions) + ")"
