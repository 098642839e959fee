"""PASS, FAIL and UNKNOWN cases for the cross-cutting data checks (leaky copies of encrypted stores)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudwarden.core.enums import Status
from cloudwarden.inventory.snapshot import Gap
from tests.checks.cases import ACCOUNT, Case, Regional, assert_case, findings_for

REGION = "eu-west-1"
ONE_REGION = (REGION,)
PARTNER, MEMBER = "444455556666", "777788889999"


def sources(ebs_shared: list[str] | None = None, ebs_encrypted: bool = True, db_shared: list[str] | None = None,
            cluster_shared: list[str] | None = None, members: list[str] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ec2.volumes": Regional({REGION: [{"VolumeId": "vol-1", "Encrypted": True},
                                          {"VolumeId": "vol-plain", "Encrypted": False}]}),
        "ec2.snapshots": Regional({REGION: [{"SnapshotId": "snap-1", "VolumeId": "vol-1", "OwnerId": ACCOUNT,
                                             "Encrypted": ebs_encrypted}]}),
        "ec2.snapshot_volume_permissions": Regional({REGION: {"snap-1": [
            {"Group": "all"} if a == "all" else {"UserId": a} for a in ebs_shared or []]}}),
        "rds.db_instances": Regional({REGION: [{"DBInstanceIdentifier": "db1", "StorageEncrypted": True,
                                                "DBInstanceArn": f"arn:aws:rds:{REGION}:{ACCOUNT}:db:db1"}]}),
        "rds.db_clusters": Regional({REGION: [{"DBClusterIdentifier": "aurora1", "StorageEncrypted": True}]}),
        "rds.db_snapshots": Regional({REGION: [{"DBSnapshotIdentifier": "db1-manual", "DBInstanceIdentifier": "db1",
                                                "Encrypted": True}]}),
        "rds.db_snapshot_attributes": Regional({REGION: {"db1-manual": {"DBSnapshotAttributes": [
            {"AttributeName": "restore", "AttributeValues": db_shared or []}]}}}),
        "rds.db_cluster_snapshots": Regional({REGION: [{"DBClusterSnapshotIdentifier": "aurora1-manual",
                                                        "DBClusterIdentifier": "aurora1", "StorageEncrypted": True}]}),
        "rds.db_cluster_snapshot_attributes": Regional({REGION: {"aurora1-manual": {"DBClusterSnapshotAttributes": [
            {"AttributeName": "restore", "AttributeValues": cluster_shared or []}]}}}),
    }
    if members is not None:
        data["organizations.accounts"] = [{"Id": m} for m in members]
    return data


CHECK = "data.encrypted_source_leaky_copy"
CASES = [
    Case("pass-private-copies", CHECK, sources(), message="its 1 snapshot(s) are encrypted and stay in the account"),
    Case("pass-shared-in-org", CHECK, sources(ebs_shared=[MEMBER], db_shared=[MEMBER], members=[ACCOUNT, MEMBER])),
    Case("fail-ebs-shared-out", CHECK, sources(ebs_shared=[PARTNER]), resource="vol-1",
         message=f"snap-1 is shared with {PARTNER}"),
    Case("fail-ebs-public", CHECK, sources(ebs_shared=["all"]), resource="vol-1", message="snap-1 is public"),
    Case("fail-unencrypted-copy", CHECK, sources(ebs_encrypted=False), resource="vol-1",
         message="snap-1 is unencrypted"),
    Case("fail-db-snapshot-public", CHECK, sources(db_shared=["all"]), resource="db1", message="db1-manual is public"),
    Case("fail-cluster-snapshot-foreign", CHECK, sources(cluster_shared=[PARTNER]), resource="aurora1",
         message=f"aurora1-manual is shared with {PARTNER}"),
]
for case in CASES:
    case.regions = ONE_REGION


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)


def test_unencrypted_sources_are_left_to_the_encryption_checks() -> None:
    findings = findings_for(Case("pass-x", CHECK, sources(), regions=ONE_REGION))
    assert "vol-plain" not in {f.resource_id for f in findings}


def test_unread_snapshot_permissions_are_unknown() -> None:
    data = sources()
    data["ec2.snapshot_volume_permissions"] = Regional({REGION: {}})
    gap = Gap("ec2.snapshot_volume_permissions", "ec2", "DescribeSnapshotAttribute", REGION, "AccessDenied", "denied",
              "ec2:DescribeSnapshotAttribute", "snap-1")
    findings = findings_for(Case("unknown-x", CHECK, data, gaps=[gap], regions=ONE_REGION))
    assert {f.resource_id: f.status for f in findings}["ec2/eu-west-1"] is Status.UNKNOWN
    assert "vol-1" not in {f.resource_id for f in findings}


# -- data.public_and_unrecoverable --

TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"
DB_ARN = f"arn:aws:rds:{REGION}:{ACCOUNT}:db:db1"
OPEN_READ = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::open/*"}
OPEN_WRITE = dict(OPEN_READ, Action=["s3:GetObject", "s3:PutObject"])
TABLE_OPEN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:root"},
                                                      "Action": "dynamodb:Scan", "Resource": TABLE_ARN}]}
BY_TAG = {"SelectionId": "s1", "SelectionName": "tagged", "Resources": ["*"], "Conditions": {"StringEquals": [
    {"ConditionKey": "aws:ResourceTag/backup", "ConditionValue": "daily"}]}}


def stores(versioning: str = "Enabled", bucket_policy: Any = OPEN_READ, retention: int = 0, db_tag: str = "daily",
           pitr: str = "DISABLED", table_tag: str = "daily", public_db: bool = True) -> dict[str, Any]:
    owner = {"ID": "a" * 64}
    acl = {"Owner": owner, "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]},
                                       "Permission": "FULL_CONTROL"}]}
    return {
        "s3.buckets": [{"Name": "open"}, {"Name": "closed"}],
        "s3.bucket_policy": {"open": json.dumps({"Version": "2012-10-17", "Statement": [bucket_policy]}), "closed": None},
        "s3.bucket_acl": {"open": acl, "closed": acl},
        "s3.bucket_public_access_block": {"open": None, "closed": None}, "s3.account_public_access_block": None,
        "s3.bucket_ownership_controls": {"open": None, "closed": None},
        "s3.bucket_versioning": {"open": {"Status": versioning} if versioning else {}, "closed": {}},
        "rds.db_instances": Regional({REGION: [{"DBInstanceIdentifier": "db1", "DBInstanceArn": DB_ARN,
                                                "PubliclyAccessible": public_db, "BackupRetentionPeriod": retention,
                                                "TagList": [{"Key": "backup", "Value": db_tag}]}]}),
        "rds.db_snapshots": Regional({REGION: [{"DBSnapshotIdentifier": "db1-manual", "DBInstanceIdentifier": "db1"}]}),
        "rds.db_snapshot_attributes": Regional({REGION: {"db1-manual": {"DBSnapshotAttributes": [
            {"AttributeName": "restore", "AttributeValues": []}]}}}),
        "dynamodb.table_names": Regional({REGION: ["orders"]}),
        "dynamodb.tables": Regional({REGION: {"orders": {"TableName": "orders", "TableArn": TABLE_ARN}}}),
        "dynamodb.resource_policy": Regional({REGION: {"orders": json.dumps(TABLE_OPEN)}}),
        "dynamodb.continuous_backups": Regional({REGION: {"orders": {
            "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": pitr}}}}),
        "dynamodb.table_tags": Regional({REGION: {"orders": [{"Key": "backup", "Value": table_tag}]}}),
        "backup.plans": Regional({REGION: [{"BackupPlanId": "p1", "BackupPlanName": "daily"}]}),
        "backup.selections": Regional({REGION: {"p1": [BY_TAG]}}),
        "backup.protected_resources": Regional({REGION: []}),
    }


PU = "data.public_and_unrecoverable"
CASES += [
    Case("pass-exposed-but-recoverable", PU, stores(), regions=ONE_REGION, message="but recoverable"),
    Case("fail-public-bucket-unversioned", PU, stores(versioning="Suspended"), resource="open", regions=ONE_REGION,
         message="exposed (anonymous may read (s3:GetObject via resource policy)"),
    Case("fail-public-db-no-backups", PU, stores(db_tag="never"), resource="db1", regions=ONE_REGION,
         message="publicly accessible endpoint"),
    Case("fail-open-table-no-pitr-no-plan", PU, stores(table_tag="never"), resource="orders", regions=ONE_REGION,
         message=f"resource policy lets in account {PARTNER}: dynamodb:Scan"),
]


def test_a_store_nobody_outside_reaches_passes() -> None:
    findings = findings_for(Case("pass-x", PU, stores(), resource="closed", regions=ONE_REGION))
    assert [(f.status, f.message) for f in findings] == [(Status.PASS, "not exposed to the public or to other accounts")]


def test_a_public_snapshot_exposes_its_instance() -> None:
    data = stores(public_db=False, db_tag="never")
    data["rds.db_snapshot_attributes"] = Regional({REGION: {"db1-manual": {"DBSnapshotAttributes": [
        {"AttributeName": "restore", "AttributeValues": ["all"]}]}}})
    findings = findings_for(Case("fail-x", PU, data, resource="db1", regions=ONE_REGION))
    assert [f.status for f in findings] == [Status.FAIL]
    assert "snapshot db1-manual restorable by anyone" in findings[0].message


def test_write_reach_is_critical_and_read_only_reach_high() -> None:
    write = findings_for(Case("fail-x", PU, stores(versioning="", bucket_policy=OPEN_WRITE), resource="open",
                              regions=ONE_REGION))
    read = findings_for(Case("fail-x", PU, stores(table_tag="never"), resource="orders", regions=ONE_REGION))
    assert [(f.status, f.severity.value) for f in write] == [(Status.FAIL, "critical")]
    assert [(f.status, f.severity.value) for f in read] == [(Status.FAIL, "high")]


def test_an_undecidable_backup_assignment_is_unknown() -> None:
    data = stores()
    data["backup.selections"] = Regional({REGION: {}})
    gap = Gap("backup.selections", "backup", "ListBackupSelections", REGION, "NotImplemented",
              "the endpoint does not implement this operation", "backup:ListBackupSelections", "p1")
    findings = findings_for(Case("unknown-x", PU, data, gaps=[gap], regions=ONE_REGION))
    statuses = {f.resource_id: f.status for f in findings}
    assert statuses["db1"] is Status.UNKNOWN and statuses["orders"] is Status.UNKNOWN
    assert statuses["open"] is Status.PASS  # versioned: recoverable without any plan
