"""EBS: encryption by default, encrypted and attached volumes, encrypted and private snapshots.

Only snapshots the account owns are judged (moto lists the snapshots behind its bundled public
AMIs as well). A snapshot is public when the "all" group may create volumes from it; the
`ec2.public_snapshots` dataset maps each candidate to its createVolumePermission grants.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import every_region, verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.inventory.views.ebs import SNAPSHOTS, VOLUMES, EbsSnapshot, EbsView, Volume

PUBLIC_SNAPSHOTS = "ec2.public_snapshots"
VOLUME_TYPE = "AWS::EC2::Volume"
SNAPSHOT_TYPE = "AWS::EC2::Snapshot"
EBS_DOC = "https://docs.aws.amazon.com/ebs/latest/userguide/"


def judge_volume(ctx: CheckContext, region: str, volume: Volume, ok: bool, message: str) -> Result:
    return verdict(ok, volume.id, f"{volume.label}: {message}", region,
                   ctx.arn("ec2", f"volume/{volume.id}", region), VOLUME_TYPE)


def owned_snapshots(ctx: CheckContext, snapshots: tuple[EbsSnapshot, ...]) -> list[EbsSnapshot]:
    return [s for s in snapshots if s.owner_id in (None, ctx.account_id)]


def _judge_snapshot(ctx: CheckContext, region: str, snapshot: EbsSnapshot, ok: bool, message: str) -> Result:
    return verdict(ok, snapshot.id, f"{snapshot.label} of {snapshot.volume_id}: {message}", region,
                   ctx.arn("ec2", f"snapshot/{snapshot.id}", region), SNAPSHOT_TYPE)


@check("ebs.default_encryption_enabled", resource_type="AWS::::Account",
       datasets=["ec2.ebs_encryption_by_default"],
       fix="Turn on EBS encryption by default in every region.",
       cli="aws ec2 enable-ebs-encryption-by-default --region REGION",
       doc=EBS_DOC + "encryption-by-default.html")
def default_encryption_enabled(ctx: CheckContext) -> Iterator[Result]:
    def judge(_region: str, enabled: Any) -> tuple[bool, str]:
        return enabled is True, "EBS encryption by default is " + ("on" if enabled is True else "off")

    yield from every_region(ctx, "ec2.ebs_encryption_by_default", judge, "ec2")


@check("ebs.volume_encrypted", resource_type=VOLUME_TYPE, datasets=[VOLUMES],
       fix="Copy the data to an encrypted volume (snapshot, encrypted copy, new volume) and retire the old one.",
       cli="aws ec2 copy-snapshot --source-snapshot-id SNAPSHOT --source-region REGION --encrypted",
       doc=EBS_DOC + "ebs-encryption.html")
def volume_encrypted(ctx: CheckContext) -> Iterator[Result]:
    # Detached volumes are judged too: their data is no safer for being unattached.
    for region, volume in ctx.over(ctx.view(EbsView).volumes):
        where = volume.attached_to
        place = f"attached to {', '.join(where)}" if where else "not attached"
        encrypted = volume.encrypted
        yield judge_volume(ctx, region, volume, encrypted,
                            ("encrypted" + (f" with {volume.kms_key_id}" if volume.kms_key_id else "")
                             if encrypted else "not encrypted") + f"; {place}")


@check("ebs.unattached_volumes", resource_type=VOLUME_TYPE, datasets=[VOLUMES],
       fix="Snapshot what must be kept, then delete volumes that no instance uses.",
       cli="aws ec2 delete-volume --volume-id VOLUME",
       doc=EBS_DOC + "ebs-deleting-volume.html")
def unattached_volumes(ctx: CheckContext) -> Iterator[Result]:
    for region, volume in ctx.over(ctx.view(EbsView).volumes):
        where = volume.attached_to
        created = ctx.days_since(volume.created)
        age = f" (created {created} days ago)" if created is not None else ""
        yield judge_volume(ctx, region, volume, bool(where),
                            f"attached to {', '.join(where)}" if where else f"not attached to any instance{age}")


@check("ebs.snapshot_encrypted", resource_type=SNAPSHOT_TYPE, datasets=[SNAPSHOTS],
       fix="Create an encrypted copy of the snapshot and delete the unencrypted original.",
       cli="aws ec2 copy-snapshot --source-snapshot-id SNAPSHOT --source-region REGION --encrypted",
       doc=EBS_DOC + "ebs-encryption.html")
def snapshot_encrypted(ctx: CheckContext) -> Iterator[Result]:
    for region, snapshots in ctx.regions_of(ctx.view(EbsView).snapshots):
        for snapshot in owned_snapshots(ctx, snapshots):
            encrypted = snapshot.encrypted
            yield _judge_snapshot(ctx, region, snapshot, encrypted, "encrypted" if encrypted else "not encrypted")


@check("ebs.snapshot_not_public", resource_type=SNAPSHOT_TYPE, datasets=[SNAPSHOTS, PUBLIC_SNAPSHOTS],
       fix="Remove the 'all' group from the snapshot's createVolumePermission.",
       cli="aws ec2 modify-snapshot-attribute --snapshot-id SNAPSHOT --attribute createVolumePermission "
           "--operation-type remove --group-names all",
       doc=EBS_DOC + "ebs-modifying-snapshot-permissions.html")
def snapshot_not_public(ctx: CheckContext) -> Iterator[Result]:
    for region, snapshots in ctx.regions_of(ctx.view(EbsView).snapshots):
        with ctx.resource(f"snapshots/{region}", region):
            grants = ctx.get(PUBLIC_SNAPSHOTS, region) or {}
            for snapshot in owned_snapshots(ctx, snapshots):
                public = any(g.get("Group") == "all" for g in grants.get(snapshot.id) or [])
                yield _judge_snapshot(ctx, region, snapshot, not public,
                                      "public: createVolumePermission grants group 'all'" if public
                                      else "not restorable by all accounts")
