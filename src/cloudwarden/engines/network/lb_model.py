"""Load balancers of one region (ELBv2 and classic) as model objects, built on the ELB typed view.

Reads the inventory only (:class:`~cloudwarden.inventory.views.elb.ElbView`); called by :mod:`snapshot_model`, which passes its ``optional`` reader so
that a missing load-balancer dataset becomes a note rather than an error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cloudwarden.engines.network.model import (
    Listener,
    LoadBalancer,
    NetworkModel,
    Target,
    TargetGroup,
)
from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views.elb import ElbView

Reader = Callable[[Snapshot, NetworkModel, Callable[[], Any], Any], Any]


def _ip_versions(address_type: str) -> tuple[int, ...]:
    if address_type == "dualstack-without-public-ipv4":
        return (6,)
    return (4, 6) if address_type == "dualstack" else (4,)


def target_groups(elb: ElbView, region: str, model: NetworkModel, optional: Reader) -> dict[str, TargetGroup]:
    found: dict[str, TargetGroup] = {}
    snapshot = elb.snapshot
    for group in optional(snapshot, model, lambda: elb.target_groups(region), ()):
        targets = [Target(t.id, t.port) for t in optional(snapshot, model, group.targets.get, ()) or ()]
        found[group.arn] = TargetGroup(group.arn, group.name, group.port, group.protocol, targets,
                                       list(group.balancer_arns))
    return found


def elbv2_balancers(elb: ElbView, region: str, model: NetworkModel, optional: Reader,
                    groups: dict[str, TargetGroup]) -> dict[str, LoadBalancer]:
    found: dict[str, LoadBalancer] = {}
    snapshot = elb.snapshot
    for balancer in optional(snapshot, model, lambda: elb.balancers(region), ()):
        arn = balancer.arn
        listeners = [Listener(x.port, x.protocol, x.forward_targets)
                     for x in optional(snapshot, model, balancer.listeners.get, ()) or ()]
        # Target groups name their balancers too; keep those links when the listener shows none.
        linked = tuple(g.arn for g in groups.values() if arn in g.balancer_arns)
        if linked and not any(x.target_group_arns for x in listeners):
            listeners = [Listener(x.port, x.protocol, linked) for x in listeners]
        security_groups = balancer.security_groups
        found[arn] = LoadBalancer(
            name=balancer.name,
            arn=arn,
            vpc_id=balancer.vpc_id,
            kind=balancer.type,
            internet_facing=balancer.internet_facing,
            subnet_ids=list(balancer.subnet_ids),
            group_ids=None if balancer.type == "network" and not security_groups else list(security_groups or ()),
            listeners=listeners,
            ip_versions=_ip_versions(balancer.ip_address_type),
        )
    return found


def classic_balancers(elb: ElbView, region: str, model: NetworkModel, optional: Reader) -> dict[str, LoadBalancer]:
    found: dict[str, LoadBalancer] = {}
    for balancer in optional(elb.snapshot, model, lambda: elb.classic(region), ()):
        arn = f"arn:aws:elasticloadbalancing:{region}:{model.account_id}:loadbalancer/{balancer.name}"
        found[arn] = LoadBalancer(
            name=balancer.name, arn=arn, vpc_id=balancer.vpc_id, kind="classic",
            internet_facing=balancer.internet_facing,
            subnet_ids=list(balancer.subnet_ids),
            group_ids=list(balancer.security_groups),
            listeners=[Listener(x.port, x.protocol, (), x.instance_port) for x in balancer.listeners],
            instance_ids=list(balancer.instance_ids),
        )
    return found


def load_balancers(
    elb: ElbView, region: str, model: NetworkModel, optional: Reader
) -> tuple[dict[str, LoadBalancer], dict[str, TargetGroup]]:
    groups = target_groups(elb, region, model, optional)
    balancers = elbv2_balancers(elb, region, model, optional, groups)
    balancers.update(classic_balancers(elb, region, model, optional))
    return balancers, groups
