"""Data-store fixes: RDS instance and cluster settings, public RDS snapshots, DynamoDB deletion
protection and point-in-time recovery, KMS key rotation and cancelled deletions, log retention
raised, CloudFormation termination protection. Nothing is deleted or shortened."""

from __future__ import annotations

from typing import Any

from cloudwarden.checks.rds import MIN_BACKUP_DAYS
from cloudwarden.remediate.model import CannotFix, Plan, Reader, Step, Target, fix, region_of

CLUSTER_TYPE = "AWS::RDS::DBCluster"
LOG_RETENTION_VALUES = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                        2922, 3288, 3653)  # logs:PutRetentionPolicy's allowed retentionInDays
REQUIRED_LOGS = {
    "postgres": ("postgresql",), "aurora-postgresql": ("postgresql",),
    "mysql": ("audit", "error", "general", "slowquery"), "mariadb": ("audit", "error", "general", "slowquery"),
    "aurora-mysql": ("audit",), "aurora": ("audit",),
    "oracle": ("alert", "audit", "listener", "trace"), "sqlserver": ("agent", "error"),
}


def _database(reader: Reader, target: Target) -> tuple[str, bool, dict[str, Any]]:
    region = region_of(target)
    cluster = target.resource_type == CLUSTER_TYPE
    if cluster:
        answer = reader.call("rds", region, "describe_db_clusters", absent=("DBClusterNotFoundFault",),
                             DBClusterIdentifier=target.resource_id)
        found = (answer or {}).get("DBClusters") or []
    else:
        answer = reader.call("rds", region, "describe_db_instances", absent=("DBInstanceNotFound",),
                             DBInstanceIdentifier=target.resource_id)
        found = (answer or {}).get("DBInstances") or []
    if not found:
        raise CannotFix(f"database {target.resource_id} no longer exists")
    return region, cluster, found[0]


def _modify(region: str, cluster: bool, identifier: str, params: dict[str, Any]) -> Step:
    if cluster:
        return Step("rds", region, "modify_db_cluster", {"DBClusterIdentifier": identifier, "ApplyImmediately": True,
                                                         **params})
    return Step("rds", region, "modify_db_instance", {"DBInstanceIdentifier": identifier, "ApplyImmediately": True,
                                                      **params})


# check id -> (field read, value wanted, parameter of ModifyDBInstance/ModifyDBCluster, summary, risk)
RDS_SETTINGS: dict[str, tuple[str, Any, str, str, str]] = {
    "rds.auto_minor_version_upgrade": ("AutoMinorVersionUpgrade", True, "AutoMinorVersionUpgrade",
                                       "Turn on automatic minor version upgrades.",
                                       "medium: minor upgrades run in the maintenance window (a short restart)"),
    "rds.copy_tags_to_snapshots": ("CopyTagsToSnapshot", True, "CopyTagsToSnapshot",
                                   "Copy the database's tags to its snapshots.", "low: none to clients"),
    "rds.deletion_protection": ("DeletionProtection", True, "DeletionProtection",
                                "Turn on deletion protection.", "low: deleting the database takes one more step"),
    "rds.iam_authentication": ("IAMDatabaseAuthenticationEnabled", True, "EnableIAMDatabaseAuthentication",
                               "Turn on IAM database authentication (passwords keep working).",
                               "low: adds a way in; database users still need IAM grants"),
    "rds.instance_not_public": ("PubliclyAccessible", False, "PubliclyAccessible",
                                "Make the instance not publicly accessible (its DNS name resolves privately).",
                                "high: clients outside the VPC lose access"),
    "rds.automatic_backups": ("BackupRetentionPeriod", MIN_BACKUP_DAYS, "BackupRetentionPeriod",
                              f"Keep automatic backups {MIN_BACKUP_DAYS} days (never shortens a longer retention).",
                              "medium: turning backups on from 0 restarts the instance; storage is billed"),
}


