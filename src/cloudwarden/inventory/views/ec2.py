"""EC2 and VPC as typed views: security groups (rules with prefix lists resolved), NACLs, route
tables, interfaces, addresses, instances, subnets, VPCs, gateways, prefix lists, flow logs, images and
launch templates. The one parser of these describe_* shapes: the checks and the network engine
(``engines/network``) build on these objects, and NACL first-match lives here (:func:`first_match`).

Required parts (a region's list of groups, NACLs, instances...) raise DataUnavailable when they were
not collected; a group's CIDR rules are an optional part: a prefix list that could not be read makes
``group.rules`` a missing Part (``group.ingress_rules()`` raises), never an empty rule list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from cloudwarden.core.net import OPEN_TO_ALL, protocol_name
from cloudwarden.core.ports import EMPTY, MAX_PORT, PortSet, ports_from_aws
from cloudwarden.inventory.snapshot import DataUnavailable, Snapshot
from cloudwarden.inventory.views import Deferred, Part, PerRegion, item_part, label, tags, values_of

SG = "ec2.security_groups"
ENIS = "ec2.network_interfaces"
PREFIX_LISTS = "ec2.managed_prefix_lists"
PREFIX_ENTRIES = "ec2.prefix_list_entries"
NACLS = "ec2.network_acls"
ROUTE_TABLES = "ec2.route_tables"
INSTANCES = "ec2.instances"
ADDRESSES = "ec2.addresses"
INTERNET_GATEWAYS = "ec2.internet_gateways"
EGRESS_ONLY_GATEWAYS = "ec2.egress_only_internet_gateways"
SUBNETS = "ec2.subnets"
VPCS = "ec2.vpcs"
FLOW_LOGS = "ec2.flow_logs"
IMAGES = "ec2.images"
TEMPLATE_VERSIONS = "ec2.launch_template_versions"
INTERNET = OPEN_TO_ALL


# -- security groups --

@dataclass(frozen=True)
class SgRule:
    """One ingress permission for one source CIDR (prefix lists expanded to their entries)."""

    protocol: str  # "all", "tcp", "udp", "icmp", "icmpv6" or an IP protocol number
    low: int
    high: int
    cidr: str
    via: str = ""  # the prefix list the CIDR came from

    @property
    def open_to_all(self) -> bool:
        """The source is every address (0.0.0.0/0 or ::/0); core.net.is_internet is "any internet address"."""
        return self.cidr in INTERNET

    def covers(self, protocol: str, port: int) -> bool:
        return self.protocol in ("all", protocol) and self.low <= port <= self.high

    @property
    def all_ports(self) -> bool:
        return self.protocol == "all" or (self.protocol in ("tcp", "udp") and self.low <= 1
                                          and self.high >= MAX_PORT)

    def __str__(self) -> str:
        if self.protocol == "all":
            ports = "all traffic"
        elif self.protocol not in ("tcp", "udp"):
            ports = f"protocol {self.protocol}"
        else:
            span = str(self.low) if self.low == self.high else f"{self.low}-{self.high}"
            ports = f"{self.protocol} {span}"
        source = f"{self.cidr} (prefix list {self.via})" if self.via else self.cidr
        return f"{ports} from {source}"


@dataclass(frozen=True)
class Permission:
    """One IpPermission of a group as collected (CIDRs, prefix-list ids and group references)."""

    protocol: str
    low: int
    high: int
    cidrs: tuple[str, ...]
    prefix_lists: tuple[str, ...]
    groups: tuple[str, ...]
    description: str = ""  # the CIDR ranges' descriptions, "; "-joined

    @classmethod
    def of(cls, raw: dict[str, Any]) -> Permission:
        protocol = protocol_name(raw.get("IpProtocol"))
        low, high = _span(raw, protocol)
        ranges = [(r.get("CidrIp", ""), r.get("Description", "")) for r in raw.get("IpRanges") or []]
        ranges += [(r.get("CidrIpv6", ""), r.get("Description", "")) for r in raw.get("Ipv6Ranges") or []]
        return cls(protocol, low, high, tuple(str(c) for c, _ in ranges if c),
                   values_of(raw.get("PrefixListIds"), "PrefixListId"),
                   values_of(raw.get("UserIdGroupPairs"), "GroupId"),
                   "; ".join(str(d) for _, d in ranges if d))

    @cached_property
    def ports(self) -> PortSet:
        return PortSet.of(self.low, self.high)

    def label(self) -> str:
        if self.protocol == "all":
            return "all traffic"
        return f"{self.protocol} {self.ports}" if self.protocol in ("tcp", "udp") else self.protocol


def _span(permission: dict[str, Any], protocol: str) -> tuple[int, int]:
    if protocol not in ("tcp", "udp"):
        return 0, MAX_PORT  # all traffic; ICMP type/code and other protocols carry no ports
    low, high = permission.get("FromPort"), permission.get("ToPort")
    if low is None or high is None or (low == -1 and high == -1):
        return 0, MAX_PORT
    return int(low), int(high)


@dataclass(frozen=True)
class SecurityGroup:
    region: str
    id: str
    name: str
    vpc_id: str
    ingress: tuple[Permission, ...]
    egress: tuple[Permission, ...]
    _prefix_lists: PrefixLists = field(repr=False, compare=False)

    @property
    def label(self) -> str:
        return f"{self.id} ({self.name})"

    @property
    def is_default(self) -> bool:
        return self.name == "default"

    @cached_property
    def rules(self) -> Part[tuple[SgRule, ...]]:
        """Every CIDR-sourced ingress rule; missing when a prefix list a rule names was not read."""
        def build() -> tuple[SgRule, ...]:
            found: list[SgRule] = []
            for permission in self.ingress:
                cidrs = [(cidr, "") for cidr in permission.cidrs]
                for list_id in permission.prefix_lists:
                    cidrs += [(cidr, list_id) for cidr in self._prefix_lists.cidrs(list_id, self.region)]
                found.extend(SgRule(permission.protocol, permission.low, permission.high, cidr, via)
                             for cidr, via in cidrs if cidr)
            return tuple(found)
        return Part.of(build)

    def ingress_rules(self) -> tuple[SgRule, ...]:
        return self.rules.get()

    def internet_rules(self) -> tuple[SgRule, ...]:
        return tuple(rule for rule in self.ingress_rules() if rule.open_to_all)

    @property
    def referenced_groups(self) -> tuple[str, ...]:
        """Other groups this group's rules (in and out) name as a source or destination."""
        return tuple(g for p in self.ingress + self.egress for g in p.groups if g != self.id)


