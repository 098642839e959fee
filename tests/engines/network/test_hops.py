"""Table-driven: one VPC layout per hop that can stop (or let through) traffic from the internet.

Every case builds raw describe_* data, runs `model_from_snapshot` + `analyze` + `explain`, and
checks both the exposures and the hop the explanation names as the blocker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from cloudwarden.engines.network import analyze, explain, model_from_snapshot
from tests.engines.network.world import OPEN, REGION, World, perm

SSH_FROM_WORLD = perm("tcp", 22, cidrs=("0.0.0.0/0",))


def public_world(routes: list[tuple[str, str]] | None = None, ingress: tuple[dict, ...] = (SSH_FROM_WORLD,),
                 public_ip: str | None = "54.0.0.10", ipv6: list[str] | None = None) -> World:
    """One instance in one subnet; by default reachable on tcp/22 from anywhere."""
    world = World().vpc().subnet("subnet-a", "10.0.1.0/24", routes=routes or [("0.0.0.0/0", "igw-1")])
    world.sg("sg-web", *ingress)
    world.eni("eni-a", "subnet-a", ["sg-web"], public_ip=public_ip, instance_id="i-a", ipv6=ipv6)
    return world.instance("i-a", ["eni-a"])


@dataclass
class HopCase:
    name: str
    build: Callable[[], World]
    resource: str
    reachable: set[tuple[str, int, int, int]]  # (protocol, from, to, ip version)
    blocked_at: str = ""  # the hop explain must name when nothing is reachable
    detail: str = ""  # a substring of the blocking (or the path's) text
    path_kinds: list[str] = field(default_factory=lambda: [
        "internet_gateway", "route_table", "network_acl", "security_group", "network_interface"])


def _nacl(inbound: list, outbound: list) -> Callable[[], World]:
    return lambda: public_world().nacl("acl-a", ["subnet-a"], inbound, outbound)


def _secondary_eip() -> World:
    world = World().vpc().subnet("subnet-a", "10.0.1.0/24", routes=[("0.0.0.0/0", "igw-1")])
    world.sg("sg-private", perm("tcp", 22, cidrs=("10.0.0.0/8",)))
    world.sg("sg-rdp", perm("tcp", 3389, cidrs=("0.0.0.0/0",)))
    world.eni("eni-primary", "subnet-a", ["sg-private"], instance_id="i-a", private_ip="10.0.1.5")
    world.eni("eni-second", "subnet-a", ["sg-rdp"], instance_id="i-a", private_ip="10.0.1.6")
    world.elastic_ip("eipalloc-1", "52.0.0.7", "eni-second", "10.0.1.6")
    return world.instance("i-a", ["eni-primary", "eni-second"])


def _rds(routes: list[tuple[str, str]], public: bool = True) -> Callable[[], World]:
    def build() -> World:
        world = World().vpc().subnet("subnet-db1", "10.0.8.0/24", routes=routes)
        world.subnet("subnet-db2", "10.0.9.0/24", routes=routes)
        world.sg("sg-db", perm("tcp", 5432, cidrs=("0.0.0.0/0",)))
        return world.rds("orders", ["subnet-db1", "subnet-db2"], ["sg-db"], public=public)
    return build


CASES = [
    HopCase("open-baseline", public_world, "i-a", {("tcp", 22, 22, 4)}, detail="route 0.0.0.0/0 -> igw-1"),
    HopCase("no-route-to-igw", lambda: public_world(routes=[("192.168.0.0/16", "pcx-1")]), "i-a", set(),
            "route_table", "no route covers internet addresses"),
    HopCase("main-table-without-igw-route", lambda: World().vpc().subnet("subnet-a", "10.0.1.0/24")
            .sg("sg-web", SSH_FROM_WORLD).eni("eni-a", "subnet-a", ["sg-web"], "54.0.0.10", "i-a"),
            "i-a", set(), "route_table", "main route table"),
    HopCase("default-route-via-nat-only", lambda: public_world(routes=[("0.0.0.0/0", "nat-1")]), "i-a", set(),
            "route_table", "NAT gateway"),
    HopCase("narrow-public-route-to-igw", lambda: public_world(routes=[("198.51.100.0/24", "igw-1"),
                                                                      ("0.0.0.0/0", "nat-1")]),
            "i-a", {("tcp", 22, 22, 4)}, detail="198.51.100.0/24"),
    HopCase("nacl-deny-before-allow", _nacl([(90, "6", "deny", "0.0.0.0/0", 22, 22)] + OPEN, OPEN), "i-a", set(),
            "network_acl", "rule 90 denies tcp 22"),
    HopCase("nacl-allow-before-deny", _nacl(OPEN + [(110, "6", "deny", "0.0.0.0/0", 22, 22)], OPEN), "i-a",
            {("tcp", 22, 22, 4)}, detail="inbound rule 100 allows"),
    HopCase("nacl-no-ephemeral-return", _nacl(OPEN, [(100, "6", "allow", "0.0.0.0/0", 443, 443)]), "i-a", set(),
            "network_acl_return", "ephemeral ports 1024-65535"),
    HopCase("nacl-partial-ephemeral-return", _nacl(OPEN, [(100, "6", "allow", "0.0.0.0/0", 32768, 60999)]),
            "i-a", {("tcp", 22, 22, 4)}, detail="replies to ports 32768-60999"),
    HopCase("group-references-group", lambda: public_world(ingress=(perm("tcp", 22, groups=("sg-bastion",)),))
            .sg("sg-bastion", SSH_FROM_WORLD), "i-a", set(), "security_group", "never the internet"),
    HopCase("prefix-list-of-public-ranges", lambda: public_world(
        ingress=(perm("tcp", 3389, prefix_lists=("pl-office",)),))
        .prefix_list("pl-office", ["0.0.0.0/1", "128.0.0.0/1"]),
        "i-a", {("tcp", 3389, 3389, 4)}, detail="prefix list pl-office"),
    HopCase("no-public-address", lambda: public_world(public_ip=None), "i-a", set(), "network_interface",
            "no public IPv4"),
    HopCase("ipv6-only-exposure", lambda: public_world(
        routes=[("0.0.0.0/0", "nat-1"), ("::/0", "igw-1")], public_ip=None, ipv6=["2600:1f18::10"],
        ingress=(SSH_FROM_WORLD, perm("tcp", 22, cidrs=("::/0",)))), "i-a", {("tcp", 22, 22, 6)},
        detail="::/0 -> igw-1"),
    HopCase("ipv6-via-egress-only-gateway", lambda: public_world(
        routes=[("::/0", "eigw-1")], public_ip=None, ipv6=["2600:1f18::10"],
        ingress=(perm("tcp", 22, cidrs=("::/0",)),)).egress_only_gateway("eigw-1"),
        "i-a", set(), "route_table", "egress-only"),
    HopCase("elastic-ip-on-secondary-interface", _secondary_eip, "i-a", {("tcp", 3389, 3389, 4)},
            detail="Elastic IP eipalloc-1"),
    HopCase("rds-public-flag-in-private-subnets", _rds([("0.0.0.0/0", "nat-1")]), "orders", set(),
            "route_table", "NAT gateway"),
    HopCase("rds-public-in-public-subnets", _rds([("0.0.0.0/0", "igw-1")]), "orders", {("tcp", 5432, 5432, 4)},
            path_kinds=["internet_gateway", "route_table", "network_acl", "security_group", "db_instance"]),
    HopCase("rds-private-flag-in-public-subnets", _rds([("0.0.0.0/0", "igw-1")], public=False), "orders",
            set(), "db_instance", "PubliclyAccessible is false"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_hop(case: HopCase) -> None:
    model = model_from_snapshot(case.build().snapshot(), REGION)
    exposures = [e for e in analyze(model) if e.resource_id == case.resource]
    assert {(e.protocol, e.from_port, e.to_port, e.ip_version) for e in exposures} == case.reachable
    explanation = explain(model, case.resource)
    assert explanation.found and explanation.reachable == bool(case.reachable)
    if case.reachable:
        assert all([hop.kind for hop in e.path] == case.path_kinds for e in exposures)
        assert any(case.detail in e.path_text() for e in exposures), [e.path_text() for e in exposures]
        assert any(a.blocked_at is None for a in explanation.attempts)
    else:
        blocks = [a.blocked_at for a in explanation.attempts if a.blocked_at is not None]
        assert any(b.kind == case.blocked_at and case.detail in b.detail for b in blocks), blocks
