"""Checks that rest on the network engine: proven internet paths, not rules judged one at a time.

Each region's model and exposures are computed once per snapshot and shared by the four checks.
A region whose EC2 networking data is missing gives UNKNOWN, never PASS.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from cloudwarden.checks.context import CheckContext, Skipped
from cloudwarden.checks.helpers import failed, passed
from cloudwarden.checks.registry import Result, check
from cloudwarden.core.enums import Severity, Status
from cloudwarden.engines.network import (
    Exposure,
    NetworkModel,
    PortClass,
    Reachability,
    analyze,
    data_hosts,
    explain,
    lateral_paths,
    lb_forwards,
    model_from_snapshot,
    verdict_gap,
)
from cloudwarden.inventory.snapshot import DataUnavailable, Snapshot
from cloudwarden.inventory.views.ec2 import Ec2View
from cloudwarden.inventory.views.elb import ElbView
from cloudwarden.inventory.views.rds import RdsView

VPC_DOC = "https://docs.aws.amazon.com/vpc/latest/userguide/"
NETWORK = ["ec2.subnets", "ec2.route_tables", "ec2.internet_gateways", "ec2.network_acls",
           "ec2.security_groups", "ec2.network_interfaces", "ec2.managed_prefix_lists",
           "ec2.prefix_list_entries", "ec2.egress_only_internet_gateways"]


# Everything model_from_snapshot reads besides NETWORK: every check on the model reads all of it.
MODEL_EXTRAS = ["ec2.instances", "ec2.addresses", "rds.db_instances", "rds.db_subnet_groups",
                "elbv2.load_balancers", "elbv2.listeners", "elbv2.target_groups", "elbv2.target_health",
                "elb.load_balancers"]
MODEL = NETWORK + MODEL_EXTRAS
# Gaps the model surfaces per resource where a verdict depends on them (engines.network.verdict_gap),
# or that never turn a path into no path: a missing prefix list is UNKNOWN only where a rule names it.
SURFACED = ["ec2.managed_prefix_lists", "ec2.prefix_list_entries", "ec2.egress_only_internet_gateways",
            "ec2.addresses"]
BALANCERS = ["elbv2.load_balancers", "elbv2.listeners", "elbv2.target_groups", "elbv2.target_health",
             "elb.load_balancers"]


def optional_except(*needed: str) -> list[str]:
    """The model's datasets a check's verdict does not rest on: all but NETWORK's required ones and `needed`."""
    return [d for d in MODEL if d in SURFACED or (d in MODEL_EXTRAS and d not in needed)]


CHECK_IDS = ("net.instance_reachable_from_internet", "net.rds_reachable_from_internet",
             "net.lb_forwards_internet_to_admin_port", "net.lateral_path_to_data_tier")




@dataclass
class RegionNetwork:
    region: str
    model: NetworkModel
    reachability: Reachability
    exposures: list[Exposure]


def _analysed(snapshot: Snapshot, ec2: Ec2View, elb: ElbView, rds: RdsView) -> list[RegionNetwork | Skipped]:
    found: list[RegionNetwork | Skipped] = []
    for region in snapshot.regions:
        try:
            model = model_from_snapshot(snapshot, region, ec2, elb, rds)
        except DataUnavailable as missing:
            found.append(Skipped(region, region, missing.reason))
            continue
        reachability = Reachability(model)
        found.append(RegionNetwork(region, model, reachability, analyze(model, reachability)))
    return found


def networks(ctx: CheckContext) -> Iterator[RegionNetwork]:
    """Every region's analysis; regions without network data become UNKNOWN results."""
    # the objects the checks read are the ones the model is built on
    ec2, elb, rds = ctx.view(Ec2View), ctx.view(ElbView), ctx.view(RdsView)
    for item in ctx.assessment.memo("network.regions", lambda snapshot: _analysed(snapshot, ec2, elb, rds)):
        if isinstance(item, Skipped):
            ctx.skipped.append(item)
        else:
            yield item


def collected(ctx: CheckContext, dataset: str, region: str) -> bool:
    """Whether ``dataset`` was read in ``region``; if not, the region is UNKNOWN, never "nothing there"."""
    try:
        ctx.get(dataset, region)
    except DataUnavailable as missing:
        ctx.skipped.append(Skipped(region, region, missing.reason))
        return False
    return True


