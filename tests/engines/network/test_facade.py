"""The network engine's public facade: what checks and the CLI may import, and nothing else moves."""

from __future__ import annotations

import cloudwarden.engines.network as network

EXPORTED = {
    "Attempt", "DataHost", "Explanation", "Exposure", "Forward", "Hop", "LateralPath", "NetworkModel",
    "PortClass", "PortSet", "Reachability", "Step", "analyze", "data_hosts", "explain", "lateral_paths",
    "lb_forwards", "model_from_snapshot", "port_class", "verdict_gap",
}


def test_the_facade_exports_exactly_its_members() -> None:
    assert set(network.__all__) == EXPORTED
    assert all(hasattr(network, name) for name in EXPORTED)