def _entry_cidrs(entries: Any) -> tuple[str, ...]:
    """The CIDRs of GetManagedPrefixListEntries' answer."""
    return values_of(entries, "Cidr")


class PrefixLists:
    """Customer prefix lists' CIDRs; AWS-managed lists (never collected) hold no internet ranges."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def cidrs(self, list_id: str, region: str) -> list[str]:
        try:
            return list(_entry_cidrs(self.snapshot.item(PREFIX_ENTRIES, region, list_id)))
        except DataUnavailable:
            listed = {p["PrefixListId"]: p for p in self.snapshot.get(PREFIX_LISTS, region)}
            if listed.get(list_id, {}).get("OwnerId") == "AWS":
                return []
            raise


# -- interfaces, addresses, instances --

@dataclass(frozen=True)
class NetworkInterface:
    region: str
    id: str
    group_ids: tuple[str, ...]
    instance_id: str
    description: str
    interface_type: str
    subnet_id: str
    vpc_id: str
    public_ip: str
    requester_managed: bool = False  # created and managed by an AWS service (NAT gateway, endpoint, ...)
    source_dest_check: bool = True
    tag_pairs: tuple[tuple[str, str], ...] = ()  # the interface's TagSet
    private_ip: str = ""
    # Every public address on the interface: (public IP, private IP, allocation id, IP owner id),
    # the private addresses' associations first, then the interface's own.
    associations: tuple[tuple[str, str, str, str], ...] = ()
    ipv6_addresses: tuple[str, ...] = ()
    requester_id: str = ""

    @property
    def tags(self) -> dict[str, str]:
        return dict(self.tag_pairs)

    @property
    def label(self) -> str:
        """What the interface stands for: its instance, else its id and what it is."""
        if self.instance_id:
            return self.instance_id
        return f"{self.id} ({self.description or self.interface_type or 'interface'})"


def _association(raw: dict[str, Any] | None, private_ip: str) -> tuple[str, str, str, str]:
    raw = raw or {}
    return (str(raw.get("PublicIp") or ""), private_ip, str(raw.get("AllocationId") or ""),
            str(raw.get("IpOwnerId") or ""))


def _interface(region: str, raw: dict[str, Any]) -> NetworkInterface:
    private_ip = str(raw.get("PrivateIpAddress") or "")
    associations = [_association(p.get("Association"), str(p.get("PrivateIpAddress") or ""))
                    for p in raw.get("PrivateIpAddresses") or []]
    associations.append(_association(raw.get("Association"), private_ip))
    return NetworkInterface(
        region, str(raw.get("NetworkInterfaceId", "")),
        tuple(str(g.get("GroupId", "")) for g in raw.get("Groups") or []),
        str((raw.get("Attachment") or {}).get("InstanceId") or ""), str(raw.get("Description") or ""),
        str(raw.get("InterfaceType") or ""), str(raw.get("SubnetId") or ""), str(raw.get("VpcId") or ""),
        str((raw.get("Association") or {}).get("PublicIp") or ""), bool(raw.get("RequesterManaged")),
        raw.get("SourceDestCheck", True) is not False,
        tuple((str(t.get("Key", "")), str(t.get("Value", ""))) for t in raw.get("TagSet") or []), private_ip,
        tuple(a for a in associations if a[0]),
        values_of(raw.get("Ipv6Addresses"), "Ipv6Address"),
        str(raw.get("RequesterId") or ""))


@dataclass(frozen=True)
class MetadataOptions:
    """Instance metadata service settings (an instance's, a template's or the account default)."""

    endpoint: str = ""
    tokens: str = ""

    @classmethod
    def of(cls, raw: dict[str, Any] | None) -> MetadataOptions:
        raw = raw or {}
        return cls(str(raw.get("HttpEndpoint") or ""), str(raw.get("HttpTokens") or ""))

    @property
    def configured(self) -> bool:
        return bool(self.tokens) or self.endpoint == "disabled"

    def v2_only(self) -> tuple[bool, str]:
        """Whether the options rule out IMDSv1, and the evidence."""
        if self.endpoint == "disabled":
            return True, "instance metadata service disabled"
        if self.tokens == "required":
            return True, "IMDSv2 required (HttpTokens=required)"
        return False, f"IMDSv1 allowed (HttpTokens={self.tokens or 'not set'})"


@dataclass(frozen=True)
class Instance:
    region: str
    id: str
    label: str
    state: str
    public_ip: str
    private_ip: str
    subnet_id: str
    vpc_id: str
    group_ids: tuple[str, ...]
    instance_profile_arn: str
    metadata: MetadataOptions
    state_transition_reason: str
    tags: dict[str, str] = field(compare=False)
    interface_ids: tuple[str, ...] = ()
    interface_subnet_ids: tuple[str, ...] = ()  # each attached interface's subnet ("" when not given)
    virtualization_type: str = ""

    @property
    def gone(self) -> bool:
        return self.state in ("terminated", "shutting-down")


def _instance(region: str, raw: dict[str, Any]) -> Instance:
    ident = str(raw["InstanceId"])
    return Instance(
        region, ident, label(ident, raw), str((raw.get("State") or {}).get("Name") or ""),
        str(raw.get("PublicIpAddress") or ""), str(raw.get("PrivateIpAddress") or ""),
        str(raw.get("SubnetId") or ""), str(raw.get("VpcId") or ""),
        tuple(str(g.get("GroupId", "")) for g in raw.get("SecurityGroups") or []),
        str((raw.get("IamInstanceProfile") or {}).get("Arn") or ""), MetadataOptions.of(raw.get("MetadataOptions")),
        str(raw.get("StateTransitionReason") or ""), tags(raw),
        values_of(raw.get("NetworkInterfaces"), "NetworkInterfaceId"),
        tuple(str(n.get("SubnetId") or "") for n in raw.get("NetworkInterfaces") or []),
        str(raw.get("VirtualizationType") or ""))


@dataclass(frozen=True)
class Address:
    region: str
    allocation_id: str
    public_ip: str
    instance_id: str
    interface_id: str
    association_id: str
    private_ip: str = ""

    @property
    def ident(self) -> str:
        return self.allocation_id or self.public_ip

    @property
    def target(self) -> str:
        return self.instance_id or self.interface_id

    @property
    def used(self) -> bool:
        return bool(self.association_id or self.target)


def _address(region: str, raw: dict[str, Any]) -> Address:
    return Address(region, str(raw.get("AllocationId") or ""), str(raw.get("PublicIp") or ""),
                   str(raw.get("InstanceId") or ""), str(raw.get("NetworkInterfaceId") or ""),
                   str(raw.get("AssociationId") or ""), str(raw.get("PrivateIpAddress") or ""))


# -- network ACLs and route tables --

@dataclass(frozen=True)
class NaclEntry:
    number: int | None
    protocol: str
    action: str
    egress: bool
    cidr: str
    ipv6_cidr: str
    port_from: int | None
    port_to: int | None

    @property
    def order(self) -> int:
        return self.number if self.number is not None else 32767

    rule_number = order

    @property
    def allow(self) -> bool:
        return self.action == "allow"

    @property
    def block(self) -> str:
        """The entry's CIDR block, IPv4 or IPv6 (its source inbound, its destination outbound)."""
        return self.cidr or self.ipv6_cidr

    @cached_property
    def ports(self) -> PortSet:
        return ports_from_aws(self.protocol, self.port_from, self.port_to)

    def source(self, family: str) -> str:
        return self.ipv6_cidr if family == "ipv6" else self.cidr

    def __str__(self) -> str:
        rule = "rule *" if self.number == 32767 else f"rule {self.number}"
        low = "?" if self.port_from is None else self.port_from
        high = "?" if self.port_to is None else self.port_to
        what = "all traffic" if self.protocol == "all" else f"{self.protocol} {low}-{high}"
        return f"{rule} {self.action}s {what} from {self.cidr or self.ipv6_cidr or None}"


