"""EC2 security groups: internet exposure by port, wide ranges, default and unused groups.

Every security group is judged, attached or not (an open group used by nothing today is one
launch away from exposure); the message says what it is attached to. Instance, AMI, Elastic IP
and launch-template checks live in `ec2_instances.py`; NACLs, subnets and flow logs in `vpc.py`.
"""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.checks._sg import (
    ENIS,
    RDS,
    SG,
    SG_DATASETS,
    SG_TYPE,
    SG_WORDING,
    Attachments,
    Rule,
    exposes,
    groups,
    ingress_rules,
    judge_groups,
)
from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.core.net import is_wide_public_ipv4
from cloudwarden.inventory.views.ec2 import Ec2View, SecurityGroup
from cloudwarden.inventory.views.rds import RdsView

SG_DOC = "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html"
REVOKE = "aws ec2 revoke-security-group-ingress --group-id GROUP --ip-permissions '{0}'"


def _revoke(protocol: str, port: int) -> str:
    return REVOKE.format(f'IpProtocol={protocol},FromPort={port},ToPort={port},IpRanges=[{{CidrIp=0.0.0.0/0}}]')


@check("ec2.sg_no_ssh_from_internet", resource_type=SG_TYPE, datasets=SG_DATASETS, optional=SG_WORDING,
       fix="Remove the 0.0.0.0/0 and ::/0 sources for port 22; use Session Manager or a VPN-only range.",
       cli=_revoke("tcp", 22), doc=SG_DOC)
def sg_no_ssh_from_internet(ctx: CheckContext) -> Iterator[Result]:
    yield from judge_groups(ctx, exposes([("tcp", 22, "SSH")]))


@check("ec2.sg_no_rdp_from_internet", resource_type=SG_TYPE, datasets=SG_DATASETS, optional=SG_WORDING,
       fix="Remove the 0.0.0.0/0 and ::/0 sources for port 3389; reach Windows hosts through Fleet Manager or a VPN.",
       cli=_revoke("tcp", 3389), doc=SG_DOC)
def sg_no_rdp_from_internet(ctx: CheckContext) -> Iterator[Result]:
    yield from judge_groups(ctx, exposes([("tcp", 3389, "RDP")]))


@check("ec2.sg_no_cifs_from_internet", resource_type=SG_TYPE, datasets=SG_DATASETS, optional=SG_WORDING,
       fix="Remove internet sources for SMB/NetBIOS ports 139 and 445; share files over a private network.",
       cli=_revoke("tcp", 445), doc=SG_DOC)
def sg_no_cifs_from_internet(ctx: CheckContext) -> Iterator[Result]:
    yield from judge_groups(ctx, exposes([("tcp", 139, "NetBIOS session"), ("tcp", 445, "SMB")]))


def _all_ports(rules: list[Rule]) -> tuple[bool, str]:
    wide = [str(rule) for rule in rules if rule.all_ports]
    if wide:
        return False, "every port open to the internet via " + "; ".join(wide)
    return True, "no all-ports rule from 0.0.0.0/0 or ::/0"


@check("ec2.sg_no_all_ports_from_internet", resource_type=SG_TYPE, datasets=SG_DATASETS, optional=SG_WORDING,
       fix="Replace all-traffic internet rules with rules for the specific ports the service needs.",
       cli=REVOKE.format("IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]"), doc=SG_DOC)
def sg_no_all_ports_from_internet(ctx: CheckContext) -> Iterator[Result]:
    yield from judge_groups(ctx, _all_ports)


# Ports Security Hub EC2.19 calls high-risk, plus common database, cache and container APIs.
HIGH_RISK_TCP = {
    20: "FTP data", 21: "FTP", 23: "Telnet", 25: "SMTP", 110: "POP3", 135: "MS RPC", 143: "IMAP",
    1433: "SQL Server", 1434: "SQL Server browser", 1521: "Oracle", 2375: "Docker API",
    2376: "Docker API (TLS)", 2379: "etcd", 3000: "dev web servers", 3306: "MySQL", 4333: "mSQL",
    5000: "dev web servers", 5432: "PostgreSQL", 5500: "VNC", 5601: "Kibana", 5984: "CouchDB",
    6379: "Redis", 7199: "Cassandra JMX", 8080: "HTTP proxy/admin", 8088: "Hadoop YARN",
    8888: "Jupyter", 9042: "Cassandra", 9092: "Kafka", 9200: "Elasticsearch", 9300: "Elasticsearch",
    11211: "Memcached", 27017: "MongoDB", 27018: "MongoDB",
}


@check("ec2.sg_no_high_risk_ports", resource_type=SG_TYPE, datasets=SG_DATASETS, optional=SG_WORDING,
       fix="Remove internet sources for database, cache and legacy-protocol ports; reach them privately.",
       cli=_revoke("tcp", 3306), doc=SG_DOC)
def sg_no_high_risk_ports(ctx: CheckContext) -> Iterator[Result]:
    wanted = [("tcp", port, name) for port, name in HIGH_RISK_TCP.items()]
    yield from judge_groups(ctx, exposes(wanted, f"any of {len(wanted)} high-risk tcp ports"))


AUTHORIZED_TCP = (80, 443)


