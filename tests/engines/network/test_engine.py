"""Port-set algebra, source CIDRs, load balancers, lateral paths and missing data."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudwarden.engines.network import analyze, lateral_paths, lb_forwards, model_from_snapshot
from cloudwarden.engines.network.ports import PortClass, PortSet, port_class
from cloudwarden.inventory import DataUnavailable
from tests.engines.network.world import REGION, World, perm

ranges = st.lists(st.tuples(st.integers(0, 300), st.integers(0, 300)).map(sorted).map(tuple), max_size=6)


def as_set(ports: PortSet) -> set[int]:
    return {p for low, high in ports for p in range(low, high + 1)}


@settings(max_examples=150, deadline=None)
@given(ranges, ranges)
def test_port_set_algebra_matches_python_sets(left: list, right: list) -> None:
    a, b = PortSet.from_ranges(left), PortSet.from_ranges(right)
    assert as_set(a | b) == as_set(a) | as_set(b)
    assert as_set(a & b) == as_set(a) & as_set(b)
    assert as_set(a - b) == as_set(a) - as_set(b)
    assert as_set(a) == {p for low, high in left for p in range(low, high + 1)}


def test_port_classes() -> None:
    assert port_class(PortSet.of(3389)) is PortClass.REMOTE_ADMIN
    assert port_class(PortSet.of(5432)) is PortClass.DATABASE
    assert port_class(PortSet.of(443)) is PortClass.OTHER
    assert port_class(PortSet.of(0, 65535)) is PortClass.REMOTE_ADMIN


def test_source_is_the_narrowest_public_cidr_and_private_sources_never_count() -> None:
    world = World().vpc().subnet("subnet-a", "10.0.1.0/24", routes=[("0.0.0.0/0", "igw-1")])
    world.sg("sg-a", perm("tcp", 8443, cidrs=("203.0.113.0/24",)), perm("tcp", 22, cidrs=("10.0.0.0/8",)))
    world.eni("eni-a", "subnet-a", ["sg-a"], "54.0.0.1", "i-a")
    exposures = analyze(model_from_snapshot(world.snapshot(), REGION))
    assert [(e.from_port, e.source) for e in exposures] == [(8443, "203.0.113.0/24")]


def test_all_traffic_rule_gives_one_range_per_protocol_minus_nacl_denies() -> None:
    world = World().vpc().subnet("subnet-a", "10.0.1.0/24", routes=[("0.0.0.0/0", "igw-1")])
    world.nacl("acl-a", ["subnet-a"], [(90, "6", "deny", "0.0.0.0/0", 0, 1023),
                                       (100, "-1", "allow", "0.0.0.0/0", None, None)],
               [(100, "-1", "allow", "0.0.0.0/0", None, None)])
    world.sg("sg-a", perm("-1", cidrs=("0.0.0.0/0",))).eni("eni-a", "subnet-a", ["sg-a"], "54.0.0.1")
    exposures = analyze(model_from_snapshot(world.snapshot(), REGION))
    assert {(e.resource_type, e.protocol, e.from_port, e.to_port) for e in exposures} == {
        ("network_interface", "tcp", 1024, 65535), ("network_interface", "udp", 0, 65535)}


def test_network_load_balancer_without_groups_and_internal_balancers() -> None:
    world = World().vpc().subnet("subnet-lb", "10.0.2.0/24", routes=[("0.0.0.0/0", "igw-1")])
    world.alb("edge", ["subnet-lb"], [], 3389, 3389, "i-win")
    world.alb("inside", ["subnet-lb"], [], 22, 22, "i-linux", scheme="internal")
    world.data["elbv2.load_balancers"][0].update(Type="network")
    world.data["elbv2.load_balancers"][1].update(Type="network")
    model = model_from_snapshot(world.snapshot(), REGION)
    exposures = analyze(model)
    assert {(e.resource_id, e.from_port) for e in exposures} == {("edge", 3389)}
    assert "no security groups" in exposures[0].path_text()
    forwards = lb_forwards(model, exposures)
    assert [(f.balancer, f.target_id, f.target_port, f.port_class) for f in forwards] == [
        ("edge", "i-win", 3389, PortClass.REMOTE_ADMIN)]


def test_lateral_path_over_two_group_hops_and_none_from_an_unexposed_tier() -> None:
    world = World().vpc().subnet("subnet-pub", "10.0.1.0/24", routes=[("0.0.0.0/0", "igw-1")])
    world.subnet("subnet-priv", "10.0.2.0/24", routes=[])
    world.sg("sg-web", perm("tcp", 443, cidrs=("0.0.0.0/0",)))
    world.sg("sg-app", perm("tcp", 22, groups=("sg-web",)))
    world.sg("sg-db", perm("tcp", 5432, groups=("sg-app",)), perm("-1", groups=("sg-app",)))
    world.sg("sg-batch")
    world.sg("sg-warehouse", perm("tcp", 5432, groups=("sg-batch",)), perm("tcp", 22, groups=("sg-batch",)))
    world.eni("eni-web", "subnet-pub", ["sg-web"], "54.0.0.1", "i-web")
    world.eni("eni-db", "subnet-priv", ["sg-db"], instance_id="i-db")
    world.eni("eni-wh", "subnet-priv", ["sg-warehouse"], instance_id="i-wh")
    model = model_from_snapshot(world.snapshot(), REGION)
    paths = lateral_paths(model, analyze(model))
    assert set(paths) == {"i-db"}
    assert paths["i-db"].groups == ("sg-web", "sg-app", "sg-db")
    assert paths["i-db"].source_resource == "i-web"


def test_missing_required_data_raises_and_missing_optional_data_is_noted() -> None:
    snapshot = World().vpc().snapshot()
    del snapshot.datasets["rds.db_instances"]
    model = model_from_snapshot(snapshot, REGION)
    assert any("rds.db_instances" in gap for gap in model.gaps)
    del snapshot.datasets["ec2.network_acls"]
    with pytest.raises(DataUnavailable):
        model_from_snapshot(snapshot, REGION)
