"""The data-protection checks against moto: planted weaknesses FAIL, their compliant twins PASS.

Seeds S3, RDS, KMS, DynamoDB, Glacier and EFS with boto3 under `mock_aws`, collects a snapshot
with the real collector (only the S3 and data-store specs, to stay fast), and runs the checks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from cloudwarden.assess import run_check
from cloudwarden.checks import dynamodb, efs, glacier, kms, rds, s3  # noqa: F401 - registers the checks
from cloudwarden.checks.registry import REGISTRY
from cloudwarden.collect import collect_snapshot
from cloudwarden.collect.services import data as data_specs
from cloudwarden.collect.services import iam as iam_specs
from cloudwarden.collect.services import s3 as s3_specs
from cloudwarden.core.enums import Status
from cloudwarden.inventory.snapshot import Snapshot
from tests.helpers import scoped_env

REGION = "us-east-1"
OPEN, CLOSED, LOGS = "cw-open-bucket", "cw-closed-bucket", "cw-log-bucket"
ALL_ON = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
          "RestrictPublicBuckets": True}


def _seed_s3() -> None:
    client = boto3.client("s3", region_name=REGION)
    for name in (OPEN, CLOSED, LOGS):
        client.create_bucket(Bucket=name)
    client.put_bucket_policy(Bucket=OPEN, Policy=json.dumps({"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{OPEN}/*"}]}))
    acl = client.get_bucket_acl(Bucket=OPEN)
    everyone = {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}
    client.put_bucket_acl(Bucket=OPEN, AccessControlPolicy={"Owner": acl["Owner"], "Grants": [
        *acl["Grants"], {"Grantee": everyone, "Permission": "READ"}, {"Grantee": everyone, "Permission": "WRITE"}]})
    client.put_bucket_policy(Bucket=CLOSED, Policy=json.dumps({"Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [f"arn:aws:s3:::{CLOSED}", f"arn:aws:s3:::{CLOSED}/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))
    client.put_public_access_block(Bucket=CLOSED, PublicAccessBlockConfiguration=ALL_ON)
    client.put_bucket_versioning(Bucket=CLOSED, VersioningConfiguration={"Status": "Enabled"})
    client.put_bucket_ownership_controls(Bucket=CLOSED, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    client.put_bucket_encryption(Bucket=CLOSED, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]})
    client.put_bucket_lifecycle_configuration(Bucket=CLOSED, LifecycleConfiguration={"Rules": [
        {"ID": "versions", "Status": "Enabled", "Filter": {"Prefix": ""},
         "NoncurrentVersionExpiration": {"NoncurrentDays": 30}}]})
    client.put_bucket_acl(Bucket=LOGS, ACL="log-delivery-write")
    client.put_bucket_logging(Bucket=CLOSED, BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": LOGS, "TargetPrefix": "closed/"}})


def _seed_rds() -> None:
    client = boto3.client("rds", region_name=REGION)
    common = {"DBInstanceClass": "db.t3.micro", "Engine": "postgres", "MasterUsername": "dbowner",
              "MasterUserPassword": "not-a-real-password-1", "AllocatedStorage": 20}
    client.create_db_instance(DBInstanceIdentifier="weak-db", PubliclyAccessible=True, StorageEncrypted=False,
                              BackupRetentionPeriod=0, AutoMinorVersionUpgrade=False, **common)
    client.create_db_instance(DBInstanceIdentifier="strong-db", PubliclyAccessible=False, StorageEncrypted=True,
                              BackupRetentionPeriod=7, DeletionProtection=True, MultiAZ=True,
                              EnableIAMDatabaseAuthentication=True, **common)
    client.create_db_snapshot(DBSnapshotIdentifier="public-snap", DBInstanceIdentifier="weak-db")
    client.modify_db_snapshot_attribute(DBSnapshotIdentifier="public-snap", AttributeName="restore",
                                        ValuesToAdd=["all"])
    client.create_db_snapshot(DBSnapshotIdentifier="private-snap", DBInstanceIdentifier="strong-db")
    for name, encrypted in (("plain-cluster", False), ("sealed-cluster", True)):
        client.create_db_cluster(DBClusterIdentifier=name, Engine="aurora-postgresql", MasterUsername="dbowner",
                                 MasterUserPassword="not-a-real-password-1", StorageEncrypted=encrypted)


def _seed_kms() -> dict[str, str]:
    client = boto3.client("kms", region_name=REGION)
    rotated = client.create_key(Description="rotated")["KeyMetadata"]["KeyId"]
    client.enable_key_rotation(KeyId=rotated)
    public = client.create_key(Description="public", Policy=json.dumps({"Statement": [
        {"Sid": "Open", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}]}))
    doomed = client.create_key(Description="doomed")["KeyMetadata"]["KeyId"]
    client.schedule_key_deletion(KeyId=doomed, PendingWindowInDays=7)
    # moto creates the default EBS key as a CUSTOMER key (AWS managed in AWS): it must not be judged.
    boto3.client("ec2", region_name=REGION).create_volume(AvailabilityZone=f"{REGION}a", Size=1, Encrypted=True)
    disabled = client.create_key(Description="disabled")["KeyMetadata"]["KeyId"]
    client.disable_key(KeyId=disabled)
    return {"disabled": disabled, "rotated": rotated, "public": public["KeyMetadata"]["KeyId"], "doomed": doomed}


def _seed_others() -> None:
    ddb = boto3.client("dynamodb", region_name=REGION)
    table = {"AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
             "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}
    ddb.create_table(TableName="careless", **table)
    ddb.create_table(TableName="careful", DeletionProtectionEnabled=True,
                     SSESpecification={"Enabled": True, "SSEType": "KMS"}, **table)
    ddb.update_continuous_backups(TableName="careful",
                                  PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    boto3.client("glacier", region_name=REGION).create_vault(vaultName="archive")
    efs_client = boto3.client("efs", region_name=REGION)
    efs_client.create_file_system(CreationToken="plain", Encrypted=False)
    efs_client.create_file_system(CreationToken="sealed", Encrypted=True)


@pytest.fixture(scope="module")
def seeded() -> Iterator[tuple[Snapshot, dict[str, str]]]:
    with scoped_env(dict(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION)):
        with mock_aws():
            _seed_s3()
            _seed_rds()
            keys = _seed_kms()
            _seed_others()
            calls = [*s3_specs.SPECS, *data_specs.SPECS,
                     *(c for c in iam_specs.SPECS if c.dataset == "s3.account_public_access_block")]
            yield collect_snapshot(regions=[REGION], calls=calls, workers=8), keys


def verdicts(snapshot: Snapshot, check_id: str) -> dict[str, Any]:
    return {f.resource_id: f.status for f in run_check(REGISTRY[check_id], snapshot)}


@pytest.mark.parametrize("check_id, weak, strong", [
    ("s3.bucket_no_public_read", OPEN, CLOSED),
    ("s3.bucket_no_public_write", OPEN, CLOSED),
    ("s3.bucket_public_access_block", OPEN, CLOSED),
    ("s3.bucket_acls_disabled", OPEN, CLOSED),
    ("s3.bucket_ssl_required", OPEN, CLOSED),
    ("s3.bucket_versioning_enabled", OPEN, CLOSED),
    ("s3.bucket_server_access_logging", OPEN, CLOSED),
    ("s3.bucket_kms_encryption", OPEN, CLOSED),
    ("s3.bucket_lifecycle_configured", OPEN, CLOSED),
    ("rds.cluster_storage_encrypted", "plain-cluster", "sealed-cluster"),
    ("rds.instance_not_public", "weak-db", "strong-db"),
    ("rds.instance_storage_encrypted", "weak-db", "strong-db"),
    ("rds.automatic_backups", "weak-db", "strong-db"),
    ("rds.deletion_protection", "weak-db", "strong-db"),
    ("rds.multi_az", "weak-db", "strong-db"),
    ("rds.auto_minor_version_upgrade", "weak-db", "strong-db"),
    ("rds.iam_authentication", "weak-db", "strong-db"),
    ("rds.snapshot_not_public", "public-snap", "private-snap"),
    ("rds.snapshot_encrypted", "public-snap", "private-snap"),
    ("dynamodb.pitr_enabled", "careless", "careful"),
    ("dynamodb.deletion_protection", "careless", "careful"),
    ("dynamodb.kms_cmk_encryption", "careless", "careful"),
])
def test_weak_resource_fails_and_its_twin_passes(seeded: Any, check_id: str, weak: str, strong: str) -> None:
    got = verdicts(seeded[0], check_id)
    assert (got.get(weak), got.get(strong)) == (Status.FAIL, Status.PASS), got


def test_kms_keys(seeded: Any) -> None:
    snapshot, keys = seeded
    rotation = verdicts(snapshot, "kms.cmk_rotation_enabled")
    # Only enabled customer keys: not the disabled or doomed ones, nor moto's default EBS key.
    assert rotation == {keys["rotated"]: Status.PASS, keys["public"]: Status.FAIL}
    assert verdicts(snapshot, "kms.cmk_not_pending_deletion")[keys["doomed"]] == Status.FAIL
    usable = verdicts(snapshot, "kms.cmk_unused_disabled")
    assert usable[keys["disabled"]] == Status.FAIL and usable[keys["rotated"]] == Status.PASS
    policies = verdicts(snapshot, "kms.key_policy_not_public")
    assert policies[keys["public"]] == Status.FAIL and policies[keys["rotated"]] == Status.PASS


def test_account_block_public_access_not_configured_fails(seeded: Any) -> None:
    assert set(verdicts(seeded[0], "s3.account_public_access_block").values()) == {Status.FAIL}


def test_efs_encryption(seeded: Any) -> None:
    statuses = sorted(s.value for s in verdicts(seeded[0], "efs.encrypted_at_rest").values())
    assert statuses == ["FAIL", "PASS"]


def test_glacier_policy_unreadable_in_moto_is_unknown(seeded: Any) -> None:
    findings = run_check(REGISTRY["glacier.vault_policy_not_public"], seeded[0])
    assert [(f.resource_id, f.status) for f in findings] == [("archive", Status.UNKNOWN)]


def test_bucket_findings_carry_the_bucket_region(seeded: Any) -> None:
    findings = run_check(REGISTRY["s3.bucket_versioning_enabled"], seeded[0])
    assert {f.region for f in findings} == {REGION}
