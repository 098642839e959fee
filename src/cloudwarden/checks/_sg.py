"""Security groups for the checks in `ec2.py`: rules and attachments, read from the typed views.

The EC2 view (inventory/views/ec2.py) parses the groups and resolves their prefix lists; here only
what the checks add: which interfaces and RDS instances use each group (for the message) and the
shared "one verdict per group" loop. Every group is judged whether attached or not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.registry import Result
from cloudwarden.core.net import protocol_name
from cloudwarden.inventory.views.ec2 import ENIS, PREFIX_ENTRIES, PREFIX_LISTS, SG, Ec2View, SecurityGroup, SgRule
from cloudwarden.inventory.views.rds import INSTANCES as RDS
from cloudwarden.inventory.views.rds import RdsView

SG_DATASETS = [SG, ENIS, RDS, PREFIX_LISTS, PREFIX_ENTRIES]
# Interfaces and RDS only name what uses a group; an unread prefix list a rule names makes the group
# UNKNOWN (ingress_rules raises), so a prefix-list gap never passes where it matters.
SG_WORDING = [ENIS, RDS, PREFIX_LISTS, PREFIX_ENTRIES]
SG_TYPE = "AWS::EC2::SecurityGroup"
Rule = SgRule  # the name the checks have always used
_protocol = protocol_name


def ingress_rules(_ctx: CheckContext, group: SecurityGroup, _region: str) -> list[Rule]:
    """Every CIDR-sourced ingress rule of a group; raises DataUnavailable for an unread prefix list."""
    return list(group.ingress_rules())


def internet_rules(_ctx: CheckContext, group: SecurityGroup, _region: str) -> list[Rule]:
    return list(group.internet_rules())


# -- attachment --

class Attachments:
    """Which interfaces and RDS instances use each group, computed once per region."""

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self._by_region: dict[str, dict[str, list[str]] | None] = {}

    def _load(self, region: str) -> dict[str, list[str]] | None:
        users: dict[str, list[str]] = {}
        interfaces = self.ctx.view(Ec2View).network_interfaces.part(region)
        if not interfaces.known:
            return None
        for interface in interfaces.value or ():
            for group_id in interface.group_ids:
                users.setdefault(group_id, []).append(interface.label)
        databases = self.ctx.view(RdsView).instances.part(region)
        for db in databases.value or () if databases.known else ():
            label = f"RDS {db.id}"
            for group_id in db.security_group_ids:
                if label not in users.get(group_id, []):
                    users.setdefault(group_id, []).append(label)
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


def group_label(group: SecurityGroup) -> str:
    return group.label


def groups(ctx: CheckContext) -> Iterator[tuple[str, SecurityGroup]]:
    """(region, group) of every security group; unread regions become UNKNOWN."""
    return ctx.over(ctx.view(Ec2View).security_groups)


Judge = Callable[[list[Rule]], tuple[bool, str]]


def judge_groups(ctx: CheckContext, judge: Judge,
                 select: Callable[[CheckContext, SecurityGroup, str], list[Rule]] = internet_rules
                 ) -> Iterator[Result]:
    """One verdict per security group: `judge(rules)` says (compliant, evidence)."""
    attachments = Attachments(ctx)
    for region, group in groups(ctx):
        with ctx.resource(group.id, region):
            ok, evidence = judge(select(ctx, group, region))
            message = f"{group.label}: {evidence}; {attachments.describe(group.id, region)}"
            yield verdict(ok, group.id, message, region, ctx.arn("ec2", f"security-group/{group.id}", region),
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
