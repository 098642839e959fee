"""Two weeks of one account in moto: a snapshot, then the same account after changes that matter
(port 22 opened to the internet, a bucket made public, the trail stopped, a role's policy widened
to everything) and one that is fixed (a bucket's versioning turned on)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from cloudwarden.collect import collect_snapshot
from cloudwarden.inventory.snapshot import Snapshot, save_snapshot
from tests.helpers import scoped_env

REGION = "us-east-1"
ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


@dataclass
class Weeks:
    old: Snapshot
    new: Snapshot
    old_path: Path
    new_path: Path
    group_id: str


def _week_one() -> str:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc,
                                      TagSpecifications=[{"ResourceType": "security-group",
                                                          "Tags": [{"Key": "env", "Value": "sandbox"}]}])["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    # A public subnet and an instance with a public address behind the group: what the network
    # engine proves reachable.
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro", NetworkInterfaces=[
        {"DeviceIndex": 0, "SubnetId": subnet, "Groups": [group], "AssociatePublicIpAddress": True}])
    s3 = boto3.client("s3", region_name=REGION)
    for name in ("weekly-data", "weekly-logs", "weekly-site"):
        s3.create_bucket(Bucket=name)
    s3.put_bucket_policy(Bucket="weekly-logs", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "trail", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": "arn:aws:s3:::weekly-logs/*"}]}))
    trail = boto3.client("cloudtrail", region_name=REGION)
    trail.create_trail(Name="main", S3BucketName="weekly-logs", IsMultiRegionTrail=True)
    trail.start_logging(Name="main")
    iam = boto3.client("iam")
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName="app", PolicyName="read", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                "Resource": "arn:aws:s3:::weekly-data/*"}]}))
    return group


def _week_two(group: str) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    s3 = boto3.client("s3", region_name=REGION)
    s3.put_bucket_policy(Bucket="weekly-site", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "site", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::weekly-site/*"}]}))
    s3.put_bucket_versioning(Bucket="weekly-data", VersioningConfiguration={"Status": "Enabled"})
    boto3.client("cloudtrail", region_name=REGION).stop_logging(Name="main")
    boto3.client("iam").put_role_policy(RoleName="app", PolicyName="read", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))


@pytest.fixture(scope="session")
def weeks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Weeks]:
    folder = tmp_path_factory.mktemp("weeks")
    with scoped_env(ENV), mock_aws():
        group = _week_one()
        old = collect_snapshot(regions=[REGION], workers=4)
        _week_two(group)
        new = collect_snapshot(regions=[REGION], workers=4)
    # Two collections within a second would share their timestamp; a week apart is what is modelled.
    old.collected_at, new.collected_at = "2026-11-20T09:00:00+00:00", "2026-11-27T09:00:00+00:00"
    yield Weeks(old, new, save_snapshot(old, folder / "old.snapshot"), save_snapshot(new, folder / "new.snapshot"),
                group)
