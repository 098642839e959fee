"""End to end on moto: a VPC where judging rules one at a time and the true answer disagree.

Both directions: groups open to 0.0.0.0/0 on hosts with public addresses that nothing can reach
(a NACL drops the port; a subnet has no route to the internet gateway; a "public" database in
private subnets), and a host a rule-by-rule scanner passes (no public IP on the instance, no
0.0.0.0/0 rule) that is reachable on RDP through an Elastic IP on its second interface and a
prefix list of public ranges. The snapshot is read by the lead's collector, as `cloudwarden collect`
would read it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from cloudwarden.collect import all_calls, collect_snapshot
from cloudwarden.engines.network import analyze, explain, model_from_snapshot
from cloudwarden.engines.network.ports import DATABASE_PORTS, REMOTE_ADMIN_PORTS
from tests.helpers import scoped_env

REGION = "us-east-1"
NETWORK_DATASETS = {
    "ec2.vpcs", "ec2.subnets", "ec2.route_tables", "ec2.internet_gateways",
    "ec2.egress_only_internet_gateways", "ec2.nat_gateways", "ec2.network_acls", "ec2.security_groups",
    "ec2.network_interfaces", "ec2.instances", "ec2.addresses", "ec2.managed_prefix_lists",
    "ec2.prefix_list_entries", "rds.db_instances", "rds.db_subnet_groups",
}


def _ingress(ec2: Any, group_id: str, port: int, **source: Any) -> None:
    permission = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, **source}
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[permission])


def _instance(ec2: Any, subnet_id: str, group_id: str, name: str) -> dict[str, Any]:
    image = ec2.describe_images()["Images"][0]["ImageId"]
    return ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet_id,
                             SecurityGroupIds=[group_id],
                             TagSpecifications=[{"ResourceType": "instance",
                                                 "Tags": [{"Key": "Name", "Value": name}]}])["Instances"][0]


def _eip(ec2: Any, **target: Any) -> None:
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ec2.associate_address(AllocationId=allocation, **target)


def _nacl_dropping_ssh(ec2: Any, vpc: str, subnet: str) -> None:
    """A NACL on ``subnet`` whose rule 50 drops SSH before rule 100 allows everything."""
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    for number, action, ports in ((50, "deny", {"From": 22, "To": 22}), (100, "allow", None)):
        extra = {"PortRange": ports, "Protocol": "6"} if ports else {"Protocol": "-1"}
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=number, RuleAction=action, Egress=False,
                                     CidrBlock="0.0.0.0/0", **extra)
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, RuleAction="allow", Egress=True,
                                 CidrBlock="0.0.0.0/0", Protocol="-1")
    current = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])
    association = next(a["NetworkAclAssociationId"] for a in current["NetworkAcls"][0]["Associations"]
                       if a["SubnetId"] == subnet)
    ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=acl)


def _seed(ec2: Any, rds: Any) -> dict[str, str]:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    public = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    subnets = {}
    for name, cidr, az in (("dmz", "10.0.1.0/24", "a"), ("web", "10.0.2.0/24", "a"),
                           ("db1", "10.0.3.0/24", "a"), ("db2", "10.0.4.0/24", "b")):
        subnets[name] = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=REGION + az)["Subnet"]["SubnetId"]
    for name in ("dmz", "web"):  # db1/db2 keep the main table: local route only
        ec2.associate_route_table(RouteTableId=public, SubnetId=subnets[name])
    _nacl_dropping_ssh(ec2, vpc, subnets["dmz"])
    groups = {name: ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
              for name in ("ssh-open", "rdp-open", "internal", "office", "db")}
    _ingress(ec2, groups["ssh-open"], 22, IpRanges=[{"CidrIp": "0.0.0.0/0"}])
    _ingress(ec2, groups["rdp-open"], 3389, IpRanges=[{"CidrIp": "0.0.0.0/0"}])
    _ingress(ec2, groups["internal"], 22, IpRanges=[{"CidrIp": "10.0.0.0/8"}])
    _ingress(ec2, groups["db"], 5432, IpRanges=[{"CidrIp": "0.0.0.0/0"}])
    office = ec2.create_managed_prefix_list(PrefixListName="office", MaxEntries=5, AddressFamily="IPv4",
                                            Entries=[{"Cidr": "0.0.0.0/1"}, {"Cidr": "128.0.0.0/1"}])
    _ingress(ec2, groups["office"], 3389, PrefixListIds=[{"PrefixListId": office["PrefixList"]["PrefixListId"]}])
    ids = {"vpc": vpc}
    # Looks open, is not: SSH open in the dmz (NACL drops it); RDP open where no route leads out.
    ids["nacl_blocked"] = _instance(ec2, subnets["dmz"], groups["ssh-open"], "nacl-blocked")["InstanceId"]
    _eip(ec2, InstanceId=ids["nacl_blocked"])
    ids["no_route"] = _instance(ec2, subnets["db1"], groups["rdp-open"], "no-route")["InstanceId"]
    _eip(ec2, InstanceId=ids["no_route"])
    # Looks closed, is not: no public IP, no 0.0.0.0/0 rule; the second interface has an Elastic IP.
    hidden = _instance(ec2, subnets["web"], groups["internal"], "hidden")
    ids["hidden"] = hidden["InstanceId"]
    second = ec2.create_network_interface(SubnetId=subnets["web"], Groups=[groups["office"]])["NetworkInterface"]
    ec2.attach_network_interface(NetworkInterfaceId=second["NetworkInterfaceId"], InstanceId=ids["hidden"],
                                 DeviceIndex=1)
    _eip(ec2, NetworkInterfaceId=second["NetworkInterfaceId"])
    ids["hidden_eni"] = second["NetworkInterfaceId"]
    rds.create_db_subnet_group(DBSubnetGroupName="private", DBSubnetGroupDescription="private",
                               SubnetIds=[subnets["db1"], subnets["db2"]])
    rds.create_db_instance(DBInstanceIdentifier="orders", DBInstanceClass="db.t3.micro", Engine="postgres",
                           MasterUsername="admin", MasterUserPassword="password123", AllocatedStorage=20,
                           DBSubnetGroupName="private", VpcSecurityGroupIds=[groups["db"]],
                           PubliclyAccessible=True)
    return ids


@pytest.fixture()
def seeded() -> Iterator[tuple[Any, dict[str, str]]]:
    with scoped_env(dict(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION)):
        with mock_aws():
            ids = _seed(boto3.client("ec2", REGION), boto3.client("rds", REGION))
            calls = [c for c in all_calls() if c.dataset in NETWORK_DATASETS]
            snapshot = collect_snapshot(regions=[REGION], calls=calls, workers=4)
            yield snapshot, ids


def rule_by_rule(snapshot: Any) -> set[str]:
    """What a one-rule-at-a-time scanner flags: an instance with a public IP and a group open to
    0.0.0.0/0 on an admin or database port; an RDS instance marked PubliclyAccessible."""
    groups = {g["GroupId"]: g for g in snapshot.get("ec2.security_groups", REGION)}
    flagged = {db["DBInstanceIdentifier"] for db in snapshot.get("rds.db_instances", REGION)
               if db.get("PubliclyAccessible")}
    for instance in snapshot.get("ec2.instances", REGION):
        if not instance.get("PublicIpAddress"):
            continue
        for ref in instance.get("SecurityGroups", []):
            for rule in groups[ref["GroupId"]].get("IpPermissions", []):
                world = any(r.get("CidrIp") == "0.0.0.0/0" for r in rule.get("IpRanges", []))
                port = rule.get("FromPort", 0)
                if world and (port in REMOTE_ADMIN_PORTS or port in DATABASE_PORTS):
                    flagged.add(instance["InstanceId"])
    return flagged


def test_rule_by_rule_and_true_answer_differ_both_ways_and_explain_says_why(seeded: tuple[Any, dict[str, str]]) -> None:
    snapshot, ids = seeded
    exposures = analyze(model_from_snapshot(snapshot, REGION))
    reachable = {e.resource_id for e in exposures}
    naive = rule_by_rule(snapshot)
    # Open-looking but unreachable:
    for resource in (ids["nacl_blocked"], ids["no_route"], "orders"):
        assert resource in naive and resource not in reachable, resource
    # Reachable through a path the single-rule check misses:
    assert ids["hidden"] not in naive and ids["hidden"] in reachable
    rdp = [e for e in exposures if e.resource_id == ids["hidden"]]
    assert {(e.interface_id, e.protocol, e.from_port, e.ip_version) for e in rdp} == {
        (ids["hidden_eni"], "tcp", 3389, 4)}
    assert {e.source for e in rdp} == {"0.0.0.0/1", "128.0.0.0/1"}
    assert "prefix list" in rdp[0].path_text() and "Elastic IP" in rdp[0].path_text()
    _explain_names_the_blocking_hop(model_from_snapshot(snapshot, REGION), ids)


def _explain_names_the_blocking_hop(model: Any, ids: dict[str, str]) -> None:
    expected = {ids["nacl_blocked"]: ("network_acl", "rule 50 denies tcp 22"),
                ids["no_route"]: ("route_table", "no route covers internet addresses"),
                "orders": ("route_table", "no route covers internet addresses")}
    for resource, (kind, text) in expected.items():
        explanation = explain(model, resource)
        assert not explanation.reachable
        blocks = [a.blocked_at for a in explanation.attempts if a.blocked_at and a.ip_version == 4]
        assert blocks and all(b.kind == kind and text in b.detail for b in blocks), (resource, blocks)
