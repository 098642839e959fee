"""CloudHSM v2 as typed views: clusters (their HSMs' zones, backup retention, security group) and backups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views import PerRegion

CLUSTERS, BACKUPS = "cloudhsm.clusters", "cloudhsm.backups"


@dataclass(frozen=True)
class HsmCluster:
    region: str
    id: str
    state: str
    zones: tuple[str, ...]  # the Availability Zone of each HSM
    retention_value: str  # BackupRetentionPolicy.Value ("" when there is no policy)
    retention_type: str
    security_group: str

    @property
    def gone(self) -> bool:
        return self.state in ("DELETED", "DELETE_IN_PROGRESS")


def _cluster(region: str, raw: dict[str, Any]) -> HsmCluster:
    policy = raw.get("BackupRetentionPolicy") or {}
    return HsmCluster(region, str(raw["ClusterId"]), str(raw.get("State") or ""),
                      tuple(str(h.get("AvailabilityZone")) for h in raw.get("Hsms") or []),
                      str(policy.get("Value") or ""), str(policy.get("Type") or ""), str(raw.get("SecurityGroup")))


@dataclass(frozen=True)
class HsmBackup:
    region: str
    id: str
    cluster_id: str
    state: str
    created: Any  # CreateTimestamp as collected (ctx.days_since reads it)

    @property
    def ready(self) -> bool:
        return self.state == "READY"


def _backup(region: str, raw: dict[str, Any]) -> HsmBackup:
    return HsmBackup(region, str(raw.get("BackupId") or ""), str(raw.get("ClusterId") or ""),
                     str(raw.get("BackupState") or ""), raw.get("CreateTimestamp"))


class CloudHsmView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.clusters: PerRegion[HsmCluster] = PerRegion(snapshot, CLUSTERS, _cluster)
        self.backups: PerRegion[HsmBackup] = PerRegion(snapshot, BACKUPS, _backup)


__all__ = ["CloudHsmView", "HsmBackup", "HsmCluster"]
