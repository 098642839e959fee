"""Exposures of one region: network interfaces, RDS instances and internet-facing load balancers.

Pure standard library. Each resource's reach (see :mod:`reach`) is cut down to what the resource
offers (an RDS port, listener ports; every port for an interface, since the engine cannot see
what listens there) and given a final hop naming the resource and its public address.
"""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.engines.network.model import DbInstance, Interface, LoadBalancer, NetworkModel
from cloudwarden.engines.network.ports import PortSet
from cloudwarden.engines.network.reach import Reach, Reachability
from cloudwarden.engines.network.results import Exposure, Hop

# Interfaces owned by a service whose exposure is judged through that service (load balancers,
# RDS) or that accept no inbound connections from the internet (NAT gateways, endpoints).
_SERVICE_INTERFACE_TYPES = {
    "natGateway", "nat_gateway", "load_balancer", "network_load_balancer", "gateway_load_balancer",
    "gateway_load_balancer_endpoint", "vpc_endpoint", "transit_gateway",
}

LISTENER_PROTOCOLS = {
    "HTTP": ("tcp",), "HTTPS": ("tcp",), "TCP": ("tcp",), "TLS": ("tcp",), "SSL": ("tcp",),
    "UDP": ("udp",), "TCP_UDP": ("tcp", "udp"),
}


def analyzed_interface(interface: Interface) -> bool:
    """Whether the interface is judged on its own (not through the service that owns it)."""
    if interface.interface_type in _SERVICE_INTERFACE_TYPES:
        return False
    if interface.description.startswith("ELB "):
        return False
    return not (interface.requester_id == "amazon-rds" or interface.description == "RDSNetworkInterface")


def interface_resource(interface: Interface) -> tuple[str, str]:
    if interface.instance_id:
        return interface.instance_id, "ec2_instance"
    return interface.id, "network_interface"


def _exposures(
    reach: Reach, ports: PortSet, resource: tuple[str, str], interface_id: str | None,
    region: str, address: str, last_hop: Hop,
) -> Iterator[Exposure]:
    resource_id, resource_type = resource
    for low, high in ports:
        yield Exposure(
            resource_id, resource_type, interface_id, region, reach.vpc_id, reach.subnet_id, address,
            reach.protocol, low, high, reach.ip_version, reach.source, reach.hops + (last_hop,),
        )


def interface_exposures(
    model: NetworkModel, reachability: Reachability, interface: Interface
) -> list[Exposure]:
    if not analyzed_interface(interface):
        return []
    resource = interface_resource(interface)
    groups = tuple(interface.group_ids)
    found: list[Exposure] = []
    addresses = {4: interface.public_ipv4, 6: dict.fromkeys(interface.ipv6, "IPv6")}
    for version, by_address in addresses.items():
        if not by_address:
            continue
        address = ", ".join(by_address)
        how = "; ".join(f"{a} {why}" for a, why in by_address.items())
        for reach in reachability.reach(interface.subnet_id, groups, version):
            hop = Hop("network_interface", interface.id, f"public address {how}; {reach.protocol} {reach.ports}")
            found.extend(
                _exposures(reach, reach.ports, resource, interface.id, model.region, address, hop)
            )
    return found


def db_exposures(model: NetworkModel, reachability: Reachability, db: DbInstance) -> list[Exposure]:
    """An RDS instance is reachable when it is publicly accessible and some subnet of its group
    (the instance may run, or fail over, in any of them) lets the internet reach its port."""
    if not db.publicly_accessible or not db.port:
        return []
    wanted = PortSet.of(db.port)
    found: list[Exposure] = []
    for subnet_id in dict.fromkeys(db.subnet_ids):
        for reach in reachability.reach(subnet_id, tuple(db.group_ids), 4):
            ports = reach.ports & wanted
            if reach.protocol != "tcp" or not ports:
                continue
            hop = Hop("db_instance", db.id, f"publicly accessible {db.engine or 'database'} endpoint "
                      f"on tcp {db.port}, subnet {subnet_id}")
            found.extend(_exposures(reach, ports, (db.id, "rds_instance"), None, model.region,
                                    "public endpoint", hop))
    return found


def listener_ports(balancer: LoadBalancer, protocol: str) -> dict[int, str]:
    """Listener port -> listener protocol, for the listeners that carry ``protocol``."""
    return {
        listener.port: listener.protocol
        for listener in balancer.listeners
        if protocol in LISTENER_PROTOCOLS.get(listener.protocol.upper(), ())
    }


def lb_exposures(model: NetworkModel, reachability: Reachability, balancer: LoadBalancer) -> list[Exposure]:
    if not balancer.internet_facing or balancer.kind == "gateway":
        return []
    groups = tuple(balancer.group_ids) if balancer.group_ids is not None else None
    found: list[Exposure] = []
    for version in balancer.ip_versions:
        for subnet_id in dict.fromkeys(balancer.subnet_ids):
            for reach in reachability.reach(subnet_id, groups, version):
                for port, protocol in sorted(listener_ports(balancer, reach.protocol).items()):
                    if port not in reach.ports:
                        continue
                    hop = Hop("load_balancer", balancer.name,
                              f"internet-facing {balancer.kind} load balancer, listener {protocol} {port}")
                    found.extend(_exposures(reach, PortSet.of(port), (balancer.name, "load_balancer"),
                                            None, model.region, "public DNS name", hop))
    return found


def analyze(model: NetworkModel, reachability: Reachability | None = None) -> list[Exposure]:
    """Every exposure in the model: which ports of what the internet reaches, and how."""
    reachability = reachability or Reachability(model)
    found: list[Exposure] = []
    for interface in model.interfaces.values():
        found.extend(interface_exposures(model, reachability, interface))
    for db in model.db_instances.values():
        found.extend(db_exposures(model, reachability, db))
    for balancer in model.load_balancers.values():
        found.extend(lb_exposures(model, reachability, balancer))
    found.sort(key=lambda e: (e.resource_id, e.interface_id or "", e.ip_version, e.protocol, e.from_port))
    return found
