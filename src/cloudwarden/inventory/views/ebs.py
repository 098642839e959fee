"""EBS as typed views: volumes (encryption, attachments) and snapshots (owner, encryption)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views import Deferred, PerRegion, deferred_item, label, tags

VOLUMES = "ec2.volumes"
SNAPSHOTS = "ec2.snapshots"
PERMISSIONS = "ec2.snapshot_volume_permissions"


@dataclass(frozen=True)
class Volume:
    region: str
    id: str
    label: str
    encrypted: bool
    kms_key_id: str
    attached_to: tuple[str, ...]  # instances it is attached (or attaching) to
    created: Any  # CreateTime as collected (ctx.days_since reads it)
    tags: dict[str, str] = field(default_factory=dict, compare=False)


def _volume(region: str, raw: dict[str, Any]) -> Volume:
    ident = str(raw["VolumeId"])
    return Volume(region, ident, label(ident, raw), bool(raw.get("Encrypted")), str(raw.get("KmsKeyId") or ""),
                  tuple(str(a.get("InstanceId", "?")) for a in raw.get("Attachments") or []
                        if a.get("State", "attached") in ("attached", "attaching")),
                  raw.get("CreateTime"), tags(raw))


@dataclass(frozen=True)
class EbsSnapshot:
    region: str
    id: str
    label: str
    volume_id: str
    owner_id: str | None  # None when not reported
    encrypted: bool
    kms_key_id: str
    shared_with: Deferred[tuple[str, ...]] = field(repr=False, compare=False)  # createVolumePermission accounts/groups


def _grantees(raw: Any) -> tuple[str, ...]:
    return tuple(str(g.get("UserId") or g.get("Group")) for g in raw or [])


class EbsView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.volumes: PerRegion[Volume] = PerRegion(snapshot, VOLUMES, _volume)

        def snap(region: str, raw: dict[str, Any]) -> EbsSnapshot:
            ident = str(raw["SnapshotId"])
            owner = raw.get("OwnerId")
            return EbsSnapshot(region, ident, label(ident, raw), str(raw.get("VolumeId", "?")),
                               None if owner is None else str(owner), bool(raw.get("Encrypted")),
                               str(raw.get("KmsKeyId") or ""),
                               deferred_item(snapshot, PERMISSIONS, region, ident, _grantees))

        self.snapshots: PerRegion[EbsSnapshot] = PerRegion(snapshot, SNAPSHOTS, snap)


__all__ = ["EbsSnapshot", "EbsView", "Volume"]
