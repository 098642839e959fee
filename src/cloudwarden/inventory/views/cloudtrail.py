"""CloudTrail trails as typed views: settings, status and event selectors (what the trail records).

A region's trail list is required; a trail's status and selectors are per-trail parts read (in the
trail's home region) the first time they are asked for. Multi-region trails show in every region's
list: consumers that want each trail once use ``TrailView.unique`` / ``multi_region``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudwarden.inventory.snapshot import DataUnavailable, Snapshot
from cloudwarden.inventory.views import Deferred, PerRegion, deferred_item

TRAILS = "cloudtrail.trails"
STATUS = "cloudtrail.trail_status"
SELECTORS = "cloudtrail.event_selectors"
LAKE = "cloudtrail.event_data_stores"
# the states in which a CloudTrail Lake event data store holds (or is about to hold) events
LAKE_LIVE = ("ENABLED", "CREATED", "STARTING_INGESTION")


@dataclass(frozen=True)
class EventDataStore:
    region: str
    name: str  # the ARN when unnamed
    arn: str
    status: str  # ENABLED when not reported

    @property
    def live(self) -> bool:
        return self.status in LAKE_LIVE


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


@dataclass(frozen=True)
class Coverage:
    """Which halves (read, write) of an event category a trail's selectors record."""

    read: bool
    write: bool

    @property
    def both(self) -> bool:
        return self.read and self.write

    def describe(self, what: str) -> str:
        if self.both:
            return f"read and write {what}"
        if self.read or self.write:
            return f"only {'read' if self.read else 'write'} {what}"
        return f"no {what}"


def _merge(parts: list[Coverage]) -> Coverage:
    return Coverage(any(p.read for p in parts), any(p.write for p in parts))


def _classic(read_write: Any) -> Coverage:
    kind = str(read_write or "All")
    return Coverage(kind in ("All", "ReadOnly"), kind in ("All", "WriteOnly"))


def _advanced_fields(selector: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(f.get("Field")): f for f in selector.get("FieldSelectors") or []}


def _read_only_split(fields: dict[str, dict[str, Any]]) -> Coverage:
    values = [str(v).lower() for v in _as_list((fields.get("readOnly") or {}).get("Equals"))]
    if not values:
        return Coverage(True, True)
    return Coverage("true" in values, "false" in values)


def _all_buckets(values: Any, partition: str) -> bool:
    return any(str(v).rstrip(":/") in (f"arn:{partition}:s3", "arn:aws:s3") for v in _as_list(values))


@dataclass(frozen=True)
class Selectors:
    """GetEventSelectors' answer: classic and advanced selectors."""

    classic: tuple[dict[str, Any], ...]
    advanced: tuple[dict[str, Any], ...]

    @classmethod
    def of(cls, raw: dict[str, Any] | None) -> Selectors:
        raw = raw or {}
        return cls(tuple(raw.get("EventSelectors") or ()), tuple(raw.get("AdvancedEventSelectors") or ()))

    def management(self, custom: bool) -> Coverage:
        """What management events the selectors record (`custom`: the trail says it has custom selectors)."""
        if not self.classic and not self.advanced:
            # A trail without custom selectors logs all management events (CloudTrail's default).
            return Coverage(True, True) if not custom else Coverage(False, False)
        parts = [_classic(s.get("ReadWriteType")) for s in self.classic if s.get("IncludeManagementEvents", True)]
        for selector in self.advanced:
            fields = _advanced_fields(selector)
            if "Management" in _as_list((fields.get("eventCategory") or {}).get("Equals")):
                parts.append(_read_only_split(fields))
        return _merge(parts)

    def s3_data(self, partition: str = "aws") -> Coverage:
        """What object-level S3 events are recorded for every bucket (narrower selectors don't count)."""
        parts = []
        for selector in self.classic:
            for resource in selector.get("DataResources") or []:
                if resource.get("Type") == "AWS::S3::Object" and _all_buckets(resource.get("Values"), partition):
                    parts.append(_classic(selector.get("ReadWriteType")))
        for selector in self.advanced:
            fields = _advanced_fields(selector)
            if ("Data" not in _as_list((fields.get("eventCategory") or {}).get("Equals"))
                    or "AWS::S3::Object" not in _as_list((fields.get("resources.type") or {}).get("Equals"))):
                continue
            arn_field = fields.get("resources.ARN")
            narrowing = set(fields) - {"eventCategory", "resources.type", "readOnly", "resources.ARN"}
            if narrowing or (arn_field and not _all_buckets(arn_field.get("StartsWith"), partition)):
                continue
            parts.append(_read_only_split(fields))
        return _merge(parts)


