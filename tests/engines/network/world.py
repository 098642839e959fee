"""Hand-built VPC layouts in the raw describe_* shapes the collector stores, for network tests.

`World` writes what boto3 would return (route tables with associations, NACL entries, security
groups with IpPermissions...), so tests exercise `model_from_snapshot` as well as the engine.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.inventory.snapshot import Snapshot

REGION = "us-east-1"
ACCOUNT = "111122223333"
LIST_DATASETS = (
    "ec2.vpcs", "ec2.subnets", "ec2.route_tables", "ec2.internet_gateways",
    "ec2.egress_only_internet_gateways", "ec2.nat_gateways", "ec2.network_acls", "ec2.security_groups",
    "ec2.network_interfaces", "ec2.instances", "ec2.addresses", "ec2.managed_prefix_lists",
    "rds.db_instances", "rds.db_subnet_groups", "elbv2.load_balancers", "elbv2.target_groups",
    "elb.load_balancers",
)
ITEM_DATASETS = ("ec2.prefix_list_entries", "elbv2.listeners", "elbv2.target_health")
OPEN = [(100, "-1", "allow", "0.0.0.0/0", None, None), (101, "-1", "allow", "::/0", None, None)]


def perm(protocol: str, low: int | None = None, high: int | None = None, cidrs: tuple[str, ...] = (),
         groups: tuple[str, ...] = (), prefix_lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """One IpPermissions entry; IPv6 CIDRs go to Ipv6Ranges."""
    high = low if high is None else high
    rule: dict[str, Any] = {
        "IpProtocol": protocol,
        "IpRanges": [{"CidrIp": c} for c in cidrs if ":" not in c],
        "Ipv6Ranges": [{"CidrIpv6": c} for c in cidrs if ":" in c],
        "UserIdGroupPairs": [{"GroupId": g, "UserId": ACCOUNT} for g in groups],
        "PrefixListIds": [{"PrefixListId": p} for p in prefix_lists],
    }
    if protocol != "-1":
        rule.update(FromPort=low, ToPort=high)
    return rule


def nacl_entries(rules: list[tuple[Any, ...]], egress: bool) -> list[dict[str, Any]]:
    """(rule number, protocol, action, cidr, from port, to port) -> NACL entries, plus the default denies."""
    out = []
    for number, protocol, action, cidr, low, high in rules + [
        (32767, "-1", "deny", "0.0.0.0/0", None, None), (32768, "-1", "deny", "::/0", None, None)
    ]:
        entry: dict[str, Any] = {"RuleNumber": number, "Protocol": protocol, "RuleAction": action, "Egress": egress}
        entry["Ipv6CidrBlock" if ":" in cidr else "CidrBlock"] = cidr
        if low is not None:
            entry["PortRange"] = {"From": low, "To": high}
        out.append(entry)
    return out


class World:
    def __init__(self) -> None:
        self.data: dict[str, list[Any]] = {name: [] for name in LIST_DATASETS}
        self.items: dict[str, dict[str, Any]] = {name: {} for name in ITEM_DATASETS}

    def vpc(self, vpc_id: str = "vpc-1", cidr: str = "10.0.0.0/16", igw: str | None = "igw-1",
            main_routes: list[tuple[str, str]] | None = None) -> World:
        """A VPC with its main route table (local route + ``main_routes``) and an open default NACL."""
        self.data["ec2.vpcs"].append({"VpcId": vpc_id, "CidrBlock": cidr})
        if igw:
            self.data["ec2.internet_gateways"].append(
                {"InternetGatewayId": igw, "Attachments": [{"VpcId": vpc_id, "State": "available"}]})
        self._route_table(f"rtb-main-{vpc_id}", vpc_id, cidr, main_routes or [], [{"Main": True}])
        self.data["ec2.network_acls"].append({
            "NetworkAclId": f"acl-default-{vpc_id}", "VpcId": vpc_id, "IsDefault": True,
            "Entries": nacl_entries(OPEN, False) + nacl_entries(OPEN, True), "Associations": []})
        return self

    def _route_table(self, table_id: str, vpc_id: str, cidr: str, routes: list[tuple[str, str]],
                     associations: list[dict[str, Any]]) -> None:
        raw_routes: list[dict[str, Any]] = [{"DestinationCidrBlock": cidr, "GatewayId": "local", "State": "active"}]
        for destination, target in routes:
            route: dict[str, Any] = {"State": "active"}
            key = ("DestinationPrefixListId" if destination.startswith("pl-")
                   else "DestinationIpv6CidrBlock" if ":" in destination else "DestinationCidrBlock")
            route[key] = destination
            target_key = {"nat-": "NatGatewayId", "eigw": "EgressOnlyInternetGatewayId",
                          "pcx-": "VpcPeeringConnectionId"}.get(target[:4], "GatewayId")
            route[target_key] = target
            raw_routes.append(route)
        self.data["ec2.route_tables"].append(
            {"RouteTableId": table_id, "VpcId": vpc_id, "Routes": raw_routes, "Associations": associations})

    def subnet(self, subnet_id: str, cidr: str, vpc_id: str = "vpc-1",
               routes: list[tuple[str, str]] | None = None) -> World:
        """A subnet; with ``routes`` it gets its own explicitly associated route table."""
        self.data["ec2.subnets"].append({"SubnetId": subnet_id, "VpcId": vpc_id, "CidrBlock": cidr})
        if routes is not None:
            self._route_table(f"rtb-{subnet_id}", vpc_id, "10.0.0.0/16", routes,
                              [{"SubnetId": subnet_id, "Main": False}])
        return self

    def egress_only_gateway(self, eigw_id: str, vpc_id: str = "vpc-1") -> World:
        self.data["ec2.egress_only_internet_gateways"].append(
            {"EgressOnlyInternetGatewayId": eigw_id, "Attachments": [{"VpcId": vpc_id, "State": "attached"}]})
        return self

    def nacl(self, acl_id: str, subnet_ids: list[str], inbound: list[tuple[Any, ...]],
             outbound: list[tuple[Any, ...]], vpc_id: str = "vpc-1") -> World:
        self.data["ec2.network_acls"].append({
            "NetworkAclId": acl_id, "VpcId": vpc_id, "IsDefault": False,
            "Entries": nacl_entries(inbound, False) + nacl_entries(outbound, True),
            "Associations": [{"SubnetId": s, "NetworkAclId": acl_id} for s in subnet_ids]})
        return self

    def sg(self, group_id: str, *ingress: dict[str, Any], vpc_id: str = "vpc-1") -> World:
        self.data["ec2.security_groups"].append({
            "GroupId": group_id, "GroupName": group_id, "VpcId": vpc_id, "IpPermissions": list(ingress),
            "IpPermissionsEgress": [perm("-1", cidrs=("0.0.0.0/0",))]})
        return self

    def prefix_list(self, list_id: str, cidrs: list[str], owner: str = ACCOUNT) -> World:
        self.data["ec2.managed_prefix_lists"].append({"PrefixListId": list_id, "OwnerId": owner})
        self.items["ec2.prefix_list_entries"][list_id] = [{"Cidr": c} for c in cidrs]
        return self

    def eni(self, eni_id: str, subnet_id: str, groups: list[str], public_ip: str | None = None,
            instance_id: str = "", ipv6: list[str] | None = None, private_ip: str = "10.0.0.10",
            vpc_id: str = "vpc-1", **extra: Any) -> World:
        association = {"PublicIp": public_ip, "IpOwnerId": "amazon"} if public_ip else None
        raw: dict[str, Any] = {
            "NetworkInterfaceId": eni_id, "SubnetId": subnet_id, "VpcId": vpc_id,
            "Groups": [{"GroupId": g} for g in groups], "PrivateIpAddress": private_ip,
            "PrivateIpAddresses": [{"PrivateIpAddress": private_ip, "Primary": True,
                                    **({"Association": association} if association else {})}],
            "Ipv6Addresses": [{"Ipv6Address": a} for a in ipv6 or []],
            "InterfaceType": "interface", "Description": "",
        }
        if association:
            raw["Association"] = association
        if instance_id:
            raw["Attachment"] = {"InstanceId": instance_id, "DeviceIndex": 0}
        raw.update(extra)
        self.data["ec2.network_interfaces"].append(raw)
        return self

    def elastic_ip(self, allocation_id: str, public_ip: str, eni_id: str, private_ip: str) -> World:
        self.data["ec2.addresses"].append({"AllocationId": allocation_id, "PublicIp": public_ip,
                                           "NetworkInterfaceId": eni_id, "PrivateIpAddress": private_ip})
        return self

    def instance(self, instance_id: str, eni_ids: list[str]) -> World:
        self.data["ec2.instances"].append({"InstanceId": instance_id, "Tags": [{"Key": "Name", "Value": instance_id}],
                                           "NetworkInterfaces": [{"NetworkInterfaceId": e} for e in eni_ids]})
        return self

    def rds(self, db_id: str, subnet_ids: list[str], groups: list[str], public: bool, port: int = 5432,
            vpc_id: str = "vpc-1") -> World:
        self.data["rds.db_instances"].append({
            "DBInstanceIdentifier": db_id, "Engine": "postgres", "PubliclyAccessible": public,
            "Endpoint": {"Address": f"{db_id}.rds.example", "Port": port},
            "VpcSecurityGroups": [{"VpcSecurityGroupId": g, "Status": "active"} for g in groups],
            "DBSubnetGroup": {"DBSubnetGroupName": f"{db_id}-subnets", "VpcId": vpc_id,
                              "Subnets": [{"SubnetIdentifier": s} for s in subnet_ids]}})
        return self

    def alb(self, name: str, subnet_ids: list[str], groups: list[str], listener_port: int,
            target_port: int, target_id: str, scheme: str = "internet-facing") -> World:
        arn = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/{name}/1"
        group_arn = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/{name}-tg/1"
        self.data["elbv2.load_balancers"].append({
            "LoadBalancerName": name, "LoadBalancerArn": arn, "VpcId": "vpc-1", "Type": "application",
            "Scheme": scheme, "SecurityGroups": groups, "IpAddressType": "ipv4",
            "AvailabilityZones": [{"SubnetId": s} for s in subnet_ids]})
        self.items["elbv2.listeners"][arn] = [{"Port": listener_port, "Protocol": "HTTP", "DefaultActions": [
            {"Type": "forward", "TargetGroupArn": group_arn}]}]
        self.data["elbv2.target_groups"].append({"TargetGroupArn": group_arn, "TargetGroupName": f"{name}-tg",
                                                 "Port": target_port, "Protocol": "HTTP",
                                                 "LoadBalancerArns": [arn]})
        self.items["elbv2.target_health"][group_arn] = [{"Target": {"Id": target_id, "Port": target_port}}]
        return self

    def datasets(self) -> dict[str, Any]:
        return {**self.data, **self.items}

    def snapshot(self) -> Snapshot:
        snap = Snapshot(account_id=ACCOUNT, collected_at="2026-11-28T12:00:00+00:00", regions=[REGION])
        for name, value in self.datasets().items():
            snap.put(name, REGION, value)
        return snap