def _nacl_entry(raw: dict[str, Any]) -> NaclEntry:
    span = raw.get("PortRange") or {}
    number = raw.get("RuleNumber")
    return NaclEntry(int(number) if number is not None else None, protocol_name(raw.get("Protocol", "-1")),
                     str(raw.get("RuleAction", "?")), bool(raw.get("Egress")), str(raw.get("CidrBlock") or ""),
                     str(raw.get("Ipv6CidrBlock") or ""),
                     int(span["From"]) if span.get("From") is not None else None,
                     int(span["To"]) if span.get("To") is not None else None)


@dataclass(frozen=True)
class NetworkAcl:
    region: str
    id: str
    vpc_id: str
    is_default: bool
    subnet_ids: tuple[str, ...]
    entries: tuple[NaclEntry, ...]

    @cached_property
    def inbound(self) -> list[NaclEntry]:
        """Inbound entries, lowest rule number first (the order AWS evaluates them in)."""
        return sorted((e for e in self.entries if not e.egress), key=lambda e: e.order)

    @cached_property
    def outbound(self) -> list[NaclEntry]:
        return sorted((e for e in self.entries if e.egress), key=lambda e: e.order)

    def inbound_from(self, family: str, source: str) -> list[NaclEntry]:
        """Inbound entries from exactly `source` ("ipv4"/"ipv6" family), lowest rule number first."""
        return [e for e in self.inbound if e.source(family) == source]


