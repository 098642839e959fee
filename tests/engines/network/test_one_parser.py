"""One parser, one first match: the network model is built on the EC2 views' own objects, and the
NACL first match the checks use (views.ec2.first_match) is the one the engine's hops use."""

from __future__ import annotations

from cloudwarden.checks.vpc import admin_port_openings
from cloudwarden.core.ports import PortSet
from cloudwarden.engines.network import model_from_snapshot
from cloudwarden.engines.network.hops import subnet_hops
from cloudwarden.inventory.views.ec2 import Ec2View, NaclEntry, first_match
from tests.engines.network.world import OPEN, REGION, World, perm


def _world() -> World:
    return (World().vpc(main_routes=[("0.0.0.0/0", "igw-1")]).subnet("subnet-1", "10.0.1.0/24")
            .nacl("acl-1", ["subnet-1"], [(90, "6", "deny", "0.0.0.0/0", 22, 22), *OPEN], OPEN)
            .sg("sg-1", perm("tcp", 22, cidrs=("0.0.0.0/0",)), perm("-1", cidrs=("10.0.0.0/8",)))
            .eni("eni-1", "subnet-1", ["sg-1"], public_ip="203.0.113.10"))


def test_the_model_holds_the_views_objects() -> None:
    snapshot = _world().snapshot()
    ec2 = Ec2View(snapshot)
    model = model_from_snapshot(snapshot, REGION, ec2)
    groups = {g.id: g for g in ec2.security_groups(REGION)}
    assert model.security_groups["sg-1"] is groups["sg-1"]
    nacls = {a.id: a for a in ec2.network_acls(REGION)}
    assert next(a for a in model.network_acls if a.id == "acl-1") is nacls["acl-1"]
    # the permission parsed once: protocol names, port sets, and "-1" as "all"
    ssh, everything = groups["sg-1"].ingress
    assert (ssh.protocol, ssh.ports, ssh.cidrs) == ("tcp", PortSet.of(22), ("0.0.0.0/0",))
    assert everything.protocol == "all" and everything.ports.is_all() and everything.label() == "all traffic"


def test_first_match_a_lower_deny_shadows_a_later_allow() -> None:
    entries = [NaclEntry(100, "all", "allow", False, "0.0.0.0/0", "", None, None),
               NaclEntry(90, "tcp", "deny", False, "0.0.0.0/0", "", 22, 22)]
    ordered = sorted(entries, key=lambda e: e.order)
    allows, denies = first_match(ordered, "tcp", PortSet.from_ranges([(22, 22), (443, 443)]))
    assert [(e.number, p) for e, p in denies] == [(90, PortSet.of(22))]
    assert [(e.number, p) for e, p in allows] == [(100, PortSet.of(443))]
    # udp is not decided by the tcp deny
    allows, denies = first_match(ordered, "udp", PortSet.of(22))
    assert [e.number for e, _ in allows] == [100] and not denies


def test_the_engine_and_the_nacl_check_agree_on_the_deny() -> None:
    snapshot = _world().snapshot()
    model = model_from_snapshot(snapshot, REGION)
    hops = subnet_hops(model, "subnet-1", 4, "tcp")
    internet = [s for s in hops.segments if s.low <= 0x08080808 <= s.high]  # 8.8.8.8's segment
    assert internet and all(22 not in p for _, p in internet[0].nacl_allows)
    assert any(e.number == 90 and 22 in p for e, p in internet[0].nacl_denies)
    nacl = next(a for a in Ec2View(snapshot).network_acls(REGION) if a.id == "acl-1")
    openings = admin_port_openings(nacl)
    assert not any("tcp 22 from 0.0.0.0/0" in o for o in openings)
    assert any("tcp 3389 from 0.0.0.0/0" in o for o in openings)