def unknown(resource_id: str, reason: str, region: str, arn: str) -> Result:
    """A verdict that rests on missing data: UNKNOWN with the gap's reason, never PASS."""
    return Result(Status.UNKNOWN, resource_id, f"not evaluated: {reason}", region, arn)


def _worst_first(exposures: list[Exposure]) -> list[Exposure]:
    order = {PortClass.REMOTE_ADMIN: 0, PortClass.DATABASE: 1, PortClass.OTHER: 2}
    return sorted(exposures, key=lambda e: (order[e.port_class], e.ip_version, e.from_port))


_SEVERITY_BY_CLASS = {PortClass.REMOTE_ADMIN: Severity.CRITICAL, PortClass.DATABASE: Severity.HIGH,
                      PortClass.OTHER: Severity.MEDIUM}


def severity_of(exposures: list[Exposure]) -> Severity:
    """The worst port class decides: remote administration, then databases, then the rest."""
    return _SEVERITY_BY_CLASS[_worst_first(exposures)[0].port_class]


def describe(exposures: list[Exposure]) -> str:
    """The worst exposure with its path, and how many more there are."""
    first = _worst_first(exposures)[0]
    more = f"; {len(exposures) - 1} more path(s)" if len(exposures) > 1 else ""
    return (f"reachable on {first.port_text()} ({first.port_class.value}) over IPv{first.ip_version} "
            f"from {first.source}: {first.path_text()}{more}")


def why_not(net: RegionNetwork, resource_id: str) -> str:
    explanation = explain(net.model, resource_id, reachability=net.reachability)
    blocks = [f"IPv{a.ip_version} via {a.entry} stops at {a.blocked_at.kind} {a.blocked_at.id}: "
              f"{a.blocked_at.detail}".replace("  ", " ")
              for a in explanation.attempts if a.blocked_at is not None]
    return "; ".join(blocks[:2]) or "no entry point"


@check("net.instance_reachable_from_internet", resource_type="AWS::EC2::Instance",
       datasets=MODEL, optional=optional_except(),
       fix="Remove the internet path to admin and database ports: drop the public address, the "
           "0.0.0.0/0 or ::/0 rule, or the route to the internet gateway; reach hosts through SSM "
           "Session Manager or a VPN instead.",
       cli="aws ec2 revoke-security-group-ingress --group-id SG_ID --ip-permissions IpProtocol=tcp,FromPort=PORT,ToPort=PORT,IpRanges=[{CidrIp=CIDR}]",
       doc=VPC_DOC + "vpc-security-best-practices.html")
def instance_reachable_from_internet(ctx: CheckContext) -> Iterator[Result]:
    for net in networks(ctx):
        by_instance: dict[str, list[Exposure]] = {i: [] for i in net.model.instances}
        by_instance.update({i.instance_id: [] for i in net.model.interfaces.values() if i.instance_id})
        for exposure in net.exposures:
            if exposure.resource_type == "ec2_instance":
                by_instance[exposure.resource_id].append(exposure)
        for instance_id, exposures in sorted(by_instance.items()):
            arn = ctx.arn("ec2", f"instance/{instance_id}", net.region)
            sensitive = [e for e in exposures if e.port_class is not PortClass.OTHER]
            if sensitive:
                yield replace(failed(instance_id, describe(sensitive), net.region, arn),
                              severity=severity_of(sensitive))
            elif gap := verdict_gap(net.model, "ec2_instance", instance_id):
                yield unknown(instance_id, gap, net.region, arn)
            elif exposures:
                yield passed(instance_id, "no admin or database port is reachable; " + describe(exposures),
                             net.region, arn)
            else:
                yield passed(instance_id, "not reachable from the internet: " + why_not(net, instance_id),
                             net.region, arn)


@check("net.rds_reachable_from_internet", resource_type="AWS::RDS::DBInstance",
       datasets=MODEL, optional=optional_except("rds.db_instances", "rds.db_subnet_groups"),
       fix="Set PubliclyAccessible to false, keep the DB subnet group in subnets without a route to an "
           "internet gateway, and admit the DB port only from application security groups.",
       cli="aws rds modify-db-instance --db-instance-identifier ID --no-publicly-accessible --apply-immediately",
       doc="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html")
