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
    # count distinct elements of this SQL list expression (the targets of each event: instance ids,
    # object keys, parameter names...) instead of events: "more than N distinct targets in W"
    targets: str | None = None
    near: str | None = None  # a second condition that must match close in time (same actor)
    first_seen: str | None = None  # fires on a value of this expression new for the group (history)
    # fires on the event that first showed a value of this baseline dimension (baseline.DIMENSIONS)
    # in the whole store's history, once the principal has been seen for learning_seconds
    baseline: str | None = None
    learning_seconds: int = 86400
    author: str = ""
    references: tuple[str, ...] = field(default_factory=tuple)

    @property
    def kind(self) -> str:
        if self.near is not None:
            return "near"
        if self.first_seen is not None:
            return "first_seen"
        if self.baseline is not None:
            return "baseline"
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
        if self.kind == "window" and (self.distinct or self.targets):
            data["counts"] = "distinct targets" if self.targets else "distinct values"
        if self.baseline is not None:
            data.update(baseline=self.baseline, learning_seconds=self.learning_seconds)
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


def required_literals(pattern: str) -> list[str]:
    """Texts (3+ characters, longest first) that every match of the regular expression ``pattern`` contains.

    Conservative: a pattern with groups, alternation or flags gives none. ``contains`` with these
    texts is much cheaper than the regular expression, so it can go in front of it.
    """
    if any(char in pattern for char in "(|)"):
        return []
    runs: list[str] = []
    run: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            escaped = pattern[index + 1:index + 2]
            if not escaped or escaped.isalnum():
                runs.append("".join(run))
                run = []
            else:
                run.append(escaped)
            index += 2
            continue
        if char in "?*{":
            if run:
                run.pop()  # the atom before an optional quantifier need not occur
            runs.append("".join(run))
            run = []
            if char == "{":
                index = pattern.find("}", index)
                if index < 0:
                    return []
        elif char == "+":
            runs.append("".join(run))
            run = []
        elif char == "[":
            runs.append("".join(run))
            run = []
            index += 2 if pattern[index + 1:index + 2] == "^" else 1
            index += 1 if pattern[index:index + 1] == "]" else 0  # a leading ] is a member
            while index < len(pattern) and pattern[index] != "]":
                index += 2 if pattern[index] == "\\" else 1
            if index >= len(pattern):
                return []
        elif char in ".^$":
            runs.append("".join(run))
            run = []
        else:
            run.append(char)
        index += 1
    runs.append("".join(run))
    return sorted({text for text in runs if len(text) >= 3}, key=lambda text: (-len(text), text))


def matches(subject: str, pattern: str) -> str:
    """``regexp_matches``, false (never NULL) for an absent value, behind cheap ``contains`` tests when
    it can be. Each test is its own two-valued conjunct: DuckDB then evaluates the regular expression
    only on the rows that passed them (inside one ``coalesce`` it evaluates every operand)."""
    tests = [f"coalesce(contains({subject}, {quote(text)}), false)" for text in required_literals(pattern)]
    tests.append(f"coalesce(regexp_matches({subject}, {quote(pattern)}), false)")
    return f"({' AND '.join(tests)})" if len(tests) > 1 else tests[0]
