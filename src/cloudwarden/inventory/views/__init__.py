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
    PerRegion(snapshot, dataset, build)    lazy, cached per region: .part(region) -> Part[tuple[T, ...]],
                                           view(region) -> tuple[T, ...] (raises DataUnavailable)
    PerRegionValue(snapshot, dataset, build)  one (non-list) value per region: .part(region) -> Part[T], view(region)
    Global(snapshot, dataset, build)       the same for an account-wide dataset: .part(), view()

    from cloudwarden.inventory.views.ec2 import Ec2View, SecurityGroup, SgRule, NetworkAcl, Instance
    from cloudwarden.inventory.views.kms import KmsView, KmsKey
    from cloudwarden.inventory.views.rds import RdsView, DbInstance, DbCluster
    from cloudwarden.inventory.views.s3 import S3View, Bucket
    from cloudwarden.inventory.views.cloudtrail import TrailView, Trail
    from cloudwarden.inventory.views.iam import IamView, CredentialRow
    from cloudwarden.inventory.views.elb import ElbView, LoadBalancer, ClassicLoadBalancer, TargetGroup
    from cloudwarden.inventory.views.cloudwatch import CloudWatchView, Alarm, MetricFilter, Subscription
    from cloudwarden.inventory.views.securityhub import SecurityHubView, Hub, Standard
    from cloudwarden.inventory.views.organizations import OrganizationsView, Organization, Tree, Account, Policy
    (and events, cloudformation, accessanalyzer, support, account, inspector, detective, guardduty, config)

A view is built with ``ViewClass(snapshot)`` (reads nothing yet) and memoised per assessment
(``ctx.view(Ec2View)`` in a check). Every part reads its datasets the first time it is asked for and
keeps the answer, so a check reads only what it uses (the "reads what it declares" meta-test holds)
and the raw dicts are parsed once per snapshot, not once per check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from cloudwarden.inventory.snapshot import GLOBAL, DataUnavailable, Snapshot

T = TypeVar("T")
U = TypeVar("U")


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

    def map(self, convert: Callable[[T], U]) -> Part[U]:
        """The same gap, or the value converted (a raw entry parsed into its typed form)."""
        return Part(convert(self.value), None) if self.gap is None else Part(None, self.gap)  # type: ignore[arg-type]

    def get(self) -> T:
        """The value; raises the gap's DataUnavailable when it was not collected."""
        if self.gap is not None:
            raise self.gap
        return self.value  # type: ignore[return-value]


class Deferred(Generic[T]):
    """A Part read on first use (a per-resource entry that only some consumers need)."""

    __slots__ = ("_read", "_part")

    def __init__(self, read: Callable[[], Part[T]]) -> None:
        self._read = read
        self._part: Part[T] | None = None

    def resolve(self) -> Part[T]:
        if self._part is None:
            self._part = self._read()
        return self._part

    @property
    def known(self) -> bool:
        return self.resolve().known

    @property
    def value(self) -> T | None:
        return self.resolve().value

    @property
    def reason(self) -> str:
        return self.resolve().reason

    def get(self) -> T:
        return self.resolve().get()


class PerRegion(Generic[T]):
    """The items of a regional list dataset, as frozen view objects, built lazily once per region.

    A region whose dataset could not be read is a missing Part: ``view(region)`` raises its
    DataUnavailable, never an empty tuple."""

    def __init__(self, snapshot: Snapshot, dataset: str, build: Callable[[str, Any], T]) -> None:
        self.snapshot = snapshot
        self.dataset = dataset
        self._build = build
        self._parts: dict[str, Part[tuple[T, ...]]] = {}

    @property
    def regions(self) -> list[str]:
        return list(self.snapshot.regions)

    def part(self, region: str) -> Part[tuple[T, ...]]:
        found = self._parts.get(region)
        if found is None:
            found = Part.of(lambda: tuple(self._build(region, raw)
                                          for raw in required(self.snapshot, self.dataset, region) or []))
            self._parts[region] = found
        return found

    def __call__(self, region: str) -> tuple[T, ...]:
        return self.part(region).get()


class PerRegionValue(Generic[T]):
    """One value per region of a regional dataset that is not a list (a hub, an administrator, a
    status), built lazily once per region; a region that could not be read is a missing Part."""

    def __init__(self, snapshot: Snapshot, dataset: str, build: Callable[[str, Any], T]) -> None:
        self.snapshot = snapshot
        self.dataset = dataset
        self._build = build
        self._parts: dict[str, Part[T]] = {}

    def part(self, region: str) -> Part[T]:
        found = self._parts.get(region)
        if found is None:
            found = Part.of(lambda: self._build(region, required(self.snapshot, self.dataset, region)))
            self._parts[region] = found
        return found

    def __call__(self, region: str) -> T:
        return self.part(region).get()


class Global(Generic[T]):
    """One account-wide value (a dataset under the "global" region) built lazily once."""

    def __init__(self, snapshot: Snapshot, dataset: str, build: Callable[[Any], T]) -> None:
        self.snapshot = snapshot
        self.dataset = dataset
        self._build = build
        self._part: Part[T] | None = None

    def part(self) -> Part[T]:
        if self._part is None:
            self._part = Part.of(lambda: self._build(required(self.snapshot, self.dataset, GLOBAL)))
        return self._part

    def __call__(self) -> T:
        return self.part().get()


def item_part(snapshot: Snapshot, dataset: str, region: str, key: str) -> Part[Any]:
    """One resource's entry of a per-resource dataset, or the gap that stands for it."""
    return Part.of(lambda: snapshot.item(dataset, region, key))


def deferred_item(snapshot: Snapshot, dataset: str, region: str, key: str,
                  convert: Callable[[Any], Any] | None = None) -> Deferred[Any]:
    """A per-resource entry read (and converted) the first time a consumer asks for it."""
    if convert is None:
        return Deferred(lambda: item_part(snapshot, dataset, region, key))
    return Deferred(lambda: item_part(snapshot, dataset, region, key).map(convert))


def tags(raw: dict[str, Any]) -> dict[str, str]:
    return {str(t.get("Key", "")): str(t.get("Value", "")) for t in raw.get("Tags") or []}


def strings(raw: dict[str, Any], key: str) -> tuple[str, ...]:
    """The list of strings at ``raw[key]`` (none when absent)."""
    return tuple(str(value) for value in raw.get(key) or [])


def values_of(items: Any, key: str) -> tuple[str, ...]:
    """``item[key]`` of every item (of a list of dicts, None for none) that has one."""
    return tuple(str(item[key]) for item in items or [] if item.get(key))


def label(ident: str, raw: dict[str, Any]) -> str:
    """How a finding names a resource: "id (Name tag)", or the id when it has no Name tag."""
    name = tags(raw).get("Name")
    return f"{ident} ({name})" if name else ident


__all__ = ["DataUnavailable", "Deferred", "Global", "Part", "PerRegion", "PerRegionValue", "deferred_item", "item_part", "label", "required", "strings", "tags", "values_of"]
