"""More EBS checks: in-use volumes have a snapshot; volumes are assigned to an AWS Backup plan."""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.checks._backup_coverage import BACKUP_DATASETS, BACKUP_DOC, PROTECTED, plan_verdicts
from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.ebs import EBS_DOC, SNAPSHOTS, VOLUMES, judge_volume, owned_snapshots
from cloudwarden.checks.registry import Result, check
from cloudwarden.inventory.views.ebs import EbsView


@check("ebs.volume_has_snapshot", resource_type="AWS::EC2::Volume", datasets=[VOLUMES, SNAPSHOTS],
       fix="Snapshot the volume, and put it under an AWS Backup plan or a Data Lifecycle Manager policy.",
       cli="aws ec2 create-snapshot --volume-id VOLUME --description 'baseline'",
       doc=EBS_DOC + "ebs-creating-snapshot.html")
def volume_has_snapshot(ctx: CheckContext) -> Iterator[Result]:
    ebs = ctx.view(EbsView)
    for region, volumes in ctx.regions_of(ebs.volumes):
        with ctx.resource(region, region):  # the region's snapshots unread: its volumes are UNKNOWN
            counts: dict[str, int] = {}
            for snap in owned_snapshots(ctx, ebs.snapshots(region)):
                counts[snap.volume_id] = counts.get(snap.volume_id, 0) + 1
            for volume in volumes:
                if not volume.attached_to:
                    continue  # only in-use volumes; ebs.unattached_volumes reports the others
                count = counts.get(volume.id, 0)
                yield judge_volume(ctx, region, volume, count > 0,
                                    f"{count} snapshot(s)" if count else "no snapshot of this volume")


@check("ebs.volume_in_backup_plan", resource_type="AWS::EC2::Volume",
       datasets=[VOLUMES, *BACKUP_DATASETS], optional=[PROTECTED],
       fix="Assign the volume to an AWS Backup plan (by ARN, or by a tag the plan's resource assignment selects).",
       cli="aws backup create-backup-selection --backup-plan-id <PLAN_ID> --backup-selection "
           "'{\"SelectionName\":\"ebs\",\"IamRoleArn\":\"<ROLE_ARN>\",\"Resources\":[\"arn:aws:ec2:*:*:volume/*\"]}'",
       doc=BACKUP_DOC)
def volume_in_backup_plan(ctx: CheckContext) -> Iterator[Result]:
    yield from plan_verdicts(ctx, "AWS::EC2::Volume", ctx.over(ctx.view(EbsView).volumes), lambda volume: volume.id,
                             lambda volume: ctx.arn("ec2", f"volume/{volume.id}", volume.region),
                             lambda volume: volume.tags)
