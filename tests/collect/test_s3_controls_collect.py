"""The S3/Macie/SSM data-protection checks against moto, with the real collector.

moto answers bucket replication, notifications, Object Lock, access points, Multi-Region Access
Points, the Macie session and SSM document permissions; it has no GetAutomatedDiscoveryConfiguration
and no GetServiceSetting, so those two checks must say UNKNOWN with the gap (never PASS).
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

REGION, ACCOUNT = "us-east-1", "123456789012"
DATASETS = {"s3.buckets", "s3.bucket_location", "s3.bucket_policy", "s3.bucket_replication",
            "s3.bucket_notifications", "s3.bucket_object_lock", "s3control.access_points", "s3control.access_point",
            "s3control.multi_region_access_points", "macie2.session", "macie2.automated_discovery", "ssm.documents",
            "ssm.document_permissions", "ssm.public_sharing_setting"}
ALL_ON = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}


@pytest.fixture(scope="module")
def snapshot() -> Iterator[Snapshot]:
    with scoped_env(dict(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION)):
        with mock_aws():
            s3 = boto3.client("s3", region_name=REGION)
            s3.create_bucket(Bucket="records", ObjectLockEnabledForBucket=True)
            s3.create_bucket(Bucket="shared")
            s3.create_bucket(Bucket="replica", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
            s3.put_bucket_versioning(Bucket="shared", VersioningConfiguration={"Status": "Enabled"})
            s3.put_bucket_replication(Bucket="shared", ReplicationConfiguration={
                "Role": f"arn:aws:iam::{ACCOUNT}:role/replication", "Rules": [{
                    "ID": "all", "Status": "Enabled", "Priority": 1, "Filter": {},
                    "DeleteMarkerReplication": {"Status": "Disabled"},
                    "Destination": {"Bucket": "arn:aws:s3:::replica"}}]})
            s3.put_bucket_policy(Bucket="shared", Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "s3:*",
                "Resource": ["arn:aws:s3:::shared", "arn:aws:s3:::shared/*"]}]}))
            control = boto3.client("s3control", region_name=REGION)
            control.create_access_point(AccountId=ACCOUNT, Name="closed", Bucket="shared",
                                        PublicAccessBlockConfiguration=ALL_ON)
            control.create_access_point(AccountId=ACCOUNT, Name="open", Bucket="shared",
                                        PublicAccessBlockConfiguration={**ALL_ON, "BlockPublicPolicy": False})
            control.create_multi_region_access_point(AccountId=ACCOUNT, ClientToken="t", Details={
                "Name": "front", "PublicAccessBlock": ALL_ON, "Regions": [{"Bucket": "shared"}]})
            boto3.client("macie2", region_name=REGION).enable_macie()
            ssm = boto3.client("ssm", region_name=REGION)
            ssm.create_document(Name="public-doc", DocumentType="Command", Content=json.dumps({
                "schemaVersion": "2.2", "description": "d", "mainSteps": [
                    {"action": "aws:runShellScript", "name": "s", "inputs": {"runCommand": ["true"]}}]}))
            ssm.modify_document_permission(Name="public-doc", PermissionType="Share", AccountIdsToAdd=["all"])
            calls = [c for c in all_calls() if c.dataset in DATASETS]
            yield collect_snapshot(regions=[REGION], calls=calls, workers=4)


def statuses(snapshot: Snapshot, check_id: str) -> dict[str, tuple[Status, str]]:
    return {f.resource_id: (f.status, f.message) for f in run_check(load_all_checks()[check_id], snapshot)}


def test_object_lock_and_replication(snapshot: Snapshot) -> None:
    lock = statuses(snapshot, "s3.bucket_object_lock")
    assert lock["records"][0] is Status.PASS and lock["shared"][0] is Status.FAIL
    replication = statuses(snapshot, "s3.bucket_cross_region_replication")
    assert replication["shared"] == (Status.PASS, "replicates to replica (eu-west-1)")
    assert replication["records"][0] is Status.FAIL


def test_foreign_s3_star_grant_fails(snapshot: Snapshot) -> None:
    found = statuses(snapshot, "s3.bucket_cross_account_restricted")
    assert found["shared"][0] is Status.FAIL and "999988887777" in found["shared"][1]
    assert found["records"][0] is Status.PASS


def test_access_points_and_mrap(snapshot: Snapshot) -> None:
    points = statuses(snapshot, "s3.access_point_public_access_block")
    assert points["closed"][0] is Status.PASS and points["open"][0] is Status.FAIL
    assert statuses(snapshot, "s3.mrap_public_access_block")["front"][0] is Status.PASS


def test_macie_enabled_but_discovery_unknown(snapshot: Snapshot) -> None:
    assert statuses(snapshot, "s3.macie_enabled")[f"macie/{REGION}"][0] is Status.PASS
    discovery = statuses(snapshot, "s3.macie_automated_discovery")
    assert {s for s, _ in discovery.values()} == {Status.UNKNOWN}, discovery


def test_public_document_fails_and_setting_unknown(snapshot: Snapshot) -> None:
    assert statuses(snapshot, "ssm.documents_not_public")["public-doc"][0] is Status.FAIL
    setting = statuses(snapshot, "ssm.document_public_sharing_blocked")
    assert setting and {s for s, _ in setting.values()} == {Status.UNKNOWN}, setting
    assert any("GetServiceSetting" in m for _, m in setting.values()), setting
