"""Why one resource is, or is not, reachable from the internet, naming the hop that blocks.

Pure standard library. Finds the resource (instance, interface, RDS instance or load balancer),
follows internet traffic to each of its entry points with :func:`funnel.funnel`, and lists the
exposures :mod:`analysis` finds for it, so the two answers come from the same evaluation.
"""

from __future__ import annotations

from cloudwarden.engines.network.addresses import is_public
from cloudwarden.engines.network.analysis import (
    analyzed_interface,
    db_exposures,
    interface_exposures,
    lb_exposures,
    listener_ports,
)
from cloudwarden.engines.network.funnel import funnel
from cloudwarden.engines.network.hops import PROTOCOLS
from cloudwarden.engines.network.model import Interface, NetworkModel
from cloudwarden.engines.network.ports import ALL_PORTS, PortSet
from cloudwarden.engines.network.reach import Reachability
from cloudwarden.engines.network.results import Attempt, Explanation, Step


def focus(model: NetworkModel, group_ids: tuple[str, ...] | None, wanted: PortSet) -> dict[str, PortSet]:
    """Per protocol, the ports worth following: those the security groups open to internet sources.

    Without this, a NACL that drops tcp/22 but passes other ports (or udp/22) would "pass", and the
    blame would land on the security group; following only what the groups open names the NACL.
    """
    if group_ids is None:
        return dict.fromkeys(PROTOCOLS, wanted)
    opened = {protocol: PortSet() for protocol in PROTOCOLS}
    for group_id in group_ids:
        group = model.security_groups.get(group_id)
        for rule in group.ingress if group else []:
            sources = list(rule.cidrs) + [c for p in rule.prefix_lists for c in model.prefix_lists.get(p, [])]
            if not any(is_public(c) for c in sources):
                continue
            for protocol in PROTOCOLS:
                if rule.protocol in ("-1", "all", protocol):
                    opened[protocol] = opened[protocol] | rule.ports
    if not any(wanted & ports for ports in opened.values()):
        return dict.fromkeys(PROTOCOLS, wanted)
    return {protocol: wanted & ports for protocol, ports in opened.items()}


def _interface_attempts(model: NetworkModel, reachability: Reachability, interface: Interface,
                        wanted: PortSet) -> list[Attempt]:
    attempts = []
    for version, addresses in ((4, list(interface.public_ipv4)), (6, interface.ipv6)):
        attempt = Attempt(interface.id, version)
        if not addresses:
            kind = ("public IPv4 address (no auto-assigned public IP, no Elastic IP)" if version == 4
                    else "IPv6 address")
            attempt.steps.append(Step("network_interface", interface.id, False, f"has no {kind}"))
        else:
            attempt.steps.append(Step("network_interface", interface.id, True,
                                      f"addressable at {', '.join(addresses)}"))
            groups = tuple(interface.group_ids)
            funnel(model, reachability, interface.subnet_id, groups, version, focus(model, groups, wanted),
                   attempt)
        attempts.append(attempt)
    return attempts


def _explain_interfaces(model: NetworkModel, reachability: Reachability, resource_id: str,
                        wanted: PortSet) -> Explanation | None:
    if resource_id in model.interfaces:
        interfaces = [model.interfaces[resource_id]]
        kind = "network_interface"
    else:
        interfaces = [i for i in model.interfaces.values() if i.instance_id == resource_id]
        kind = "ec2_instance"
        if not interfaces and resource_id not in model.instances:
            return None
    explanation = Explanation(resource_id, kind, True)
    if not interfaces:
        explanation.notes.append("the instance has no network interface in the snapshot")
    for interface in interfaces:
        if not analyzed_interface(interface):
            owner = interface.description or interface.interface_type
            explanation.notes.append(f"{interface.id} belongs to a service ({owner}); "
                                     "its exposure is judged through that service")
            continue
        explanation.attempts.extend(_interface_attempts(model, reachability, interface, wanted))
        explanation.exposures.extend(interface_exposures(model, reachability, interface))
    return explanation


def _explain_db(model: NetworkModel, reachability: Reachability, resource_id: str,
                wanted: PortSet) -> Explanation | None:
    db = model.db_instances.get(resource_id)
    if db is None:
        return None
    explanation = Explanation(db.id, "rds_instance", True)
    if not db.publicly_accessible:
        explanation.attempts.append(Attempt(db.id, 4, [Step(
            "db_instance", db.id, False,
            "PubliclyAccessible is false: the endpoint has private addresses only, whatever the subnets allow")]))
        return explanation
    ports = wanted & PortSet.of(db.port)
    for subnet_id in dict.fromkeys(db.subnet_ids):
        attempt = Attempt(subnet_id, 4, [Step("db_instance", db.id, bool(ports),
                                              f"publicly accessible; listens on tcp {db.port}")])
        if ports:
            groups = tuple(db.group_ids)
            funnel(model, reachability, subnet_id, groups, 4, focus(model, groups, ports), attempt)
        explanation.attempts.append(attempt)
    if not db.subnet_ids:
        explanation.notes.append("the DB subnet group lists no subnets in the snapshot")
    explanation.exposures = db_exposures(model, reachability, db)
    return explanation


def _explain_lb(model: NetworkModel, reachability: Reachability, resource_id: str,
                wanted: PortSet) -> Explanation | None:
    balancer = model.load_balancers.get(resource_id) or next(
        (b for b in model.load_balancers.values() if b.name == resource_id), None)
    if balancer is None:
        return None
    explanation = Explanation(balancer.name, "load_balancer", True)
    if not balancer.internet_facing:
        explanation.attempts.append(Attempt(balancer.name, 4, [Step(
            "load_balancer", balancer.name, False, "scheme is internal: the balancer has no public address")]))
        return explanation
    offered = PortSet.from_ranges((p, p) for proto in PROTOCOLS for p in listener_ports(balancer, proto))
    ports = wanted & offered
    groups = tuple(balancer.group_ids) if balancer.group_ids is not None else None
    for version in balancer.ip_versions:
        for subnet_id in dict.fromkeys(balancer.subnet_ids):
            detail = f"internet-facing {balancer.kind}; listeners on {offered}"
            attempt = Attempt(subnet_id, version, [Step("load_balancer", balancer.name, bool(ports), detail)])
            if ports:
                funnel(model, reachability, subnet_id, groups, version, focus(model, groups, ports), attempt)
            explanation.attempts.append(attempt)
    explanation.exposures = lb_exposures(model, reachability, balancer)
    return explanation


def explain(model: NetworkModel, resource_id: str, port: int | None = None,
            reachability: Reachability | None = None) -> Explanation:
    """Explain internet reachability of an instance, interface, RDS instance or load balancer."""
    reachability = reachability or Reachability(model)
    wanted = PortSet.of(port) if port is not None else ALL_PORTS
    for finder in (_explain_interfaces, _explain_db, _explain_lb):
        explanation = finder(model, reachability, resource_id, wanted)
        if explanation is not None:
            explanation.port = port
            explanation.exposures = [
                e for e in explanation.exposures if port is None or e.from_port <= port <= e.to_port
            ]
            return explanation
    where = f"region {model.region}" if model.region else "the model"
    return Explanation(resource_id, "", False, port, notes=[
        f"no instance, network interface, RDS instance or load balancer {resource_id} in {where}"])
