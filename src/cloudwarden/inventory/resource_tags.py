"""The tags of each resource in a snapshot, by its id, for findings to carry.

AWS returns tags inside the describe answers of most resources (``Tags`` as Key/Value pairs,
``TagList`` for RDS); each dataset names the key that is the item's own id, so that a subnet
never inherits the tags of an instance that merely sits in it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.inventory.snapshot import Snapshot

# dataset -> (the key holding an item's own id, more keys naming the same item)
OWN_ID: dict[str, tuple[str, ...]] = {
    "ec2.instances": ("InstanceId",),
    "ec2.security_groups": ("GroupId",),
    "ec2.volumes": ("VolumeId",),
    "ec2.snapshots": ("SnapshotId",),
    "ec2.vpcs": ("VpcId",),
    "ec2.subnets": ("SubnetId",),
    "ec2.network_acls": ("NetworkAclId",),
    "ec2.route_tables": ("RouteTableId",),
    "ec2.internet_gateways": ("InternetGatewayId",),
    "ec2.network_interfaces": ("NetworkInterfaceId",),
    "ec2.images": ("ImageId",),
    "ec2.addresses": ("AllocationId", "PublicIp"),
    "ec2.launch_templates": ("LaunchTemplateId", "LaunchTemplateName"),
    "ec2.flow_logs": ("FlowLogId",),
    "rds.db_instances": ("DBInstanceIdentifier", "DBInstanceArn"),
    "rds.db_clusters": ("DBClusterIdentifier", "DBClusterArn"),
    "rds.db_snapshots": ("DBSnapshotIdentifier", "DBSnapshotArn"),
    "rds.db_cluster_snapshots": ("DBClusterSnapshotIdentifier", "DBClusterSnapshotArn"),
    "cloudformation.stacks": ("StackName", "StackId"),
    "efs.file_systems": ("FileSystemId", "FileSystemArn"),
    "elbv2.load_balancers": ("LoadBalancerArn", "LoadBalancerName"),
}
# iam.authorization_details holds several lists, each with its own id keys.
_IAM_LISTS = {"UserDetailList": ("UserName", "Arn"), "RoleDetailList": ("RoleName", "Arn")}


def _as_dict(tags: Any) -> dict[str, str]:
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    if isinstance(tags, list):
        return {str(t["Key"]): str(t.get("Value", "")) for t in tags if isinstance(t, dict) and "Key" in t}
    return {}


def _items(value: Any) -> Iterator[dict[str, Any]]:
    values = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    yield from (item for item in values if isinstance(item, dict))


def _tagged(snapshot: Snapshot) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    for dataset, keys in OWN_ID.items():
        for value in snapshot.datasets.get(dataset, {}).values():
            for item in _items(value):
                yield keys, item
    for value in snapshot.datasets.get("iam.authorization_details", {}).values():
        if isinstance(value, dict):
            for name, keys in _IAM_LISTS.items():
                for item in _items(value.get(name)):
                    yield keys, item


def tag_index(snapshot: Snapshot) -> dict[str, dict[str, str]]:
    """Every tagged resource's tags, under each of its own ids (id, name, ARN)."""
    index: dict[str, dict[str, str]] = {}
    for keys, item in _tagged(snapshot):
        tags = _as_dict(item.get("Tags") if "Tags" in item else item.get("TagList"))
        if not tags:
            continue
        for key in keys:
            if item.get(key):
                index[str(item[key])] = tags
    return index