def rds_reachable_from_internet(ctx: CheckContext) -> Iterator[Result]:
    for net in networks(ctx):
        if not collected(ctx, "rds.db_instances", net.region):
            continue
        for db_id in sorted(net.model.db_instances):
            exposures = [e for e in net.exposures if e.resource_type == "rds_instance" and e.resource_id == db_id]
            arn = ctx.arn("rds", f"db:{db_id}", net.region)
            if exposures:
                yield failed(db_id, describe(exposures), net.region, arn)
            elif gap := verdict_gap(net.model, "rds_instance", db_id):
                yield unknown(db_id, gap, net.region, arn)
            else:
                yield passed(db_id, "not reachable from the internet: " + why_not(net, db_id), net.region, arn)


@check("net.lb_forwards_internet_to_admin_port", resource_type="AWS::ElasticLoadBalancingV2::LoadBalancer",
       datasets=MODEL, optional=optional_except(*BALANCERS),
       fix="Do not publish admin or database ports through an internet-facing load balancer: remove the "
           "listener or target group, or make the balancer internal.",
       cli="aws elbv2 delete-listener --listener-arn LISTENER_ARN",
       doc="https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html")
def lb_forwards_internet_to_admin_port(ctx: CheckContext) -> Iterator[Result]:
    for net in networks(ctx):
        if not collected(ctx, "elbv2.load_balancers", net.region):
            continue
        forwards = lb_forwards(net.model, net.exposures)
        for balancer in sorted(net.model.load_balancers.values(), key=lambda b: b.name):
            mine = [f for f in forwards if f.balancer_arn == balancer.arn]
            if mine:
                first = mine[0]
                more = f"; {len(mine) - 1} more" if len(mine) > 1 else ""
                yield failed(balancer.name, f"forwards internet traffic to {first.port_class.value} port tcp "
                             f"{first.target_port} on {first.target_id}: {first.path_text()}{more}",
                             net.region, balancer.arn)
            elif not balancer.internet_facing:
                yield passed(balancer.name, "internal load balancer: no internet traffic", net.region, balancer.arn)
            elif gap := verdict_gap(net.model, "load_balancer", balancer.name):
                yield unknown(balancer.name, gap, net.region, balancer.arn)
            else:
                yield passed(balancer.name, "forwards no internet traffic to an admin or database port",
                             net.region, balancer.arn)


@check("net.lateral_path_to_data_tier", resource_type="AWS::EC2::SecurityGroup",
       datasets=MODEL, optional=optional_except("rds.db_instances", "ec2.instances"),
       fix="Admit the exposed tier's security group into the data tier only on the database port; "
           "remove SSH/RDP and all-traffic rules that reference web or bastion groups.",
       cli="aws ec2 revoke-security-group-ingress --group-id DATA_SG --protocol tcp --port 22 --source-group WEB_SG",
       doc=VPC_DOC + "security-group-rules.html")
def lateral_path_to_data_tier(ctx: CheckContext) -> Iterator[Result]:
    kinds = {"rds_instance": ("rds", "db:", "AWS::RDS::DBInstance"),
             "ec2_instance": ("ec2", "instance/", "AWS::EC2::Instance")}
    for net in networks(ctx):
        found = lateral_paths(net.model, net.exposures)
        for dataset in ("rds.db_instances", "ec2.instances"):  # data hosts the model could not list
            if dataset in net.model.gapped:
                ctx.skipped.append(Skipped(net.region, net.region, f"{dataset} was not read: "
                                           f"{net.model.gapped[dataset]}"))
        for host in data_hosts(net.model):
            service, prefix, resource_type = kinds[host.resource_type]
            arn = ctx.arn(service, prefix + host.resource_id, net.region)
            path = found.get(host.resource_id)
            if path is not None:
                more = f" (and {path.source_count - 1} more exposed host(s))" if path.source_count > 1 else ""
                yield failed(host.resource_id, f"admin-port path from the internet-exposed tier: "
                             f"{path.path_text()}{more}", net.region, arn, resource_type)
            elif gap := verdict_gap(net.model, "data_tier", host.resource_id):
                yield Result(Status.UNKNOWN, host.resource_id, f"not evaluated: {gap}", net.region, arn,
                             resource_type)
            else:
                yield passed(host.resource_id, "no security-group path over admin ports from an "
                             "internet-exposed host", net.region, arn, resource_type)
