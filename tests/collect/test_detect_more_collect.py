"""The organization-wide detection checks against moto, with the real collector.

moto answers Config aggregators, Inspector's account status, CloudTrail and Organizations; it has no
Detective backend, so ir.detective_enabled must say UNKNOWN with the gap (never PASS).
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from cloudwarden.assess import run_check
from cloudwarden.checks import detect_more
from cloudwarden.checks.registry import REGISTRY
from cloudwarden.collect import all_calls, collect_snapshot
from cloudwarden.core.enums import Status
from cloudwarden.inventory.snapshot import Snapshot
from tests.helpers import scoped_env

REGION = "us-east-1"
DATASETS = {"cloudtrail.trails", "organizations.organization", "config.aggregators",
            "inspector2.account_status", "detective.graphs", "guardduty.detector_ids", "guardduty.administrator",
            "guardduty.org_admin_accounts"}
assert detect_more  # registers the module's checks


@pytest.fixture(scope="module")
def snapshot() -> Iterator[Snapshot]:
    with scoped_env(dict(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION)):
        with mock_aws():
            boto3.client("organizations", region_name=REGION).create_organization(FeatureSet="ALL")
            s3 = boto3.client("s3", region_name=REGION)
            s3.create_bucket(Bucket="org-trail-logs")
            boto3.client("cloudtrail", region_name=REGION).create_trail(
                Name="org-trail", S3BucketName="org-trail-logs", IsMultiRegionTrail=True, IsOrganizationTrail=True)
            boto3.client("config", region_name=REGION).put_configuration_aggregator(
                ConfigurationAggregatorName="partial", OrganizationAggregationSource={
                    "RoleArn": "arn:aws:iam::123456789012:role/agg", "AwsRegions": [REGION]})
            boto3.client("guardduty", region_name=REGION).create_detector(Enable=True)
            boto3.client("inspector2", region_name=REGION).enable(accountIds=["123456789012"], resourceTypes=["EC2"])
            calls = [c for c in all_calls() if c.dataset in DATASETS]
            yield collect_snapshot(regions=[REGION], calls=calls, workers=4)


def statuses(snapshot: Snapshot, check_id: str) -> dict[str, tuple[Status, str]]:
    return {f.resource_id: (f.status, f.message) for f in run_check(REGISTRY[check_id], snapshot)}


def test_organization_trail_passes(snapshot: Snapshot) -> None:
    assert statuses(snapshot, "cloudtrail.organization_trail")[snapshot.account_id][0] is Status.PASS


def test_partial_aggregator_fails(snapshot: Snapshot) -> None:
    status, message = statuses(snapshot, "config.org_aggregator")[snapshot.account_id]
    assert status is Status.FAIL and "covers only us-east-1" in message


def test_inspector_enabled_for_ec2_passes(snapshot: Snapshot) -> None:
    status, message = statuses(snapshot, "inspector.enabled")[f"inspector2/{REGION}"]
    assert status is Status.PASS, message


def test_detective_is_unknown_against_moto(snapshot: Snapshot) -> None:
    found = statuses(snapshot, "ir.detective_enabled")
    assert found and {s for s, _ in found.values()} == {Status.UNKNOWN}, found


def test_guardduty_without_administrator_fails(snapshot: Snapshot) -> None:
    status, message = statuses(snapshot, "guardduty.centrally_managed")[f"guardduty/{REGION}"]
    assert status is Status.FAIL and "managed by this account alone" in message, message
