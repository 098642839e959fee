"""Build a :class:`NetworkModel` for one region from a snapshot's raw describe_* responses.

Reads the inventory only. The datasets without which no answer is possible (subnets, route
tables, gateways, NACLs, security groups, interfaces) raise ``DataUnavailable`` when missing, so a
check reports UNKNOWN; the others (RDS, load balancers, prefix lists, Elastic IPs...) leave a note
in ``model.gaps`` and the model goes on without them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cloudwarden.core.net import protocol_name, protocol_number
from cloudwarden.engines.network.lb_model import load_balancers
from cloudwarden.engines.network.model import (
    DbInstance,
    Gateway,
    Instance,
    Interface,
    NaclEntry,
    NetworkAcl,
    NetworkModel,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
    Subnet,
)
from cloudwarden.engines.network.ports import ports_from_aws
from cloudwarden.inventory.snapshot import DataUnavailable, Snapshot

REQUIRED = (
    "ec2.subnets", "ec2.route_tables", "ec2.internet_gateways", "ec2.network_acls",
    "ec2.security_groups", "ec2.network_interfaces",
)
_ROUTE_TARGETS = (
    "GatewayId", "NatGatewayId", "EgressOnlyInternetGatewayId", "TransitGatewayId",
    "VpcPeeringConnectionId", "NetworkInterfaceId", "InstanceId", "CarrierGatewayId",
    "LocalGatewayId", "CoreNetworkArn",
)
_DETACHED = ("detached", "detaching")


def optional(snapshot: Snapshot, model: NetworkModel, read: Callable[[], Any], default: Any) -> Any:
    """Read a dataset the model can do without; a gap becomes a note instead of an error."""
    try:
        return read()
    except DataUnavailable as missing:
        model.gaps.append(missing.reason)
        model.gapped.setdefault(missing.dataset, missing.reason)
        return default


def route_of(raw: dict[str, Any]) -> Route | None:
    destination = (
        raw.get("DestinationCidrBlock") or raw.get("DestinationIpv6CidrBlock") or raw.get("DestinationPrefixListId")
    )
    target = next((raw[k] for k in _ROUTE_TARGETS if raw.get(k)), "")
    if not destination:
        return None
    return Route(destination, target, raw.get("State", "active"))


def route_table_of(raw: dict[str, Any]) -> RouteTable:
    associations = raw.get("Associations") or []
    return RouteTable(
        id=raw["RouteTableId"],
        vpc_id=raw.get("VpcId", ""),
        routes=[r for r in (route_of(x) for x in raw.get("Routes") or []) if r is not None],
        subnet_ids=[a["SubnetId"] for a in associations if a.get("SubnetId")],
        is_main=any(a.get("Main") for a in associations),
    )


def nacl_of(raw: dict[str, Any]) -> NetworkAcl:
    entries = []
    for entry in raw.get("Entries") or []:
        protocol = protocol_number(entry.get("Protocol", "-1"))
        span = entry.get("PortRange") or {}
        entries.append(NaclEntry(
            rule_number=int(entry.get("RuleNumber", 32767)),
            egress=bool(entry.get("Egress")),
            protocol=protocol,
            allow=entry.get("RuleAction") == "allow",
            cidr=entry.get("CidrBlock") or entry.get("Ipv6CidrBlock") or "",
            ports=ports_from_aws(protocol, span.get("From"), span.get("To")),
        ))
    return NetworkAcl(
        id=raw["NetworkAclId"],
        vpc_id=raw.get("VpcId", ""),
        entries=entries,
        subnet_ids=[a["SubnetId"] for a in raw.get("Associations") or [] if a.get("SubnetId")],
        is_default=bool(raw.get("IsDefault")),
    )


def sg_rule_of(raw: dict[str, Any]) -> SgRule:
    protocol = str(raw.get("IpProtocol", "-1"))
    protocol = "-1" if protocol == "-1" else protocol_name(protocol)
    described = [r.get("Description", "") for r in (raw.get("IpRanges") or []) + (raw.get("Ipv6Ranges") or [])]
    return SgRule(
        protocol=protocol,
        ports=ports_from_aws(protocol, raw.get("FromPort"), raw.get("ToPort")),
        cidrs=tuple(r["CidrIp"] for r in raw.get("IpRanges") or [] if r.get("CidrIp"))
        + tuple(r["CidrIpv6"] for r in raw.get("Ipv6Ranges") or [] if r.get("CidrIpv6")),
        prefix_lists=tuple(p["PrefixListId"] for p in raw.get("PrefixListIds") or [] if p.get("PrefixListId")),
        groups=tuple(g["GroupId"] for g in raw.get("UserIdGroupPairs") or [] if g.get("GroupId")),
        description="; ".join(d for d in described if d),
    )


def security_group_of(raw: dict[str, Any]) -> SecurityGroup:
    return SecurityGroup(
        id=raw["GroupId"],
        vpc_id=raw.get("VpcId", ""),
        name=raw.get("GroupName", ""),
        ingress=[sg_rule_of(p) for p in raw.get("IpPermissions") or []],
    )


def gateways_of(igws: list[dict[str, Any]], eigws: list[dict[str, Any]]) -> dict[str, Gateway]:
    found: dict[str, Gateway] = {}
    for kind, key, items in (("igw", "InternetGatewayId", igws), ("eigw", "EgressOnlyInternetGatewayId", eigws)):
        for raw in items:
            vpcs = [a["VpcId"] for a in raw.get("Attachments") or [] if a.get("State") not in _DETACHED]
            found[raw[key]] = Gateway(raw[key], kind, vpcs)
    return found


def _address_origin(association: dict[str, Any], eip: str | None, private_ip: str) -> str:
    if eip or association.get("AllocationId"):
        how = f"Elastic IP {eip or association['AllocationId']}"
    elif association.get("IpOwnerId") == "amazon":
        how = "auto-assigned public IP"
    else:
        # No allocation id and not owned by "amazon": neither kind can be told for sure.
        how = "public IP"
    return f"({how} on {private_ip or '?'})"


def interface_of(raw: dict[str, Any], elastic: dict[tuple[str, str], str]) -> Interface:
    public: dict[str, str] = {}
    pairs = [(p.get("Association") or {}, p.get("PrivateIpAddress", "")) for p in raw.get("PrivateIpAddresses") or []]
    pairs.append((raw.get("Association") or {}, raw.get("PrivateIpAddress", "")))
    for association, private_ip in pairs:
        address = association.get("PublicIp")
        if address and address not in public:
            eip = elastic.get((raw["NetworkInterfaceId"], private_ip))
            public[address] = _address_origin(association, eip, private_ip)
    return Interface(
        id=raw["NetworkInterfaceId"],
        subnet_id=raw.get("SubnetId", ""),
        vpc_id=raw.get("VpcId", ""),
        group_ids=[g["GroupId"] for g in raw.get("Groups") or []],
        public_ipv4=public,
        ipv6=[a["Ipv6Address"] for a in raw.get("Ipv6Addresses") or [] if a.get("Ipv6Address")],
        instance_id=(raw.get("Attachment") or {}).get("InstanceId", "") or "",
        interface_type=raw.get("InterfaceType", "interface") or "interface",
        description=raw.get("Description", "") or "",
        requester_id=raw.get("RequesterId", "") or "",
    )


def elastic_ips(addresses: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """(interface, private address) -> allocation id, for every associated Elastic IP."""
    return {
        (a["NetworkInterfaceId"], a.get("PrivateIpAddress", "")): a.get("AllocationId") or a.get("PublicIp", "")
        for a in addresses
        if a.get("NetworkInterfaceId")
    }


def add_elastic_ips(model: NetworkModel, addresses: list[dict[str, Any]]) -> None:
    """Elastic IPs the interface listing did not show (older data): add them to the interface."""
    for address in addresses:
        interface = model.interfaces.get(address.get("NetworkInterfaceId") or "")
        public = address.get("PublicIp")
        if interface is not None and public and public not in interface.public_ipv4:
            allocation = address.get("AllocationId", "")
            interface.public_ipv4[public] = f"(Elastic IP {allocation} on {address.get('PrivateIpAddress', '?')})"


def instance_of(raw: dict[str, Any]) -> Instance:
    name = next((t.get("Value", "") for t in raw.get("Tags") or [] if t.get("Key") == "Name"), "")
    return Instance(
        id=raw["InstanceId"],
        name=name,
        interface_ids=[n["NetworkInterfaceId"] for n in raw.get("NetworkInterfaces") or []],
    )


def prefix_lists(snapshot: Snapshot, region: str, model: NetworkModel) -> dict[str, list[str]]:
    """Entries per prefix list; lists whose entries could not be read go to model.unresolved_prefix_lists."""
    found: dict[str, list[str]] = {}
    try:
        listed_all = snapshot.get("ec2.managed_prefix_lists", region)
    except DataUnavailable as missing:
        model.gaps.append(missing.reason)
        model.unresolved_prefix_lists["*"] = missing.reason
        return found
    for listed in listed_all or []:
        list_id = listed["PrefixListId"]
        if listed.get("OwnerId") == "AWS":  # AWS service ranges (S3, DynamoDB...): not internet sources
            found[list_id] = []
            continue
        try:
            entries = snapshot.item("ec2.prefix_list_entries", region, list_id)
        except DataUnavailable as missing:
            model.gaps.append(missing.reason)
            model.unresolved_prefix_lists[list_id] = missing.reason
            entries = []
        found[list_id] = [e["Cidr"] for e in entries or [] if e.get("Cidr")]
    return found


def db_instances(snapshot: Snapshot, region: str, model: NetworkModel) -> dict[str, DbInstance]:
    groups = {
        g["DBSubnetGroupName"]: g
        for g in optional(snapshot, model, lambda: snapshot.get("rds.db_subnet_groups", region), [])
    }
    found: dict[str, DbInstance] = {}
    for raw in optional(snapshot, model, lambda: snapshot.get("rds.db_instances", region), []):
        subnet_group = raw.get("DBSubnetGroup") or {}
        subnets = subnet_group.get("Subnets") or groups.get(subnet_group.get("DBSubnetGroupName", ""), {}).get(
            "Subnets", []
        )
        endpoint = raw.get("Endpoint") or {}
        found[raw["DBInstanceIdentifier"]] = DbInstance(
            id=raw["DBInstanceIdentifier"],
            vpc_id=subnet_group.get("VpcId", ""),
            subnet_ids=[s["SubnetIdentifier"] for s in subnets if s.get("SubnetIdentifier")],
            group_ids=[g["VpcSecurityGroupId"] for g in raw.get("VpcSecurityGroups") or []
                       if g.get("Status", "active") in ("active", "adding")],
            publicly_accessible=bool(raw.get("PubliclyAccessible")),
            port=int(endpoint.get("Port") or raw.get("DbInstancePort") or 0),
            engine=raw.get("Engine", ""),
        )
    return found


def model_from_snapshot(snapshot: Snapshot, region: str) -> NetworkModel:
    """The network model of ``region``; raises DataUnavailable when a required dataset is missing."""
    data = {name: snapshot.get(name, region) for name in REQUIRED}
    model = NetworkModel(region=region, account_id=snapshot.account_id)
    model.subnets = {
        s["SubnetId"]: Subnet(s["SubnetId"], s.get("VpcId", ""), s.get("CidrBlock", ""), s.get("AvailabilityZone", ""))
        for s in data["ec2.subnets"]
    }
    model.route_tables = [route_table_of(t) for t in data["ec2.route_tables"]]
    eigws = optional(snapshot, model, lambda: snapshot.get("ec2.egress_only_internet_gateways", region), [])
    model.gateways = gateways_of(data["ec2.internet_gateways"], eigws)
    model.network_acls = [nacl_of(a) for a in data["ec2.network_acls"]]
    model.security_groups = {g["GroupId"]: security_group_of(g) for g in data["ec2.security_groups"]}
    model.prefix_lists = prefix_lists(snapshot, region, model)
    addresses = optional(snapshot, model, lambda: snapshot.get("ec2.addresses", region), [])
    elastic = elastic_ips(addresses)
    model.interfaces = {
        i["NetworkInterfaceId"]: interface_of(i, elastic) for i in data["ec2.network_interfaces"]
    }
    add_elastic_ips(model, addresses)
    instances = optional(snapshot, model, lambda: snapshot.get("ec2.instances", region), [])
    model.instances = {i["InstanceId"]: instance_of(i) for i in instances}
    model.db_instances = db_instances(snapshot, region, model)
    model.load_balancers, model.target_groups = load_balancers(snapshot, region, model, optional)
    return model
