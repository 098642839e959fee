"""RDS and Aurora as typed views: DB instances, DB clusters and their snapshots.

Instances and clusters share one shape (:class:`Database`, ``cluster`` tells them apart) because the
settings the checks judge (backups, deletion protection, IAM authentication, log exports...) are the
same fields on both. A snapshot's restore attributes are an optional per-snapshot part.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views import Deferred, PerRegion, item_part, strings, tags, values_of

INSTANCES = "rds.db_instances"
CLUSTERS = "rds.db_clusters"
SNAPSHOTS = "rds.db_snapshots"
CLUSTER_SNAPSHOTS = "rds.db_cluster_snapshots"
SNAPSHOT_ATTRIBUTES = "rds.db_snapshot_attributes"
SUBNET_GROUPS = "rds.db_subnet_groups"
CLUSTER_SNAPSHOT_ATTRIBUTES = "rds.db_cluster_snapshot_attributes"
PROXIES, SUBSCRIPTIONS = "rds.db_proxies", "rds.event_subscriptions"
PARAMETERS, CLUSTER_PARAMETERS = "rds.db_parameters", "rds.db_cluster_parameters"
ENGINE_VERSIONS, CLUSTER_ENGINE_VERSIONS = "rds.engine_versions", "rds.cluster_engine_versions"


@dataclass(frozen=True)
class Database:
    """A DB instance or a DB cluster (``cluster``), with the settings both carry."""

    region: str
    cluster: bool
    id: str
    arn: str
    cluster_id: str  # an instance's cluster ("" when standalone)
    engine: str
    engine_version: str
    endpoint: str  # "address:port", "" when there is none
    publicly_accessible: bool
    storage_encrypted: bool
    kms_key_id: str
    replica_source: str
    backup_retention_days: int
    deletion_protection: bool
    multi_az: bool
    availability_zone: str
    auto_minor_version_upgrade: bool | None  # None: the resource does not carry the setting
    iam_auth: bool
    vpc_id: str  # of the DB subnet group ("" when not in a VPC)
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]
    monitoring_interval: int
    copy_tags_to_snapshot: bool
    master_username: str
    log_exports: tuple[str, ...]
    port: int = 0  # the port it listens on (0: not known yet)
    subnet_group_name: str = ""
    active_security_group_ids: tuple[str, ...] = ()  # VPC security groups in force (active or being added)
    tags: dict[str, str] = field(default_factory=dict, compare=False)
    parameter_groups: tuple[str, ...] = ()  # DB parameter groups (an instance) or the DB cluster parameter group
    engine_mode: str = "provisioned"
    backtrack_window: int = 0  # seconds (Aurora MySQL)
    ca_identifier: str = ""  # CACertificateIdentifier
    certificate_ca: str = ""  # CertificateDetails.CAIdentifier
    certificate_valid_till: str = ""  # CertificateDetails.ValidTill ("" when not reported)

    @property
    def standalone(self) -> bool:
        """Not a member of a cluster, whose cluster-level settings govern it."""
        return not self.cluster_id


def _database(region: str, raw: dict[str, Any], cluster: bool) -> Database:
    endpoint = raw.get("Endpoint") or {}
    if isinstance(endpoint, dict):
        address = f"{endpoint.get('Address', '?')}:{endpoint.get('Port', '?')}" if endpoint else ""
    else:  # clusters give the endpoint as text, with the port beside it
        address = f"{endpoint}:{raw.get('Port', '?')}"
    subnet_group = raw.get("DBSubnetGroup") or {}
    group_name = str(subnet_group.get("DBSubnetGroupName") or "") if isinstance(subnet_group, dict) else str(subnet_group)
    if not isinstance(subnet_group, dict):  # a DB cluster names its subnet group (a string)
        subnet_group = {}
    return Database(
        region, cluster, str(raw["DBClusterIdentifier" if cluster else "DBInstanceIdentifier"]),
        str(raw.get("DBClusterArn" if cluster else "DBInstanceArn") or ""),
        "" if cluster else str(raw.get("DBClusterIdentifier") or ""), str(raw.get("Engine", "")),
        str(raw.get("EngineVersion")), address, bool(raw.get("PubliclyAccessible")), bool(raw.get("StorageEncrypted")),
        str(raw.get("KmsKeyId") or ""), str(raw.get("ReadReplicaSourceDBInstanceIdentifier") or ""),
        int(raw.get("BackupRetentionPeriod") or 0), bool(raw.get("DeletionProtection")), bool(raw.get("MultiAZ")),
        str(raw.get("AvailabilityZone") or ""),
        bool(raw["AutoMinorVersionUpgrade"]) if "AutoMinorVersionUpgrade" in raw else None,
        bool(raw.get("IAMDatabaseAuthenticationEnabled")), str(subnet_group.get("VpcId") or ""),
        tuple(str(s.get("SubnetIdentifier", "")) for s in subnet_group.get("Subnets") or []),
        tuple(str(g.get("VpcSecurityGroupId", "")) for g in raw.get("VpcSecurityGroups") or []),
        int(raw.get("MonitoringInterval") or 0), bool(raw.get("CopyTagsToSnapshot")),
        str(raw.get("MasterUsername", "")), strings(raw, "EnabledCloudwatchLogsExports"),
        _port(raw), group_name,
        tuple(str(g["VpcSecurityGroupId"]) for g in raw.get("VpcSecurityGroups") or []
              if g.get("VpcSecurityGroupId") and g.get("Status", "active") in ("active", "adding")),
        tags=tags({"Tags": raw.get("TagList")}), parameter_groups=_parameter_groups(raw, cluster),
        engine_mode=str(raw.get("EngineMode") or "provisioned"), backtrack_window=int(raw.get("BacktrackWindow") or 0),
        ca_identifier=str(raw.get("CACertificateIdentifier") or ""),
        certificate_ca=str((raw.get("CertificateDetails") or {}).get("CAIdentifier") or ""),
        certificate_valid_till=str((raw.get("CertificateDetails") or {}).get("ValidTill") or ""))


def _parameter_groups(raw: dict[str, Any], cluster: bool) -> tuple[str, ...]:
    if cluster:
        group = raw.get("DBClusterParameterGroup")
        return (str(group),) if group else ()
    return tuple(str(g["DBParameterGroupName"]) for g in raw.get("DBParameterGroups") or [])


@dataclass(frozen=True)
class DbSubnetGroup:
    region: str
    name: str
    vpc_id: str
    subnet_ids: tuple[str, ...]


def _subnet_group(region: str, raw: dict[str, Any]) -> DbSubnetGroup:
    return DbSubnetGroup(region, str(raw["DBSubnetGroupName"]), str(raw.get("VpcId") or ""),
                         values_of(raw.get("Subnets"), "SubnetIdentifier"))


def _port(raw: dict[str, Any]) -> int:
    endpoint = raw.get("Endpoint")
    port = raw.get("Port") or (endpoint.get("Port") if isinstance(endpoint, dict) else None) or raw.get("DbInstancePort")
    try:
        return int(port or 0)
    except (TypeError, ValueError):
        return 0


@dataclass(frozen=True)
class DbSnapshot:
    region: str
    cluster: bool
    id: str
    arn: str
    encrypted: bool
    kms_key_id: str
    attributes: Deferred[Any]  # DescribeDB(Cluster)SnapshotAttributes' result; missing when unread
    source_id: str = ""  # the DB instance (or cluster) it is a snapshot of

    def restore_accounts(self) -> list[str]:
        """Accounts the snapshot is shared with ("all" = public); raises DataUnavailable when unread."""
        attributes = self.attributes.get() or {}
        results = attributes.get("DBSnapshotAttributes") or attributes.get("DBClusterSnapshotAttributes") or []
        return [str(v) for a in results if a.get("AttributeName") == "restore" for v in a.get("AttributeValues") or []]


@dataclass(frozen=True)
class DbProxy:
    region: str
    name: str
    arn: str
    require_tls: bool
    engine_family: str  # "?" when not reported


def _proxy(region: str, raw: dict[str, Any]) -> DbProxy:
    return DbProxy(region, str(raw["DBProxyName"]), str(raw.get("DBProxyArn") or ""), bool(raw.get("RequireTLS")),
                   str(raw.get("EngineFamily", "?")))


@dataclass(frozen=True)
class EventSubscription:
    enabled: bool
    limited: bool  # limited to named sources (SourceIdsList)
    source_type: str  # "" = every source type
    categories: tuple[str, ...]  # () = every category


def _subscription(_region: str, raw: dict[str, Any]) -> EventSubscription:
    return EventSubscription(bool(raw.get("Enabled")), bool(raw.get("SourceIdsList")), str(raw.get("SourceType") or ""),
                             strings(raw, "EventCategoriesList"))


@dataclass(frozen=True)
class Parameter:
    listed: bool  # DescribeDBParameters listed it for the group
    value: str | None  # None: no value reported (the engine default applies)


class RdsView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.instances: PerRegion[Database] = PerRegion(snapshot, INSTANCES, lambda r, raw: _database(r, raw, False))
        self.clusters: PerRegion[Database] = PerRegion(snapshot, CLUSTERS, lambda r, raw: _database(r, raw, True))
        self.subnet_groups: PerRegion[DbSubnetGroup] = PerRegion(snapshot, SUBNET_GROUPS, _subnet_group)

        def snapshot_of(cluster: bool) -> Any:
            id_key = "DBClusterSnapshotIdentifier" if cluster else "DBSnapshotIdentifier"
            arn_key = "DBClusterSnapshotArn" if cluster else "DBSnapshotArn"
            dataset = CLUSTER_SNAPSHOT_ATTRIBUTES if cluster else SNAPSHOT_ATTRIBUTES

            def build(region: str, raw: dict[str, Any]) -> DbSnapshot:
                ident = str(raw[id_key])
                return DbSnapshot(region, cluster, ident, str(raw.get(arn_key) or ""),
                                  bool(raw.get("StorageEncrypted" if cluster else "Encrypted")),
                                  str(raw.get("KmsKeyId") or ""), Deferred(lambda: item_part(snapshot, dataset, region, ident)),
                                  str(raw.get("DBClusterIdentifier" if cluster else "DBInstanceIdentifier")))
            return build

        self.snapshots: PerRegion[DbSnapshot] = PerRegion(snapshot, SNAPSHOTS, snapshot_of(False))
        self.cluster_snapshots: PerRegion[DbSnapshot] = PerRegion(snapshot, CLUSTER_SNAPSHOTS, snapshot_of(True))
        self.proxies: PerRegion[DbProxy] = PerRegion(snapshot, PROXIES, _proxy)
        self.event_subscriptions: PerRegion[EventSubscription] = PerRegion(snapshot, SUBSCRIPTIONS, _subscription)

    def parameter(self, database: Database, group: str, name: str) -> Parameter:
        """A parameter of one of the database's parameter groups; raises DataUnavailable when the group's
        parameters were not read."""
        found = (self.snapshot.item(CLUSTER_PARAMETERS if database.cluster else PARAMETERS, database.region, group)
                 or {}).get(name)
        if found is None:
            return Parameter(False, None)
        value = found.get("ParameterValue")
        return Parameter(True, None if value is None else str(value))

    def version_status(self, database: Database) -> str | None:
        """The status RDS gives the database's engine version ("available", "deprecated"...), None when the
        version is not offered at all; raises DataUnavailable when the versions were not read."""
        dataset = CLUSTER_ENGINE_VERSIONS if database.cluster else ENGINE_VERSIONS
        listed = self.snapshot.item(dataset, database.region, f"{database.engine}/{database.engine_version}")
        record = next((v for v in listed or [] if str(v.get("EngineVersion")) == database.engine_version), None)
        return None if record is None else str(record.get("Status") or "available")


__all__ = ["Database", "DbProxy", "DbSnapshot", "DbSubnetGroup", "EventSubscription", "Parameter", "RdsView"]
