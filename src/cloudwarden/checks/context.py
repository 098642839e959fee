"""What a check sees: read access to the snapshot that turns missing data into UNKNOWN results.

A check iterates `ctx.regional(dataset)`; regions whose data is missing are skipped and reported
UNKNOWN by the framework with the gap's reason. `with ctx.resource(id, region):` does the same
for one resource whose per-resource data is missing. A DataUnavailable that escapes the check
makes the whole check UNKNOWN.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from cloudwarden.core.arn import build_arn
from cloudwarden.core.settings import DEFAULT_THRESHOLDS, Thresholds
from cloudwarden.inventory.snapshot import GLOBAL, DataUnavailable, Snapshot
from cloudwarden.inventory.views import Part, PerRegion, PerRegionValue

T = TypeVar("T")
V = TypeVar("V")


@dataclass(frozen=True)
class Skipped:
    resource_id: str
    region: str
    reason: str


class AssessmentContext:
    """One per assessment: what every check of it may share, built once (the engines' analyses)."""

    def __init__(self, snapshot: Snapshot, thresholds: Thresholds | None = None) -> None:
        self.snapshot = snapshot
        # The numbers checks compare with (key age, log retention ...): a config file's, or the defaults.
        self.thresholds = thresholds or DEFAULT_THRESHOLDS
        self._memo: dict[str, Any] = {}

    def memo(self, key: str, build: Callable[[Snapshot], T]) -> T:
        """`build(snapshot)` the first time `key` is asked for in this assessment, then the same value."""
        if key not in self._memo:
            self._memo[key] = build(self.snapshot)
        return self._memo[key]  # type: ignore[no-any-return]

    def view(self, kind: Callable[[Snapshot], V]) -> V:
        """The typed view (inventory/views) of this snapshot, built once per assessment."""
        return self.memo(f"view:{kind.__module__}.{kind.__qualname__}", kind)


class CheckContext:
    def __init__(self, snapshot: Snapshot, assessment: AssessmentContext | None = None) -> None:
        self.snapshot = snapshot
        self.assessment = assessment if assessment is not None and assessment.snapshot is snapshot \
            else AssessmentContext(snapshot, assessment.thresholds if assessment is not None else None)
        self.thresholds = self.assessment.thresholds
        self.account_id = snapshot.account_id
        self.partition = snapshot.partition
        self.regions = list(snapshot.regions)
        self.now = parse_time(snapshot.collected_at) or datetime.now(UTC)
        self.skipped: list[Skipped] = []

    # -- data access --
    def get(self, dataset: str, region: str = GLOBAL) -> Any:
        return self.snapshot.get(dataset, region)

    def item(self, dataset: str, key: str, region: str = GLOBAL) -> Any:
        return self.snapshot.item(dataset, region, key)

    def regional(self, dataset: str) -> Iterator[tuple[str, Any]]:
        """(region, value) for every region with data; gapped regions become UNKNOWN results."""
        for region, value in self.snapshot.regional(dataset):
            if isinstance(value, DataUnavailable):
                self.skipped.append(Skipped(region, region, value.reason))
            else:
                yield region, value

    def each(self, dataset: str) -> Iterator[tuple[str, Any]]:
        """(region, resource) for every resource of a regional list dataset."""
        for region, values in self.regional(dataset):
            for value in values or []:
                yield region, value

    # -- typed views (inventory/views) --
    def view(self, kind: Callable[[Snapshot], V]) -> V:
        """``ctx.view(Ec2View)``: the view of this snapshot, shared by every check of the assessment."""
        return self.assessment.view(kind)

    def over(self, per_region: PerRegion[T]) -> Iterator[tuple[str, T]]:
        """(region, item) of a view's regional list; a region it could not be read in becomes UNKNOWN."""
        for region, items in self.regions_of(per_region):
            for item in items:
                yield region, item

    def regions_of(self, per_region: PerRegion[T]) -> Iterator[tuple[str, tuple[T, ...]]]:
        """(region, items) for every scanned region read; the others become UNKNOWN results."""
        return self.region_parts(per_region.part)

    def region_values(self, values: PerRegionValue[T]) -> Iterator[tuple[str, T]]:
        """(region, value) of a one-value-per-region part (a hub, a setting) for every scanned region
        read; the others become UNKNOWN results."""
        return self.region_parts(values.part)

    def region_parts(self, part_of: Callable[[str], Part[V]]) -> Iterator[tuple[str, V]]:
        for region in self.regions:
            part = part_of(region)
            if part.known:
                yield region, part.value  # type: ignore[misc]
            else:
                self.skipped.append(Skipped(region, region, part.reason))

    @contextmanager
    def resource(self, resource_id: str, region: str = GLOBAL) -> Iterator[None]:
        """Data missing for this one resource: record it as UNKNOWN and go on with the next."""
        try:
            yield
        except DataUnavailable as missing:
            self.skipped.append(Skipped(resource_id, region, missing.reason))

    # -- helpers --
    def arn(self, service: str, resource: str, region: str = "") -> str:
        region = "" if region == GLOBAL else region
        return build_arn(service, region, self.account_id, resource, self.partition)

    def days_since(self, timestamp: str | None) -> int | None:
        moment = parse_time(timestamp)
        if moment is None:
            return None
        return (self.now - moment).days


def parse_time(text: str | None) -> datetime | None:
    if not text or text in ("N/A", "no_information", "not_supported"):
        return None
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
