"""Security-group paths from internet-exposed hosts to the data tier over admin ports.

Standard library and networkx. A rule in group B that references group A lets interfaces in A
open connections to interfaces in B; when it admits a remote-administration port (or all
traffic), a foothold in A becomes a login on B. The graph has one node per group and one edge
per such rule; a path from a group of an exposed interface to a group of a database (RDS, or an
instance whose groups admit a database port) is a failed segmentation.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import networkx as nx

from cloudwarden.engines.network.model import NetworkModel
from cloudwarden.engines.network.ports import DATABASE_PORTS, REMOTE_ADMIN_PORTS
from cloudwarden.engines.network.results import Exposure

_TCP = ("tcp", "-1", "all")


@dataclass(frozen=True)
class DataHost:
    """A resource of the data tier and the security groups that guard it."""

    resource_id: str
    resource_type: str  # rds_instance | ec2_instance
    group_ids: tuple[str, ...]


@dataclass(frozen=True)
class LateralPath:
    """An exposed host that can reach a data host over admin ports, group by group."""

    target: DataHost
    source_resource: str
    source_count: int
    groups: tuple[str, ...]
    edges: tuple[str, ...]

    def path_text(self) -> str:
        return f"{self.source_resource} (internet-exposed) -> " + " -> ".join(self.edges) + \
            f" -> {self.target.resource_id}"


def admin_graph(model: NetworkModel) -> nx.DiGraph:
    """Edge A -> B when group B admits members of group A on a remote-administration port."""
    graph = nx.DiGraph()
    for group in model.security_groups.values():
        for rule in group.ingress:
            if rule.protocol not in _TCP or not rule.groups or not (rule.ports & REMOTE_ADMIN_PORTS):
                continue
            for source in rule.groups:
                label = f"{group.id} admits {source} on {rule.label()}"
                if graph.has_edge(source, group.id):
                    graph[source][group.id]["labels"].append(label)
                else:
                    graph.add_edge(source, group.id, labels=[label])
    return graph


def _admits_database(model: NetworkModel, group_ids: list[str]) -> bool:
    for group_id in group_ids:
        group = model.security_groups.get(group_id)
        for rule in group.ingress if group else []:
            if rule.protocol in _TCP and not rule.ports.is_all() and rule.ports & DATABASE_PORTS:
                return True
    return False


def data_hosts(model: NetworkModel) -> list[DataHost]:
    """RDS instances, and instances whose groups admit a database port (an all-ports rule is no sign)."""
    hosts = [DataHost(db.id, "rds_instance", tuple(db.group_ids)) for db in model.db_instances.values()]
    by_instance: dict[str, list[str]] = {}
    for interface in model.interfaces.values():
        if interface.instance_id:
            by_instance.setdefault(interface.instance_id, []).extend(interface.group_ids)
    for instance_id, groups in sorted(by_instance.items()):
        if _admits_database(model, groups):
            hosts.append(DataHost(instance_id, "ec2_instance", tuple(dict.fromkeys(groups))))
    return hosts


def _exposed_holders(model: NetworkModel, exposures: list[Exposure]) -> dict[str, list[str]]:
    """Group id -> the internet-exposed hosts (instances or bare interfaces) that hold it."""
    holders: dict[str, list[str]] = {}
    seen: set[str] = set()
    for exposure in exposures:
        interface = model.interfaces.get(exposure.interface_id or "")
        if interface is None or interface.id in seen:
            continue
        seen.add(interface.id)
        for group_id in interface.group_ids:
            holders.setdefault(group_id, []).append(exposure.resource_id)
    return holders


def _best_path(graph: nx.DiGraph, paths: dict[str, list[str]], host: DataHost) -> list[str] | None:
    best: list[str] | None = None
    for target in host.group_ids:
        if target not in graph:
            continue
        for before in graph.predecessors(target):
            if before in paths and (best is None or len(paths[before]) + 1 < len(best)):
                best = paths[before] + [target]
    return best


def _shortest_paths(graph: nx.DiGraph, holders: dict[str, list[str]], without: str = "") -> dict[str, list[str]]:
    starts = {g for g, hosts in holders.items() if g in graph and any(h != without for h in hosts)}
    return nx.multi_source_dijkstra_path(graph, starts) if starts else {}


def lateral_paths(model: NetworkModel, exposures: list[Exposure]) -> dict[str, LateralPath]:
    """Data host id -> the shortest admin-port group path into it from an internet-exposed host.

    One breadth-first search from every exposed host's groups at once; a data host that is itself
    the only exposed holder of the path's first group gets a search of its own without itself.
    """
    graph = admin_graph(model)
    holders = _exposed_holders(model, exposures)
    paths = _shortest_paths(graph, holders)
    found: dict[str, LateralPath] = {}
    for host in data_hosts(model):
        path = _best_path(graph, paths, host)
        others = [h for h in holders.get(path[0], []) if h != host.resource_id] if path else []
        if path and not others:
            path = _best_path(graph, _shortest_paths(graph, holders, host.resource_id), host)
            others = [h for h in holders.get(path[0], []) if h != host.resource_id] if path else []
        if path and others:
            edges = tuple(graph[a][b]["labels"][0] for a, b in pairwise(path))
            found[host.resource_id] = LateralPath(host, others[0], len(others), tuple(path), edges)
    return found
