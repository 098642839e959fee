"""EC2 and GuardDuty fixes on moto: revoke internet SSH, verify by rescan, undo; a created detector's
id resolved into the undo file."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from cloudwarden.remediate import GuardedClients, Target, apply_plan, plan_fixes, undo_changes, undo_document, verify
from tests.helpers import MOTO_CREDENTIALS


@pytest.fixture()
def aws(monkeypatch: pytest.MonkeyPatch):
    for key, value in {**MOTO_CREDENTIALS, "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield GuardedClients()


def test_ssh_from_internet_revoked_verified_and_undone(aws: GuardedClients) -> None:
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="open-ssh", Description="x", VpcId=vpc)["GroupId"]
    ssh = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[ssh])
    target = Target("ec2.sg_no_ssh_from_internet", group, "us-east-1")
    results = apply_plan(aws, plan_fixes(aws, [target]))
    assert results and not results[0].error
    assert verify(aws, [target], ["us-east-1"])[(target.check_id, group, "us-east-1")] == "PASS"
    undo_changes(aws, undo_document(results))
    rules = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    assert any(r.get("FromPort") == 22 and r["IpRanges"][0]["CidrIp"] == "0.0.0.0/0" for r in rules)


def test_created_detector_is_disabled_by_undo(aws: GuardedClients) -> None:
    target = Target("guardduty.enabled_all_regions", "guardduty/eu-west-1", "eu-west-1")
    results = apply_plan(aws, plan_fixes(aws, [target]))
    document = undo_document(results)
    detector = boto3.client("guardduty", region_name="eu-west-1").list_detectors()["DetectorIds"][0]
    assert document["changes"][0]["undo"][0]["params"]["DetectorId"] == detector
    undo_changes(aws, document)
    assert boto3.client("guardduty", region_name="eu-west-1").get_detector(DetectorId=detector)["Status"] == "DISABLED"
