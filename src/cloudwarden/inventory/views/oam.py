"""CloudWatch cross-account observability (OAM) as a typed view: the links that share this account's
telemetry with a monitoring account's sink."""

from __future__ import annotations

from dataclasses import dataclass

from cloudwarden.core.arn import account_of
from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views import PerRegion

LINKS = "oam.links"


@dataclass(frozen=True)
class Link:
    region: str
    label: str  # the link's label, else its id
    sink_arn: str
    resource_types: tuple[str, ...]  # what it shares: AWS::Logs::LogGroup, AWS::CloudWatch::Metric ...

    @property
    def sink_account(self) -> str:
        return account_of(self.sink_arn, "")


class OamView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.links: PerRegion[Link] = PerRegion(snapshot, LINKS, lambda region, raw: Link(
            region, str(raw.get("Label") or raw.get("Id")), str(raw.get("SinkArn", "")),
            tuple(str(t) for t in raw.get("ResourceTypes") or [])))


__all__ = ["Link", "OamView"]
