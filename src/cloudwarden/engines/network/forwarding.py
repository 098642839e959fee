"""Internet-facing load balancers that forward to admin or database ports on their targets.

Pure standard library. Starts from the load-balancer exposures :mod:`analysis` found (so the
balancer itself is proven reachable) and follows listener -> target group -> target port.
"""

from __future__ import annotations

from dataclasses import dataclass

from cloudwarden.engines.network.model import Listener, LoadBalancer, NetworkModel
from cloudwarden.engines.network.ports import PortClass, PortSet, port_class
from cloudwarden.engines.network.results import Exposure, Hop


@dataclass(frozen=True)
class Forward:
    """Traffic from the internet that a balancer hands on to a sensitive port of a target."""

    balancer: str
    balancer_arn: str
    listener: str
    target_group: str
    target_id: str
    target_port: int
    port_class: PortClass
    path: tuple[Hop, ...]

    def path_text(self) -> str:
        return " -> ".join(str(hop) for hop in self.path)


def _admits_balancer(model: NetworkModel, balancer: LoadBalancer, target_id: str, port: int) -> str:
    """How the target's security groups treat traffic from the balancer, as text for the path."""
    groups = [g for i in model.interfaces.values() if i.instance_id == target_id for g in i.group_ids]
    if not groups:
        return "target security groups not in the snapshot"
    for group_id in dict.fromkeys(groups):
        group = model.security_groups.get(group_id)
        for rule in group.ingress if group else []:
            if port not in rule.ports or rule.protocol not in ("tcp", "all"):
                continue
            via = [g for g in rule.groups if g in (balancer.group_ids or [])]
            if via:
                return f"{group_id} admits the balancer's group {via[0]} on tcp {port}"
            if rule.cidrs:
                return f"{group_id} admits tcp {port} from {', '.join(rule.cidrs)}"
    return f"no rule of {', '.join(dict.fromkeys(groups))} visibly admits the balancer on tcp {port}"


def _targets(model: NetworkModel, balancer: LoadBalancer, listener: Listener) -> list[tuple[str, str, int]]:
    """(target group name, target id, port) for everything the listener forwards to."""
    if balancer.kind == "classic":
        port = listener.target_port or listener.port
        return [("", target, port) for target in balancer.instance_ids] or [("", "(no instances)", port)]
    found: list[tuple[str, str, int]] = []
    for arn in listener.target_group_arns:
        group = model.target_groups.get(arn)
        if group is None:
            continue
        found.extend((group.name, t.id, t.port) for t in group.targets)
        if not group.targets:
            found.append((group.name, "(no registered targets)", group.port))
    return found


def lb_forwards(model: NetworkModel, exposures: list[Exposure]) -> list[Forward]:
    """Forwards to remote-administration or database ports behind reachable balancers."""
    by_name = {b.name: b for b in model.load_balancers.values()}
    found: dict[tuple[str, int, str, str, int], Forward] = {}
    for exposure in exposures:
        balancer = by_name.get(exposure.resource_id) if exposure.resource_type == "load_balancer" else None
        if balancer is None:
            continue
        for listener in balancer.listeners:
            if listener.port != exposure.from_port:
                continue
            for group_name, target_id, port in _targets(model, balancer, listener):
                cls = port_class(PortSet.of(port))
                key = (balancer.arn, listener.port, group_name, target_id, port)
                if cls is PortClass.OTHER or key in found:
                    continue
                hops = [Hop("target_group", group_name, f"forwards to port {port}")] if group_name else []
                hops.append(Hop("target", target_id, f"{cls.value} port tcp {port}; "
                                + _admits_balancer(model, balancer, target_id, port)))
                found[key] = Forward(balancer.name, balancer.arn, f"{listener.protocol} {listener.port}",
                                     group_name, target_id, port, cls, exposure.path + tuple(hops))
    return list(found.values())
