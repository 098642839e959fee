"""VPC plumbing: network ACLs, flow logs and subnets' public-address default.

NACL entries are evaluated as AWS does: inbound entries in rule-number order, the first entry
matching the traffic decides, so a lower-numbered deny shadows a later allow. "From the internet"
means a 0.0.0.0/0 or ::/0 entry; narrower entries neither open nor shadow the whole internet.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import name_or_id, verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.core.net import protocol_name

NACLS = "ec2.network_acls"
NACL_TYPE = "AWS::EC2::NetworkAcl"
NACL_DOC = "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html"
_FAMILIES = (("CidrBlock", "0.0.0.0/0"), ("Ipv6CidrBlock", "::/0"))


def _protocol(entry: dict[str, Any]) -> str:
    return protocol_name(entry.get("Protocol", "-1"))


def _internet_entries(nacl: dict[str, Any], field: str, source: str) -> list[dict[str, Any]]:
    """Inbound entries from `source` (0.0.0.0/0 or ::/0), lowest rule number first."""
    entries = [e for e in nacl.get("Entries") or [] if not e.get("Egress") and e.get(field) == source]
    return sorted(entries, key=lambda e: int(e.get("RuleNumber", 32767)))


def _matches(entry: dict[str, Any], port: int) -> bool:
    protocol = _protocol(entry)
    if protocol == "all":
        return True
    span = entry.get("PortRange") or {}
    return protocol == "tcp" and int(span.get("From", 0)) <= port <= int(span.get("To", 65535))


def _describe(entry: dict[str, Any]) -> str:
    number = entry.get("RuleNumber")
    rule = "rule *" if number == 32767 else f"rule {number}"
    protocol = _protocol(entry)
    span = entry.get("PortRange") or {}
    what = "all traffic" if protocol == "all" else f"{protocol} {span.get('From', '?')}-{span.get('To', '?')}"
    source = entry.get("CidrBlock") or entry.get("Ipv6CidrBlock")
    return f"{rule} {entry.get('RuleAction', '?')}s {what} from {source}"


def admin_port_openings(nacl: dict[str, Any], ports: tuple[int, ...] = (22, 3389)) -> list[str]:
    """Evidence for each (source, port) whose first matching inbound entry allows it."""
    openings = []
    for field, source in _FAMILIES:
        entries = _internet_entries(nacl, field, source)
        for port in ports:
            first = next((e for e in entries if _matches(e, port)), None)
            if first is not None and first.get("RuleAction") == "allow":
                openings.append(f"tcp {port} from {source} allowed by {_describe(first)}")
    return openings


def all_traffic_openings(nacl: dict[str, Any]) -> list[str]:
    """Allow-all entries from the internet that no lower-numbered internet deny narrows."""
    openings = []
    for field, source in _FAMILIES:
        for entry in _internet_entries(nacl, field, source):
            if entry.get("RuleAction") == "deny":
                break  # an earlier deny carves something out: no longer "all ports"
            if _protocol(entry) == "all":
                openings.append(_describe(entry))
                break
    return openings


def _subnets_text(nacl: dict[str, Any]) -> str:
    subnets = [a["SubnetId"] for a in nacl.get("Associations") or [] if a.get("SubnetId")]
    kind = "default NACL" if nacl.get("IsDefault") else "NACL"
    return f"{kind} of {nacl.get('VpcId', '?')}, " + (
        f"associated with {len(subnets)} subnet(s)" if subnets else "associated with no subnet")


def _judge_nacls(ctx: CheckContext, openings: Any, closed: str) -> Iterator[Result]:
    for region, nacl in ctx.each(NACLS):
        found = openings(nacl)
        nacl_id = nacl["NetworkAclId"]
        message = f"{_subnets_text(nacl)}: " + ("; ".join(found) if found else closed)
        yield verdict(not found, nacl_id, message, region, ctx.arn("ec2", f"network-acl/{nacl_id}", region),
                      NACL_TYPE)


@check("ec2.nacl_no_admin_ports_from_internet", resource_type=NACL_TYPE, datasets=[NACLS],
       fix="Add lower-numbered deny entries (or remove allows) for tcp 22 and 3389 from 0.0.0.0/0 and ::/0.",
       cli="aws ec2 create-network-acl-entry --network-acl-id NACL --ingress --rule-number 50 --protocol tcp "
           "--port-range From=22,To=22 --cidr-block 0.0.0.0/0 --rule-action deny",
       doc=NACL_DOC)
def nacl_no_admin_ports_from_internet(ctx: CheckContext) -> Iterator[Result]:
    yield from _judge_nacls(ctx, admin_port_openings, "tcp 22 and 3389 are not allowed from the internet")


@check("ec2.nacl_no_all_ingress_from_internet", resource_type=NACL_TYPE, datasets=[NACLS],
       fix="Replace the allow-all inbound entry with entries for the ports the subnet serves.",
       cli="aws ec2 replace-network-acl-entry --network-acl-id NACL --ingress --rule-number 100 --protocol tcp "
           "--port-range From=443,To=443 --cidr-block 0.0.0.0/0 --rule-action allow",
       doc=NACL_DOC)
def nacl_no_all_ingress_from_internet(ctx: CheckContext) -> Iterator[Result]:
    yield from _judge_nacls(ctx, all_traffic_openings, "no inbound allow-all entry from 0.0.0.0/0 or ::/0")


@check("ec2.nacl_unused", resource_type=NACL_TYPE, datasets=[NACLS],
       fix="Delete network ACLs that are associated with no subnet.",
       cli="aws ec2 delete-network-acl --network-acl-id NACL", doc=NACL_DOC)
def nacl_unused(ctx: CheckContext) -> Iterator[Result]:
    for region, nacl in ctx.each(NACLS):
        if nacl.get("IsDefault"):
            continue  # the default NACL cannot be deleted
        used = any(a.get("SubnetId") for a in nacl.get("Associations") or [])
        nacl_id = nacl["NetworkAclId"]
        yield verdict(used, nacl_id, _subnets_text(nacl), region,
                      ctx.arn("ec2", f"network-acl/{nacl_id}", region), NACL_TYPE)


def _flow_log_text(log: dict[str, Any]) -> str:
    destination = log.get("LogDestination") or log.get("LogGroupName") or log.get("LogDestinationType", "")
    return f"{log.get('FlowLogId', '')} ({log.get('TrafficType', '?')} traffic to {destination})"


def _vpc_flow_logs(vpc: dict[str, Any], logs: list[dict[str, Any]]) -> tuple[bool, str]:
    mine = [log for log in logs if log.get("ResourceId") == vpc["VpcId"]]
    active = [log for log in mine if log.get("FlowLogStatus", "ACTIVE") == "ACTIVE"
              and log.get("DeliverLogsStatus") != "FAILED"]
    if active:
        return True, "flow log " + ", ".join(_flow_log_text(log) for log in active)
    return False, "flow logs exist but none is active and delivering" if mine else "no flow log"


@check("vpc.flow_logs_enabled", resource_type="AWS::EC2::VPC", datasets=["ec2.vpcs", "ec2.flow_logs"],
       fix="Create a VPC flow log (at least rejected traffic) to CloudWatch Logs or S3.",
       cli="aws ec2 create-flow-logs --resource-type VPC --resource-ids VPC --traffic-type REJECT "
           "--log-destination-type s3 --log-destination arn:aws:s3:::BUCKET",
       doc="https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html")
def flow_logs_enabled(ctx: CheckContext) -> Iterator[Result]:
    for region, vpcs in ctx.regional("ec2.vpcs"):
        with ctx.resource(f"flow-logs/{region}", region):
            logs = ctx.get("ec2.flow_logs", region) or []
            for vpc in vpcs or []:
                ok, evidence = _vpc_flow_logs(vpc, logs)
                yield verdict(ok, vpc["VpcId"], f"{name_or_id(vpc, 'VpcId')}: {evidence}", region,
                              ctx.arn("ec2", f"vpc/{vpc['VpcId']}", region), "AWS::EC2::VPC")


@check("vpc.subnet_no_auto_public_ip", resource_type="AWS::EC2::Subnet", datasets=["ec2.subnets"],
       fix="Turn off auto-assignment of public IPv4 addresses on the subnet.",
       cli="aws ec2 modify-subnet-attribute --subnet-id SUBNET --no-map-public-ip-on-launch",
       doc="https://docs.aws.amazon.com/vpc/latest/userguide/subnet-public-ip.html")
def subnet_no_auto_public_ip(ctx: CheckContext) -> Iterator[Result]:
    for region, subnet in ctx.each("ec2.subnets"):
        auto = bool(subnet.get("MapPublicIpOnLaunch"))
        subnet_id = subnet["SubnetId"]
        kind = "default subnet" if subnet.get("DefaultForAz") else "subnet"
        yield verdict(not auto, subnet_id, f"{name_or_id(subnet, 'SubnetId')} ({kind} of {subnet.get('VpcId')}) "
                      + ("auto-assigns public IPv4 addresses" if auto else "does not auto-assign public IPv4"),
                      region, ctx.arn("ec2", f"subnet/{subnet_id}", region), "AWS::EC2::Subnet")
