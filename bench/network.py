"""Benchmark of the network engine: 5,000 interfaces in 200 subnets, the whole exposure analysis.

Builds a snapshot in the collector's raw shapes (10 VPCs x 20 subnets, half public and half behind
NAT, custom NACLs with deny rules, 80 security groups mixing CIDR, IPv6, prefix-list and group
rules, 5,000 interfaces with public IPv4 / IPv6 addresses, RDS instances and load balancers),
then times model_from_snapshot + analyze + lb_forwards + lateral_paths.

    .venv/bin/python bench/network.py [--interfaces 5000] [--subnets 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

from cloudwarden.engines.network import analyze, lateral_paths, lb_forwards, model_from_snapshot
from cloudwarden.engines.network.reach import Reachability
from cloudwarden.inventory.snapshot import Snapshot

REGION = "us-east-1"
PORTS = [22, 80, 443, 3389, 5432, 3306, 8080, 6379, 9200, 27017]


def _nacl_entries(rng: random.Random) -> list[dict[str, Any]]:
    entries = []
    for number in range(10, 100, 10):
        port = rng.choice(PORTS)
        entries.append({"RuleNumber": number, "Protocol": "6", "RuleAction": rng.choice(["deny", "allow"]),
                        "Egress": False, "CidrBlock": f"{rng.randrange(1, 223)}.0.0.0/8",
                        "PortRange": {"From": port, "To": port}})
    for egress in (False, True):
        entries.append({"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": egress,
                        "CidrBlock": "0.0.0.0/0"})
        entries.append({"RuleNumber": 101, "Protocol": "-1", "RuleAction": "allow", "Egress": egress,
                        "Ipv6CidrBlock": "::/0"})
        entries.append({"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "Egress": egress,
                        "CidrBlock": "0.0.0.0/0"})
    return entries


def _group(rng: random.Random, vpc: str, number: int, others: list[str]) -> dict[str, Any]:
    rules = []
    for _ in range(rng.randrange(2, 7)):
        port = rng.choice(PORTS)
        rule: dict[str, Any] = {"IpProtocol": rng.choice(["tcp", "tcp", "udp", "-1"]), "FromPort": port,
                                "ToPort": port + rng.choice([0, 0, 10]), "IpRanges": [], "Ipv6Ranges": [],
                                "UserIdGroupPairs": [], "PrefixListIds": []}
        kind = rng.random()
        if kind < 0.4:
            rule["IpRanges"].append({"CidrIp": rng.choice(["0.0.0.0/0", "10.0.0.0/8", "203.0.113.0/24"])})
        elif kind < 0.55:
            rule["Ipv6Ranges"].append({"CidrIpv6": "::/0"})
        elif kind < 0.65:
            rule["PrefixListIds"].append({"PrefixListId": "pl-office"})
        elif others:
            rule["UserIdGroupPairs"].append({"GroupId": rng.choice(others)})
        rules.append(rule)
    return {"GroupId": f"sg-{vpc}-{number}", "GroupName": f"g{number}", "VpcId": vpc, "IpPermissions": rules}


def _network(rng: random.Random, snap: dict[str, list[Any]], vpc: str, subnets: int) -> list[str]:
    snap["ec2.internet_gateways"].append({"InternetGatewayId": f"igw-{vpc}", "Attachments": [{"VpcId": vpc}]})
    local = {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"}
    snap["ec2.route_tables"].append({"RouteTableId": f"rtb-main-{vpc}", "VpcId": vpc, "Routes": [local],
                                     "Associations": [{"Main": True}]})
    ids = []
    for n in range(subnets):
        subnet = f"subnet-{vpc}-{n}"
        ids.append(subnet)
        snap["ec2.subnets"].append({"SubnetId": subnet, "VpcId": vpc, "CidrBlock": f"10.0.{n}.0/24"})
        target = {"GatewayId": f"igw-{vpc}"} if n % 2 == 0 else {"NatGatewayId": f"nat-{vpc}"}
        routes = [local, {"DestinationCidrBlock": "0.0.0.0/0", "State": "active", **target},
                  {"DestinationIpv6CidrBlock": "::/0", "State": "active", "GatewayId": f"igw-{vpc}"}]
        snap["ec2.route_tables"].append({"RouteTableId": f"rtb-{subnet}", "VpcId": vpc, "Routes": routes,
                                         "Associations": [{"SubnetId": subnet}]})
        snap["ec2.network_acls"].append({"NetworkAclId": f"acl-{subnet}", "VpcId": vpc,
                                         "Entries": _nacl_entries(rng), "Associations": [{"SubnetId": subnet}]})
    return ids


def build(interfaces: int, subnets: int, vpcs: int = 10) -> Snapshot:
    rng = random.Random(7)
    names = ["ec2.subnets", "ec2.route_tables", "ec2.internet_gateways", "ec2.network_acls",
             "ec2.security_groups", "ec2.network_interfaces", "ec2.instances", "ec2.addresses",
             "ec2.egress_only_internet_gateways", "ec2.managed_prefix_lists", "rds.db_instances",
             "rds.db_subnet_groups", "elbv2.load_balancers", "elbv2.target_groups", "elb.load_balancers"]
    snap: dict[str, list[Any]] = {name: [] for name in names}
    snap["ec2.managed_prefix_lists"].append({"PrefixListId": "pl-office", "OwnerId": "111122223333"})
    per_vpc = interfaces // vpcs
    for v in range(vpcs):
        vpc = f"vpc-{v}"
        subnet_ids = _network(rng, snap, vpc, subnets // vpcs)
        groups: list[str] = []
        for g in range(8):
            group = _group(rng, vpc, g, groups)
            groups.append(group["GroupId"])
            snap["ec2.security_groups"].append(group)
        for i in range(per_vpc):
            eni: dict[str, Any] = {
                "NetworkInterfaceId": f"eni-{v}-{i}", "SubnetId": rng.choice(subnet_ids), "VpcId": vpc,
                "Groups": [{"GroupId": g} for g in rng.sample(groups, rng.randrange(1, 3))],
                "PrivateIpAddress": "10.0.0.1", "Attachment": {"InstanceId": f"i-{v}-{i}"},
                "InterfaceType": "interface", "Ipv6Addresses": [],
            }
            if rng.random() < 0.6:
                eni["Association"] = {"PublicIp": f"54.{v}.{i // 250}.{i % 250}", "IpOwnerId": "amazon"}
            if rng.random() < 0.2:
                eni["Ipv6Addresses"] = [{"Ipv6Address": f"2600:1f18:{v:x}::{i:x}"}]
            snap["ec2.network_interfaces"].append(eni)
            snap["ec2.instances"].append({"InstanceId": f"i-{v}-{i}",
                                          "NetworkInterfaces": [{"NetworkInterfaceId": f"eni-{v}-{i}"}]})
        for d in range(2):
            snap["rds.db_instances"].append({
                "DBInstanceIdentifier": f"db-{v}-{d}", "PubliclyAccessible": d == 0, "Engine": "postgres",
                "Endpoint": {"Port": 5432}, "VpcSecurityGroups": [{"VpcSecurityGroupId": rng.choice(groups)}],
                "DBSubnetGroup": {"VpcId": vpc, "Subnets": [{"SubnetIdentifier": s} for s in subnet_ids[:2]]}})
    snapshot = Snapshot(account_id="111122223333", collected_at="2026-11-28T00:00:00+00:00", regions=[REGION])
    for name, value in snap.items():
        snapshot.put(name, REGION, value)
    snapshot.put("ec2.prefix_list_entries", REGION, {"pl-office": [{"Cidr": "198.51.100.0/24"}]})
    return snapshot


def run_once(snapshot: Snapshot) -> tuple[float, int, int, int]:
    started = time.perf_counter()
    model = model_from_snapshot(snapshot, REGION)
    exposures = analyze(model, Reachability(model))
    forwards = lb_forwards(model, exposures)
    lateral = lateral_paths(model, exposures)
    elapsed = time.perf_counter() - started
    return elapsed, len(exposures), len({e.resource_id for e in exposures}), len(lateral) + len(forwards)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interfaces", type=int, default=5000)
    parser.add_argument("--subnets", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    snapshot = build(args.interfaces, args.subnets)
    interfaces = len(snapshot.get("ec2.network_interfaces", REGION))
    subnets = len(snapshot.get("ec2.subnets", REGION))
    timings = []
    for _ in range(args.repeat):
        elapsed, exposures, resources, extra = run_once(snapshot)
        timings.append(elapsed)
    print(f"{interfaces} interfaces in {subnets} subnets: {exposures} exposures on {resources} resources, "
          f"{extra} lateral/LB findings")
    print(f"whole exposure analysis: best {min(timings):.3f} s, worst {max(timings):.3f} s "
          f"over {len(timings)} run(s) (target < 2 s)")


if __name__ == "__main__":
    main()
