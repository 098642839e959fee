"""PASS, FAIL and UNKNOWN cases for the RDS and Aurora checks."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.core.enums import Status
from cloudwarden.inventory.snapshot import Gap
from tests.checks.cases import Case, Regional, assert_case, findings_for

REGION = "eu-west-1"


def instance(name: str = "db1", **fields: Any) -> dict[str, Any]:
    base = {"DBInstanceIdentifier": name, "DBInstanceArn": f"arn:aws:rds:{REGION}:111122223333:db:{name}",
            "Engine": "postgres", "EngineVersion": "16.3", "PubliclyAccessible": False,
            "StorageEncrypted": True, "KmsKeyId": "arn:aws:kms:eu-west-1:111122223333:key/k1",
            "BackupRetentionPeriod": 7, "DeletionProtection": True, "MultiAZ": True,
            "AutoMinorVersionUpgrade": True, "IAMDatabaseAuthenticationEnabled": True,
            "Endpoint": {"Address": f"{name}.abc.eu-west-1.rds.amazonaws.com", "Port": 5432},
            "AvailabilityZone": "eu-west-1a"}
    return {**base, **fields}


def cluster(name: str = "aurora1", **fields: Any) -> dict[str, Any]:
    base = {"DBClusterIdentifier": name, "DBClusterArn": f"arn:aws:rds:{REGION}:111122223333:cluster:{name}",
            "Engine": "aurora-postgresql", "StorageEncrypted": True, "BackupRetentionPeriod": 14,
            "DeletionProtection": True, "MultiAZ": True, "IAMDatabaseAuthenticationEnabled": True}
    return {**base, **fields}


def rds(instances: list[Any] | None = None, clusters: list[Any] | None = None, **more: Any) -> dict[str, Any]:
    data = {"rds.db_instances": Regional({REGION: instances or []}),
            "rds.db_clusters": Regional({REGION: clusters or []})}
    data.update({k: Regional({REGION: v}) for k, v in more.items()})
    return data


def snapshots(attributes: list[str], encrypted: bool = True) -> dict[str, Any]:
    snap = {"DBSnapshotIdentifier": "snap1", "DBSnapshotArn": "arn:aws:rds:eu-west-1:1:snapshot:snap1",
            "Encrypted": encrypted}
    attrs = {"DBSnapshotIdentifier": "snap1",
             "DBSnapshotAttributes": [{"AttributeName": "restore", "AttributeValues": attributes}]}
    return {"rds.db_snapshots": Regional({REGION: [snap]}),
            "rds.db_snapshot_attributes": Regional({REGION: {"snap1": attrs}}),
            "rds.db_cluster_snapshots": Regional({REGION: []}),
            "rds.db_cluster_snapshot_attributes": Regional({REGION: {}})}


def cluster_snapshots(attributes: list[str], encrypted: bool = True) -> dict[str, Any]:
    snap = {"DBClusterSnapshotIdentifier": "csnap", "DBClusterSnapshotArn": "arn:aws:rds:eu-west-1:1:cluster-snapshot:csnap",
            "StorageEncrypted": encrypted}
    attrs = {"DBClusterSnapshotIdentifier": "csnap",
             "DBClusterSnapshotAttributes": [{"AttributeName": "restore", "AttributeValues": attributes}]}
    return {"rds.db_snapshots": Regional({REGION: []}), "rds.db_snapshot_attributes": Regional({REGION: {}}),
            "rds.db_cluster_snapshots": Regional({REGION: [snap]}),
            "rds.db_cluster_snapshot_attributes": Regional({REGION: {"csnap": attrs}})}


ONE_REGION = (REGION,)
MEMBER = instance("member1", DBClusterIdentifier="aurora1", BackupRetentionPeriod=1, DeletionProtection=False,
                  MultiAZ=False, IAMDatabaseAuthenticationEnabled=False, Engine="aurora-postgresql")

CASES = [
    Case("pass-private", "rds.instance_not_public", rds([instance()])),
    Case("fail-public", "rds.instance_not_public", rds([instance(PubliclyAccessible=True)]),
         message="db1.abc.eu-west-1.rds.amazonaws.com:5432"),
    Case("pass-encrypted", "rds.instance_storage_encrypted", rds([instance()]), message="key/k1"),
    Case("fail-unencrypted", "rds.instance_storage_encrypted", rds([instance(StorageEncrypted=False)]),
         message="not encrypted"),
    Case("pass-cluster-encrypted", "rds.cluster_storage_encrypted", rds(clusters=[cluster()])),
    Case("fail-cluster-unencrypted", "rds.cluster_storage_encrypted",
         rds(clusters=[cluster(StorageEncrypted=False)])),
    Case("pass-backups", "rds.automatic_backups", rds([instance(), MEMBER], [cluster()])),
    Case("fail-backups-off", "rds.automatic_backups", rds([instance(BackupRetentionPeriod=0)]),
         message="automatic backups are off"),
    Case("fail-backups-short", "rds.automatic_backups", rds(clusters=[cluster(BackupRetentionPeriod=3)]),
         message="only 3 days"),
    Case("pass-deletion-protection", "rds.deletion_protection", rds([instance(), MEMBER], [cluster()])),
    Case("fail-deletion-protection", "rds.deletion_protection", rds(clusters=[cluster(DeletionProtection=False)]),
         resource="aurora1", message="off"),
    Case("pass-multi-az", "rds.multi_az", rds([instance(), MEMBER], [cluster()])),
    Case("fail-single-az", "rds.multi_az", rds([instance(MultiAZ=False)]), message="eu-west-1a"),
    Case("pass-minor-upgrades", "rds.auto_minor_version_upgrade", rds([instance()], [cluster()])),
    Case("fail-minor-upgrades", "rds.auto_minor_version_upgrade",
         rds([instance(AutoMinorVersionUpgrade=False)]), message="postgres 16.3"),
    Case("fail-member-minor-upgrades", "rds.auto_minor_version_upgrade",
         rds([dict(MEMBER, AutoMinorVersionUpgrade=False)], [cluster()]), resource="member1"),
    Case("pass-iam-auth", "rds.iam_authentication", rds([instance(), MEMBER], [cluster()])),
    Case("fail-iam-auth", "rds.iam_authentication", rds([instance(IAMDatabaseAuthenticationEnabled=False)]),
         message="only database passwords"),
    Case("pass-snapshot-private", "rds.snapshot_not_public", snapshots([]), message="not shared"),
    Case("pass-snapshot-shared-with-account", "rds.snapshot_not_public", snapshots(["444455556666"]),
         message="shared with 444455556666 only"),
    Case("fail-snapshot-public", "rds.snapshot_not_public", snapshots(["all"]), message="'all'"),
    Case("fail-cluster-snapshot-public", "rds.snapshot_not_public", cluster_snapshots(["all"]),
         resource="csnap"),
    Case("pass-snapshot-encrypted", "rds.snapshot_encrypted", snapshots([])),
    Case("fail-snapshot-unencrypted", "rds.snapshot_encrypted", snapshots([], encrypted=False)),
    Case("fail-cluster-snapshot-unencrypted", "rds.snapshot_encrypted", cluster_snapshots([], encrypted=False)),
    Case("pass-in-vpc", "rds.in_vpc", rds([instance(DBSubnetGroup={"VpcId": "vpc-1"})]), message="vpc-1"),
    Case("fail-no-vpc", "rds.in_vpc", rds([instance()]), message="not in a VPC"),
    Case("pass-monitoring", "rds.enhanced_monitoring", rds([instance(MonitoringInterval=60)])),
    Case("fail-monitoring", "rds.enhanced_monitoring", rds([instance(MonitoringInterval=0)]), message="off"),
    Case("pass-copy-tags", "rds.copy_tags_to_snapshots", rds([instance(CopyTagsToSnapshot=True)])),
    Case("fail-copy-tags", "rds.copy_tags_to_snapshots", rds(clusters=[cluster()]), resource="aurora1"),
    Case("pass-custom-admin", "rds.custom_admin_username", rds([instance(MasterUsername="dbowner")])),
    Case("fail-default-admin", "rds.custom_admin_username", rds(clusters=[cluster(MasterUsername="postgres")]),
         message="'postgres'"),
    Case("pass-log-exports", "rds.logs_to_cloudwatch",
         rds([instance(EnabledCloudwatchLogsExports=["postgresql", "upgrade"])])),
    Case("fail-log-exports", "rds.logs_to_cloudwatch",
         rds([instance(Engine="mysql", EnabledCloudwatchLogsExports=["error"])]),
         message="does not export audit, general, slowquery logs"),
]
for case in CASES:
    case.regions = ONE_REGION


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)


def test_cluster_settings_are_judged_on_the_cluster_not_its_members() -> None:
    findings = findings_for(Case("pass-x", "rds.deletion_protection", rds([MEMBER], [cluster()]),
                                 regions=ONE_REGION))
    assert [(f.resource_id, f.status, f.resource_type) for f in findings] == [
        ("aurora1", Status.PASS, "AWS::RDS::DBCluster")]


def test_read_replicas_and_unsupported_engines_are_out_of_scope() -> None:
    replica = instance("replica", BackupRetentionPeriod=0, ReadReplicaSourceDBInstanceIdentifier="db1")
    oracle = instance("ora", Engine="oracle-ee", IAMDatabaseAuthenticationEnabled=False)
    assert findings_for(Case("pass-x", "rds.automatic_backups", rds([replica]), regions=ONE_REGION)) == []
    assert findings_for(Case("pass-x", "rds.iam_authentication", rds([oracle]), regions=ONE_REGION)) == []


def test_missing_snapshot_attributes_are_unknown() -> None:
    data = snapshots(["all"])
    data["rds.db_snapshot_attributes"] = Regional({REGION: {}})
    gap = Gap("rds.db_snapshot_attributes", "rds", "DescribeDBSnapshotAttributes", REGION, "AccessDenied",
              "denied", "rds:DescribeDBSnapshotAttributes", "snap1")
    findings = findings_for(Case("unknown-x", "rds.snapshot_not_public", data, gaps=[gap], regions=ONE_REGION))
    assert [f.status for f in findings] == [Status.UNKNOWN]
