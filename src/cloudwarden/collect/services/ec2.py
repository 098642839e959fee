"""EC2, VPC, EBS and load-balancer reads (regional). Also the network engine's inputs."""

from __future__ import annotations

from typing import Any

from cloudwarden.collect.spec import Call


def _flatten_reservations(reservations: Any) -> list[Any]:
    return [instance for reservation in reservations or [] for instance in reservation.get("Instances", [])]


def fetch_public_snapshots(client: Any, params: dict[str, Any]) -> dict[str, Any]:
    """The account's snapshots restorable by "all", each with its createVolumePermission grants.

    One DescribeSnapshots per region names the candidates, so a region without public snapshots
    costs one request instead of one per snapshot; each candidate's attribute read confirms the
    grant (endpoints such as moto ignore RestorableByUserIds and return every snapshot).
    """
    account = params.get("__account_id")
    pages = client.get_paginator("describe_snapshots").paginate(OwnerIds=["self"], RestorableByUserIds=["all"])
    candidates = [snap["SnapshotId"] for page in pages for snap in page.get("Snapshots", [])
                  if snap.get("OwnerId") in (None, account)]
    return {snapshot_id: client.describe_snapshot_attribute(
        SnapshotId=snapshot_id, Attribute="createVolumePermission").get("CreateVolumePermissions", [])
        for snapshot_id in candidates}


def _ec2(dataset: str, operation: str, key: str, **kwargs: Any) -> Call:
    return Call(dataset, "ec2", operation, key, paginate=kwargs.pop("paginate", True), **kwargs)


SPECS = [
    _ec2("ec2.vpcs", "describe_vpcs", "Vpcs"),
    _ec2("ec2.subnets", "describe_subnets", "Subnets"),
    _ec2("ec2.route_tables", "describe_route_tables", "RouteTables"),
    _ec2("ec2.internet_gateways", "describe_internet_gateways", "InternetGateways"),
    _ec2("ec2.egress_only_internet_gateways", "describe_egress_only_internet_gateways",
         "EgressOnlyInternetGateways"),
    _ec2("ec2.nat_gateways", "describe_nat_gateways", "NatGateways"),
    _ec2("ec2.network_acls", "describe_network_acls", "NetworkAcls"),
    _ec2("ec2.security_groups", "describe_security_groups", "SecurityGroups"),
    _ec2("ec2.network_interfaces", "describe_network_interfaces", "NetworkInterfaces"),
    _ec2("ec2.instances", "describe_instances", "Reservations", transform=_flatten_reservations),
    _ec2("ec2.addresses", "describe_addresses", "Addresses", paginate=False),
    _ec2("ec2.managed_prefix_lists", "describe_managed_prefix_lists", "PrefixLists"),
    Call("ec2.prefix_list_entries", "ec2", "get_managed_prefix_list_entries", "Entries",
         paginate=True, per="ec2.managed_prefix_lists",
         per_params=lambda pl: {"PrefixListId": pl["PrefixListId"]},
         per_key=lambda pl: pl["PrefixListId"],
         # AWS-managed lists (S3, DynamoDB ranges) are never internet sources.
         per_filter=lambda pl, _region: pl.get("OwnerId") != "AWS"),
    _ec2("ec2.flow_logs", "describe_flow_logs", "FlowLogs"),
    _ec2("ec2.volumes", "describe_volumes", "Volumes"),
    _ec2("ec2.snapshots", "describe_snapshots", "Snapshots", params={"OwnerIds": ["self"]}),
    Call("ec2.public_snapshots", "ec2", "describe_snapshots", fetch=fetch_public_snapshots,
         extra_operations=("describe_snapshot_attribute",)),
    _ec2("ec2.images", "describe_images", "Images", paginate=False, params={"Owners": ["self"]}),
    _ec2("ec2.ebs_encryption_by_default", "get_ebs_encryption_by_default",
         "EbsEncryptionByDefault", paginate=False),
    _ec2("ec2.instance_metadata_defaults", "get_instance_metadata_defaults", "AccountLevel",
         paginate=False),
    _ec2("ec2.launch_templates", "describe_launch_templates", "LaunchTemplates"),
    # Without a template id, "$Default" and "$Latest" return those versions of every template at once.
    _ec2("ec2.launch_template_versions", "describe_launch_template_versions", "LaunchTemplateVersions",
         params={"Versions": ["$Default", "$Latest"]}),
    Call("elbv2.load_balancers", "elbv2", "describe_load_balancers", "LoadBalancers", paginate=True),
    Call("elbv2.listeners", "elbv2", "describe_listeners", "Listeners", paginate=True,
         per="elbv2.load_balancers", per_params=lambda lb: {"LoadBalancerArn": lb["LoadBalancerArn"]},
         per_key=lambda lb: lb["LoadBalancerArn"]),
    Call("elbv2.target_groups", "elbv2", "describe_target_groups", "TargetGroups", paginate=True),
    Call("elbv2.target_health", "elbv2", "describe_target_health", "TargetHealthDescriptions",
         per="elbv2.target_groups", per_params=lambda tg: {"TargetGroupArn": tg["TargetGroupArn"]},
         per_key=lambda tg: tg["TargetGroupArn"]),
    Call("elb.load_balancers", "elb", "describe_load_balancers", "LoadBalancerDescriptions",
         paginate=True),
]
