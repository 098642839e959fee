"""The network engine's input: a plain-data model of one region's VPC networking.

Built from a snapshot by :func:`~cloudwarden.engines.network.snapshot_model.model_from_snapshot`.
Route tables, NACLs (and their entries), security groups (and their permissions), subnets, gateways
and instances are the EC2 typed views' own frozen objects (:mod:`cloudwarden.inventory.views.ec2`,
the one parser of the describe_* shapes); what only the engine needs (interfaces with the origin of
each public address, RDS instances, load balancers) is defined here. Nothing here knows about boto3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from cloudwarden.inventory.views.ec2 import Instance, NaclEntry, NetworkAcl, Route, RouteTable, SecurityGroup, Subnet
from cloudwarden.inventory.views.ec2 import InternetGateway as Gateway
from cloudwarden.inventory.views.ec2 import Permission as SgRule

__all__ = ["DbInstance", "Gateway", "Instance", "Interface", "Listener", "LoadBalancer", "NaclEntry", "NetworkAcl",
           "NetworkModel", "Route", "RouteTable", "SecurityGroup", "SgRule", "Subnet", "Target", "TargetGroup"]


@dataclass
class Interface:
    """A network interface, with the public addresses that make it addressable from outside."""

    id: str
    subnet_id: str
    vpc_id: str
    group_ids: list[str] = field(default_factory=list)
    public_ipv4: dict[str, str] = field(default_factory=dict)  # address -> how it got there
    ipv6: list[str] = field(default_factory=list)
    instance_id: str = ""
    interface_type: str = "interface"
    description: str = ""
    requester_id: str = ""


@dataclass
class DbInstance:
    id: str
    vpc_id: str
    subnet_ids: list[str] = field(default_factory=list)
    group_ids: list[str] = field(default_factory=list)
    publicly_accessible: bool = False
    port: int = 0
    engine: str = ""


@dataclass(frozen=True)
class Listener:
    """A load-balancer listener. ``target_port`` is set for classic ELBs (their instance port)."""

    port: int
    protocol: str
    target_group_arns: tuple[str, ...] = ()
    target_port: int | None = None


@dataclass(frozen=True)
class Target:
    id: str
    port: int


@dataclass
class TargetGroup:
    arn: str
    name: str
    port: int = 0
    protocol: str = ""
    targets: list[Target] = field(default_factory=list)
    balancer_arns: list[str] = field(default_factory=list)


@dataclass
class LoadBalancer:
    """An ELBv2 or classic load balancer. ``kind``: application, network, gateway or classic."""

    name: str
    arn: str
    vpc_id: str
    kind: str
    internet_facing: bool
    subnet_ids: list[str] = field(default_factory=list)
    group_ids: list[str] | None = None  # None: the balancer has no security groups (plain NLB)
    listeners: list[Listener] = field(default_factory=list)
    ip_versions: tuple[int, ...] = (4,)
    instance_ids: list[str] = field(default_factory=list)  # classic ELB registrations


@dataclass
class NetworkModel:
    """Everything the engine reads for one region."""

    region: str = ""
    account_id: str = ""
    subnets: dict[str, Subnet] = field(default_factory=dict)
    route_tables: list[RouteTable] = field(default_factory=list)
    gateways: dict[str, Gateway] = field(default_factory=dict)
    network_acls: list[NetworkAcl] = field(default_factory=list)
    security_groups: dict[str, SecurityGroup] = field(default_factory=dict)
    prefix_lists: dict[str, list[str]] = field(default_factory=dict)
    interfaces: dict[str, Interface] = field(default_factory=dict)
    instances: dict[str, Instance] = field(default_factory=dict)
    db_instances: dict[str, DbInstance] = field(default_factory=dict)
    load_balancers: dict[str, LoadBalancer] = field(default_factory=dict)
    target_groups: dict[str, TargetGroup] = field(default_factory=dict)
    # Why some input is missing (a dataset not collected); the answer may be incomplete.
    gaps: list[str] = field(default_factory=list)
    # Prefix lists whose entries are unknown (id -> why); "*" when the lists themselves were not read.
    unresolved_prefix_lists: dict[str, str] = field(default_factory=dict)
    # Optional datasets that could not be read: dataset -> why (the model went on without them).
    gapped: dict[str, str] = field(default_factory=dict)

    def route_table_for(self, subnet_id: str) -> tuple[RouteTable | None, bool]:
        """The subnet's route table and whether the association is explicit (else the main table)."""
        explicit = self._route_index[0].get(subnet_id)
        if explicit is not None:
            return explicit, True
        subnet = self.subnets.get(subnet_id)
        return (self._route_index[1].get(subnet.vpc_id) if subnet else None), False

    def nacl_for(self, subnet_id: str) -> NetworkAcl | None:
        found = self._nacl_index[0].get(subnet_id)
        if found is not None:
            return found
        subnet = self.subnets.get(subnet_id)
        return self._nacl_index[1].get(subnet.vpc_id) if subnet else None

    def internet_gateway_of(self, vpc_id: str) -> Gateway | None:
        for gateway in self.gateways.values():
            if gateway.kind == "igw" and vpc_id in gateway.vpc_ids:
                return gateway
        return None

    @cached_property
    def _route_index(self) -> tuple[dict[str, RouteTable], dict[str, RouteTable]]:
        by_subnet = {sid: t for t in self.route_tables for sid in t.subnet_ids}
        main = {t.vpc_id: t for t in self.route_tables if t.main}
        return by_subnet, main

    @cached_property
    def _nacl_index(self) -> tuple[dict[str, NetworkAcl], dict[str, NetworkAcl]]:
        by_subnet = {sid: a for a in self.network_acls for sid in a.subnet_ids}
        default = {a.vpc_id: a for a in self.network_acls if a.is_default}
        return by_subnet, default
