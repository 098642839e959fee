"""An assessment with every status in it: a hand-built snapshot, a collection gap, all checks run."""

from __future__ import annotations

import pytest

from cloudwarden.assess import Assessment, assess
from cloudwarden.inventory.snapshot import Gap
from tests.checks.cases import Regional, snapshot_with


def build_assessment() -> Assessment:
    gap = Gap(dataset="ec2.security_groups", service="ec2", operation="DescribeSecurityGroups",
              region="eu-west-1", error_code="UnauthorizedOperation", message="not authorized",
              permission="ec2:DescribeSecurityGroups")
    snapshot = snapshot_with({
        "iam.account_summary": {"AccountMFAEnabled": 0, "AccountAccessKeysPresent": 1},
        "iam.password_policy": {"MinimumPasswordLength": 8, "RequireSymbols": True},
        "ec2.security_groups": Regional({"us-east-1": [{
            "GroupId": "sg-0123", "GroupName": "=HYPERLINK(\"x\")", "VpcId": "vpc-1", "OwnerId": "111122223333",
            "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                               "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
            "IpPermissionsEgress": []}]}),
    }, gaps=[gap])
    return assess(snapshot)


@pytest.fixture(scope="session")
def assessment() -> Assessment:
    return build_assessment()
