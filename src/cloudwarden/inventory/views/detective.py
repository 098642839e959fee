"""Amazon Detective as a typed view: each region's behaviour graphs (their ARNs)."""

from __future__ import annotations

from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views import PerRegion

GRAPHS = "detective.graphs"


class DetectiveView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.graphs: PerRegion[str] = PerRegion(snapshot, GRAPHS, lambda _region, raw: str(raw.get("Arn")))


__all__ = ["DetectiveView"]