Decisions = tuple[tuple[NaclEntry, PortSet], ...]


def first_match(entries: Iterable[NaclEntry], protocol: str, wanted: PortSet,
                applies: Callable[[NaclEntry], bool] | None = None) -> tuple[Decisions, Decisions]:
    """NACL first match, the one implementation: which entry decides which of the ``wanted`` ports.

    ``entries`` in rule-number order (``NetworkAcl.inbound``/``outbound``); ``protocol`` a name
    ("tcp", "udp"); ``applies`` says whether an entry's CIDR covers the traffic's address. Each port
    goes to the first entry of that protocol (or "all") that covers it; returns (allows, denies),
    each a tuple of (entry, the ports it decides)."""
    claimed = EMPTY
    allows: list[tuple[NaclEntry, PortSet]] = []
    denies: list[tuple[NaclEntry, PortSet]] = []
    for entry in entries:
        if entry.protocol not in ("all", protocol) or (applies is not None and not applies(entry)):
            continue
        fresh = (entry.ports & wanted) - claimed
        if not fresh:
            continue
        (allows if entry.allow else denies).append((entry, fresh))
        claimed = claimed | fresh
        if claimed == wanted:
            break
    return tuple(allows), tuple(denies)


def _nacl(region: str, raw: dict[str, Any]) -> NetworkAcl:
    return NetworkAcl(region, str(raw["NetworkAclId"]), str(raw.get("VpcId", "?")), bool(raw.get("IsDefault")),
                      values_of(raw.get("Associations"), "SubnetId"),
                      tuple(_nacl_entry(e) for e in raw.get("Entries") or []))


@dataclass(frozen=True)
class Route:
    destination: str  # a CIDR (IPv4 or IPv6) or a prefix-list id
    target: str  # igw-..., nat-..., pcx-..., tgw-..., eni-..., "local"
    state: str


@dataclass(frozen=True)
class RouteTable:
    region: str
    id: str
    vpc_id: str
    main: bool
    subnet_ids: tuple[str, ...]
    routes: tuple[Route, ...]


