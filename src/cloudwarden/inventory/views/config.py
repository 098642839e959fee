"""AWS Config as typed views: configuration recorders, their statuses, the delivery channels and the
configuration aggregators."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views import PerRegion

RECORDERS, RECORDER_STATUS = "config.recorders", "config.recorder_status"
CHANNELS = "config.delivery_channels"
AGGREGATORS = "config.aggregators"


@dataclass(frozen=True)
class Recorder:
    region: str
    name: str
    all_supported: bool
    strategy: str | None  # recordingStrategy.useOnly (None when not reported)
    include_global: bool  # includeGlobalResourceTypes
    role_arn: str

    @property
    def records_everything(self) -> bool:
        return self.all_supported and self.strategy in (None, "ALL_SUPPORTED_RESOURCE_TYPES")


def _recorder(region: str, raw: dict[str, Any]) -> Recorder:
    group = raw.get("recordingGroup") or {}
    return Recorder(region, str(raw.get("name")), bool(group.get("allSupported")),
                    (group.get("recordingStrategy") or {}).get("useOnly"),
                    bool(group.get("includeGlobalResourceTypes")), str(raw.get("roleARN") or ""))


@dataclass(frozen=True)
class RecorderStatus:
    name: str
    recording: bool
    last_status: str
    last_error: str  # "CODE message", as far as reported

    @property
    def failing(self) -> bool:
        return self.last_status == "FAILURE"


def _status(_region: str, raw: dict[str, Any]) -> RecorderStatus:
    error = f"{raw.get('lastErrorCode')} {raw.get('lastErrorMessage') or ''}".strip()
    return RecorderStatus(str(raw.get("name")), bool(raw.get("recording")), str(raw.get("lastStatus") or ""), error)


@dataclass(frozen=True)
class DeliveryChannel:
    name: str
    bucket: str

    def __str__(self) -> str:
        return f"{self.name} -> s3://{self.bucket}"


@dataclass(frozen=True)
class Aggregator:
    name: str
    organization: bool  # an OrganizationAggregationSource (not a list of accounts)
    all_regions: bool  # the organization source's AllAwsRegions
    regions: tuple[str, ...]  # the organization source's AwsRegions


def _aggregator(_region: str, raw: dict[str, Any]) -> Aggregator:
    source = raw.get("OrganizationAggregationSource")
    return Aggregator(str(raw.get("ConfigurationAggregatorName")), bool(source),
                      bool((source or {}).get("AllAwsRegions")), tuple((source or {}).get("AwsRegions") or ()))


class ConfigView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.recorders: PerRegion[Recorder] = PerRegion(snapshot, RECORDERS, _recorder)
        self.statuses: PerRegion[RecorderStatus] = PerRegion(snapshot, RECORDER_STATUS, _status)
        self.channels: PerRegion[DeliveryChannel] = PerRegion(
            snapshot, CHANNELS, lambda _region, raw: DeliveryChannel(str(raw.get("name")), str(raw.get("s3BucketName"))))
        self.aggregators: PerRegion[Aggregator] = PerRegion(snapshot, AGGREGATORS, _aggregator)


__all__ = ["Aggregator", "ConfigView", "DeliveryChannel", "Recorder", "RecorderStatus"]