def _authorized(rule: Rule) -> bool:
    if rule.protocol in ("icmp", "icmpv6"):
        return True  # ICMP carries no ports to authorize
    return rule.protocol == "tcp" and rule.low == rule.high and rule.low in AUTHORIZED_TCP


def _unauthorized(rules: list[Rule]) -> tuple[bool, str]:
    extra = [str(rule) for rule in rules if not _authorized(rule)]
    if extra:
        return False, "internet-open beyond tcp 80/443: " + "; ".join(extra)
    return True, "internet-open ports limited to tcp 80/443" if rules else "no port open to the internet"


@check("ec2.sg_unrestricted_only_authorized_ports", resource_type=SG_TYPE, datasets=SG_DATASETS, optional=SG_WORDING,
       fix="Open only tcp 80/443 to 0.0.0.0/0 and ::/0; restrict every other port to known source ranges.",
       cli="aws ec2 revoke-security-group-ingress --group-id SG_ID --ip-permissions IpProtocol=tcp,FromPort=PORT,ToPort=PORT,IpRanges=[{CidrIp=CIDR}]",
       doc=SG_DOC)
def sg_unrestricted_only_authorized_ports(ctx: CheckContext) -> Iterator[Result]:
    yield from judge_groups(ctx, _unauthorized)


def _wide_ranges(rules: list[Rule]) -> tuple[bool, str]:
    wide = [str(rule) for rule in rules if is_wide_public_ipv4(rule.cidr)]
    if wide:
        return False, "wide public range in " + "; ".join(wide)
    return True, "no public IPv4 source range between /1 and /23"


@check("ec2.sg_no_wide_public_cidr", resource_type=SG_TYPE, datasets=SG_DATASETS, optional=SG_WORDING,
       fix="Replace /1-/23 public source ranges with the specific addresses that need access.",
       cli="aws ec2 revoke-security-group-ingress --group-id SG_ID --ip-permissions "
           "IpProtocol=tcp,FromPort=PORT,ToPort=PORT,IpRanges=[{CidrIp=WIDE_CIDR}]",
       doc=SG_DOC)
def sg_no_wide_public_cidr(ctx: CheckContext) -> Iterator[Result]:
    yield from judge_groups(ctx, _wide_ranges, select=ingress_rules)


@check("ec2.default_sg_restricts_all", resource_type=SG_TYPE, datasets=[SG, ENIS, RDS], optional=[ENIS, RDS],
       fix="Delete every inbound and outbound rule of each VPC's default group; use purpose-made groups.",
       cli="aws ec2 revoke-security-group-ingress --group-id DEFAULT_GROUP --ip-permissions file://rules.json",
       doc="https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html")
def default_sg_restricts_all(ctx: CheckContext) -> Iterator[Result]:
    attachments = Attachments(ctx)
    for region, group in groups(ctx):
        if not group.is_default:
            continue
        inbound, outbound = len(group.ingress), len(group.egress)
        evidence = "no rules" if not inbound + outbound else f"{inbound} inbound and {outbound} outbound rule(s)"
        group_id = group.id
        yield verdict(not inbound + outbound, group_id,
                      f"default group of {group.vpc_id or 'EC2-Classic'}: {evidence}; "
                      f"{attachments.describe(group_id, region)}",
                      region, ctx.arn("ec2", f"security-group/{group_id}", region), SG_TYPE)


def _referenced_groups(groups: tuple[SecurityGroup, ...]) -> dict[str, list[str]]:
    """Group id -> the groups whose rules name it as a source or destination."""
    referenced: dict[str, list[str]] = {}
    for group in groups:
        for other in group.referenced_groups:
            referenced.setdefault(other, []).append(group.id)
    return referenced


@check("ec2.sg_unused", resource_type=SG_TYPE, datasets=[SG, ENIS, RDS],
       fix="Delete security groups that no interface, RDS instance or other group's rule uses.",
       cli="aws ec2 delete-security-group --group-id GROUP",
       doc="https://docs.aws.amazon.com/vpc/latest/userguide/deleting-security-groups.html")
def sg_unused(ctx: CheckContext) -> Iterator[Result]:
    attachments = Attachments(ctx)
    view = ctx.view(Ec2View)
    for region, listed in ctx.regions_of(view.security_groups):
        referenced = _referenced_groups(listed)
        with ctx.resource(f"security-groups/{region}", region):
            view.network_interfaces(region)  # without the interfaces "unused" cannot be told
            for group in (g for g in listed if not g.is_default):
                group_id = group.id
                users = attachments.of(group_id, region) or []
                named_by = referenced.get(group_id, [])
                evidence = attachments.describe(group_id, region) if users or not named_by \
                    else "referenced by " + ", ".join(sorted(set(named_by)))
                if not (users or named_by):
                    # "unused" needs every user kind: without the RDS instances it cannot be told
                    with ctx.resource(group_id, region):
                        ctx.view(RdsView).instances(region)
                        yield verdict(False, group_id, f"{group.label}: {evidence}", region,
                                      ctx.arn("ec2", f"security-group/{group_id}", region), SG_TYPE)
                    continue
                yield verdict(True, group_id, f"{group.label}: {evidence}", region,
                              ctx.arn("ec2", f"security-group/{group_id}", region), SG_TYPE)