_TARGET_KEYS = ("GatewayId", "NatGatewayId", "VpcPeeringConnectionId", "TransitGatewayId",
                "NetworkInterfaceId", "EgressOnlyInternetGatewayId", "InstanceId", "LocalGatewayId",
                "CarrierGatewayId", "CoreNetworkArn")


def _route_table(region: str, raw: dict[str, Any]) -> RouteTable:
    associations = raw.get("Associations") or []
    routes = tuple(
        Route(str(r.get("DestinationCidrBlock") or r.get("DestinationIpv6CidrBlock") or r.get("DestinationPrefixListId")
                  or ""), next((str(r[k]) for k in _TARGET_KEYS if r.get(k)), ""), str(r.get("State") or "active"))
        for r in raw.get("Routes") or [])
    return RouteTable(region, str(raw.get("RouteTableId", "")), str(raw.get("VpcId") or ""),
                      any(a.get("Main") for a in associations),
                      values_of(associations, "SubnetId"), routes)


# -- VPCs, subnets, flow logs --

@dataclass(frozen=True)
class Vpc:
    region: str
    id: str
    label: str
    cidr: str
    is_default: bool


def _vpc(region: str, raw: dict[str, Any]) -> Vpc:
    ident = str(raw["VpcId"])
    return Vpc(region, ident, label(ident, raw), str(raw.get("CidrBlock") or ""), bool(raw.get("IsDefault")))


@dataclass(frozen=True)
class Subnet:
    region: str
    id: str
    label: str
    vpc_id: str
    cidr: str
    map_public_ip: bool
    default_for_az: bool
    availability_zone: str = ""


def _subnet(region: str, raw: dict[str, Any]) -> Subnet:
    ident = str(raw["SubnetId"])
    return Subnet(region, ident, label(ident, raw), str(raw.get("VpcId") or ""), str(raw.get("CidrBlock") or ""),
                  bool(raw.get("MapPublicIpOnLaunch")), bool(raw.get("DefaultForAz")),
                  str(raw.get("AvailabilityZone") or ""))


@dataclass(frozen=True)
class InternetGateway:
    """An internet gateway (``kind="igw"``) or an egress-only internet gateway (``"eigw"``)."""

    region: str
    id: str
    kind: str
    vpc_ids: tuple[str, ...]  # the VPCs it is attached to (detached/detaching attachments left out)


def _gateway(kind: str, key: str) -> Callable[[str, dict[str, Any]], InternetGateway]:
    def build(region: str, raw: dict[str, Any]) -> InternetGateway:
        return InternetGateway(region, str(raw[key]), kind, tuple(
            str(a["VpcId"]) for a in raw.get("Attachments") or []
            if a.get("VpcId") and a.get("State") not in ("detached", "detaching")))
    return build


@dataclass(frozen=True)
class ManagedPrefixList:
    """A managed prefix list; its entries are a per-list part (missing when they were not read)."""

    region: str
    id: str
    owner_id: str
    entries: Deferred[tuple[str, ...]] = field(repr=False, compare=False)

    @property
    def aws_managed(self) -> bool:
        """An AWS service's address ranges (S3, DynamoDB...): never internet sources, never collected."""
        return self.owner_id == "AWS"


@dataclass(frozen=True)
class FlowLog:
    region: str
    id: str
    resource_id: str
    status: str
    deliver_status: str
    traffic_type: str
    destination: str

    @property
    def active(self) -> bool:
        return self.status == "ACTIVE" and self.deliver_status != "FAILED"

    def __str__(self) -> str:
        return f"{self.id} ({self.traffic_type} traffic to {self.destination})"


def _flow_log(region: str, raw: dict[str, Any]) -> FlowLog:
    return FlowLog(region, str(raw.get("FlowLogId", "")), str(raw.get("ResourceId") or ""),
                   str(raw.get("FlowLogStatus", "ACTIVE")), str(raw.get("DeliverLogsStatus") or ""),
                   str(raw.get("TrafficType", "?")),
                   str(raw.get("LogDestination") or raw.get("LogGroupName") or raw.get("LogDestinationType", "")))


# -- images and launch templates --

@dataclass(frozen=True)
class Image:
    region: str
    id: str
    label: str
    owner_id: str | None
    public: bool


def _image(region: str, raw: dict[str, Any]) -> Image:
    ident = str(raw["ImageId"])
    owner = raw.get("OwnerId")
    return Image(region, ident, label(ident, raw), str(owner) if owner is not None else None, bool(raw.get("Public")))


