"""The network engine: true internet exposure from routes, NACLs, security groups and public addresses.

A pure library (standard library and networkx; never boto3). Build a :class:`NetworkModel` per
region with :func:`model_from_snapshot` (or by hand), then:

- :func:`analyze` -> every :class:`Exposure` (resource, protocol, port range, IP version, source
  CIDR and the path hop by hop: internet gateway, route table, NACL, security group, interface);
- :func:`explain` -> an :class:`Explanation` of why one resource is or is not reachable;
- :func:`verdict_gap` -> why "not reachable" cannot be concluded for a resource (missing data), or "";
- :func:`lb_forwards` and :func:`lateral_paths` -> what the balancer and data-tier findings need.
"""

from cloudwarden.engines.network.analysis import analyze
from cloudwarden.engines.network.explain import explain
from cloudwarden.engines.network.forwarding import Forward, lb_forwards
from cloudwarden.engines.network.gaps import verdict_gap
from cloudwarden.engines.network.lateral import DataHost, LateralPath, data_hosts, lateral_paths
from cloudwarden.engines.network.model import NetworkModel
from cloudwarden.engines.network.ports import PortClass, PortSet, port_class
from cloudwarden.engines.network.reach import Reachability
from cloudwarden.engines.network.results import Attempt, Explanation, Exposure, Hop, Step
from cloudwarden.engines.network.snapshot_model import model_from_snapshot

__all__ = [
    "Attempt", "DataHost", "Explanation", "Exposure", "Forward", "Hop", "LateralPath", "NetworkModel",
    "PortClass", "PortSet", "Reachability", "Step", "analyze", "data_hosts", "explain", "lateral_paths",
    "lb_forwards", "model_from_snapshot", "port_class", "verdict_gap",
]