def _rds_fix(check_id: str) -> None:
    field, wanted, param, summary, risk = RDS_SETTINGS[check_id]

    @fix(check_id, summary=summary, risk=risk, writes=["rds:ModifyDBInstance", "rds:ModifyDBCluster"])
    def planner(reader: Reader, target: Target) -> Plan | None:
        region, cluster, database = _database(reader, target)
        current = database.get(field)
        value = wanted
        if field == "BackupRetentionPeriod":
            # The threshold the findings were judged by (a config file's, recorded in findings.json).
            value = int(reader.options.get("rds_min_backup_days") or wanted)
            if int(current or 0) >= value:
                return None
        elif current == wanted:
            return None
        identifier = target.resource_id
        return current, [_modify(region, cluster, identifier, {param: value})], \
            [_modify(region, cluster, identifier, {param: current if current is not None else not wanted})]


for _check_id in RDS_SETTINGS:
    _rds_fix(_check_id)


@fix("rds.logs_to_cloudwatch",
     summary="Export the engine's audit/error logs to CloudWatch Logs.",
     risk="low: log ingestion is billed; some engines need a parameter group setting to write audit logs",
     writes=["rds:ModifyDBInstance", "rds:ModifyDBCluster"])
def rds_log_exports(reader: Reader, target: Target) -> Plan | None:
    region, cluster, database = _database(reader, target)
    engine = str(database.get("Engine", ""))
    required = REQUIRED_LOGS.get(engine) or REQUIRED_LOGS.get(engine.split("-")[0])
    if not required:
        raise CannotFix(f"no log list known for engine {engine}")
    enabled = list(database.get("EnabledCloudwatchLogsExports") or [])
    missing = sorted(set(required) - set(enabled))
    if not missing:
        return None
    identifier = target.resource_id
    return enabled, [_modify(region, cluster, identifier, {"CloudwatchLogsExportConfiguration": {"EnableLogTypes": missing}})], \
        [_modify(region, cluster, identifier, {"CloudwatchLogsExportConfiguration": {"DisableLogTypes": missing}})]


@fix("rds.snapshot_not_public",
     summary="Remove 'all' from the snapshot's restore attribute.",
     risk="low: other accounts can no longer restore it",
     writes=["rds:ModifyDBSnapshotAttribute", "rds:ModifyDBClusterSnapshotAttribute"])
def rds_snapshot_private(reader: Reader, target: Target) -> Plan | None:
    region = region_of(target)
    cluster = "Cluster" in target.resource_type
    operation = "modify_db_cluster_snapshot_attribute" if cluster else "modify_db_snapshot_attribute"
    key = "DBClusterSnapshotIdentifier" if cluster else "DBSnapshotIdentifier"
    read = "describe_db_cluster_snapshot_attributes" if cluster else "describe_db_snapshot_attributes"
    answer = reader.call("rds", region, read, **{key: target.resource_id}) or {}
    result = answer.get("DBClusterSnapshotAttributesResult") or answer.get("DBSnapshotAttributesResult") or {}
    attributes = result.get("DBClusterSnapshotAttributes") or result.get("DBSnapshotAttributes") or []
    restore = [v for a in attributes if a.get("AttributeName") == "restore" for v in a.get("AttributeValues") or []]
    if "all" not in restore:
        return None
    base = {key: target.resource_id, "AttributeName": "restore"}
    return restore, [Step("rds", region, operation, {**base, "ValuesToRemove": ["all"]})], \
        [Step("rds", region, operation, {**base, "ValuesToAdd": ["all"]})]


def _table(reader: Reader, target: Target) -> tuple[str, str]:
    name = target.resource_id.split("/")[-1]
    return region_of(target), name


@fix("dynamodb.deletion_protection",
     summary="Turn on the table's deletion protection.", risk="low: deleting the table takes one more step",
     writes=["dynamodb:UpdateTable"])
def table_deletion_protection(reader: Reader, target: Target) -> Plan | None:
    region, name = _table(reader, target)
    table = (reader.call("dynamodb", region, "describe_table", TableName=name) or {}).get("Table") or {}
    current = bool(table.get("DeletionProtectionEnabled"))
    if current:
        return None
    return current, [Step("dynamodb", region, "update_table", {"TableName": name, "DeletionProtectionEnabled": True})], \
        [Step("dynamodb", region, "update_table", {"TableName": name, "DeletionProtectionEnabled": False})]


@fix("dynamodb.pitr_enabled",
     summary="Turn on point-in-time recovery (35 days of continuous backups).", risk="low: backup storage is billed",
     writes=["dynamodb:UpdateContinuousBackups"])
