"""Severity, status and pillar area: the vocabulary every finding and detection uses."""

from __future__ import annotations

from enum import Enum


class Severity(str, Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFORMATIONAL = "informational"

    @property
    def rank(self) -> int:
        """Higher is more severe: critical=4 ... informational=0."""
        return _SEVERITY_RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.strip().lower())
        except ValueError:
            names = ", ".join(s.value for s in cls)
            from cloudwarden.core.errors import UsageError

            raise UsageError(f"unknown severity {text!r}", hint=f"use one of: {names}") from None


_SEVERITY_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFORMATIONAL: 0,
}


class Status(str, Enum):
    PASS = "PASS"
    FAIL = "FAIL"
    # The data the check needs could not be collected: never a pass.
    UNKNOWN = "UNKNOWN"
    # The check itself raised; a bug in cloudwarden or data it did not expect.
    ERROR = "ERROR"
    # A FAIL that a suppression rule accepted; the finding keeps the rule's reason and owner.
    MUTED = "MUTED"
    # A benchmark control that needs a person's review; the message says what to look at.
    MANUAL = "MANUAL"


class Area(str, Enum):
    """The five best-practice areas of the Well-Architected security pillar."""

    IAM = "Identity and Access Management"
    DET = "Detective Controls"
    INF = "Infrastructure Protection"
    DP = "Data Protection"
    IR = "Incident Response"

    @property
    def code(self) -> str:
        return self.name

    @classmethod
    def parse(cls, text: str) -> Area:
        for area in cls:
            if text in (area.name, area.value):
                return area
        raise ValueError(f"unknown area {text!r}")
