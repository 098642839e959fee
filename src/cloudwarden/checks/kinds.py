"""The resource-kind table and the check shapes built on it: iterate, fetch a per-resource item, judge.

A :class:`Kind` (from _datastore) says where a type of resource lives in the snapshot (a regional
list dataset), its id and ARN keys and its CloudFormation resource type; ``KINDS`` names them.

Stable API (new check modules build on it):

    KINDS["rds.instance"] -> Kind                     the table below; register new kinds with add_kind()
    each_resource(ctx, kind) -> (region, resource)    gapped regions become UNKNOWN, never "nothing there"
    judge_each(ctx, kind, judge)                      judge(resource) -> (ok, evidence) | None (out of scope)
    judge_with_item(ctx, kind, dataset, judge)        judge(resource, entry); a missing entry -> UNKNOWN
    attribute_is(kind, "MultiAZ", True, good="Multi-AZ", bad="single-AZ", where=None)
        -> a check body (ctx -> results): PASS when the attribute (dotted path "A.B") equals the
           expected value, or satisfies it when `expected` is a callable; `where(resource)` limits scope;
           good/bad are texts or functions of the resource.

    @check("rds.multi_az", resource_type=KINDS["rds.instance"].resource_type, datasets=["rds.db_instances"], ...)
    def multi_az(ctx): yield from attribute_is(KINDS["rds.instance"], "MultiAZ", True, good=..., bad=...)(ctx)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from cloudwarden.checks._datastore import Kind, Outcome, flag, judge_each, judge_with_item
from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.registry import Result

KINDS: dict[str, Kind] = {
    "rds.instance": Kind("rds.db_instances", "DBInstanceIdentifier", "DBInstanceArn", "AWS::RDS::DBInstance"),
    "rds.cluster": Kind("rds.db_clusters", "DBClusterIdentifier", "DBClusterArn", "AWS::RDS::DBCluster"),
    "rds.snapshot": Kind("rds.db_snapshots", "DBSnapshotIdentifier", "DBSnapshotArn", "AWS::RDS::DBSnapshot"),
    "rds.cluster_snapshot": Kind("rds.db_cluster_snapshots", "DBClusterSnapshotIdentifier",
                                 "DBClusterSnapshotArn", "AWS::RDS::DBClusterSnapshot"),
    "dynamodb.table": Kind("dynamodb.table_names", "TableName", "TableArn", "AWS::DynamoDB::Table"),
    "efs.file_system": Kind("efs.file_systems", "FileSystemId", "FileSystemArn", "AWS::EFS::FileSystem"),
    "glacier.vault": Kind("glacier.vaults", "VaultName", "VaultARN", "AWS::Glacier::Vault"),
    "ec2.instance": Kind("ec2.instances", "InstanceId", "", "AWS::EC2::Instance"),
    "ec2.volume": Kind("ec2.volumes", "VolumeId", "", "AWS::EC2::Volume"),
    "ec2.security_group": Kind("ec2.security_groups", "GroupId", "", "AWS::EC2::SecurityGroup"),
    "kms.key": Kind("kms.keys", "KeyId", "KeyArn", "AWS::KMS::Key"),
}


def add_kind(name: str, kind: Kind) -> Kind:
    """Register a kind (new check modules for new services); a name is registered once."""
    if name in KINDS and KINDS[name] != kind:
        raise ValueError(f"resource kind {name} is registered twice with different definitions")
    KINDS[name] = kind
    return kind


def each_resource(ctx: CheckContext, kind: Kind) -> Iterator[tuple[str, Any]]:
    return ctx.each(kind.dataset)


def attribute(resource: Any, path: str) -> Any:
    """The value at a dotted path ("Encryption.Enabled") of a resource dict; None when absent."""
    value = resource
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


Message = str | Callable[[Any], str]


def attribute_is(kind: Kind, path: str, expected: Any = True, *, good: Message, bad: Message,
                 where: Callable[[Any], bool] | None = None) -> Callable[[CheckContext], Iterator[Result]]:
    """A check body judging one attribute of every resource of `kind` (Checkov-style).

    `good`/`bad` are the evidence texts, or functions of the resource that write them."""
    def matches(value: Any) -> bool:
        return bool(expected(value)) if callable(expected) else value == expected

    def judge(resource: Any) -> Outcome:
        if where is not None and not where(resource):
            return None
        ok = matches(attribute(resource, path))
        text = good if ok else bad
        return ok, text(resource) if callable(text) else text

    def body(ctx: CheckContext) -> Iterator[Result]:
        yield from judge_each(ctx, kind, judge)

    return body


__all__ = ["KINDS", "Kind", "Outcome", "add_kind", "attribute", "attribute_is", "each_resource", "flag",
           "judge_each", "judge_with_item"]
