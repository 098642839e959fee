"""Recovery and data-in-transit reads: AWS Backup vault policies, recovery points, plan coverage;
Glacier vault locks and notifications; RDS proxies, engine versions and TLS parameters; DynamoDB
resource policies and tags; who may restore each EBS snapshot (regional).

moto (5.x) answers rds:DescribeDBProxies, DescribeDBParameters, DescribeDBClusterParameters,
backup:GetBackupPlan, dynamodb:GetResourcePolicy and ListTagsOfResource. It lacks backup:GetBackupVaultAccessPolicy,
ListRecoveryPointsByBackupVault, ListProtectedResources and ListBackupSelections,
glacier:GetVaultLock and GetVaultNotifications, and rds:DescribeDBEngineVersions: against moto those
datasets are gaps and their checks UNKNOWN.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.collect.spec import Call

# The parameters that force TLS on client connections (PostgreSQL, SQL Server / MySQL, MariaDB).
TLS_PARAMETERS = ("rds.force_ssl", "require_secure_transport")


def _tls_parameters(parameters: Any) -> dict[str, Any]:
    """Only the TLS parameters of a group (a group has hundreds): name -> its Parameter record."""
    return {str(p["ParameterName"]): p for p in parameters or [] if p.get("ParameterName") in TLS_PARAMETERS}


def fetch_selections(client: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every selection of one backup plan, each with its resources, tags and conditions."""
    plan_id = params["BackupPlanId"]
    listed: list[dict[str, Any]] = []
    for page in client.get_paginator("list_backup_selections").paginate(BackupPlanId=plan_id):
        listed.extend(page.get("BackupSelectionsList") or [])
    found = []
    for entry in listed:
        answer = client.get_backup_selection(BackupPlanId=plan_id, SelectionId=entry["SelectionId"])
        found.append({"SelectionId": entry["SelectionId"], "BackupPlanId": plan_id,
                      **(answer.get("BackupSelection") or {})})
    return found


_POINT_FIELDS = ("RecoveryPointArn", "ResourceArn", "ResourceType", "Status", "IsEncrypted", "EncryptionKeyArn",
                 "CreationDate")


def _slim_points(points: Any) -> list[dict[str, Any]]:
    """Recovery points can number thousands per vault: keep the fields the checks read."""
    return [{k: p[k] for k in _POINT_FIELDS if k in p} for p in points or []]


def _standalone(database: dict[str, Any], _region: str) -> bool:
    return not database.get("DBClusterIdentifier")  # a cluster member runs its cluster's version


def _engine_key(database: dict[str, Any]) -> str:
    return f"{database.get('Engine')}/{database.get('EngineVersion')}"


def _engine_params(database: dict[str, Any]) -> dict[str, Any]:
    return {"Engine": str(database.get("Engine")), "EngineVersion": str(database.get("EngineVersion")),
            "IncludeAll": True}


SPECS = [
    Call("backup.vault_access_policy", "backup", "get_backup_vault_access_policy", "Policy", per="backup.vaults",
         per_params=lambda v: {"BackupVaultName": v["BackupVaultName"]}, per_key=lambda v: v["BackupVaultName"],
         absent_codes=("ResourceNotFoundException",)),
    Call("backup.recovery_points", "backup", "list_recovery_points_by_backup_vault", "RecoveryPoints",
         paginate=True, per="backup.vaults", per_params=lambda v: {"BackupVaultName": v["BackupVaultName"]},
         per_key=lambda v: v["BackupVaultName"], transform=_slim_points),
    Call("backup.protected_resources", "backup", "list_protected_resources", "Results", paginate=True),
    Call("backup.plan_details", "backup", "get_backup_plan", "BackupPlan", per="backup.plans",
         per_params=lambda p: {"BackupPlanId": p["BackupPlanId"]}, per_key=lambda p: p["BackupPlanId"]),
    Call("backup.selections", "backup", "list_backup_selections", per="backup.plans",
         per_params=lambda p: {"BackupPlanId": p["BackupPlanId"]}, per_key=lambda p: p["BackupPlanId"],
         fetch=fetch_selections, extra_operations=("get_backup_selection",)),
    Call("glacier.vault_lock", "glacier", "get_vault_lock", ("State", "Policy", "CreationDate", "ExpirationDate"),
         per="glacier.vaults", per_params=lambda v: {"vaultName": v["VaultName"]}, per_key=lambda v: v["VaultName"],
         absent_codes=("ResourceNotFoundException",)),
    Call("glacier.vault_notifications", "glacier", "get_vault_notifications", "vaultNotificationConfig",
         per="glacier.vaults", per_params=lambda v: {"vaultName": v["VaultName"]},
         per_key=lambda v: v["VaultName"], absent_codes=("ResourceNotFoundException",)),
    Call("rds.db_proxies", "rds", "describe_db_proxies", "DBProxies", paginate=True),
    Call("rds.engine_versions", "rds", "describe_db_engine_versions", "DBEngineVersions", paginate=True,
         per="rds.db_instances", per_params=_engine_params, per_key=_engine_key, per_filter=_standalone),
    Call("rds.cluster_engine_versions", "rds", "describe_db_engine_versions", "DBEngineVersions", paginate=True,
         per="rds.db_clusters", per_params=_engine_params, per_key=_engine_key),
    Call("rds.db_parameter_groups", "rds", "describe_db_parameter_groups", "DBParameterGroups", paginate=True),
    Call("rds.db_parameters", "rds", "describe_db_parameters", "Parameters", paginate=True,
         per="rds.db_parameter_groups", per_params=lambda g: {"DBParameterGroupName": g["DBParameterGroupName"]},
         per_key=lambda g: g["DBParameterGroupName"], transform=_tls_parameters),
    Call("rds.db_cluster_parameter_groups", "rds", "describe_db_cluster_parameter_groups",
         "DBClusterParameterGroups", paginate=True),
    Call("rds.db_cluster_parameters", "rds", "describe_db_cluster_parameters", "Parameters", paginate=True,
         per="rds.db_cluster_parameter_groups",
         per_params=lambda g: {"DBClusterParameterGroupName": g["DBClusterParameterGroupName"]},
         per_key=lambda g: g["DBClusterParameterGroupName"], transform=_tls_parameters),
    Call("dynamodb.resource_policy", "dynamodb", "get_resource_policy", "Policy", per="dynamodb.tables",
         per_params=lambda t: {"ResourceArn": t["TableArn"]}, per_key=lambda t: t["TableName"],
         absent_codes=("PolicyNotFoundException",)),
    # Tags decide tag-based backup assignments (describe_table does not return them).
    Call("dynamodb.table_tags", "dynamodb", "list_tags_of_resource", "Tags", paginate=True, per="dynamodb.tables",
         per_params=lambda t: {"ResourceArn": t["TableArn"]}, per_key=lambda t: t["TableName"]),
    # Who may create volumes from each owned snapshot (accounts it is shared with, or "all").
    Call("ec2.snapshot_volume_permissions", "ec2", "describe_snapshot_attribute", "CreateVolumePermissions",
         per="ec2.snapshots", per_params=lambda s: {"SnapshotId": s["SnapshotId"], "Attribute": "createVolumePermission"},
         per_key=lambda s: s["SnapshotId"],
         # an unencrypted copy leaks whoever may restore it; only encrypted ones need the grants read
         per_filter=lambda s, _region: bool(s.get("Encrypted"))),
]
