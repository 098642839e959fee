"""Data-store reads: RDS, KMS, DynamoDB, Glacier, EFS (regional)."""

from __future__ import annotations

from cloudwarden.collect.spec import Call


def _is_customer_key(meta: dict) -> bool:  # type: ignore[type-arg]
    return meta.get("KeyManager") == "CUSTOMER" and meta.get("KeyState") != "PendingImport"


SPECS = [
    Call("rds.db_instances", "rds", "describe_db_instances", "DBInstances", paginate=True),
    Call("rds.db_clusters", "rds", "describe_db_clusters", "DBClusters", paginate=True),
    Call("rds.db_subnet_groups", "rds", "describe_db_subnet_groups", "DBSubnetGroups", paginate=True),
    Call("rds.db_snapshots", "rds", "describe_db_snapshots", "DBSnapshots", paginate=True,
         params={"SnapshotType": "manual"}),
    Call("rds.db_snapshot_attributes", "rds", "describe_db_snapshot_attributes",
         "DBSnapshotAttributesResult", per="rds.db_snapshots",
         per_params=lambda s: {"DBSnapshotIdentifier": s["DBSnapshotIdentifier"]},
         per_key=lambda s: s["DBSnapshotIdentifier"]),
    Call("rds.db_cluster_snapshots", "rds", "describe_db_cluster_snapshots", "DBClusterSnapshots",
         paginate=True, params={"SnapshotType": "manual"}),
    Call("rds.db_cluster_snapshot_attributes", "rds", "describe_db_cluster_snapshot_attributes",
         "DBClusterSnapshotAttributesResult", per="rds.db_cluster_snapshots",
         per_params=lambda s: {"DBClusterSnapshotIdentifier": s["DBClusterSnapshotIdentifier"]},
         per_key=lambda s: s["DBClusterSnapshotIdentifier"]),
    Call("kms.key_ids", "kms", "list_keys", "Keys", paginate=True),
    # Aliases name the AWS managed keys (aws/ebs, aws/rds ...) where KeyManager alone is not enough.
    Call("kms.aliases", "kms", "list_aliases", "Aliases", paginate=True),
    Call("kms.keys", "kms", "describe_key", "KeyMetadata", per="kms.key_ids",
         per_params=lambda k: {"KeyId": k["KeyId"]}, per_key=lambda k: k["KeyId"]),
    Call("kms.key_rotation", "kms", "get_key_rotation_status", "KeyRotationEnabled", per="kms.keys",
         per_params=lambda m: {"KeyId": m["KeyId"]}, per_key=lambda m: m["KeyId"],
         per_filter=lambda m, _region: _is_customer_key(m) and m.get("KeySpec", "SYMMETRIC_DEFAULT")
         == "SYMMETRIC_DEFAULT" and m.get("KeyState") == "Enabled"),
    Call("kms.key_policy", "kms", "get_key_policy", "Policy", per="kms.keys",
         per_params=lambda m: {"KeyId": m["KeyId"], "PolicyName": "default"},
         per_key=lambda m: m["KeyId"], per_filter=lambda m, _region: _is_customer_key(m)),
    Call("dynamodb.table_names", "dynamodb", "list_tables", "TableNames", paginate=True),
    Call("dynamodb.tables", "dynamodb", "describe_table", "Table", per="dynamodb.table_names",
         per_params=lambda name: {"TableName": name}, per_key=lambda name: name),
    Call("dynamodb.continuous_backups", "dynamodb", "describe_continuous_backups",
         "ContinuousBackupsDescription", per="dynamodb.table_names",
         per_params=lambda name: {"TableName": name}, per_key=lambda name: name),
    Call("glacier.vaults", "glacier", "list_vaults", "VaultList", paginate=True),
    Call("glacier.vault_policy", "glacier", "get_vault_access_policy", "policy", per="glacier.vaults",
         per_params=lambda v: {"vaultName": v["VaultName"]}, per_key=lambda v: v["VaultName"],
         absent_codes=("ResourceNotFoundException",)),
    Call("efs.file_systems", "efs", "describe_file_systems", "FileSystems", paginate=True),
]
