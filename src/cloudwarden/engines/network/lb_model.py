"""Load balancers of one region (ELBv2 and classic) from a snapshot, as model objects.

Reads the inventory only; called by :mod:`snapshot_model`, which passes its ``optional`` reader so
that a missing load-balancer dataset becomes a note rather than an error.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from cloudwarden.engines.network.model import (
    Listener,
    LoadBalancer,
    NetworkModel,
    Target,
    TargetGroup,
)
from cloudwarden.inventory.snapshot import Snapshot

Reader = Callable[[Snapshot, NetworkModel, Callable[[], Any], Any], Any]


def _forward_targets(actions: list[dict[str, Any]]) -> tuple[str, ...]:
    arns: list[str] = []
    for action in actions or []:
        if action.get("Type") != "forward":
            continue
        if action.get("TargetGroupArn"):
            arns.append(action["TargetGroupArn"])
        for weighted in (action.get("ForwardConfig") or {}).get("TargetGroups") or []:
            if weighted.get("TargetGroupArn"):
                arns.append(weighted["TargetGroupArn"])
    return tuple(dict.fromkeys(arns))


def _ip_versions(address_type: str) -> tuple[int, ...]:
    if address_type == "dualstack-without-public-ipv4":
        return (6,)
    return (4, 6) if address_type == "dualstack" else (4,)


def target_groups(snapshot: Snapshot, region: str, model: NetworkModel, optional: Reader) -> dict[str, TargetGroup]:
    found: dict[str, TargetGroup] = {}
    for raw in optional(snapshot, model, lambda: snapshot.get("elbv2.target_groups", region), []):
        arn = raw["TargetGroupArn"]
        port = int(raw.get("Port") or 0)
        health = optional(snapshot, model, partial(snapshot.item, "elbv2.target_health", region, arn), [])
        targets = [
            Target(d["Target"]["Id"], int(d["Target"].get("Port") or port))
            for d in health or [] if (d.get("Target") or {}).get("Id")
        ]
        found[arn] = TargetGroup(arn, raw.get("TargetGroupName", ""), port, raw.get("Protocol", ""), targets,
                                 list(raw.get("LoadBalancerArns") or []))
    return found


def elbv2_balancers(
    snapshot: Snapshot, region: str, model: NetworkModel, optional: Reader, groups: dict[str, TargetGroup]
) -> dict[str, LoadBalancer]:
    found: dict[str, LoadBalancer] = {}
    for raw in optional(snapshot, model, lambda: snapshot.get("elbv2.load_balancers", region), []):
        arn = raw["LoadBalancerArn"]
        raw_listeners = optional(snapshot, model, partial(snapshot.item, "elbv2.listeners", region, arn), [])
        listeners = [
            Listener(int(x.get("Port") or 0), x.get("Protocol", ""), _forward_targets(x.get("DefaultActions")))
            for x in raw_listeners or []
        ]
        # Target groups name their balancers too; keep those links when the listener shows none.
        linked = tuple(g.arn for g in groups.values() if arn in g.balancer_arns)
        if linked and not any(x.target_group_arns for x in listeners):
            listeners = [Listener(x.port, x.protocol, linked) for x in listeners]
        kind = raw.get("Type", "application")
        security_groups = raw.get("SecurityGroups")
        found[arn] = LoadBalancer(
            name=raw.get("LoadBalancerName", arn),
            arn=arn,
            vpc_id=raw.get("VpcId", ""),
            kind=kind,
            internet_facing=raw.get("Scheme") == "internet-facing",
            subnet_ids=[z["SubnetId"] for z in raw.get("AvailabilityZones") or [] if z.get("SubnetId")],
            group_ids=None if kind == "network" and not security_groups else list(security_groups or []),
            listeners=listeners,
            ip_versions=_ip_versions(raw.get("IpAddressType", "ipv4")),
        )
    return found


def classic_balancers(snapshot: Snapshot, region: str, model: NetworkModel, optional: Reader) -> dict[str, LoadBalancer]:
    found: dict[str, LoadBalancer] = {}
    for raw in optional(snapshot, model, lambda: snapshot.get("elb.load_balancers", region), []):
        name = raw["LoadBalancerName"]
        arn = f"arn:aws:elasticloadbalancing:{region}:{model.account_id}:loadbalancer/{name}"
        listeners = [
            Listener(int(d["Listener"].get("LoadBalancerPort") or 0), d["Listener"].get("Protocol", "TCP"),
                     (), int(d["Listener"].get("InstancePort") or 0))
            for d in raw.get("ListenerDescriptions") or [] if d.get("Listener")
        ]
        found[arn] = LoadBalancer(
            name=name, arn=arn, vpc_id=raw.get("VPCId", ""), kind="classic",
            internet_facing=raw.get("Scheme") == "internet-facing",
            subnet_ids=list(raw.get("Subnets") or []),
            group_ids=list(raw.get("SecurityGroups") or []),
            listeners=listeners,
            instance_ids=[i["InstanceId"] for i in raw.get("Instances") or [] if i.get("InstanceId")],
        )
    return found


def load_balancers(
    snapshot: Snapshot, region: str, model: NetworkModel, optional: Reader
) -> tuple[dict[str, LoadBalancer], dict[str, TargetGroup]]:
    groups = target_groups(snapshot, region, model, optional)
    balancers = elbv2_balancers(snapshot, region, model, optional, groups)
    balancers.update(classic_balancers(snapshot, region, model, optional))
    return balancers, groups
