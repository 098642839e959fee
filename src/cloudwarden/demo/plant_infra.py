"""Demo account, infrastructure part: VPC, security groups, NACLs, flow logs, instances, EBS."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from cloudwarden.demo.plan import PRIMARY, SECONDARY, Plan

WORLD4, WORLD6 = "0.0.0.0/0", "::/0"


def demo_ami() -> str:
    text = resources.files("cloudwarden.data").joinpath("demo_amis.json").read_text(encoding="utf-8")
    return str(json.loads(text)[0]["ami_id"])


def _group(ec2: Any, vpc: str, name: str, port: int | None, cidr: str, protocol: str = "tcp") -> str:
    group = ec2.create_security_group(GroupName=name, Description=f"cloudwarden demo: {name}", VpcId=vpc)["GroupId"]
    if port is not None or protocol == "-1":
        ranges = {"Ipv6Ranges": [{"CidrIpv6": cidr}]} if ":" in cidr else {"IpRanges": [{"CidrIp": cidr}]}
        permission: dict[str, Any] = {"IpProtocol": protocol, **ranges}
        if protocol != "-1":
            permission.update(FromPort=port, ToPort=port)
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[permission])
    return str(group)


def _vpc(ec2: Any, cidr: str) -> tuple[str, str]:
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr.replace("/16", "/24"))["Subnet"]["SubnetId"]
    return vpc, subnet


def network(plan: Plan) -> None:
    ec2 = plan.client("ec2", PRIMARY)
    vpc, subnet = _vpc(ec2, "10.10.0.0/16")
    plan.shared.update(vpc=vpc, subnet=subnet)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock=WORLD4, GatewayId=igw)
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)

    ssh_open = _group(ec2, vpc, "demo-ssh-open-unattached", 22, WORLD4)
    ssh_vpn = _group(ec2, vpc, "demo-ssh-from-vpn", 22, "10.0.0.0/8")
    db_open = _group(ec2, vpc, "demo-postgres-open", 5432, WORLD4)
    everything = _group(ec2, vpc, "demo-all-traffic-open", None, WORLD4, protocol="-1")
    plan.weak("ec2.sg_no_ssh_from_internet", ssh_open, "SSH open to the internet on a group nothing uses")
    plan.good("ec2.sg_no_ssh_from_internet", ssh_vpn, "SSH only from the VPN range")
    plan.weak("ec2.sg_no_high_risk_ports", db_open, "PostgreSQL open to the internet")
    plan.good("ec2.sg_no_high_risk_ports", ssh_vpn, "no database port open")
    plan.weak("ec2.sg_no_all_ports_from_internet", everything, "every port open to the internet")
    plan.good("ec2.sg_no_all_ports_from_internet", ssh_vpn, "a narrow rule only")
    plan.shared.update(web_group=ssh_vpn, open_group=everything)
    _nacls(plan, ec2, vpc)
    answer = ec2.create_flow_logs(ResourceIds=[vpc], ResourceType="VPC", TrafficType="ALL",
                                  LogDestinationType="s3", LogDestination="arn:aws:s3:::demo-access-logs")
    if answer.get("Unsuccessful"):
        raise RuntimeError(f"demo: flow log not created: {answer['Unsuccessful']}")
    plan.good("vpc.flow_logs_enabled", vpc, "VPC with flow logs")
    _secondary_network(plan)


def _nacls(plan: Plan, ec2: Any, vpc: str) -> None:
    open_acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(NetworkAclId=open_acl, RuleNumber=100, Protocol="6", RuleAction="allow",
                                 Egress=False, CidrBlock=WORLD4, PortRange={"From": 22, "To": 22})
    guarded = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    # A deny with a lower rule number shadows the broad allow after it: compliant.
    ec2.create_network_acl_entry(NetworkAclId=guarded, RuleNumber=90, Protocol="6", RuleAction="deny",
                                 Egress=False, CidrBlock=WORLD4, PortRange={"From": 22, "To": 22})
    ec2.create_network_acl_entry(NetworkAclId=guarded, RuleNumber=95, Protocol="6", RuleAction="deny",
                                 Egress=False, CidrBlock=WORLD4, PortRange={"From": 3389, "To": 3389})
    ec2.create_network_acl_entry(NetworkAclId=guarded, RuleNumber=100, Protocol="6", RuleAction="allow",
                                 Egress=False, CidrBlock=WORLD4, PortRange={"From": 0, "To": 65535})
    plan.weak("ec2.nacl_no_admin_ports_from_internet", open_acl, "NACL admits SSH from anywhere")
    plan.good("ec2.nacl_no_admin_ports_from_internet", guarded, "NACL denies admin ports before allowing the rest")


def _secondary_network(plan: Plan) -> None:
    ec2 = plan.client("ec2", SECONDARY)
    vpc, _subnet = _vpc(ec2, "10.20.0.0/16")
    rdp = _group(ec2, vpc, "demo-rdp-open-ipv6", 3389, WORLD6)
    plan.weak("ec2.sg_no_rdp_from_internet", rdp, "RDP open to the IPv6 internet", region=SECONDARY)
    plan.weak("vpc.flow_logs_enabled", vpc, "VPC without flow logs", region=SECONDARY)
    # EBS encryption by default: on in the primary region, off in the secondary.
    plan.client("ec2", PRIMARY).enable_ebs_encryption_by_default()
    plan.good("ebs.default_encryption_enabled", "", "EBS encryption by default on", region=PRIMARY)
    plan.weak("ebs.default_encryption_enabled", "", "EBS encryption by default off", region=SECONDARY)


def compute(plan: Plan) -> None:
    ec2 = plan.client("ec2", PRIMARY)
    subnet = plan.shared["subnet"]
    common = {"ImageId": demo_ami(), "InstanceType": "t3.micro", "MinCount": 1, "MaxCount": 1}
    exposed = ec2.run_instances(**common, MetadataOptions={"HttpTokens": "optional", "HttpEndpoint": "enabled"},
                                NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet,
                                                    "AssociatePublicIpAddress": True,
                                                    "Groups": [plan.shared["open_group"]]}])["Instances"][0]["InstanceId"]
    private = ec2.run_instances(**common, SubnetId=subnet, SecurityGroupIds=[plan.shared["web_group"]],
                                MetadataOptions={"HttpTokens": "required", "HttpEndpoint": "enabled"},
                                )["Instances"][0]["InstanceId"]
    plan.weak("ec2.instance_imdsv2_required", exposed, "instance allows IMDSv1")
    plan.good("ec2.instance_imdsv2_required", private, "instance requires IMDSv2")
    plan.weak("ec2.instance_no_public_ip", exposed, "instance with a public IP")
    plan.good("ec2.instance_no_public_ip", private, "instance without a public IP")
    _volumes(plan, ec2)


def _volumes(plan: Plan, ec2: Any) -> None:
    zone = f"{PRIMARY}a"
    plain = ec2.create_volume(AvailabilityZone=zone, Size=8, Encrypted=False)["VolumeId"]
    sealed = ec2.create_volume(AvailabilityZone=zone, Size=8, Encrypted=True)["VolumeId"]
    plan.weak("ebs.volume_encrypted", plain, "unencrypted volume")
    plan.good("ebs.volume_encrypted", sealed, "encrypted volume")
    leaked = ec2.create_snapshot(VolumeId=plain, Description="demo public snapshot")["SnapshotId"]
    ec2.modify_snapshot_attribute(SnapshotId=leaked, Attribute="createVolumePermission", OperationType="add",
                                  GroupNames=["all"])
    kept = ec2.create_snapshot(VolumeId=sealed, Description="demo private snapshot")["SnapshotId"]
    plan.weak("ebs.snapshot_not_public", leaked, "snapshot anyone can restore")
    plan.good("ebs.snapshot_not_public", kept, "private snapshot")
    plan.weak("ebs.snapshot_encrypted", leaked, "unencrypted snapshot")
    plan.good("ebs.snapshot_encrypted", kept, "encrypted snapshot")