def table_pitr(reader: Reader, target: Target) -> Plan | None:
    region, name = _table(reader, target)
    answer = reader.call("dynamodb", region, "describe_continuous_backups", TableName=name) or {}
    status = ((answer.get("ContinuousBackupsDescription") or {}).get("PointInTimeRecoveryDescription") or {}).get(
        "PointInTimeRecoveryStatus")
    if status == "ENABLED":
        return None
    base = {"TableName": name}
    return status, [Step("dynamodb", region, "update_continuous_backups", {
        **base, "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}})], \
        [Step("dynamodb", region, "update_continuous_backups", {
            **base, "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": False}})]


@fix("kms.cmk_rotation_enabled",
     summary="Turn on yearly automatic rotation of the key material.", risk="low: old material stays for decrypting",
     writes=["kms:EnableKeyRotation", "kms:DisableKeyRotation"])
def key_rotation(reader: Reader, target: Target) -> Plan | None:
    region = region_of(target)
    answer = reader.call("kms", region, "get_key_rotation_status", KeyId=target.resource_id) or {}
    if answer.get("KeyRotationEnabled"):
        return None
    return False, [Step("kms", region, "enable_key_rotation", {"KeyId": target.resource_id})], \
        [Step("kms", region, "disable_key_rotation", {"KeyId": target.resource_id})]


@fix("kms.cmk_not_pending_deletion",
     summary="Cancel the scheduled deletion of the key and enable it again.",
     risk="low: the key becomes usable again; undo disables it (re-scheduling deletion is left to a person)",
     writes=["kms:CancelKeyDeletion", "kms:EnableKey", "kms:DisableKey"])
def key_keep(reader: Reader, target: Target) -> Plan | None:
    region = region_of(target)
    meta = (reader.call("kms", region, "describe_key", KeyId=target.resource_id) or {}).get("KeyMetadata") or {}
    if meta.get("KeyState") != "PendingDeletion":
        return None
    key = {"KeyId": target.resource_id}
    return {"KeyState": meta.get("KeyState"), "DeletionDate": str(meta.get("DeletionDate", ""))}, [
        Step("kms", region, "cancel_key_deletion", key), Step("kms", region, "enable_key", key)], [
        Step("kms", region, "disable_key", key)]


@fix("logs.log_group_retention",
     summary="Raise the log group's retention to 365 days, or the threshold the findings were judged by "
             "(never lowers it, so nothing expires sooner).",
     risk="low: log storage is billed longer", writes=["logs:PutRetentionPolicy"])
def log_retention(reader: Reader, target: Target) -> Plan | None:
    region = region_of(target)
    name = target.resource_id
    answer = reader.call("logs", region, "describe_log_groups", logGroupNamePrefix=name) or {}
    group = next((g for g in answer.get("logGroups") or [] if g.get("logGroupName") == name), None)
    if group is None:
        raise CannotFix(f"log group {name} no longer exists")
    days = group.get("retentionInDays")
    minimum = int(reader.options.get("logs_min_retention_days") or 365)  # the findings' threshold
    if days is None or int(days) >= minimum:
        return None
    # PutRetentionPolicy takes only these values: the shortest that meets the threshold.
    wanted = next((v for v in LOG_RETENTION_VALUES if v >= minimum), LOG_RETENTION_VALUES[-1])
    return days, [Step("logs", region, "put_retention_policy", {"logGroupName": name, "retentionInDays": wanted})], \
        [Step("logs", region, "put_retention_policy", {"logGroupName": name, "retentionInDays": int(days)})]


@fix("cloudformation.termination_protection",
     summary="Turn on the stack's termination protection.", risk="low: deleting the stack takes one more step",
     writes=["cloudformation:UpdateTerminationProtection"])
def stack_termination_protection(reader: Reader, target: Target) -> Plan | None:
    region = region_of(target)
    stacks = (reader.call("cloudformation", region, "describe_stacks", StackName=target.resource_id) or {}).get(
        "Stacks") or []
    if not stacks:
        raise CannotFix(f"stack {target.resource_id} no longer exists")
    if stacks[0].get("EnableTerminationProtection"):
        return None
    name = target.resource_id
    return False, [Step("cloudformation", region, "update_termination_protection",
                        {"StackName": name, "EnableTerminationProtection": True})], \
        [Step("cloudformation", region, "update_termination_protection",
              {"StackName": name, "EnableTerminationProtection": False})]