@dataclass(frozen=True)
class TrailStatus:
    is_logging: bool
    delivery_error: str  # LatestCloudWatchLogsDeliveryError
    delivery_time: str | None  # LatestCloudWatchLogsDeliveryTime

    @classmethod
    def of(cls, raw: dict[str, Any] | None) -> TrailStatus:
        raw = raw or {}
        time = raw.get("LatestCloudWatchLogsDeliveryTime")
        return cls(bool(raw.get("IsLogging")), str(raw.get("LatestCloudWatchLogsDeliveryError") or ""),
                   str(time) if time is not None else None)


@dataclass(frozen=True)
class Trail:
    region: str  # the region whose list it came from
    home: str
    name: str
    arn: str
    multi_region: bool
    log_file_validation: bool
    kms_key_id: str
    log_group_arn: str
    bucket: str
    custom_selectors: bool
    insight_selectors: bool
    status: Deferred[TrailStatus]
    selectors: Deferred[Selectors]
    organization_trail: bool = False  # IsOrganizationTrail: it logs every account of the organization

    @property
    def key(self) -> str:
        return self.arn or self.name

    def management_coverage(self) -> Coverage:
        """Raises DataUnavailable when the selectors were not read."""
        return self.selectors.get().management(self.custom_selectors)


class TrailView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

        def build(region: str, raw: dict[str, Any]) -> Trail:
            home = str(raw.get("HomeRegion") or region)
            arn = str(raw.get("TrailARN") or "")
            return Trail(region, home, str(raw.get("Name")), arn, bool(raw.get("IsMultiRegionTrail")),
                         bool(raw.get("LogFileValidationEnabled")), str(raw.get("KmsKeyId") or ""),
                         str(raw.get("CloudWatchLogsLogGroupArn") or ""), str(raw.get("S3BucketName") or ""),
                         bool(raw.get("HasCustomEventSelectors")), bool(raw.get("HasInsightSelectors")),
                         deferred_item(snapshot, STATUS, home, arn, TrailStatus.of),
                         deferred_item(snapshot, SELECTORS, home, arn, Selectors.of),
                         bool(raw.get("IsOrganizationTrail")))

        self.listed: PerRegion[Trail] = PerRegion(snapshot, TRAILS, build)
        self.event_data_stores: PerRegion[EventDataStore] = PerRegion(snapshot, LAKE, lambda region, raw: EventDataStore(
            region, str(raw.get("Name") or raw.get("EventDataStoreArn")), str(raw.get("EventDataStoreArn", "")),
            str(raw.get("Status", "ENABLED"))))

    def multi_region(self) -> list[Trail]:
        """Every multi-region trail, for account-wide verdicts. Such a trail shows in every region, so
        one readable region lists them all; only when no region is readable is the answer unknown."""
        seen: dict[str, Trail] = {}
        readable, missing = False, None
        for region in self.snapshot.regions:
            part = self.listed.part(region)
            if not part.known:
                missing = missing or part.gap
                continue
            readable = True
            for trail in part.value or ():
                if trail.multi_region:
                    seen.setdefault(trail.arn, trail)
        if not readable and missing is not None:
            raise missing
        return list(seen.values())


__all__ = ["EventDataStore", "Coverage", "DataUnavailable", "Selectors", "Trail", "TrailStatus", "TrailView"]
