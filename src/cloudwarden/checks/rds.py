"""RDS and Aurora: exposure, encryption, backups, deletion protection, availability, snapshots.

Settings that belong to an Aurora or Multi-AZ DB cluster (backups, deletion protection, IAM
authentication) are judged on the cluster, not again on each member instance.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.kinds import KINDS, Outcome, attribute_is, flag, judge_each, judge_with_item
from cloudwarden.checks.registry import Result, check

RDS_DOC = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/"
AURORA_DOC = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/"
INSTANCE = KINDS["rds.instance"]
CLUSTER = KINDS["rds.cluster"]
SNAPSHOT = KINDS["rds.snapshot"]
CLUSTER_SNAPSHOT = KINDS["rds.cluster_snapshot"]
MIN_BACKUP_DAYS = 7  # Security Hub RDS.11's default minimum retention
# Engines that support IAM database authentication.
IAM_AUTH_ENGINES = ("mysql", "mariadb", "postgres", "aurora", "aurora-mysql", "aurora-postgresql")


def _standalone(instance: dict[str, Any]) -> bool:
    """Not a member of a cluster, whose cluster-level settings govern it."""
    return not instance.get("DBClusterIdentifier")


def _instances_and_clusters(ctx: CheckContext, judge: Any, members: bool = False) -> Iterator[Result]:
    """Judge standalone instances (all instances if `members`) and clusters with one judge."""
    yield from judge_each(ctx, INSTANCE, lambda i: judge(i) if members or _standalone(i) else None)
    yield from judge_each(ctx, CLUSTER, judge)


def _endpoint(instance: dict[str, Any]) -> str:
    endpoint = instance.get("Endpoint") or {}
    return f"{endpoint.get('Address', '?')}:{endpoint.get('Port', '?')}" if endpoint else "its endpoint"


@check("rds.instance_not_public", resource_type=INSTANCE.resource_type, datasets=[INSTANCE.dataset],
       fix="Turn off public accessibility and reach the database through private networking.",
       cli="aws rds modify-db-instance --db-instance-identifier <DB> --no-publicly-accessible "
           "--apply-immediately",
       doc=RDS_DOC + "USER_VPC.WorkingWithRDSInstanceinaVPC.html")
def instance_not_public(ctx: CheckContext) -> Iterator[Result]:
    yield from attribute_is(INSTANCE, "PubliclyAccessible", lambda public: not public, good="not publicly accessible",
                            bad=lambda i: f"publicly accessible: {_endpoint(i)} resolves to a public address")(ctx)


def _encrypted(resource: dict[str, Any], key: str = "StorageEncrypted") -> tuple[bool, str]:
    return flag(bool(resource.get(key)), f"encrypted with {resource.get('KmsKeyId') or 'a KMS key'}",
                "storage is not encrypted")


@check("rds.instance_storage_encrypted", resource_type=INSTANCE.resource_type, datasets=[INSTANCE.dataset],
       fix="Encrypt a snapshot copy with a KMS key and restore the instance from it.",
       cli="aws rds copy-db-snapshot --source-db-snapshot-identifier <SNAPSHOT> "
           "--target-db-snapshot-identifier <SNAPSHOT>-encrypted --kms-key-id <KEY_ARN>",
       doc=RDS_DOC + "Overview.Encryption.html")
def instance_storage_encrypted(ctx: CheckContext) -> Iterator[Result]:
    yield from judge_each(ctx, INSTANCE, _encrypted)


@check("rds.cluster_storage_encrypted", resource_type=CLUSTER.resource_type, datasets=[CLUSTER.dataset],
       fix="Restore the cluster from a snapshot copy encrypted with a KMS key.",
       cli="aws rds copy-db-cluster-snapshot --source-db-cluster-snapshot-identifier <SNAPSHOT> "
           "--target-db-cluster-snapshot-identifier <SNAPSHOT>-encrypted --kms-key-id <KEY_ARN>",
       doc=AURORA_DOC + "Overview.Encryption.html")
def cluster_storage_encrypted(ctx: CheckContext) -> Iterator[Result]:
    yield from judge_each(ctx, CLUSTER, _encrypted)


def _backups(resource: dict[str, Any]) -> Outcome:
    if resource.get("ReadReplicaSourceDBInstanceIdentifier"):
        return None  # replicas are recovered from their source's backups
    days = int(resource.get("BackupRetentionPeriod") or 0)
    if days == 0:
        return False, "automatic backups are off (retention 0 days)"
    return flag(days >= MIN_BACKUP_DAYS, f"automatic backups kept {days} days",
                f"automatic backups kept only {days} days (fewer than {MIN_BACKUP_DAYS})")


@check("rds.automatic_backups", resource_type=INSTANCE.resource_type,
       datasets=[INSTANCE.dataset, CLUSTER.dataset],
       fix=f"Keep automatic backups for at least {MIN_BACKUP_DAYS} days.",
       cli=f"aws rds modify-db-instance --db-instance-identifier <DB> --backup-retention-period "
           f"{MIN_BACKUP_DAYS} --apply-immediately",
       doc=RDS_DOC + "USER_WorkingWithAutomatedBackups.html")
def automatic_backups(ctx: CheckContext) -> Iterator[Result]:
    yield from _instances_and_clusters(ctx, _backups)


@check("rds.deletion_protection", resource_type=INSTANCE.resource_type,
       datasets=[INSTANCE.dataset, CLUSTER.dataset],
       fix="Enable deletion protection on production instances and clusters.",
       cli="aws rds modify-db-instance --db-instance-identifier <DB> --deletion-protection",
       doc=RDS_DOC + "USER_DeleteInstance.html")
def deletion_protection(ctx: CheckContext) -> Iterator[Result]:
    yield from _instances_and_clusters(ctx, lambda r: flag(
        bool(r.get("DeletionProtection")), "deletion protection is on", "deletion protection is off"))


@check("rds.multi_az", resource_type=INSTANCE.resource_type, datasets=[INSTANCE.dataset, CLUSTER.dataset],
       fix="Convert the instance to a Multi-AZ deployment (or add a reader in another AZ to the cluster).",
       cli="aws rds modify-db-instance --db-instance-identifier <DB> --multi-az --apply-immediately",
       doc=RDS_DOC + "Concepts.MultiAZ.html")
def multi_az(ctx: CheckContext) -> Iterator[Result]:
    yield from _instances_and_clusters(ctx, lambda r: flag(
        bool(r.get("MultiAZ")), "Multi-AZ", f"single-AZ ({r.get('AvailabilityZone') or 'one zone'})"))


def _minor_upgrades(resource: dict[str, Any]) -> Outcome:
    if "AutoMinorVersionUpgrade" not in resource:
        return None  # Aurora clusters carry the setting on their instances
    return flag(bool(resource["AutoMinorVersionUpgrade"]), "automatic minor version upgrade is on",
                f"automatic minor version upgrade is off ({resource.get('Engine')} "
                f"{resource.get('EngineVersion')})")


@check("rds.auto_minor_version_upgrade", resource_type=INSTANCE.resource_type,
       datasets=[INSTANCE.dataset, CLUSTER.dataset],
       fix="Turn on automatic minor version upgrades.",
       cli="aws rds modify-db-instance --db-instance-identifier <DB> --auto-minor-version-upgrade",
       doc=RDS_DOC + "USER_UpgradeDBInstance.Upgrading.html")
def auto_minor_version_upgrade(ctx: CheckContext) -> Iterator[Result]:
    yield from _instances_and_clusters(ctx, _minor_upgrades, members=True)


def _iam_auth(resource: dict[str, Any]) -> Outcome:
    if str(resource.get("Engine", "")) not in IAM_AUTH_ENGINES:
        return None
    return flag(bool(resource.get("IAMDatabaseAuthenticationEnabled")), "IAM database authentication is on",
                "IAM database authentication is off: only database passwords")


@check("rds.iam_authentication", resource_type=INSTANCE.resource_type,
       datasets=[INSTANCE.dataset, CLUSTER.dataset],
       fix="Enable IAM database authentication and grant rds-db:connect to the roles that need it.",
       cli="aws rds modify-db-instance --db-instance-identifier <DB> --enable-iam-database-authentication",
       doc=RDS_DOC + "UsingWithRDS.IAMDBAuth.html")
def iam_authentication(ctx: CheckContext) -> Iterator[Result]:
    yield from _instances_and_clusters(ctx, _iam_auth)


# -- snapshots --

def _restore_sharing(_snapshot: Any, attributes: dict[str, Any] | None) -> tuple[bool, str]:
    results = (attributes or {}).get("DBSnapshotAttributes") or \
        (attributes or {}).get("DBClusterSnapshotAttributes") or []
    accounts = [str(v) for a in results if a.get("AttributeName") == "restore"
                for v in a.get("AttributeValues") or []]
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
    yield from judge_with_item(ctx, SNAPSHOT, "rds.db_snapshot_attributes", _restore_sharing)
    yield from judge_with_item(ctx, CLUSTER_SNAPSHOT, "rds.db_cluster_snapshot_attributes", _restore_sharing)


@check("rds.snapshot_encrypted", resource_type=SNAPSHOT.resource_type,
       datasets=[SNAPSHOT.dataset, CLUSTER_SNAPSHOT.dataset],
       fix="Copy the snapshot with a KMS key, then delete the unencrypted one.",
       cli="aws rds copy-db-snapshot --source-db-snapshot-identifier <SNAPSHOT> "
           "--target-db-snapshot-identifier <SNAPSHOT>-encrypted --kms-key-id <KEY_ARN>",
       doc=RDS_DOC + "USER_CopySnapshot.html")
def snapshot_encrypted(ctx: CheckContext) -> Iterator[Result]:
    yield from judge_each(ctx, SNAPSHOT, lambda s: _encrypted(s, "Encrypted"))
    yield from judge_each(ctx, CLUSTER_SNAPSHOT, _encrypted)


# -- placement, monitoring, hygiene --

@check("rds.in_vpc", resource_type=INSTANCE.resource_type, datasets=[INSTANCE.dataset],
       fix="Move the instance into a VPC (restore a snapshot into a DB subnet group).",
       cli="aws rds restore-db-instance-from-db-snapshot --db-instance-identifier <DB> "
           "--db-snapshot-identifier <SNAPSHOT> --db-subnet-group-name <SUBNET_GROUP>",
       doc=RDS_DOC + "USER_VPC.html")
def in_vpc(ctx: CheckContext) -> Iterator[Result]:
    yield from attribute_is(INSTANCE, "DBSubnetGroup.VpcId", bool, bad="not in a VPC (no DB subnet group)",
                            good=lambda i: f"in {i['DBSubnetGroup']['VpcId']}")(ctx)


@check("rds.enhanced_monitoring", resource_type=INSTANCE.resource_type, datasets=[INSTANCE.dataset],
       fix="Turn on Enhanced Monitoring (60 seconds or finer) with a monitoring role.",
       cli="aws rds modify-db-instance --db-instance-identifier <DB> --monitoring-interval 60 "
           "--monitoring-role-arn <ROLE_ARN>",
       doc=RDS_DOC + "USER_Monitoring.OS.html")
def enhanced_monitoring(ctx: CheckContext) -> Iterator[Result]:
    yield from judge_each(ctx, INSTANCE, lambda i: flag(
        int(i.get("MonitoringInterval") or 0) > 0, f"Enhanced Monitoring every {i.get('MonitoringInterval')} s",
        "Enhanced Monitoring is off"))


@check("rds.copy_tags_to_snapshots", resource_type=INSTANCE.resource_type,
       datasets=[INSTANCE.dataset, CLUSTER.dataset],
       fix="Enable copying tags to snapshots so snapshots keep their classification.",
       cli="aws rds modify-db-instance --db-instance-identifier <DB> --copy-tags-to-snapshot",
       doc=RDS_DOC + "USER_Tagging.html")
def copy_tags_to_snapshots(ctx: CheckContext) -> Iterator[Result]:
    yield from _instances_and_clusters(ctx, lambda r: flag(
        bool(r.get("CopyTagsToSnapshot")), "tags are copied to snapshots", "tags are not copied to snapshots"))


DEFAULT_ADMIN_NAMES = ("admin", "administrator", "postgres", "root", "sa", "master")


@check("rds.custom_admin_username", resource_type=INSTANCE.resource_type,
       datasets=[INSTANCE.dataset, CLUSTER.dataset],
       fix="Create the database with a non-default master username (it cannot be changed later).",
       cli="aws rds restore-db-instance-from-db-snapshot --db-instance-identifier NEW_DB --db-snapshot-identifier SNAPSHOT  # then create a named admin and retire the default one",
       doc=RDS_DOC + "UsingWithRDS.MasterAccounts.html")
def custom_admin_username(ctx: CheckContext) -> Iterator[Result]:
    yield from _instances_and_clusters(ctx, lambda r: flag(
        str(r.get("MasterUsername", "")).lower() not in DEFAULT_ADMIN_NAMES,
        "the master username is not a well-known default",
        f"the master username is the well-known default '{r.get('MasterUsername')}'"))


# The logs each engine should export (after Security Hub RDS.9, RDS.34 and related controls).
_REQUIRED_LOGS = {
    "postgres": ("postgresql",), "aurora-postgresql": ("postgresql",),
    "mysql": ("audit", "error", "general", "slowquery"), "mariadb": ("audit", "error", "general", "slowquery"),
    "aurora-mysql": ("audit",), "aurora": ("audit",),
    "oracle": ("alert", "audit", "listener", "trace"), "sqlserver": ("agent", "error"),
}


def _log_exports(resource: dict[str, Any]) -> Outcome:
    engine = str(resource.get("Engine", ""))
    required = _REQUIRED_LOGS.get(engine) or _REQUIRED_LOGS.get(engine.split("-")[0])
    if not required:
        return None
    missing = sorted(set(required) - set(resource.get("EnabledCloudwatchLogsExports") or []))
    return flag(not missing, f"exports {', '.join(required)} logs to CloudWatch Logs",
                f"does not export {', '.join(missing)} logs to CloudWatch Logs ({engine})")


@check("rds.logs_to_cloudwatch", resource_type=INSTANCE.resource_type,
       datasets=[INSTANCE.dataset, CLUSTER.dataset],
       fix="Export the engine's audit and error logs to CloudWatch Logs.",
       cli="aws rds modify-db-instance --db-instance-identifier <DB> "
           "--cloudwatch-logs-export-configuration 'EnableLogTypes=[\"postgresql\"]'",
       doc=RDS_DOC + "USER_LogAccess.Procedural.UploadtoCloudWatch.html")
def logs_to_cloudwatch(ctx: CheckContext) -> Iterator[Result]:
    yield from _instances_and_clusters(ctx, _log_exports)
