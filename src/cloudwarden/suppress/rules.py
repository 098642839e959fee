"""A suppression rule, how it matches one finding, and what applying a set of rules produced."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from fnmatch import fnmatchcase
from typing import Any

from cloudwarden.core.enums import Status
from cloudwarden.core.findings import Finding

# Patterns are shell globs (cloudwarden's format) or regular expressions (Prowler's mutelist).
Matcher = Callable[[str], bool]


def glob_matcher(pattern: str) -> Matcher:
    return lambda value: fnmatchcase(value, pattern)


def tag_glob_matcher(key: str, pattern: str) -> Matcher:
    def match(pair: str) -> bool:
        name, _, value = pair.partition("=")
        return name == key and fnmatchcase(value, pattern)

    return match


def regex_matcher(pattern: str) -> Matcher:
    # Prowler treats a lone "*" as "everything" and every other entry as a regex searched in the value.
    compiled = re.compile(".*" if pattern == "*" else pattern)
    return lambda value: compiled.search(value) is not None


@dataclass(frozen=True)
class Rule:
    """One accepted risk. An empty matcher list matches anything; all given matchers must match."""

    id: str
    reason: str
    owner: str
    line: int  # where the rule starts in its file, for messages
    expires: date | None = None
    checks: tuple[Matcher, ...] = ()
    resources: tuple[Matcher, ...] = ()
    accounts: tuple[Matcher, ...] = ()
    regions: tuple[Matcher, ...] = ()
    # Each matcher must match one of the resource's tags, written "key=value".
    tags: tuple[Matcher, ...] = ()
    # Prowler's Exceptions: a finding matching any of these is not muted by the rule.
    exceptions: tuple[Rule, ...] = ()
    source: str = "cloudwarden"
    # Human-readable form of what the rule matches, for listings.
    describe: str = ""
    # Other names of a check the check matchers also try (Prowler's ids, for mutelist rules).
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False, hash=False)

    def expired(self, today: date) -> bool:
        return self.expires is not None and today > self.expires

    def matches(self, finding: Finding, tags: Mapping[str, str]) -> bool:
        if not _any(self.checks, (finding.check_id, *self.aliases.get(finding.check_id, ()))):
            return False
        if not _any(self.resources, tuple(v for v in (finding.resource_arn, finding.resource_id) if v)):
            return False
        if not _any(self.accounts, (finding.account_id,)) or not _any(self.regions, (finding.region,)):
            return False
        pairs = tuple(f"{key}={value}" for key, value in tags.items())
        if not all(any(match(pair) for pair in pairs) for match in self.tags):
            return False
        return not any(exception.matches_exception(finding, tags) for exception in self.exceptions)

    def matches_exception(self, finding: Finding, tags: Mapping[str, str]) -> bool:
        # An exception names only what it excepts: a field it leaves empty does not widen it.
        fields = (self.checks, self.resources, self.accounts, self.regions, self.tags)
        if not any(fields):
            return False
        return self.matches(finding, tags)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "reason": self.reason, "owner": self.owner,
                "expires": self.expires.isoformat() if self.expires else None, "line": self.line,
                "source": self.source, "matches": self.describe}


def _any(matchers: tuple[Matcher, ...], values: tuple[str, ...]) -> bool:
    if not matchers:
        return True
    return any(match(value) for match in matchers for value in values)


@dataclass
class SuppressionOutcome:
    """What applying the rules did: muted results per rule, expired and stale rules."""

    findings: list[Finding]
    muted: dict[str, int] = field(default_factory=dict)
    expired: list[Rule] = field(default_factory=list)
    stale: list[Rule] = field(default_factory=list)
    active: list[Rule] = field(default_factory=list)
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The `suppressions` section of findings.json."""
        return {
            "file": self.source,
            "muted": sum(self.muted.values()),
            "rules": [{**rule.to_dict(), "muted": self.muted.get(rule.id, 0)} for rule in self.active],
            "expired": [rule.to_dict() for rule in self.expired],
            "stale": [rule.to_dict() for rule in self.stale],
        }


# Only failures are muted: a PASS needs no acceptance, and an UNKNOWN or ERROR is a gap in what we
# know, which an accepted risk must not hide.
MUTABLE = (Status.FAIL,)


def apply_rules(findings: list[Finding], rules: list[Rule], tags: Mapping[str, Mapping[str, str]],
                today: date, source: str = "") -> SuppressionOutcome:
    """Mute the failures a live rule matches; list expired rules and rules that muted nothing."""
    live = [rule for rule in rules if not rule.expired(today)]
    outcome = SuppressionOutcome(findings=[], expired=[r for r in rules if r.expired(today)], active=live,
                                 source=source)
    for finding in findings:
        outcome.findings.append(_apply_one(finding, live, tags, outcome.muted))
    outcome.stale = [rule for rule in live if not outcome.muted.get(rule.id)]
    return outcome


def _apply_one(finding: Finding, live: list[Rule], tags: Mapping[str, Mapping[str, str]],
               muted: dict[str, int]) -> Finding:
    if finding.status not in MUTABLE:
        return finding
    resource_tags = tags.get(finding.resource_arn) or tags.get(finding.resource_id) or {}
    for rule in live:
        if rule.matches(finding, resource_tags):
            muted[rule.id] = muted.get(rule.id, 0) + 1
            return replace(finding, status=Status.MUTED, suppression={
                "rule": rule.id, "reason": rule.reason, "owner": rule.owner,
                "expires": rule.expires.isoformat() if rule.expires else None,
                "original_status": finding.status.value})
    return finding


@dataclass(frozen=True)
class RuleSet:
    """The rules of one suppressions file, as the assessment applies them."""

    rules: tuple[Rule, ...]
    source: str = ""

    def apply(self, findings: list[Finding], tags: Mapping[str, Mapping[str, str]], today: date
              ) -> SuppressionOutcome:
        return apply_rules(findings, list(self.rules), tags, today, self.source)