@dataclass(frozen=True)
class TemplateVersion:
    region: str
    template_id: str
    template_name: str
    number: int
    metadata: MetadataOptions
    public_ip_devices: tuple[str, ...]  # device indexes of interfaces that ask for a public IP
    unencrypted_volumes: tuple[str, ...] = ()  # device names of EBS mappings not marked Encrypted=true
    data: Any = field(default=None, repr=False, compare=False)  # LaunchTemplateData as collected (content scans)


def _template_version(region: str, raw: dict[str, Any]) -> TemplateVersion:
    data = raw.get("LaunchTemplateData") or {}
    return TemplateVersion(region, str(raw["LaunchTemplateId"]), str(raw.get("LaunchTemplateName", "")),
                           int(raw.get("VersionNumber", 0)), MetadataOptions.of(data.get("MetadataOptions")),
                           tuple(str(n.get("DeviceIndex", "?")) for n in data.get("NetworkInterfaces") or []
                                 if n.get("AssociatePublicIpAddress")),
                           tuple(str(m.get("DeviceName", "?")) for m in data.get("BlockDeviceMappings") or []
                                 if isinstance(m.get("Ebs"), dict) and m["Ebs"].get("Encrypted") is not True),
                           data)


class Ec2View:
    """EC2 and VPC of one snapshot; each attribute is a PerRegion list built on first use."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        prefix_lists = PrefixLists(snapshot)

        def group(region: str, raw: dict[str, Any]) -> SecurityGroup:
            return SecurityGroup(region, str(raw["GroupId"]), str(raw.get("GroupName", "")),
                                 str(raw.get("VpcId") or ""),
                                 tuple(Permission.of(p) for p in raw.get("IpPermissions") or []),
                                 tuple(Permission.of(p) for p in raw.get("IpPermissionsEgress") or []), prefix_lists)

        self.security_groups: PerRegion[SecurityGroup] = PerRegion(snapshot, SG, group)
        self.network_interfaces: PerRegion[NetworkInterface] = PerRegion(snapshot, ENIS, _interface)
        self.instances: PerRegion[Instance] = PerRegion(snapshot, INSTANCES, _instance)
        self.addresses: PerRegion[Address] = PerRegion(snapshot, ADDRESSES, _address)
        self.network_acls: PerRegion[NetworkAcl] = PerRegion(snapshot, NACLS, _nacl)
        self.route_tables: PerRegion[RouteTable] = PerRegion(snapshot, ROUTE_TABLES, _route_table)
        self.vpcs: PerRegion[Vpc] = PerRegion(snapshot, VPCS, _vpc)
        self.subnets: PerRegion[Subnet] = PerRegion(snapshot, SUBNETS, _subnet)
        self.flow_logs: PerRegion[FlowLog] = PerRegion(snapshot, FLOW_LOGS, _flow_log)
        self.images: PerRegion[Image] = PerRegion(snapshot, IMAGES, _image)
        self.internet_gateways: PerRegion[InternetGateway] = PerRegion(
            snapshot, INTERNET_GATEWAYS, _gateway("igw", "InternetGatewayId"))
        self.egress_only_gateways: PerRegion[InternetGateway] = PerRegion(
            snapshot, EGRESS_ONLY_GATEWAYS, _gateway("eigw", "EgressOnlyInternetGatewayId"))

        def prefix_list(region: str, raw: dict[str, Any]) -> ManagedPrefixList:
            ident = str(raw["PrefixListId"])

            def entries() -> Part[tuple[str, ...]]:
                return item_part(snapshot, PREFIX_ENTRIES, region, ident).map(_entry_cidrs)
            return ManagedPrefixList(region, ident, str(raw.get("OwnerId") or ""), Deferred(entries))

        self.prefix_lists: PerRegion[ManagedPrefixList] = PerRegion(snapshot, PREFIX_LISTS, prefix_list)
        self.template_versions: PerRegion[TemplateVersion] = PerRegion(snapshot, TEMPLATE_VERSIONS, _template_version)


__all__ = ["Address", "Decisions", "Ec2View", "FlowLog", "Image", "Instance", "InternetGateway", "ManagedPrefixList",
           "MetadataOptions", "NaclEntry", "NetworkAcl", "NetworkInterface", "Permission", "PrefixLists", "Route",
           "RouteTable", "SecurityGroup", "SgRule", "Subnet", "TemplateVersion", "Vpc", "first_match"]
