"""The cross-cutting checks against moto, with the real collector.

moto has no CloudTrail Lake, no SSM patch states or instance information and no OAM links: those
checks must say UNKNOWN (never PASS). It answers IAM, EC2 networking and ELBv2, so the confused-deputy
and front-door checks give real verdicts; access keys are fingerprinted, never stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from cloudwarden.assess import run_check
from cloudwarden.checks.registry import load_all_checks
from cloudwarden.collect import all_calls, collect_snapshot
from cloudwarden.core.enums import Status
from cloudwarden.inventory.snapshot import Snapshot
from tests.helpers import scoped_env

REGION = "us-east-1"
CHECKS = ("ir.cloudtrail_lake_or_athena_ready", "ec2.instance_patch_compliant", "cloudwatch.cross_account_sharing_reviewed",
          "iam.service_role_confused_deputy", "tls.front_door_end_to_end", "iam.secret_in_compute_with_privilege")


@pytest.fixture(scope="module")
def snapshot() -> Iterator[Snapshot]:
    with scoped_env(dict(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION)):
        with mock_aws():
            iam = boto3.client("iam", region_name=REGION)
            iam.create_role(RoleName="sns-delivery", Path="/service-role/", AssumeRolePolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                                                        "Action": "sts:AssumeRole"}]}))
            iam.create_user(UserName="deployer")
            key = iam.create_access_key(UserName="deployer")["AccessKey"]["AccessKeyId"]
            iam.put_user_policy(UserName="deployer", PolicyName="admin", PolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
            ec2 = boto3.client("ec2", region_name=REGION)
            image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
            ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1,
                              UserData=f"#!/bin/bash\nexport AWS_ACCESS_KEY_ID={key}\n")
            calls = [c for c in all_calls() if c.dataset in {d for c in CHECKS
                                                             for d in load_all_checks()[c].meta.datasets}
                     or c.dataset == "iam.credential_report"]
            snap = collect_snapshot(regions=[REGION], calls=calls, workers=4)
            snap.stats["key"] = key  # kept out of the snapshot file; only this test compares it
            yield snap


def statuses(snapshot: Snapshot, check_id: str) -> dict[str, tuple[Status, str]]:
    return {f.resource_id: (f.status, f.message) for f in run_check(load_all_checks()[check_id], snapshot)}


@pytest.mark.parametrize("check_id", ["ir.cloudtrail_lake_or_athena_ready", "cloudwatch.cross_account_sharing_reviewed"])
def test_what_moto_lacks_is_unknown(snapshot: Snapshot, check_id: str) -> None:
    found = statuses(snapshot, check_id)
    assert found and {s for s, _ in found.values()} == {Status.UNKNOWN}, found


def test_patch_compliance_is_never_a_pass(snapshot: Snapshot) -> None:
    # moto lacks DescribeInstanceInformation, so no managed instance is listed: UNKNOWN for the region
    assert Status.PASS not in {s for s, _ in statuses(snapshot, "ec2.instance_patch_compliant").values()}


def test_unpinned_service_trust_fails(snapshot: Snapshot) -> None:
    assert statuses(snapshot, "iam.service_role_confused_deputy")["sns-delivery"][0] is Status.FAIL


def test_admin_key_in_user_data_fails_and_is_not_stored(snapshot: Snapshot) -> None:
    found = statuses(snapshot, "iam.secret_in_compute_with_privilege")
    assert [s for s, _ in found.values()] == [Status.FAIL], found
    assert "deployer, who is administrator" in next(iter(found.values()))[1]
    key = snapshot.stats.pop("key")
    assert key not in json.dumps(snapshot.to_dict(), default=str)


def test_user_data_reaches_the_snapshot_as_a_marker(snapshot: Snapshot) -> None:
    from cloudwarden.inventory.redacted import is_marker

    values = snapshot.get("ec2.instance_user_data", REGION)
    assert values and all(is_marker(v.get("Value")) for v in values.values()), values
