"""Cross-cutting data-protection checks: encrypted stores with leaky copies, and exposed stores that
cannot be recovered.

``data.encrypted_source_leaky_copy`` links EBS snapshots to their volumes and RDS snapshots to their
DB instances and clusters, and flags an encrypted source whose copy is unencrypted, public, or shared
with an account outside this account and its organization (``organizations.accounts``; unread, only
this account is trusted). S3 replication to foreign buckets is not judged here yet (no replication
configuration is collected on this branch).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from typing import Any

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.inventory.snapshot import DataUnavailable

VOLUMES, SNAPSHOTS, PERMISSIONS = "ec2.volumes", "ec2.snapshots", "ec2.snapshot_volume_permissions"
INSTANCES, CLUSTERS = "rds.db_instances", "rds.db_clusters"
DB_SNAPSHOTS, DB_ATTRIBUTES = "rds.db_snapshots", "rds.db_snapshot_attributes"
CLUSTER_SNAPSHOTS, CLUSTER_ATTRIBUTES = "rds.db_cluster_snapshots", "rds.db_cluster_snapshot_attributes"
ORG_ACCOUNTS = "organizations.accounts"
DATA_DOC = "https://docs.aws.amazon.com/wellarchitected/latest/security-pillar/protecting-data-at-rest.html"


def trusted_accounts(ctx: CheckContext) -> set[str]:
    trusted = {ctx.account_id}
    with suppress(DataUnavailable):  # unread: only this account is known to be trusted
        trusted |= {str(a.get("Id")) for a in ctx.get(ORG_ACCOUNTS) or []}
    return trusted


def _leaks(copy_id: str, encrypted: bool, shared_with: list[str], trusted: set[str]) -> list[str]:
    problems = [] if encrypted else [f"{copy_id} is unencrypted"]
    if "all" in shared_with:
        problems.append(f"{copy_id} is public")
    foreign = sorted(a for a in shared_with if a != "all" and a not in trusted)
    if foreign:
        problems.append(f"{copy_id} is shared with {', '.join(foreign)}")
    return problems


def _ebs_copies(ctx: CheckContext, region: str, trusted: set[str]) -> dict[str, tuple[int, list[str]]]:
    """volume id -> (number of its snapshots, leak descriptions); raises DataUnavailable when unread."""
    found: dict[str, tuple[int, list[str]]] = {}
    for snap in ctx.get(SNAPSHOTS, region) or []:
        if snap.get("OwnerId") not in (None, ctx.account_id):
            continue
        grants = ctx.item(PERMISSIONS, str(snap["SnapshotId"]), region) or []
        shared = [str(g.get("UserId") or g.get("Group")) for g in grants]
        count, leaks = found.get(str(snap.get("VolumeId")), (0, []))
        found[str(snap.get("VolumeId"))] = (count + 1, leaks + _leaks(str(snap["SnapshotId"]),
                                                                      bool(snap.get("Encrypted")), shared, trusted))
    return found


def _rds_copies(ctx: CheckContext, region: str, trusted: set[str], cluster: bool) -> dict[str, tuple[int, list[str]]]:
    listing, attributes = (CLUSTER_SNAPSHOTS, CLUSTER_ATTRIBUTES) if cluster else (DB_SNAPSHOTS, DB_ATTRIBUTES)
    id_key = "DBClusterSnapshotIdentifier" if cluster else "DBSnapshotIdentifier"
    source_key = "DBClusterIdentifier" if cluster else "DBInstanceIdentifier"
    found: dict[str, tuple[int, list[str]]] = {}
    for snap in ctx.get(listing, region) or []:
        ident = str(snap[id_key])
        record = ctx.item(attributes, ident, region) or {}
        entries = record.get("DBClusterSnapshotAttributes" if cluster else "DBSnapshotAttributes") or []
        shared = [str(v) for a in entries if a.get("AttributeName") == "restore" for v in a.get("AttributeValues") or []]
        encrypted = bool(snap.get("StorageEncrypted" if cluster else "Encrypted"))
        count, leaks = found.get(str(snap.get(source_key)), (0, []))
        found[str(snap.get(source_key))] = (count + 1, leaks + _leaks(ident, encrypted, shared, trusted))
    return found


def _copy_verdict(name: str, what: str, copies: dict[str, tuple[int, list[str]]], region: str, arn: str,
                  resource_type: str) -> Result:
    count, leaks = copies.get(name, (0, []))
    if leaks:
        return verdict(False, name, f"encrypted {what}, but " + "; ".join(leaks), region, arn, resource_type)
    return verdict(True, name, f"encrypted {what}; its {count} snapshot(s) are encrypted and stay in the account or "
                   "organization" if count else f"encrypted {what}; no snapshot of it", region, arn, resource_type)


@check("data.encrypted_source_leaky_copy", resource_type="AWS::EC2::Volume",
       datasets=[VOLUMES, SNAPSHOTS, PERMISSIONS, INSTANCES, CLUSTERS, DB_SNAPSHOTS, DB_ATTRIBUTES, CLUSTER_SNAPSHOTS,
                 CLUSTER_ATTRIBUTES, ORG_ACCOUNTS], optional=[ORG_ACCOUNTS],
       fix="Stop sharing the copy outside the organization (remove the createVolumePermission / restore "
           "attribute), delete unencrypted copies, and share only encrypted copies with a customer managed key "
           "the recipient is granted.",
       cli="aws ec2 modify-snapshot-attribute --snapshot-id <SNAPSHOT> --attribute createVolumePermission "
           "--operation-type remove --user-ids <ACCOUNT>",
       doc=DATA_DOC)
def encrypted_source_leaky_copy(ctx: CheckContext) -> Iterator[Result]:
    trusted = trusted_accounts(ctx)
    for region, volumes in ctx.regional(VOLUMES):
        encrypted = [v for v in volumes or [] if v.get("Encrypted")]
        if not encrypted:
            continue
        with ctx.resource(f"ec2/{region}", region):  # snapshots or their permissions unread: UNKNOWN
            copies = _ebs_copies(ctx, region, trusted)
            for volume in encrypted:
                name = str(volume["VolumeId"])
                yield _copy_verdict(name, "EBS volume", copies, region, ctx.arn("ec2", f"volume/{name}", region),
                                    "AWS::EC2::Volume")
    for dataset, cluster, id_key, arn_key, resource_type in (
            (INSTANCES, False, "DBInstanceIdentifier", "DBInstanceArn", "AWS::RDS::DBInstance"),
            (CLUSTERS, True, "DBClusterIdentifier", "DBClusterArn", "AWS::RDS::DBCluster")):
        for region, databases in ctx.regional(dataset):
            encrypted = [d for d in databases or [] if d.get("StorageEncrypted")]
            if not encrypted:
                continue
            with ctx.resource(f"rds/{region}", region):
                copies = _rds_copies(ctx, region, trusted, cluster)
                for database in encrypted:
                    yield _copy_verdict(str(database[id_key]), "DB cluster" if cluster else "DB instance", copies,
                                        region, str(database.get(arn_key) or ""), resource_type)
