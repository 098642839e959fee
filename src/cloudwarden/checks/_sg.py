"""Security-group rules as flat (protocol, ports, source) tuples, and what a group is attached to.

Shared by the security-group checks in `ec2.py`. Reads the snapshot only: security groups,
network interfaces, RDS instances (moto gives them no interface) and customer prefix lists.
Every group is judged whether attached or not; attachment only goes into the message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.registry import Result
from cloudwarden.core.net import protocol_name
from cloudwarden.inventory.snapshot import DataUnavailable

SG = "ec2.security_groups"
ENIS = "ec2.network_interfaces"
RDS = "rds.db_instances"
PREFIX_LISTS = "ec2.managed_prefix_lists"
PREFIX_ENTRIES = "ec2.prefix_list_entries"
SG_DATASETS = [SG, ENIS, RDS, PREFIX_LISTS, PREFIX_ENTRIES]
# Interfaces and RDS only name what uses a group; an unread prefix list a rule names makes the group
# UNKNOWN (ingress_rules raises), so a prefix-list gap never passes where it matters.
SG_WORDING = [ENIS, RDS, PREFIX_LISTS, PREFIX_ENTRIES]
SG_TYPE = "AWS::EC2::SecurityGroup"
INTERNET = ("0.0.0.0/0", "::/0")
MAX_PORT = 65535



@dataclass(frozen=True)
class Rule:
    """One ingress permission for one source CIDR (prefix lists expanded to their entries)."""

    protocol: str  # "all", "tcp", "udp", "icmp", "icmpv6" or an IP protocol number
    low: int
    high: int
    cidr: str
    via: str = ""  # the prefix list the CIDR came from

    @property
    def is_internet(self) -> bool:
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


def _protocol(raw: Any) -> str:
    return protocol_name(raw)


def _span(permission: dict[str, Any], protocol: str) -> tuple[int, int]:
    if protocol not in ("tcp", "udp"):
        return 0, MAX_PORT  # all traffic; ICMP type/code and other protocols carry no ports
    low, high = permission.get("FromPort"), permission.get("ToPort")
    if low is None or high is None or (low == -1 and high == -1):
        return 0, MAX_PORT
    return int(low), int(high)


def prefix_list_cidrs(ctx: CheckContext, list_id: str, region: str) -> list[str]:
    """CIDRs of a customer prefix list; AWS-managed lists (never collected) hold no internet ranges."""
    try:
        return [e.get("Cidr", "") for e in ctx.item(PREFIX_ENTRIES, list_id, region) or []]
    except DataUnavailable:
        listed = {p["PrefixListId"]: p for p in ctx.get(PREFIX_LISTS, region)}
        if listed.get(list_id, {}).get("OwnerId") == "AWS":
            return []
        raise


def ingress_rules(ctx: CheckContext, group: dict[str, Any], region: str) -> list[Rule]:
    """Every CIDR-sourced ingress rule of a group; raises DataUnavailable for an unread prefix list."""
    rules: list[Rule] = []
    for permission in group.get("IpPermissions") or []:
        protocol = _protocol(permission.get("IpProtocol"))
        low, high = _span(permission, protocol)
        cidrs = [(r.get("CidrIp", ""), "") for r in permission.get("IpRanges") or []]
        cidrs += [(r.get("CidrIpv6", ""), "") for r in permission.get("Ipv6Ranges") or []]
        for listed in permission.get("PrefixListIds") or []:
            list_id = listed.get("PrefixListId", "")
            cidrs += [(cidr, list_id) for cidr in prefix_list_cidrs(ctx, list_id, region)]
        rules.extend(Rule(protocol, low, high, cidr, via) for cidr, via in cidrs if cidr)
    return rules


def internet_rules(ctx: CheckContext, group: dict[str, Any], region: str) -> list[Rule]:
    return [rule for rule in ingress_rules(ctx, group, region) if rule.is_internet]


# -- attachment --

def _eni_label(interface: dict[str, Any]) -> str:
    instance = (interface.get("Attachment") or {}).get("InstanceId")
    if instance:
        return instance
    what = interface.get("Description") or interface.get("InterfaceType") or "interface"
    return f"{interface.get('NetworkInterfaceId', '')} ({what})"


class Attachments:
    """Which interfaces and RDS instances use each group, computed once per region."""

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self._by_region: dict[str, dict[str, list[str]] | None] = {}

    def _load(self, region: str) -> dict[str, list[str]] | None:
        users: dict[str, list[str]] = {}
        try:
            interfaces = self.ctx.get(ENIS, region)
        except DataUnavailable:
            return None
        for interface in interfaces or []:
            for group in interface.get("Groups") or []:
                users.setdefault(group.get("GroupId", ""), []).append(_eni_label(interface))
        for db in _optional_list(self.ctx, RDS, region):
            for group in db.get("VpcSecurityGroups") or []:
                label = f"RDS {db.get('DBInstanceIdentifier', '')}"
                if label not in users.get(group.get("VpcSecurityGroupId", ""), []):
                    users.setdefault(group.get("VpcSecurityGroupId", ""), []).append(label)
        return users

    def of(self, group_id: str, region: str) -> list[str] | None:
        """What uses the group; None when the interfaces could not be read."""
        if region not in self._by_region:
            self._by_region[region] = self._load(region)
        users = self._by_region[region]
        return None if users is None else users.get(group_id, [])

    def describe(self, group_id: str, region: str) -> str:
        users = self.of(group_id, region)
        if users is None:
            return "attachment unknown (network interfaces not read)"
        if not users:
            return "not attached to any interface or RDS instance"
        shown = ", ".join(users[:5]) + (f" and {len(users) - 5} more" if len(users) > 5 else "")
        return f"attached to {shown}"


def _optional_list(ctx: CheckContext, dataset: str, region: str) -> list[dict[str, Any]]:
    try:
        return list(ctx.get(dataset, region) or [])
    except DataUnavailable:
        return []


def group_label(group: dict[str, Any]) -> str:
    return f"{group.get('GroupId', '')} ({group.get('GroupName', '')})"


Judge = Callable[[list[Rule]], tuple[bool, str]]


def judge_groups(ctx: CheckContext, judge: Judge,
                 select: Callable[[CheckContext, dict[str, Any], str], list[Rule]] = internet_rules
                 ) -> Iterator[Result]:
    """One verdict per security group: `judge(rules)` says (compliant, evidence)."""
    attachments = Attachments(ctx)
    for region, group in ctx.each(SG):
        group_id = group["GroupId"]
        with ctx.resource(group_id, region):
            ok, evidence = judge(select(ctx, group, region))
            message = f"{group_label(group)}: {evidence}; {attachments.describe(group_id, region)}"
            yield verdict(ok, group_id, message, region, ctx.arn("ec2", f"security-group/{group_id}", region),
                          SG_TYPE)


def exposes(ports: Iterable[tuple[str, int, str]], label: str = "") -> Judge:
    """A judge failing groups whose internet rules reach any (protocol, port, service name)."""
    wanted = list(ports)
    names = label or ", ".join(f"{protocol} {port}" for protocol, port, _ in wanted)

    def judge(rules: list[Rule]) -> tuple[bool, str]:
        hits = [f"{protocol} {port} ({name}) open via {rule}"
                for protocol, port, name in wanted for rule in rules if rule.covers(protocol, port)]
        if hits:
            return False, "; ".join(dict.fromkeys(hits))
        return True, f"no rule opens {names} to 0.0.0.0/0 or ::/0"

    return judge
