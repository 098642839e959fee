"""PASS and FAIL cases for the four checks built on the network engine."""

from __future__ import annotations

import pytest

from cloudwarden.inventory.snapshot import Gap
from tests.checks.cases import Case, Regional, assert_case
from tests.engines.network.world import REGION, World, perm

WORLD_HTTPS = perm("tcp", 443, cidrs=("0.0.0.0/0",))
WORLD_SSH = perm("tcp", 22, cidrs=("0.0.0.0/0",))


def data(world: World) -> dict[str, Regional]:
    return {name: Regional({REGION: value}) for name, value in world.datasets().items()}


def host(routes: list[tuple[str, str]], *ingress: dict) -> World:
    world = World().vpc().subnet("subnet-a", "10.0.1.0/24", routes=routes).sg("sg-web", *ingress)
    return world.eni("eni-a", "subnet-a", ["sg-web"], "54.0.0.10", "i-a").instance("i-a", ["eni-a"])


def database(routes: list[tuple[str, str]]) -> World:
    world = World().vpc().subnet("subnet-db", "10.0.8.0/24", routes=routes)
    return world.sg("sg-db", perm("tcp", 5432, cidrs=("0.0.0.0/0",))).rds("orders", ["subnet-db"], ["sg-db"], True)


def balancer(target_port: int) -> World:
    world = World().vpc().subnet("subnet-lb", "10.0.2.0/24", routes=[("0.0.0.0/0", "igw-1")])
    world.subnet("subnet-app", "10.0.3.0/24", routes=[("0.0.0.0/0", "nat-1")])
    world.sg("sg-lb", perm("tcp", 80, cidrs=("0.0.0.0/0",)))
    world.sg("sg-app", perm("tcp", target_port, groups=("sg-lb",)))
    world.eni("eni-app", "subnet-app", ["sg-app"], instance_id="i-app").instance("i-app", ["eni-app"])
    return world.alb("front", ["subnet-lb"], ["sg-lb"], 80, target_port, "i-app")


def tiers(db_rule: dict) -> World:
    world = host([("0.0.0.0/0", "igw-1")], WORLD_HTTPS)
    world.subnet("subnet-db", "10.0.8.0/24", routes=[])
    return world.sg("sg-db", db_rule).rds("orders", ["subnet-db"], ["sg-db"], False)


R = ("us-east-1",)
PL_GAP = Gap("ec2.prefix_list_entries", "ec2", "GetManagedPrefixListEntries", REGION, "UnauthorizedOperation",
             "denied", "ec2:GetManagedPrefixListEntries", "pl-ops")


def ssh_through_prefix_list() -> dict[str, Regional]:
    """SSH open through a customer prefix list whose entries could not be read."""
    world = host([("0.0.0.0/0", "igw-1")], perm("tcp", 22, prefix_lists=("pl-ops",)))
    world.data["ec2.managed_prefix_lists"].append({"PrefixListId": "pl-ops", "OwnerId": "111122223333"})
    return data(world)


def database_without_subnets() -> dict[str, Regional]:
    world = database([("0.0.0.0/0", "igw-1")])
    world.data["rds.db_instances"][0]["DBSubnetGroup"]["Subnets"] = []
    return data(world)

PUBLIC = [("0.0.0.0/0", "igw-1")]
CASES = [
    Case("pass-open-group-but-no-igw-route", "net.instance_reachable_from_internet",
         data(host([("0.0.0.0/0", "nat-1")], WORLD_SSH)), resource="i-a", regions=R, message="NAT gateway"),
    Case("pass-only-https-reachable", "net.instance_reachable_from_internet",
         data(host(PUBLIC, WORLD_HTTPS)), resource="i-a", regions=R, message="tcp/443"),
    Case("fail-ssh-reachable", "net.instance_reachable_from_internet", data(host(PUBLIC, WORLD_SSH)),
         resource="i-a", regions=R, message="igw-1"),
    Case("unknown-no-network-data", "net.instance_reachable_from_internet", {}, regions=R,
         message="not collected"),
    Case("unknown-ssh-through-unreadable-prefix-list", "net.instance_reachable_from_internet",
         ssh_through_prefix_list(), resource="i-a", regions=R, gaps=[PL_GAP], message="pl-ops"),
    Case("unknown-db-subnets-missing", "net.rds_reachable_from_internet", database_without_subnets(),
         resource="orders", regions=R, message="subnets of its DB subnet group"),
    Case("pass-public-flag-private-subnet", "net.rds_reachable_from_internet",
         data(database([("0.0.0.0/0", "nat-1")])), resource="orders", regions=R, message="route_table"),
    Case("fail-public-db", "net.rds_reachable_from_internet", data(database(PUBLIC)), resource="orders",
         regions=R, message="tcp/5432"),
    Case("pass-lb-forwards-to-app-port", "net.lb_forwards_internet_to_admin_port", data(balancer(8080)),
         resource="front", regions=R),
    Case("fail-lb-forwards-to-ssh", "net.lb_forwards_internet_to_admin_port", data(balancer(22)),
         resource="front", regions=R, message="sg-app admits the balancer's group sg-lb on tcp 22"),
    Case("pass-db-admits-web-on-db-port", "net.lateral_path_to_data_tier",
         data(tiers(perm("tcp", 5432, groups=("sg-web",)))), resource="orders", regions=R),
    Case("fail-db-admits-web-on-ssh", "net.lateral_path_to_data_tier",
         data(tiers(perm("tcp", 22, groups=("sg-web",)))), resource="orders", regions=R,
         message="sg-db admits sg-web on tcp 22"),
    Case("fail-db-admits-web-on-all-traffic", "net.lateral_path_to_data_tier",
         data(tiers(perm("-1", groups=("sg-web",)))), resource="orders", regions=R, message="all traffic"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)
