"""PASS, FAIL and UNKNOWN cases for the cross-cutting data checks (leaky copies of encrypted stores)."""

from __future__ import annotations

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
