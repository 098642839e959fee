"""Whole-region reachability: every interface, RDS instance and load balancer, all ports at once.

Pure standard library. :class:`Reachability` caches the subnet-level verdicts per subnet and the
security-group verdicts per group, so thousands of interfaces sharing a few hundred subnets and
groups cost little more than the subnets and groups themselves.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from cloudwarden.engines.network.addresses import any_cidr, parse_cidr
from cloudwarden.engines.network.hops import (
    PROTOCOLS,
    Admission,
    GroupSegment,
    Segment,
    SubnetHops,
    group_admissions,
    overlay,
    subnet_hops,
)
from cloudwarden.engines.network.model import NaclEntry, NetworkModel, Route, SgRule
from cloudwarden.engines.network.ports import ALL_PORTS, EMPTY, MAX_PORT, PortSet
from cloudwarden.engines.network.results import Hop

# Stands in for "no security group" on a load balancer without groups (a plain NLB admits all).
_NO_GROUP_RULE = SgRule("all", 0, MAX_PORT, (), (), (), "load balancer without security groups")


@dataclass(frozen=True)
class Reach:
    """Ports of one protocol that one path admits from one internet source, before the last hop."""

    subnet_id: str
    vpc_id: str
    protocol: str
    ip_version: int
    ports: PortSet
    source: str
    hops: tuple[Hop, ...]


def narrowest(version: int, *texts: str) -> str:
    """The most specific of nested CIDRs that all contain the same sources."""
    best_text, best_prefix = any_cidr(version), -1
    for text in texts:
        cidr = parse_cidr(text) if text else None
        if cidr is not None and cidr.version == version and cidr.prefix > best_prefix:
            best_text, best_prefix = cidr.text, cidr.prefix
    return best_text


class Reachability:
    """Answers "what does the internet reach here" for a subnet plus a set of security groups."""

    def __init__(self, model: NetworkModel) -> None:
        self.model = model
        self._subnets: dict[tuple[str, int, str], SubnetHops] = {}
        self._groups: dict[tuple[str, int, str], list[GroupSegment]] = {}
        self._reach: dict[tuple[str, tuple[str, ...] | None, int], list[Reach]] = {}

    def subnet(self, subnet_id: str, version: int, protocol: str) -> SubnetHops:
        key = (subnet_id, version, protocol)
        if key not in self._subnets:
            self._subnets[key] = subnet_hops(self.model, subnet_id, version, protocol)
        return self._subnets[key]

    def admissions(self, group_id: str, version: int, protocol: str) -> list[GroupSegment]:
        key = (group_id, version, protocol)
        if key not in self._groups:
            group = self.model.security_groups.get(group_id)
            self._groups[key] = group_admissions(self.model, group, version, protocol) if group else []
        return self._groups[key]

    def reach(self, subnet_id: str, group_ids: tuple[str, ...] | None, version: int) -> list[Reach]:
        """All internet reach into ``subnet_id`` through ``group_ids`` (None: no groups at all)."""
        key = (subnet_id, group_ids, version)
        if key not in self._reach:
            found: list[Reach] = []
            for protocol in PROTOCOLS:
                found.extend(self._reach_protocol(subnet_id, group_ids, version, protocol))
            self._reach[key] = found
        return self._reach[key]

    def _group_segments(
        self, open_segments: list[Segment], group_ids: tuple[str, ...] | None, version: int, protocol: str
    ) -> list[tuple[Segment, GroupSegment]]:
        if group_ids is None:
            admit = Admission("", _NO_GROUP_RULE, any_cidr(version), "", ALL_PORTS)
            return [(seg, GroupSegment(seg.low, seg.high, (admit,))) for seg in open_segments]
        pairs: list[tuple[Segment, GroupSegment]] = []
        for group_id in group_ids:
            pairs.extend(overlay(open_segments, self.admissions(group_id, version, protocol)))
        return pairs

    def _reach_protocol(
        self, subnet_id: str, group_ids: tuple[str, ...] | None, version: int, protocol: str
    ) -> list[Reach]:
        hops = self.subnet(subnet_id, version, protocol)
        open_segments = hops.open_segments()
        if not open_segments:
            return []
        paths: dict[tuple[Route | None, str, NaclEntry, tuple[NaclEntry, PortSet], Admission], PortSet] = defaultdict(
            lambda: EMPTY
        )
        for segment, group_segment in self._group_segments(open_segments, group_ids, version, protocol):
            reply_rule = segment.return_allows[0]
            for entry, nacl_ports in segment.nacl_allows:
                for admission in group_segment.admissions:
                    ports = nacl_ports & admission.ports
                    if ports:
                        key = (segment.route, segment.route_cidr, entry, reply_rule, admission)
                        paths[key] = paths[key] | ports
        return [
            self._make_reach(hops, protocol, key, ports, version)
            for key, ports in paths.items()
        ]

    def _make_reach(
        self,
        hops: SubnetHops,
        protocol: str,
        key: tuple[Route | None, str, NaclEntry, tuple[NaclEntry, PortSet], Admission],
        ports: PortSet,
        version: int,
    ) -> Reach:
        route, route_cidr, entry, reply_rule, admission = key
        source = narrowest(version, route_cidr, entry.block, admission.cidr)
        path = (
            gateway_hop(hops),
            route_hop(hops, route, route_cidr),
            nacl_hop(hops, entry, reply_rule, protocol, ports),
            group_hop(admission, protocol),
        )
        return Reach(hops.subnet_id, hops.vpc_id, protocol, version, ports, source, path)


def gateway_hop(hops: SubnetHops) -> Hop:
    gateway_id = hops.gateway.id if hops.gateway else ""
    return Hop("internet_gateway", gateway_id, f"attached to {hops.vpc_id}")


def route_hop(hops: SubnetHops, route: Route | None, route_cidr: str) -> Hop:
    table = hops.route_table
    if table is None or route is None:
        return Hop("route_table", table.id if table else "", "no route")
    how = (f"explicitly associated with {hops.subnet_id}" if hops.explicit_association
           else f"main route table of {hops.vpc_id}, used by {hops.subnet_id}")
    destination = route.destination
    if destination != route_cidr:
        destination = f"{destination} ({route_cidr})"
    return Hop("route_table", table.id, f"route {destination} -> {route.target}; {how}")


def nacl_hop(
    hops: SubnetHops, entry: NaclEntry, reply: tuple[NaclEntry, PortSet], protocol: str, ports: PortSet
) -> Hop:
    if hops.nacl is None:
        return Hop("network_acl", "", "no network ACL on record for the subnet; assumed to allow all")
    return Hop(
        "network_acl",
        hops.nacl.id,
        f"inbound rule {entry.rule_number} allows {protocol} {ports} from {entry.block}; "
        f"outbound rule {reply[0].rule_number} allows the replies to ports {reply[1]} to {reply[0].block}",
    )


def group_hop(admission: Admission, protocol: str) -> Hop:
    if not admission.group_id:
        return Hop("security_group", "", "none: the load balancer has no security groups")
    rule = admission.rule
    what = "all traffic" if rule.protocol in ("-1", "all") else f"{protocol} {rule.ports}"
    source = admission.cidr + (f" (prefix list {admission.via})" if admission.via else "")
    described = f" ({rule.description})" if rule.description else ""
    return Hop("security_group", admission.group_id, f"inbound rule allows {what} from {source}{described}")
