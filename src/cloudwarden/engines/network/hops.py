"""The hops a packet from the internet crosses, evaluated over segments of source addresses.

Pure standard library. For one subnet, IP version and protocol, :func:`subnet_hops` splits the
internet into segments at every route and NACL edge and records, per segment, the route that
carries the reply (longest prefix match), the inbound NACL rules that decide each port (first
match by rule number) and the outbound NACL rules that decide the reply to the client's
ephemeral ports (NACLs are stateless). :func:`group_admissions` does the same for one security
group's inbound rules (stateful: no return check). :func:`overlay` lines the two up.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from cloudwarden.engines.network.addresses import Cidr, parse_cidr, segments
from cloudwarden.engines.network.model import (
    Gateway,
    NaclEntry,
    NetworkAcl,
    NetworkModel,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
)
from cloudwarden.engines.network.ports import ALL_PORTS, EPHEMERAL_PORTS, PortSet
from cloudwarden.inventory.views.ec2 import Decisions, first_match

PROTOCOLS = ("tcp", "udp")  # the protocols followed


@dataclass(frozen=True)
class Segment:
    """Internet sources ``low``..``high`` that the subnet's route table and NACL treat alike."""

    low: int
    high: int
    route: Route | None
    route_cidr: str
    nacl_allows: Decisions
    nacl_denies: Decisions
    return_allows: Decisions
    return_denies: Decisions


@dataclass
class SubnetHops:
    """Route-table and NACL verdicts for one subnet, IP version and protocol."""

    subnet_id: str
    vpc_id: str
    version: int
    protocol: str
    route_table: RouteTable | None
    explicit_association: bool
    gateway: Gateway | None
    nacl: NetworkAcl | None
    segments: list[Segment]

    def routed(self, segment: Segment) -> bool:
        """Whether replies to this segment leave through the VPC's internet gateway."""
        route = segment.route
        return (
            self.gateway is not None
            and route is not None
            and route.state == "active"
            and route.target == self.gateway.id
        )

    def open_segments(self) -> list[Segment]:
        return [s for s in self.segments if self.routed(s) and s.nacl_allows and s.return_allows]


@dataclass(frozen=True)
class Admission:
    """A security-group rule admitting ``ports`` from ``cidr`` (``via`` names a prefix list)."""

    group_id: str
    rule: SgRule
    cidr: str
    via: str
    ports: PortSet


@dataclass(frozen=True)
class GroupSegment:
    low: int
    high: int
    admissions: tuple[Admission, ...]


def _route_cidrs(model: NetworkModel, route: Route) -> list[Cidr]:
    if route.destination.startswith("pl-"):
        texts = model.prefix_lists.get(route.destination, [])
    else:
        texts = [route.destination]
    return [c for c in (parse_cidr(t) for t in texts) if c is not None]


def _decide(
    entries: Sequence[NaclEntry], protocol: str, low: int, high: int, wanted: PortSet, version: int
) -> tuple[Decisions, Decisions]:
    """First match by rule number (the views' :func:`first_match`) for sources ``low``..``high``."""
    def covers(entry: NaclEntry) -> bool:
        cidr = parse_cidr(entry.block)
        return cidr is not None and cidr.version == version and cidr.contains(low, high)
    return first_match(entries, protocol, wanted, covers)


def subnet_hops(model: NetworkModel, subnet_id: str, version: int, protocol: str) -> SubnetHops:
    subnet = model.subnets.get(subnet_id)
    vpc_id = subnet.vpc_id if subnet else ""
    table, explicit = model.route_table_for(subnet_id)
    nacl = model.nacl_for(subnet_id)
    routes: list[tuple[Cidr, Route]] = []
    for route in table.routes if table else []:
        routes.extend((cidr, route) for cidr in _route_cidrs(model, route) if cidr.version == version)
    routes.sort(key=lambda pair: -pair[0].prefix)
    entries = nacl.entries if nacl else []
    cuts = [c for c, _ in routes] + [c for c in (parse_cidr(e.block) for e in entries) if c is not None]
    found: list[Segment] = []
    for low, high in segments(cuts, version):
        match = next(((c, r) for c, r in routes if c.contains(low, high)), None)
        if nacl is None:  # no NACL on record: assume AWS's open default rather than hide an exposure
            allows: Decisions = ((_ASSUMED_OPEN, ALL_PORTS),)
            denies: Decisions = ()
            ret_allows: Decisions = ((_ASSUMED_OPEN, EPHEMERAL_PORTS),)
            ret_denies: Decisions = ()
        else:
            allows, denies = _decide(nacl.inbound, protocol, low, high, ALL_PORTS, version)
            ret_allows, ret_denies = _decide(nacl.outbound, protocol, low, high, EPHEMERAL_PORTS, version)
        found.append(
            Segment(
                low, high, match[1] if match else None, match[0].text if match else "",
                allows, denies, ret_allows, ret_denies,
            )
        )
    return SubnetHops(
        subnet_id, vpc_id, version, protocol, table, explicit,
        model.internet_gateway_of(vpc_id), nacl, found,
    )


_ASSUMED_OPEN = NaclEntry(0, "all", "allow", False, "0.0.0.0/0", "", None, None)  # AWS's default rule


def _rule_sources(model: NetworkModel, rule: SgRule, version: int) -> Iterator[tuple[Cidr, str]]:
    for text in rule.cidrs:
        cidr = parse_cidr(text)
        if cidr is not None and cidr.version == version:
            yield cidr, ""
    for list_id in rule.prefix_lists:
        for text in model.prefix_lists.get(list_id, []):
            cidr = parse_cidr(text)
            if cidr is not None and cidr.version == version:
                yield cidr, list_id


def _protocol_matches(rule_protocol: str, protocol: str) -> bool:
    return rule_protocol in ("all", protocol)


def group_admissions(
    model: NetworkModel, group: SecurityGroup, version: int, protocol: str
) -> list[GroupSegment]:
    """Segments of internet sources the group admits, with the rules that admit each one."""
    sources: list[tuple[Cidr, str, SgRule]] = []
    for rule in group.ingress:
        if _protocol_matches(rule.protocol, protocol):
            sources.extend((cidr, via, rule) for cidr, via in _rule_sources(model, rule, version))
    if not sources:
        return []
    out: list[GroupSegment] = []
    for low, high in segments([c for c, _, _ in sources], version):
        best: dict[SgRule, tuple[Cidr, str]] = {}
        for cidr, via, rule in sources:
            if cidr.contains(low, high) and (rule not in best or cidr.prefix > best[rule][0].prefix):
                best[rule] = (cidr, via)
        if best:
            admissions = tuple(
                Admission(group.id, rule, cidr.text, via, rule.ports) for rule, (cidr, via) in best.items()
            )
            out.append(GroupSegment(low, high, admissions))
    return out


def overlay(
    first: Sequence[Segment], second: Sequence[GroupSegment]
) -> Iterator[tuple[Segment, GroupSegment]]:
    """Pairs of overlapping segments from two sorted, disjoint segment lists."""
    i = j = 0
    while i < len(first) and j < len(second):
        a, b = first[i], second[j]
        if a.low <= b.high and b.low <= a.high:
            yield a, b
        if a.high < b.high:
            i += 1
        else:
            j += 1
