"""DynamoDB as typed views: tables (listed by name) with their description, continuous backups, resource
policy and tags, each a per-table part; the Application Auto Scaling targets of DynamoDB; DAX clusters.

The table-name list is required per region; a table whose description (or backups, policy, tags) could
not be read raises DataUnavailable for that table only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudwarden.core.arn import build_arn
from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views import Deferred, Part, PerRegion, deferred_item, tags

TABLE_NAMES, TABLES = "dynamodb.table_names", "dynamodb.tables"
BACKUPS, POLICY, TAGS = "dynamodb.continuous_backups", "dynamodb.resource_policy", "dynamodb.table_tags"
TARGETS = "autoscaling.dynamodb_targets"
DAX_CLUSTERS = "dax.clusters"


@dataclass(frozen=True)
class TableDescription:
    arn: str  # "" when DescribeTable gave none
    billing_mode: str
    deletion_protection: bool
    sse_type: str
    sse_status: str
    kms_key_arn: str

    @classmethod
    def of(cls, raw: dict[str, Any] | None) -> TableDescription:
        raw = raw or {}
        sse = raw.get("SSEDescription") or {}
        return cls(str(raw.get("TableArn") or ""),
                   str((raw.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")),
                   bool(raw.get("DeletionProtectionEnabled")), str(sse.get("SSEType") or ""),
                   str(sse.get("Status") or ""), str(sse.get("KMSMasterKeyArn") or ""))

    @property
    def kms_encrypted(self) -> bool:
        """Encrypted with a KMS key (AWS managed or customer managed), not an AWS owned key."""
        return self.sse_type == "KMS" and self.sse_status in ("ENABLED", "UPDATING")


def _pitr(raw: dict[str, Any] | None) -> str:
    """PointInTimeRecoveryStatus ("" when not reported)."""
    return str(((raw or {}).get("PointInTimeRecoveryDescription") or {}).get("PointInTimeRecoveryStatus") or "")


@dataclass(frozen=True)
class Table:
    region: str
    name: str
    default_arn: str  # the ARN built from account, region and name
    description: Deferred[TableDescription] = field(repr=False, compare=False)
    pitr: Deferred[str] = field(repr=False, compare=False)  # PointInTimeRecoveryStatus, "" when none
    policy: Deferred[Any] = field(repr=False, compare=False)  # the resource policy document (None: none)
    tags: Deferred[dict[str, str]] = field(repr=False, compare=False)

    @property
    def arn(self) -> str:
        """The table's ARN (DescribeTable's, else built); raises DataUnavailable when the table was not described."""
        return self.description.get().arn or self.default_arn


@dataclass(frozen=True)
class DaxCluster:
    region: str
    name: str
    arn: str
    sse_status: str  # "DISABLED" when not reported
    endpoint_encryption: str  # "NONE" when not reported


def _dax(region: str, raw: dict[str, Any]) -> DaxCluster:
    return DaxCluster(region, str(raw["ClusterName"]), str(raw.get("ClusterArn") or ""),
                      str((raw.get("SSEDescription") or {}).get("Status", "DISABLED")),
                      str(raw.get("ClusterEndpointEncryptionType") or "NONE"))


class DynamoDbView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._described: dict[str, Part[dict[str, TableDescription]]] = {}

        def table(region: str, name: Any) -> Table:
            name = str(name)
            return Table(region, name, build_arn("dynamodb", region, snapshot.account_id, f"table/{name}",
                                                 snapshot.partition),
                         deferred_item(snapshot, TABLES, region, name, TableDescription.of),
                         deferred_item(snapshot, BACKUPS, region, name, _pitr),
                         deferred_item(snapshot, POLICY, region, name),
                         deferred_item(snapshot, TAGS, region, name, lambda raw: tags({"Tags": raw})))

        self.tables: PerRegion[Table] = PerRegion(snapshot, TABLE_NAMES, table)
        self.scaling_targets: PerRegion[tuple[str, str]] = PerRegion(snapshot, TARGETS, lambda _region, raw: (
            str(raw.get("ResourceId")), str(raw.get("ScalableDimension"))))
        self.dax_clusters: PerRegion[DaxCluster] = PerRegion(snapshot, DAX_CLUSTERS, _dax)

    def descriptions(self, region: str) -> dict[str, TableDescription]:
        """Every described table of the region by name (the whole table dataset, without the name list);
        raises DataUnavailable when it was not read."""
        if region not in self._described:
            def read() -> dict[str, TableDescription]:
                raw = self.snapshot.get(TABLES, region) or {}
                return {str(name): TableDescription.of(entry) for name, entry in raw.items()}
            self._described[region] = Part.of(read)
        return self._described[region].get()


__all__ = ["DaxCluster", "DynamoDbView", "Table", "TableDescription"]
