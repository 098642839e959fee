"""More EBS checks: in-use volumes have a snapshot."""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.ebs import EBS_DOC, SNAPSHOTS, VOLUMES, attached_to, judge_volume, owned_snapshots
from cloudwarden.checks.registry import Result, check


@check("ebs.volume_has_snapshot", resource_type="AWS::EC2::Volume", datasets=[VOLUMES, SNAPSHOTS],
       fix="Snapshot the volume, and put it under an AWS Backup plan or a Data Lifecycle Manager policy.",
       cli="aws ec2 create-snapshot --volume-id VOLUME --description 'baseline'",
       doc=EBS_DOC + "ebs-creating-snapshot.html")
def volume_has_snapshot(ctx: CheckContext) -> Iterator[Result]:
    for region, volumes in ctx.regional(VOLUMES):
        with ctx.resource(region, region):  # the region's snapshots unread: its volumes are UNKNOWN
            counts: dict[str, int] = {}
            for snap in owned_snapshots(ctx, ctx.get(SNAPSHOTS, region)):
                counts[str(snap.get("VolumeId"))] = counts.get(str(snap.get("VolumeId")), 0) + 1
            for volume in volumes or []:
                if not attached_to(volume):
                    continue  # only in-use volumes; ebs.unattached_volumes reports the others
                count = counts.get(volume["VolumeId"], 0)
                yield judge_volume(ctx, region, volume, count > 0,
                                    f"{count} snapshot(s)" if count else "no snapshot of this volume")
