"""PASS, FAIL and UNKNOWN cases for VPC endpoints, peering, Transit Gateway, VPN and CloudHSM checks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudwarden.inventory.snapshot import Gap
from tests.checks.cases import ACCOUNT, Case, Regional, assert_case

REGION = "us-east-1"


def r(value: Any) -> Regional:
    return Regional({REGION: value})


def endpoint_policy(principal: Any, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "*", "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    return {"ec2.vpc_endpoints": r([{"VpcEndpointId": "vpce-1", "VpcId": "vpc-1", "ServiceName": "com.amazonaws.us-east-1.s3",
                                     "PolicyDocument": json.dumps({"Statement": [statement]})}]),
            "organizations.accounts": [{"Id": "444455556666"}]}


def service(principals: list[str]) -> dict[str, Any]:
    return {"ec2.vpc_endpoint_services": r([{"ServiceId": "vpce-svc-1"}]),
            "ec2.vpc_endpoint_service_permissions": r({"vpce-svc-1": [{"Principal": p} for p in principals]}),
            "organizations.accounts": None}


def vpcs(endpoints: list[dict[str, Any]]) -> dict[str, Any]:
    return {"ec2.vpcs": r([{"VpcId": "vpc-1"}]), "ec2.vpc_endpoints": r(endpoints)}


def peering(destination: str) -> dict[str, Any]:
    pcx = {"VpcPeeringConnectionId": "pcx-1", "Status": {"Code": "active"},
           "AccepterVpcInfo": {"CidrBlock": "10.2.0.0/16"}, "RequesterVpcInfo": {"CidrBlock": "10.1.0.0/16"}}
    table = {"RouteTableId": "rtb-1", "Routes": [{"DestinationCidrBlock": destination, "VpcPeeringConnectionId": "pcx-1"}]}
    return {"ec2.vpc_peering_connections": r([pcx]), "ec2.route_tables": r([table])}


def vpn(tunnels: list[str], logs: bool) -> dict[str, Any]:
    return {"ec2.vpn_connections": r([{
        "VpnConnectionId": "vpn-1", "State": "available",
        "VgwTelemetry": [{"OutsideIpAddress": f"3.0.0.{i}", "Status": s} for i, s in enumerate(tunnels)],
        "Options": {"TunnelOptions": [{"OutsideIpAddress": f"3.0.0.{i}",
                                       "LogOptions": {"CloudWatchLogOptions": {"LogEnabled": logs}}}
                                      for i in range(len(tunnels))]}}])}


def cluster(zones: list[str], *, retention: bool = True, backup_age: str = "2026-11-27T00:00:00Z",
            cidr: str = "10.0.0.0/16") -> dict[str, Any]:
    return {"cloudhsm.clusters": r([{"ClusterId": "cluster-1", "State": "ACTIVE", "SecurityGroup": "sg-hsm",
                                     "Hsms": [{"AvailabilityZone": z} for z in zones],
                                     "BackupRetentionPolicy": {"Type": "DAYS", "Value": "90"} if retention else {}}]),
            "cloudhsm.backups": r([{"ClusterId": "cluster-1", "BackupState": "READY", "CreateTimestamp": backup_age}]),
            "ec2.security_groups": r([{"GroupId": "sg-hsm", "IpPermissions": [
                {"IpProtocol": "tcp", "FromPort": 2223, "ToPort": 2225, "IpRanges": [{"CidrIp": cidr}]}]}])}


NOT_IMPLEMENTED = Gap("ec2.client_vpn_endpoints", "ec2", "DescribeClientVpnEndpoints", REGION, "NotImplemented",
                      "the endpoint does not implement this operation", "ec2:DescribeClientVpnEndpoints")

CASES = [
    Case("pass-org-condition", "vpc.endpoint_policy_trusted_accounts",
         endpoint_policy("*", {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}})),
    Case("pass-org-member", "vpc.endpoint_policy_trusted_accounts",
         endpoint_policy({"AWS": "arn:aws:iam::444455556666:root"})),
    Case("fail-default-full-access", "vpc.endpoint_policy_trusted_accounts", endpoint_policy("*"),
         message="any principal"),
    Case("fail-foreign-account", "vpc.endpoint_policy_trusted_accounts",
         endpoint_policy({"AWS": "arn:aws:iam::999988887777:root"}), message="999988887777"),
    Case("pass-own-account", "vpc.endpoint_service_trusted_principals", service([f"arn:aws:iam::{ACCOUNT}:root"])),
    Case("fail-anyone", "vpc.endpoint_service_trusted_principals", service(["*"])),
    Case("pass-has-endpoints", "vpc.endpoints_for_aws_services",
         vpcs([{"VpcId": "vpc-1", "ServiceName": "com.amazonaws.us-east-1.s3"}]), message="s3"),
    Case("fail-no-endpoint", "vpc.endpoints_for_aws_services", vpcs([])),
    Case("pass-narrow-route", "vpc.peering_routes_least_access", peering("10.2.4.0/24")),
    Case("fail-whole-peer", "vpc.peering_routes_least_access", peering("10.2.0.0/16")),
    Case("fail-default-route", "vpc.peering_routes_least_access", peering("0.0.0.0/0")),
    Case("pass-manual-accept", "vpc.transit_gateway_no_auto_accept",
         {"ec2.transit_gateways": r([{"TransitGatewayId": "tgw-1", "State": "available",
                                      "Options": {"AutoAcceptSharedAttachments": "disable"}}])}),
    Case("fail-auto-accept", "vpc.transit_gateway_no_auto_accept",
         {"ec2.transit_gateways": r([{"TransitGatewayId": "tgw-1", "State": "available",
                                      "Options": {"AutoAcceptSharedAttachments": "enable"}}])}),
    Case("pass-both-up", "vpc.vpn_tunnels_up", vpn(["UP", "UP"], True)),
    Case("fail-one-down", "vpc.vpn_tunnels_up", vpn(["UP", "DOWN"], True), message="3.0.0.1"),
    Case("pass-logged", "vpc.vpn_logging_enabled", vpn(["UP", "UP"], True)),
    Case("fail-not-logged", "vpc.vpn_logging_enabled", vpn(["UP", "UP"], False)),
    Case("pass-client-vpn-logs", "vpc.client_vpn_connection_logging",
         {"ec2.client_vpn_endpoints": r([{"ClientVpnEndpointId": "cvpn-1",
                                          "ConnectionLogOptions": {"Enabled": True, "CloudwatchLogGroup": "vpn"}}])}),
    Case("fail-client-vpn-no-logs", "vpc.client_vpn_connection_logging",
         {"ec2.client_vpn_endpoints": r([{"ClientVpnEndpointId": "cvpn-1", "ConnectionLogOptions": {"Enabled": False}}])}),
    Case("unknown-moto-lacks-api", "vpc.client_vpn_connection_logging", {}, gaps=[NOT_IMPLEMENTED]),
    Case("pass-bpa-ingress", "vpc.block_public_access_enabled",
         {"ec2.vpc_block_public_access": r({"InternetGatewayBlockMode": "block-ingress"})}),
    Case("fail-bpa-off", "vpc.block_public_access_enabled",
         {"ec2.vpc_block_public_access": r({"InternetGatewayBlockMode": "off"})}),
    Case("pass-check-on", "vpc.eni_source_dest_check",
         {"ec2.network_interfaces": r([{"NetworkInterfaceId": "eni-1", "SourceDestCheck": True}])}),
    Case("pass-router", "vpc.eni_source_dest_check",
         {"ec2.network_interfaces": r([{"NetworkInterfaceId": "eni-1", "SourceDestCheck": False,
                                        "TagSet": [{"Key": "role", "Value": "router"}]}])}),
    Case("fail-check-off", "vpc.eni_source_dest_check",
         {"ec2.network_interfaces": r([{"NetworkInterfaceId": "eni-1", "SourceDestCheck": False}])}),
    Case("pass-two-az", "cloudhsm.cluster_multi_az", cluster(["us-east-1a", "us-east-1b"])),
    Case("fail-one-az", "cloudhsm.cluster_multi_az", cluster(["us-east-1a"])),
    Case("pass-recent-backup", "cloudhsm.backup_retention", cluster(["us-east-1a"])),
    Case("fail-no-retention", "cloudhsm.backup_retention", cluster(["us-east-1a"], retention=False)),
    Case("fail-old-backup", "cloudhsm.backup_retention", cluster(["us-east-1a"], backup_age="2026-09-01T00:00:00Z")),
    Case("pass-private-sg", "cloudhsm.cluster_sg_restricted", cluster(["us-east-1a"])),
    Case("fail-open-sg", "cloudhsm.cluster_sg_restricted", cluster(["us-east-1a"], cidr="0.0.0.0/0")),
]
for case in CASES:
    case.regions = (REGION,)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)
