"""RDS and Aurora: exposure, encryption, backups, deletion protection, availability, snapshots.

Settings that belong to an Aurora or Multi-AZ DB cluster (backups, deletion protection, IAM
authentication) are judged on the cluster, not again on each member instance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.kinds import KINDS, Outcome, flag
from cloudwarden.checks.registry import Result, check
from cloudwarden.core.settings import DEFAULT_THRESHOLDS
from cloudwarden.inventory.views import PerRegion
from cloudwarden.inventory.views.rds import Database, DbSnapshot, RdsView

RDS_DOC = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/"
AURORA_DOC = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/"
INSTANCE = KINDS["rds.instance"]
CLUSTER = KINDS["rds.cluster"]
SNAPSHOT = KINDS["rds.snapshot"]
CLUSTER_SNAPSHOT = KINDS["rds.cluster_snapshot"]
# Security Hub RDS.11's default minimum retention; the value in force is ctx.thresholds (a config file's).
MIN_BACKUP_DAYS = DEFAULT_THRESHOLDS.rds_min_backup_retention_days
# Engines that support IAM database authentication.
IAM_AUTH_ENGINES = ("mysql", "mariadb", "postgres", "aurora", "aurora-mysql", "aurora-postgresql")


def judge_databases(ctx: CheckContext, resources: PerRegion[Database], judge: Callable[[Database], Outcome]) -> Iterator[Result]:
    """One verdict per instance or cluster that `judge` does not skip."""
    resource_type = CLUSTER.resource_type if resources is ctx.view(RdsView).clusters else INSTANCE.resource_type
    for region, db in ctx.over(resources):
        with ctx.resource(db.id, region):  # per-resource data the judge reads is missing: UNKNOWN
            outcome = judge(db)
            if outcome is not None:
                yield verdict(outcome[0], db.id, outcome[1], region, db.arn, resource_type)


def all_instances(ctx: CheckContext, judge: Callable[[Database], Outcome]) -> Iterator[Result]:
    yield from judge_databases(ctx, ctx.view(RdsView).instances, judge)


def instances_and_clusters(ctx: CheckContext, judge: Callable[[Database], Outcome],
                            members: bool = False) -> Iterator[Result]:
    """Judge standalone instances (all instances if `members`) and clusters with one judge."""
    view = ctx.view(RdsView)
    yield from judge_databases(ctx, view.instances, lambda i: judge(i) if members or i.standalone else None)
    yield from judge_databases(ctx, view.clusters, judge)


@check("rds.instance_not_public", resource_type=INSTANCE.resource_type, datasets=[INSTANCE.dataset],
       fix="Turn off public accessibility and reach the database through private networking.",
       cli="aws rds modify-db-instance --db-instance-identifier <DB> --no-publicly-accessible "
           "--apply-immediately",
       doc=RDS_DOC + "USER_VPC.WorkingWithRDSInstanceinaVPC.html")
def instance_not_public(ctx: CheckContext) -> Iterator[Result]:
    yield from all_instances(ctx, lambda i: flag(
        not i.publicly_accessible, "not publicly accessible",
        f"publicly accessible: {i.endpoint or 'its endpoint'} resolves to a public address"))


def _encrypted(resource: Database | DbSnapshot) -> tuple[bool, str]:
    encrypted = resource.encrypted if isinstance(resource, DbSnapshot) else resource.storage_encrypted
    return flag(encrypted, f"encrypted with {resource.kms_key_id or 'a KMS key'}", "storage is not encrypted")


@check("rds.instance_storage_encrypted", resource_type=INSTANCE.resource_type, datasets=[INSTANCE.dataset],
       fix="Encrypt a snapshot copy with a KMS key and restore the instance from it.",
       cli="aws rds copy-db-snapshot --source-db-snapshot-identifier <SNAPSHOT> "
           "--target-db-snapshot-identifier <SNAPSHOT>-encrypted --kms-key-id <KEY_ARN>",
       doc=RDS_DOC + "Overview.Encryption.html")
def instance_storage_encrypted(ctx: CheckContext) -> Iterator[Result]:
    yield from all_instances(ctx, _encrypted)


@check("rds.cluster_storage_encrypted", resource_type=CLUSTER.resource_type, datasets=[CLUSTER.dataset],
       fix="Restore the cluster from a snapshot copy encrypted with a KMS key.",
       cli="aws rds copy-db-cluster-snapshot --source-db-cluster-snapshot-identifier <SNAPSHOT> "
           "--target-db-cluster-snapshot-identifier <SNAPSHOT>-encrypted --kms-key-id <KEY_ARN>",
       doc=AURORA_DOC + "Overview.Encryption.html")
def cluster_storage_encrypted(ctx: CheckContext) -> Iterator[Result]:
    yield from judge_databases(ctx, ctx.view(RdsView).clusters, _encrypted)


def _backups(resource: Database, minimum: int = MIN_BACKUP_DAYS) -> Outcome:
    if resource.replica_source:
        return None  # replicas are recovered from their source's backups
    days = resource.backup_retention_days
    if days == 0:
        return False, "automatic backups are off (retention 0 days)"
    return flag(days >= minimum, f"automatic backups kept {days} days",
                f"automatic backups kept only {days} days (fewer than {minimum})")


@check("rds.automatic_backups", resource_type=INSTANCE.resource_type,
       datasets=[INSTANCE.dataset, CLUSTER.dataset],
       fix=f"Keep automatic backups for at least {MIN_BACKUP_DAYS} days.",
       cli=f"aws rds modify-db-instance --db-instance-identifier <DB> --backup-retention-period "
           f"{MIN_BACKUP_DAYS} --apply-immediately",
       doc=RDS_DOC + "USER_WorkingWithAutomatedBackups.html")
def automatic_backups(ctx: CheckContext) -> Iterator[Result]:
    minimum = ctx.thresholds.rds_min_backup_retention_days
    yield from instances_and_clusters(ctx, lambda resource: _backups(resource, minimum))


@check("rds.deletion_protection", resource_type=INSTANCE.resource_type,
       datasets=[INSTANCE.dataset, CLUSTER.dataset],
       fix="Enable deletion protection on production instances and clusters.",
       cli="aws rds modify-db-instance --db-instance-identifier <DB> --deletion-protection",
       doc=RDS_DOC + "USER_DeleteInstance.html")
def deletion_protection(ctx: CheckContext) -> Iterator[Result]:
    yield from instances_and_clusters(ctx, lambda r: flag(
        r.deletion_protection, "deletion protection is on", "deletion protection is off"))


@check("rds.multi_az", resource_type=INSTANCE.resource_type, datasets=[INSTANCE.dataset, CLUSTER.dataset],
       fix="Convert the instance to a Multi-AZ deployment (or add a reader in another AZ to the cluster).",
       cli="aws rds modify-db-instance --db-instance-identifier <DB> --multi-az --apply-immediately",
       doc=RDS_DOC + "Concepts.MultiAZ.html")
def multi_az(ctx: CheckContext) -> Iterator[Result]:
    yield from instances_and_clusters(ctx, lambda r: flag(
        r.multi_az, "Multi-AZ", f"single-AZ ({r.availability_zone or 'one zone'})"))


def _minor_upgrades(resource: Database) -> Outcome:
    if resource.auto_minor_version_upgrade is None:
        return None  # Aurora clusters carry the setting on their instances
    return flag(resource.auto_minor_version_upgrade, "automatic minor version upgrade is on",
                f"automatic minor version upgrade is off ({resource.engine} {resource.engine_version})")


@check("rds.auto_minor_version_upgrade", resource_type=INSTANCE.resource_type,
       datasets=[INSTANCE.dataset, CLUSTER.dataset],
       fix="Turn on automatic minor version upgrades.",
       cli="aws rds modify-db-instance --db-instance-identifier <DB> --auto-minor-version-upgrade",
       doc=RDS_DOC + "USER_UpgradeDBInstance.Upgrading.html")
def auto_minor_version_upgrade(ctx: CheckContext) -> Iterator[Result]:
    yield from instances_and_clusters(ctx, _minor_upgrades, members=True)


def _iam_auth(resource: Database) -> Outcome:
    if resource.engine not in IAM_AUTH_ENGINES:
        return None
    return flag(resource.iam_auth, "IAM database authentication is on",
                "IAM database authentication is off: only database passwords")


@check("rds.iam_authentication", resource_type=INSTANCE.resource_type,
       datasets=[INSTANCE.dataset, CLUSTER.dataset],
       fix="Enable IAM database authentication and grant rds-db:connect to the roles that need it.",
       cli="aws rds modify-db-instance --db-instance-identifier <DB> --enable-iam-database-authentication",
       doc=RDS_DOC + "UsingWithRDS.IAMDBAuth.html")
def iam_authentication(ctx: CheckContext) -> Iterator[Result]:
    yield from instances_and_clusters(ctx, _iam_auth)


# -- snapshots --

def _snapshots(ctx: CheckContext, resources: PerRegion[DbSnapshot], resource_type: str,
               judge: Callable[[DbSnapshot], tuple[bool, str]]) -> Iterator[Result]:
    """One verdict per snapshot; a snapshot whose per-snapshot data is missing is UNKNOWN."""
    for region, snap in ctx.over(resources):
        with ctx.resource(snap.id, region):
            ok, message = judge(snap)
            yield verdict(ok, snap.id, message, region, snap.arn, resource_type)


def _restore_sharing(snap: DbSnapshot) -> tuple[bool, str]:
    accounts = snap.restore_accounts()
    if "all" in accounts:
        return False, "public: the restore attribute includes 'all'"
    return True, f"shared with {', '.join(accounts)} only" if accounts else "not shared"


@check("rds.snapshot_not_public", resource_type=SNAPSHOT.resource_type,
       datasets=[SNAPSHOT.dataset, "rds.db_snapshot_attributes", CLUSTER_SNAPSHOT.dataset,
                 "rds.db_cluster_snapshot_attributes"],
       fix="Remove 'all' from the snapshot's restore attribute; share with named accounts only.",
       cli="aws rds modify-db-snapshot-attribute --db-snapshot-identifier <SNAPSHOT> --attribute-name "
           "restore --values-to-remove all",
       doc=RDS_DOC + "USER_ShareSnapshot.html")
def snapshot_not_public(ctx: CheckContext) -> Iterator[Result]:
    view = ctx.view(RdsView)
    yield from _snapshots(ctx, view.snapshots, SNAPSHOT.resource_type, _restore_sharing)
    yield from _snapshots(ctx, view.cluster_snapshots, CLUSTER_SNAPSHOT.resource_type, _restore_sharing)


@check("rds.snapshot_encrypted", resource_type=SNAPSHOT.resource_type,
       datasets=[SNAPSHOT.dataset, CLUSTER_SNAPSHOT.dataset],
       fix="Copy the snapshot with a KMS key, then delete the unencrypted one.",
       cli="aws rds copy-db-snapshot --source-db-snapshot-identifier <SNAPSHOT> "
           "--target-db-snapshot-identifier <SNAPSHOT>-encrypted --kms-key-id <KEY_ARN>",
       doc=RDS_DOC + "USER_CopySnapshot.html")
def snapshot_encrypted(ctx: CheckContext) -> Iterator[Result]:
    view = ctx.view(RdsView)
    yield from _snapshots(ctx, view.snapshots, SNAPSHOT.resource_type, _encrypted)
    yield from _snapshots(ctx, view.cluster_snapshots, CLUSTER_SNAPSHOT.resource_type, _encrypted)


# -- placement, monitoring, hygiene --

@check("rds.in_vpc", resource_type=INSTANCE.resource_type, datasets=[INSTANCE.dataset],
       fix="Move the instance into a VPC (restore a snapshot into a DB subnet group).",
       cli="aws rds restore-db-instance-from-db-snapshot --db-instance-identifier <DB> "
           "--db-snapshot-identifier <SNAPSHOT> --db-subnet-group-name <SUBNET_GROUP>",
       doc=RDS_DOC + "USER_VPC.html")
def in_vpc(ctx: CheckContext) -> Iterator[Result]:
    yield from all_instances(ctx, lambda i: flag(bool(i.vpc_id), f"in {i.vpc_id}", "not in a VPC (no DB subnet group)"))


@check("rds.enhanced_monitoring", resource_type=INSTANCE.resource_type, datasets=[INSTANCE.dataset],
       fix="Turn on Enhanced Monitoring (60 seconds or finer) with a monitoring role.",
       cli="aws rds modify-db-instance --db-instance-identifier <DB> --monitoring-interval 60 "
           "--monitoring-role-arn <ROLE_ARN>",
       doc=RDS_DOC + "USER_Monitoring.OS.html")
def enhanced_monitoring(ctx: CheckContext) -> Iterator[Result]:
    yield from all_instances(ctx, lambda i: flag(
        i.monitoring_interval > 0, f"Enhanced Monitoring every {i.monitoring_interval} s", "Enhanced Monitoring is off"))


@check("rds.copy_tags_to_snapshots", resource_type=INSTANCE.resource_type,
       datasets=[INSTANCE.dataset, CLUSTER.dataset],
       fix="Enable copying tags to snapshots so snapshots keep their classification.",
       cli="aws rds modify-db-instance --db-instance-identifier <DB> --copy-tags-to-snapshot",
       doc=RDS_DOC + "USER_Tagging.html")
def copy_tags_to_snapshots(ctx: CheckContext) -> Iterator[Result]:
    yield from instances_and_clusters(ctx, lambda r: flag(
        r.copy_tags_to_snapshot, "tags are copied to snapshots", "tags are not copied to snapshots"))


DEFAULT_ADMIN_NAMES = ("admin", "administrator", "postgres", "root", "sa", "master")


@check("rds.custom_admin_username", resource_type=INSTANCE.resource_type,
       datasets=[INSTANCE.dataset, CLUSTER.dataset],
       fix="Create the database with a non-default master username (it cannot be changed later).",
       cli="aws rds restore-db-instance-from-db-snapshot --db-instance-identifier NEW_DB --db-snapshot-identifier SNAPSHOT  # then create a named admin and retire the default one",
       doc=RDS_DOC + "UsingWithRDS.MasterAccounts.html")
def custom_admin_username(ctx: CheckContext) -> Iterator[Result]:
    yield from instances_and_clusters(ctx, lambda r: flag(
        r.master_username.lower() not in DEFAULT_ADMIN_NAMES,
        "the master username is not a well-known default",
        f"the master username is the well-known default '{r.master_username}'"))


# The logs each engine should export (after Security Hub RDS.9, RDS.34 and related controls).
_REQUIRED_LOGS = {
    "postgres": ("postgresql",), "aurora-postgresql": ("postgresql",),
    "mysql": ("audit", "error", "general", "slowquery"), "mariadb": ("audit", "error", "general", "slowquery"),
    "aurora-mysql": ("audit",), "aurora": ("audit",),
    "oracle": ("alert", "audit", "listener", "trace"), "sqlserver": ("agent", "error"),
}


def _log_exports(resource: Database) -> Outcome:
    engine = resource.engine
    required = _REQUIRED_LOGS.get(engine) or _REQUIRED_LOGS.get(engine.split("-")[0])
    if not required:
        return None
    missing = sorted(set(required) - set(resource.log_exports))
    return flag(not missing, f"exports {', '.join(required)} logs to CloudWatch Logs",
                f"does not export {', '.join(missing)} logs to CloudWatch Logs ({engine})")


@check("rds.logs_to_cloudwatch", resource_type=INSTANCE.resource_type,
       datasets=[INSTANCE.dataset, CLUSTER.dataset],
       fix="Export the engine's audit and error logs to CloudWatch Logs.",
       cli="aws rds modify-db-instance --db-instance-identifier <DB> "
           "--cloudwatch-logs-export-configuration 'EnableLogTypes=[\"postgresql\"]'",
       doc=RDS_DOC + "USER_LogAccess.Procedural.UploadtoCloudWatch.html")
def logs_to_cloudwatch(ctx: CheckContext) -> Iterator[Result]:
    yield from instances_and_clusters(ctx, _log_exports)
