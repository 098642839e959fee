"""Cross-cutting data-protection checks: encrypted stores with leaky copies, and exposed stores that
cannot be recovered.

``data.encrypted_source_leaky_copy`` links EBS snapshots to their volumes and RDS snapshots to their
DB instances and clusters, and flags an encrypted source whose copy is unencrypted, public, or shared
with an account outside this account and its organization (``organizations.accounts``; unread, only
this account is trusted). S3 replication to foreign buckets is not judged here yet (no replication
configuration is collected on this branch).

``data.public_and_unrecoverable`` joins exposure (S3: the evaluator's public/foreign read or write of
engines.iam.exposure; RDS: a publicly accessible endpoint or a snapshot restorable outside the
organization; DynamoDB: a resource policy admitting outsiders) with recovery (S3 versioning, which
Object Lock, replication and AWS Backup for S3 all require; RDS automated backups or an AWS Backup
plan; DynamoDB point-in-time recovery or an AWS Backup plan). A FAIL with write reach is critical,
read-only reach high.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from cloudwarden.checks._backup_coverage import BACKUP_DATASETS, PROTECTED, SELECTIONS, Tags, coverage
from cloudwarden.checks.context import CheckContext, Skipped
from cloudwarden.checks.dynamodb_more import DDB_WRITE, outsiders_allowed
from cloudwarden.checks.helpers import ORG_ACCOUNTS, trusted_accounts, verdict
from cloudwarden.checks.iam_engine import exposure
from cloudwarden.checks.registry import Result, check
from cloudwarden.core.enums import Severity, Status
from cloudwarden.engines.iam.exposure import WRITE
from cloudwarden.inventory.snapshot import GLOBAL, DataUnavailable
from cloudwarden.inventory.views.dynamodb import DynamoDbView
from cloudwarden.inventory.views.ebs import EbsView
from cloudwarden.inventory.views.rds import Database, DbSnapshot, RdsView
from cloudwarden.inventory.views.s3 import S3View

VOLUMES, SNAPSHOTS, PERMISSIONS = "ec2.volumes", "ec2.snapshots", "ec2.snapshot_volume_permissions"
INSTANCES, CLUSTERS = "rds.db_instances", "rds.db_clusters"
DB_SNAPSHOTS, DB_ATTRIBUTES = "rds.db_snapshots", "rds.db_snapshot_attributes"
CLUSTER_SNAPSHOTS, CLUSTER_ATTRIBUTES = "rds.db_cluster_snapshots", "rds.db_cluster_snapshot_attributes"
DATA_DOC = "https://docs.aws.amazon.com/wellarchitected/latest/security-pillar/protecting-data-at-rest.html"


def _leaks(copy_id: str, encrypted: bool, shared_with: list[str], trusted: set[str]) -> list[str]:
    problems = [] if encrypted else [f"{copy_id} is unencrypted"]
    if "all" in shared_with:
        problems.append(f"{copy_id} is public")
    foreign = sorted(a for a in shared_with if a != "all" and a not in trusted)
    if foreign:
        problems.append(f"{copy_id} is shared with {', '.join(foreign)}")
    return problems


Copies = dict[str, tuple[int, list[str]]]  # source id -> (number of its snapshots, leak descriptions)


def _count(found: Copies, source: str, leaks: list[str]) -> None:
    count, known = found.get(source, (0, []))
    found[source] = (count + 1, known + leaks)


def _ebs_copies(ctx: CheckContext, region: str, trusted: set[str]) -> Copies:
    """volume id -> (number of its snapshots, leak descriptions); raises DataUnavailable when unread."""
    found: Copies = {}
    for snap in ctx.view(EbsView).snapshots(region):
        if snap.owner_id not in (None, ctx.account_id):
            continue
        # the collector reads who may restore encrypted snapshots only: an unencrypted copy is a leak anyway
        shared = list(snap.shared_with.get()) if snap.encrypted else []
        _count(found, snap.volume_id, _leaks(snap.id, snap.encrypted, shared, trusted))
    return found


def _rds_copies(snapshots: tuple[DbSnapshot, ...], trusted: set[str]) -> Copies:
    found: Copies = {}
    for snap in snapshots:
        _count(found, snap.source_id, _leaks(snap.id, snap.encrypted, snap.restore_accounts(), trusted))
    return found


def _copy_verdict(name: str, what: str, copies: Copies, region: str, arn: str,
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
    for region, volumes in ctx.regions_of(ctx.view(EbsView).volumes):
        encrypted = [v for v in volumes if v.encrypted]
        if not encrypted:
            continue
        with ctx.resource(f"ec2/{region}", region):  # snapshots or their permissions unread: UNKNOWN
            copies = _ebs_copies(ctx, region, trusted)
            for volume in encrypted:
                yield _copy_verdict(volume.id, "EBS volume", copies, region,
                                    ctx.arn("ec2", f"volume/{volume.id}", region), "AWS::EC2::Volume")
    rds = ctx.view(RdsView)
    for databases, snapshots, what, resource_type in (
            (rds.instances, rds.snapshots, "DB instance", "AWS::RDS::DBInstance"),
            (rds.clusters, rds.cluster_snapshots, "DB cluster", "AWS::RDS::DBCluster")):
        for region, found in ctx.regions_of(databases):
            encrypted_dbs = [d for d in found if d.storage_encrypted]
            if not encrypted_dbs:
                continue
            with ctx.resource(f"rds/{region}", region):
                copies = _rds_copies(snapshots(region), trusted)
                for database in encrypted_dbs:
                    yield _copy_verdict(database.id, what, copies, region, database.arn, resource_type)


# -- exposed AND unrecoverable --

S3_EXPOSURE = ["s3.buckets", "s3.bucket_policy", "s3.bucket_acl", "s3.bucket_public_access_block",
               "s3.account_public_access_block", "s3.bucket_ownership_controls"]
VERSIONING = "s3.bucket_versioning"
ORG = ["organizations.organization", "organizations.roots", "organizations.account_chain",
       "organizations.scps_for_target", "organizations.scp_content", ORG_ACCOUNTS,
       "organizations.rcps_for_target", "organizations.rcp_content"]
DDB = ["dynamodb.table_names", "dynamodb.tables", "dynamodb.resource_policy", "dynamodb.continuous_backups",
       "dynamodb.table_tags"]


def _failed_or_passed(exposed: list[str], write: bool, recovery: str | None, name: str, region: str, arn: str,
                      resource_type: str) -> Result:
    if not exposed:
        return verdict(True, name, "not exposed to the public or to other accounts", region, arn, resource_type)
    reach = "; ".join(exposed)
    if recovery:
        return verdict(True, name, f"exposed ({reach}) but recoverable: {recovery}", region, arn, resource_type)
    return Result(Status.FAIL, name, f"exposed ({reach}) and no recovery path", region, arn, resource_type,
                  Severity.CRITICAL if write else Severity.HIGH)


def _plan_recovery(ctx: CheckContext, region: str, arn: str, tags: Callable[[], Tags]) -> str | None:
    """'assigned to backup plan ...' or None; a plan whose tags cannot be decided raises DataUnavailable."""
    found = coverage(ctx, region, arn, tags)
    if found.yes is None:
        raise DataUnavailable(SELECTIONS, region, found.evidence, arn)
    return found.evidence if found.yes else None


def _buckets(ctx: CheckContext) -> Iterator[Result]:
    report = exposure(ctx)
    listed = ctx.view(S3View).buckets.part()
    if not listed.known:
        ctx.skipped.append(Skipped(ctx.account_id, GLOBAL, listed.reason))
    unreadable = {u.arn: u.reason for u in report.unreadable if u.service == "s3"}
    for bucket in (r for r in report.examined if r.service == "s3"):
        found = report.of(bucket.arn)
        if not found and bucket.arn in unreadable:
            ctx.skipped.append(Skipped(bucket.name, GLOBAL, unreadable[bucket.arn]))
            continue
        exposed = [f"{e.who} may {e.access} ({', '.join(e.actions)} via {e.via})" for e in found]
        write = any(e.access == WRITE for e in found)
        with ctx.resource(bucket.name):
            recovery = None
            if exposed:
                versioning = ctx.view(S3View).named(bucket.name, bucket.arn).versioning.get()
                recovery = "versioning Enabled (overwritten and deleted objects keep their versions)" \
                    if versioning.enabled else None
            yield _failed_or_passed(exposed, write, recovery, bucket.name, GLOBAL, bucket.arn, "AWS::S3::Bucket")
    examined = {r.arn for r in report.examined}
    for arn, reason in unreadable.items():  # buckets whose policy itself was not read
        if arn not in examined:
            ctx.skipped.append(Skipped(arn.rsplit(":", 1)[-1], GLOBAL, reason))


def _snapshot_shares(snapshots: Iterable[DbSnapshot], trusted: set[str]) -> dict[str, list[str]]:
    """DB instance id -> exposures of its manual snapshots (public or foreign restore)."""
    shares: dict[str, list[str]] = {}
    for snap in snapshots:
        outside = [a for a in snap.restore_accounts() if a == "all" or a not in trusted]
        if outside:
            who = "anyone" if "all" in outside else ", ".join(outside)
            shares.setdefault(snap.source_id, []).append(f"snapshot {snap.id} restorable by {who}")
    return shares


def _database(ctx: CheckContext, db: Database, shares: dict[str, list[str]]) -> Result:
    exposed = (["publicly accessible endpoint"] if db.publicly_accessible else []) + shares.get(db.id, [])
    recovery = None
    if exposed:
        days = db.backup_retention_days
        recovery = (f"automated backups kept {days} days" if days else
                    _plan_recovery(ctx, db.region, db.arn, lambda: db.tags))
    if exposed and not recovery and db.deletion_protection:
        exposed.append("deletion protection on, but no backup")
    return _failed_or_passed(exposed, db.publicly_accessible, recovery, db.id, db.region, db.arn,
                             "AWS::RDS::DBInstance")


def _databases(ctx: CheckContext, trusted: set[str]) -> Iterator[Result]:
    rds = ctx.view(RdsView)
    for region, instances in ctx.regions_of(rds.instances):
        with ctx.resource(f"rds/{region}", region):
            shares = _snapshot_shares(rds.snapshots(region), trusted)
            for db in instances:
                if not db.standalone:
                    continue  # a cluster member: its cluster's backups govern recovery
                with ctx.resource(db.id, region):
                    yield _database(ctx, db, shares)


def _tables(ctx: CheckContext) -> Iterator[Result]:
    for region, table in ctx.over(ctx.view(DynamoDbView).tables):
        with ctx.resource(table.name, region):
            arn, document = table.arn, table.policy.get()
            exposed = outsiders_allowed(ctx, document, arn, region) if document else []
            write = any(action in entry for entry in exposed for action in DDB_WRITE)
            recovery = None
            if exposed:
                recovery = "point-in-time recovery ENABLED" if table.pitr.get() == "ENABLED" else _plan_recovery(
                    ctx, region, arn, table.tags.get)
            yield _failed_or_passed([f"resource policy lets in {e}" for e in exposed], write, recovery, table.name,
                                    region, arn, "AWS::DynamoDB::Table")


@check("data.public_and_unrecoverable", resource_type="AWS::S3::Bucket",
       datasets=[*S3_EXPOSURE, VERSIONING, INSTANCES, DB_SNAPSHOTS, DB_ATTRIBUTES, *DDB, *BACKUP_DATASETS, *ORG],
       # Block Public Access and ownership only take access away, SCPs only deny, organization accounts only
       # widen trust: unread, they can only add exposure (a FAIL), never hide one.
       optional=["s3.bucket_public_access_block", "s3.account_public_access_block", "s3.bucket_ownership_controls",
                 PROTECTED, *ORG],
       fix="Close the exposure (Block Public Access, resource-policy principals, private endpoints and snapshots) "
           "and give the store a recovery path: S3 versioning (with Object Lock or replication), RDS automated "
           "backups, DynamoDB point-in-time recovery, or an AWS Backup plan.",
       cli="aws s3api put-bucket-versioning --bucket <BUCKET> --versioning-configuration Status=Enabled",
       doc="https://docs.aws.amazon.com/wellarchitected/latest/security-pillar/sec_protect_data_rest_automate_protection.html")
def public_and_unrecoverable(ctx: CheckContext) -> Iterator[Result]:
    trusted = trusted_accounts(ctx)
    yield from _buckets(ctx)
    yield from _databases(ctx, trusted)
    yield from _tables(ctx)
