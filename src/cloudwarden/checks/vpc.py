"""VPC plumbing: network ACLs, flow logs and subnets' public-address default.

NACL entries are evaluated as AWS does: inbound entries in rule-number order, the first entry
matching the traffic decides, so a lower-numbered deny shadows a later allow. "From the internet"
means a 0.0.0.0/0 or ::/0 entry; narrower entries neither open nor shadow the whole internet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.core.ports import PortSet
from cloudwarden.inventory.views.ec2 import NACLS, Ec2View, FlowLog, NetworkAcl, Vpc, first_match

NACL_TYPE = "AWS::EC2::NetworkAcl"
NACL_DOC = "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html"
_FAMILIES = (("ipv4", "0.0.0.0/0"), ("ipv6", "::/0"))


def admin_port_openings(nacl: NetworkAcl, ports: tuple[int, ...] = (22, 3389)) -> list[str]:
    """Evidence for each (source, port) whose first matching inbound entry allows it."""
    openings: list[str] = []
    for family, source in _FAMILIES:
        entries = nacl.inbound_from(family, source)
        for port in ports:
            allows, _ = first_match(entries, "tcp", PortSet.of(port))
            openings.extend(f"tcp {port} from {source} allowed by {entry}" for entry, _ in allows)
    return openings


def all_traffic_openings(nacl: NetworkAcl) -> list[str]:
    """Allow-all entries from the internet that no lower-numbered internet deny narrows."""
    openings = []
    for family, source in _FAMILIES:
        for entry in nacl.inbound_from(family, source):
            if entry.action == "deny":
                break  # an earlier deny carves something out: no longer "all ports"
            if entry.protocol == "all":
                openings.append(str(entry))
                break
    return openings


def _subnets_text(nacl: NetworkAcl) -> str:
    kind = "default NACL" if nacl.is_default else "NACL"
    return f"{kind} of {nacl.vpc_id}, " + (
        f"associated with {len(nacl.subnet_ids)} subnet(s)" if nacl.subnet_ids else "associated with no subnet")


def _nacls(ctx: CheckContext) -> Iterator[tuple[str, NetworkAcl]]:
    return ctx.over(ctx.view(Ec2View).network_acls)


def _judge_nacls(ctx: CheckContext, openings: Callable[[NetworkAcl], list[str]], closed: str) -> Iterator[Result]:
    for region, nacl in _nacls(ctx):
        found = openings(nacl)
        message = f"{_subnets_text(nacl)}: " + ("; ".join(found) if found else closed)
        yield verdict(not found, nacl.id, message, region, ctx.arn("ec2", f"network-acl/{nacl.id}", region),
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
    for region, nacl in _nacls(ctx):
        if nacl.is_default:
            continue  # the default NACL cannot be deleted
        yield verdict(bool(nacl.subnet_ids), nacl.id, _subnets_text(nacl), region,
                      ctx.arn("ec2", f"network-acl/{nacl.id}", region), NACL_TYPE)


def _vpc_flow_logs(vpc: Vpc, logs: tuple[FlowLog, ...]) -> tuple[bool, str]:
    mine = [log for log in logs if log.resource_id == vpc.id]
    active = [log for log in mine if log.active]
    if active:
        return True, "flow log " + ", ".join(str(log) for log in active)
    return False, "flow logs exist but none is active and delivering" if mine else "no flow log"


@check("vpc.flow_logs_enabled", resource_type="AWS::EC2::VPC", datasets=["ec2.vpcs", "ec2.flow_logs"],
       fix="Create a VPC flow log (at least rejected traffic) to CloudWatch Logs or S3.",
       cli="aws ec2 create-flow-logs --resource-type VPC --resource-ids VPC --traffic-type REJECT "
           "--log-destination-type s3 --log-destination arn:aws:s3:::BUCKET",
       doc="https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html")
def flow_logs_enabled(ctx: CheckContext) -> Iterator[Result]:
    view = ctx.view(Ec2View)
    for region, vpcs in ctx.regions_of(view.vpcs):
        with ctx.resource(f"flow-logs/{region}", region):
            logs = view.flow_logs(region)
            for vpc in vpcs:
                ok, evidence = _vpc_flow_logs(vpc, logs)
                yield verdict(ok, vpc.id, f"{vpc.label}: {evidence}", region,
                              ctx.arn("ec2", f"vpc/{vpc.id}", region), "AWS::EC2::VPC")


@check("vpc.subnet_no_auto_public_ip", resource_type="AWS::EC2::Subnet", datasets=["ec2.subnets"],
       fix="Turn off auto-assignment of public IPv4 addresses on the subnet.",
       cli="aws ec2 modify-subnet-attribute --subnet-id SUBNET --no-map-public-ip-on-launch",
       doc="https://docs.aws.amazon.com/vpc/latest/userguide/subnet-public-ip.html")
def subnet_no_auto_public_ip(ctx: CheckContext) -> Iterator[Result]:
    for region, subnet in ctx.over(ctx.view(Ec2View).subnets):
        auto = subnet.map_public_ip
        subnet_id = subnet.id
        kind = "default subnet" if subnet.default_for_az else "subnet"
        yield verdict(not auto, subnet_id, f"{subnet.label} ({kind} of {subnet.vpc_id}) "
                      + ("auto-assigns public IPv4 addresses" if auto else "does not auto-assign public IPv4"),
                      region, ctx.arn("ec2", f"subnet/{subnet_id}", region), "AWS::EC2::Subnet")
