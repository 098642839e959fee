"""Typed, frozen views over a snapshot: checks and engines read these, the raw boto3 dicts stay behind.

Gap semantics live here, in one place:

- a *required* part (the list a view is built from: the security groups of a region, the KMS keys)
  that was not collected raises ``DataUnavailable`` when the view is built, so the consumer's verdict
  for that scope is UNKNOWN, never "nothing to evaluate";
- an *optional* part (a prefix list's entries, a key's rotation status) is a :class:`Part`: it holds
  the value, or the reason it is missing. A consumer reads ``part.value`` only after ``part.known``,
  or calls ``part.get()``, which raises the gap's ``DataUnavailable``; it must surface the gap.

Stable API (other branches build on it):

    required(snapshot, dataset, region) -> value            raises DataUnavailable
    Part.of(lambda: snapshot.item(...)) -> Part[T]          .known, .value, .reason, .get()
    Part.found(value) / Part.missing(unavailable)
    from cloudwarden.inventory.views.ec2 import security_groups, SecurityGroup, SgRule
    from cloudwarden.inventory.views.kms import kms_keys, KmsKey
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from cloudwarden.inventory.snapshot import DataUnavailable, Snapshot

T = TypeVar("T")


def required(snapshot: Snapshot, dataset: str, region: str) -> Any:
    """A part the view cannot be built without: its absence raises DataUnavailable."""
    return snapshot.get(dataset, region)


@dataclass(frozen=True)
class Part(Generic[T]):
    """An optional part of a view: the value, or the gap that stands for it."""

    value: T | None = None
    gap: DataUnavailable | None = None

    @classmethod
    def found(cls, value: T) -> Part[T]:
        return cls(value, None)

    @classmethod
    def missing(cls, gap: DataUnavailable) -> Part[T]:
        return cls(None, gap)

    @classmethod
    def of(cls, read: Callable[[], T]) -> Part[T]:
        try:
            return cls(read(), None)
        except DataUnavailable as gap:
            return cls(None, gap)

    @property
    def known(self) -> bool:
        return self.gap is None

    @property
    def reason(self) -> str:
        return self.gap.reason if self.gap is not None else ""

    def get(self) -> T:
        """The value; raises the gap's DataUnavailable when it was not collected."""
        if self.gap is not None:
            raise self.gap
        return self.value  # type: ignore[return-value]


__all__ = ["DataUnavailable", "Part", "required"]
