"""Elastic Load Balancing as typed views: ELBv2 balancers (application, network, gateway) with their
listeners and attributes, target groups with their registered targets, Classic Load Balancers with
their listeners, attributes and negotiation policies.

The one parser of the ``elbv2.*`` and ``elb.*`` shapes: the ELB checks and the network engine's
load-balancer model build on these objects. A balancer's listeners, attributes and policies are
per-resource parts (:class:`~cloudwarden.inventory.views.Deferred`): read on first use, and
``.get()`` raises the gap's DataUnavailable when they were not collected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views import Deferred, PerRegion, deferred_item, strings, values_of

LBS = "elbv2.load_balancers"
LISTENERS = "elbv2.listeners"
ATTRS = "elbv2.load_balancer_attributes"
TARGET_GROUPS = "elbv2.target_groups"
TARGET_HEALTH = "elbv2.target_health"
SSL_POLICIES = "elbv2.ssl_policies"
CLBS = "elb.load_balancers"
CLB_ATTRS = "elb.load_balancer_attributes"
CLB_POLICIES = "elb.load_balancer_policies"


def _forward_targets(actions: list[dict[str, Any]]) -> tuple[str, ...]:
    arns: list[str] = []
    for action in actions or []:
        if action.get("Type") != "forward":
            continue
        if action.get("TargetGroupArn"):
            arns.append(str(action["TargetGroupArn"]))
        for weighted in (action.get("ForwardConfig") or {}).get("TargetGroups") or []:
            if weighted.get("TargetGroupArn"):
                arns.append(str(weighted["TargetGroupArn"]))
    return tuple(dict.fromkeys(arns))


@dataclass(frozen=True)
class Listener:
    """An ELBv2 listener: its port, protocol, TLS policy and where its default actions send traffic."""

    port: int
    protocol: str
    ssl_policy: str
    redirects_to_https: bool  # every default action redirects to HTTPS
    forward_targets: tuple[str, ...]  # target group ARNs of its forward actions
    certificates: tuple[str, ...] = ()  # the ARNs of its certificates (ACM or IAM)

    @classmethod
    def of(cls, raw: dict[str, Any]) -> Listener:
        actions = raw.get("DefaultActions") or []
        redirects = bool(actions) and all(a.get("Type") == "redirect"
                                          and (a.get("RedirectConfig") or {}).get("Protocol") == "HTTPS"
                                          for a in actions)
        return cls(int(raw.get("Port") or 0), str(raw.get("Protocol") or ""), str(raw.get("SslPolicy")),
                   redirects, _forward_targets(actions),
                   tuple(str(c.get("CertificateArn")) for c in raw.get("Certificates") or []))

    def __str__(self) -> str:
        return f"{self.protocol}:{self.port}"


@dataclass(frozen=True)
class LoadBalancer:
    """An ELBv2 load balancer (``type``: application, network or gateway)."""

    region: str
    name: str
    arn: str
    type: str
    scheme: str
    vpc_id: str
    zones: tuple[str, ...]  # Availability Zone names
    subnet_ids: tuple[str, ...]
    security_groups: tuple[str, ...] | None  # None: the balancer reports no SecurityGroups at all
    ip_address_type: str
    listeners: Deferred[tuple[Listener, ...]] = field(repr=False, compare=False)
    attributes: Deferred[dict[str, Any]] = field(repr=False, compare=False)  # key -> value, as described

    @property
    def internet_facing(self) -> bool:
        return self.scheme == "internet-facing"


@dataclass(frozen=True)
class Target:
    id: str
    port: int


@dataclass(frozen=True)
class TargetGroup:
    region: str
    arn: str
    name: str
    port: int
    protocol: str
    balancer_arns: tuple[str, ...]
    targets: Deferred[tuple[Target, ...]] = field(repr=False, compare=False)  # registered targets


@dataclass(frozen=True)
class ClassicListener:
    protocol: str
    port: int
    instance_port: int
    certificate: str

    @property
    def secure(self) -> bool:
        return self.protocol in ("HTTPS", "SSL")

    def __str__(self) -> str:
        return f"{self.protocol}:{self.port}"


@dataclass(frozen=True)
class ClassicLoadBalancer:
    region: str
    name: str
    scheme: str
    vpc_id: str
    zones: tuple[str, ...]
    subnet_ids: tuple[str, ...]
    security_groups: tuple[str, ...]
    listeners: tuple[ClassicListener, ...]
    instance_ids: tuple[str, ...]
    attributes: Deferred[dict[str, Any]] = field(repr=False, compare=False)  # DescribeLoadBalancerAttributes
    policies: Deferred[list[dict[str, Any]]] = field(repr=False, compare=False)  # the listeners' policies

    @property
    def internet_facing(self) -> bool:
        return self.scheme == "internet-facing"

    def arn(self, partition: str, account_id: str) -> str:
        return f"arn:{partition}:elasticloadbalancing:{self.region}:{account_id}:loadbalancer/{self.name}"


def _classic_listener(raw: dict[str, Any]) -> ClassicListener:
    return ClassicListener(str(raw.get("Protocol") or "TCP"), int(raw.get("LoadBalancerPort") or 0),
                           int(raw.get("InstancePort") or 0), str(raw.get("SSLCertificateId") or ""))


class ElbView:
    """ELBv2 and Classic Load Balancing of one snapshot."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

        def balancer(region: str, raw: dict[str, Any]) -> LoadBalancer:
            arn = str(raw["LoadBalancerArn"])
            zones = raw.get("AvailabilityZones") or []
            groups = raw.get("SecurityGroups")
            return LoadBalancer(
                region, str(raw.get("LoadBalancerName") or arn), arn, str(raw.get("Type") or "application"),
                str(raw.get("Scheme") or ""), str(raw.get("VpcId") or ""),
                tuple(str(z.get("ZoneName")) for z in zones), values_of(zones, "SubnetId"),
                None if groups is None else tuple(str(g) for g in groups), str(raw.get("IpAddressType") or "ipv4"),
                deferred_item(snapshot, LISTENERS, region, arn,
                              lambda found: tuple(Listener.of(x) for x in found or [])),
                deferred_item(snapshot, ATTRS, region, arn, lambda found: dict(found or {})))

        def target_group(region: str, raw: dict[str, Any]) -> TargetGroup:
            arn, port = str(raw["TargetGroupArn"]), int(raw.get("Port") or 0)

            def targets(found: Any) -> tuple[Target, ...]:
                return tuple(Target(str(d["Target"]["Id"]), int(d["Target"].get("Port") or port))
                             for d in found or [] if (d.get("Target") or {}).get("Id"))
            return TargetGroup(region, arn, str(raw.get("TargetGroupName") or ""), port, str(raw.get("Protocol") or ""),
                               strings(raw, "LoadBalancerArns"),
                               deferred_item(snapshot, TARGET_HEALTH, region, arn, targets))

        def classic(region: str, raw: dict[str, Any]) -> ClassicLoadBalancer:
            name = str(raw["LoadBalancerName"])
            return ClassicLoadBalancer(
                region, name, str(raw.get("Scheme") or ""), str(raw.get("VPCId") or ""),
                strings(raw, "AvailabilityZones"),
                strings(raw, "Subnets"), strings(raw, "SecurityGroups"),
                tuple(_classic_listener(d["Listener"]) for d in raw.get("ListenerDescriptions") or [] if d.get("Listener")),
                values_of(raw.get("Instances"), "InstanceId"),
                deferred_item(snapshot, CLB_ATTRS, region, name, lambda found: dict(found or {})),
                deferred_item(snapshot, CLB_POLICIES, region, name, lambda found: list(found or [])))

        self.balancers: PerRegion[LoadBalancer] = PerRegion(snapshot, LBS, balancer)
        self.target_groups: PerRegion[TargetGroup] = PerRegion(snapshot, TARGET_GROUPS, target_group)
        self.classic: PerRegion[ClassicLoadBalancer] = PerRegion(snapshot, CLBS, classic)

    def ssl_policies(self, region: str) -> dict[str, tuple[str, ...]]:
        """TLS security policy name -> the protocol versions it allows; raises DataUnavailable when unread."""
        return {str(name): tuple(str(v) for v in versions or [])
                for name, versions in (self.snapshot.get(SSL_POLICIES, region) or {}).items()}


__all__ = ["ClassicListener", "ClassicLoadBalancer", "ElbView", "Listener", "LoadBalancer", "Target", "TargetGroup"]
