"""PASS and FAIL cases for the NACL, flow-log and subnet checks."""

from __future__ import annotations

from typing import Any

import pytest

from tests.checks.cases import Case, assert_case
from tests.checks.test_ec2 import here


def entry(number: int, action: str, protocol: str = "6", ports: tuple[int, int] | None = None,
          cidr: str = "0.0.0.0/0", egress: bool = False) -> dict[str, Any]:
    raw: dict[str, Any] = {"RuleNumber": number, "RuleAction": action, "Protocol": protocol, "Egress": egress}
    raw["Ipv6CidrBlock" if ":" in cidr else "CidrBlock"] = cidr
    if ports:
        raw["PortRange"] = {"From": ports[0], "To": ports[1]}
    return raw


def nacl(*entries: dict[str, Any], default: bool = False, subnets: tuple[str, ...] = ("subnet-1",)
         ) -> dict[str, Any]:
    return {"NetworkAclId": "acl-1", "VpcId": "vpc-1", "IsDefault": default,
            "Associations": [{"SubnetId": s} for s in subnets],
            "Entries": [*entries, entry(32767, "deny", "-1")]}


AWS_DEFAULT = nacl(entry(100, "allow", "-1"), entry(101, "allow", "-1", cidr="::/0"), default=True)
WEB_ONLY = nacl(entry(100, "allow", "6", (443, 443)), entry(110, "allow", "6", (32768, 65535)))
DENY_FIRST = nacl(entry(50, "deny", "6", (22, 22)), entry(60, "deny", "6", (3389, 3389)),
                  entry(70, "deny", "-1", cidr="::/0"), entry(100, "allow", "6", (0, 65535)))
SSH_AFTER_NARROW_DENY = nacl(entry(50, "deny", "6", (22, 22), cidr="198.51.100.0/24"),
                             entry(100, "allow", "6", (22, 22)))
ADMIN = "ec2.nacl_no_admin_ports_from_internet"
ALL = "ec2.nacl_no_all_ingress_from_internet"
VPC = {"VpcId": "vpc-1", "Tags": [{"Key": "Name", "Value": "prod"}]}
FLOW = {"FlowLogId": "fl-1", "ResourceId": "vpc-1", "FlowLogStatus": "ACTIVE", "DeliverLogsStatus": "SUCCESS",
        "TrafficType": "ALL", "LogDestination": "arn:aws:s3:::flow-logs"}

CASES = [
    here("pass-admin-web-only", ADMIN, {"ec2.network_acls": [WEB_ONLY]}),
    here("pass-admin-denied-before-allow", ADMIN, {"ec2.network_acls": [DENY_FIRST]}),
    here("fail-admin-aws-default", ADMIN, {"ec2.network_acls": [AWS_DEFAULT]},
         message="tcp 22 from 0.0.0.0/0 allowed by rule 100 allows all traffic"),
    here("fail-admin-narrow-deny-does-not-shadow", ADMIN, {"ec2.network_acls": [SSH_AFTER_NARROW_DENY]},
         message="tcp 22 from 0.0.0.0/0"),
    here("fail-admin-ephemeral-range-includes-rdp", ADMIN, {"ec2.network_acls": [
        nacl(entry(110, "allow", "6", (1024, 65535)))]}, message="tcp 3389 from 0.0.0.0/0 allowed by rule 110"),
    here("fail-admin-ipv6-rdp", ADMIN, {"ec2.network_acls": [
        nacl(entry(100, "allow", "6", (3000, 4000), cidr="::/0"))]}, message="tcp 3389 from ::/0"),
    here("fail-admin-egress-ignored-ingress-open", ADMIN, {"ec2.network_acls": [
        nacl(entry(10, "deny", "-1", egress=True), entry(100, "allow", "6", (22, 22)))]}),
    here("pass-all-web-only", ALL, {"ec2.network_acls": [WEB_ONLY]}),
    here("pass-all-deny-carves-out", ALL, {"ec2.network_acls": [
        nacl(entry(50, "deny", "6", (22, 22)), entry(100, "allow", "-1"))]}),
    here("fail-all-aws-default", ALL, {"ec2.network_acls": [AWS_DEFAULT]}, message="rule 100 allows all traffic"),
    here("pass-nacl-associated", "ec2.nacl_unused", {"ec2.network_acls": [WEB_ONLY, AWS_DEFAULT]}),
    here("fail-nacl-orphan", "ec2.nacl_unused", {"ec2.network_acls": [nacl(subnets=())]},
         message="associated with no subnet"),
    here("pass-flow-logs", "vpc.flow_logs_enabled", {"ec2.vpcs": [VPC], "ec2.flow_logs": [FLOW]},
         message="vpc-1 (prod): flow log fl-1 (ALL traffic to arn:aws:s3:::flow-logs)"),
    here("fail-no-flow-logs", "vpc.flow_logs_enabled", {"ec2.vpcs": [VPC], "ec2.flow_logs": [
        {**FLOW, "ResourceId": "vpc-other"}]}, message="no flow log"),
    here("fail-flow-log-failing", "vpc.flow_logs_enabled", {"ec2.vpcs": [VPC], "ec2.flow_logs": [
        {**FLOW, "DeliverLogsStatus": "FAILED"}]}, message="none is active"),
    here("unknown-flow-logs-unread", "vpc.flow_logs_enabled", {"ec2.vpcs": [VPC]}),
    here("pass-subnet-private", "vpc.subnet_no_auto_public_ip",
         {"ec2.subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1", "MapPublicIpOnLaunch": False}]}),
    here("fail-subnet-auto-public", "vpc.subnet_no_auto_public_ip",
         {"ec2.subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1", "MapPublicIpOnLaunch": True,
                           "DefaultForAz": True}]}, message="default subnet"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)
