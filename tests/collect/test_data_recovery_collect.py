"""The recovery and TLS checks against moto: what moto serves gives real verdicts, what it lacks is UNKNOWN.

Seeds AWS Backup, Glacier, RDS and DynamoDB under `mock_aws`, collects with the real collector (the
specs of collect/services/data_recovery.py and the parents they hang off), and runs the checks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from cloudwarden.assess import run_check
from cloudwarden.checks.registry import load_all_checks
from cloudwarden.collect import collect_snapshot
from cloudwarden.collect.services import all_calls
from cloudwarden.core.enums import Status
from cloudwarden.core.findings import Finding
from cloudwarden.inventory.snapshot import Snapshot
from tests.helpers import scoped_env

REGION = "us-east-1"
PARENTS = ("backup.vaults", "backup.plans", "glacier.vaults", "rds.db_instances", "rds.db_clusters",
           "dynamodb.table_names", "dynamodb.tables", "ec2.volumes")


def _seed() -> None:
    backup = boto3.client("backup", region_name=REGION)
    backup.create_backup_vault(BackupVaultName="locked")
    backup.put_backup_vault_lock_configuration(BackupVaultName="locked", MinRetentionDays=7)
    backup.create_backup_vault(BackupVaultName="open")
    backup.create_backup_plan(BackupPlan={"BackupPlanName": "daily", "Rules": [
        {"RuleName": "daily", "TargetBackupVaultName": "locked"}]})
    boto3.client("glacier", region_name=REGION).create_vault(vaultName="archive")
    rds = boto3.client("rds", region_name=REGION)
    rds.create_db_parameter_group(DBParameterGroupName="pg-tls", DBParameterGroupFamily="postgres16",
                                  Description="forces TLS")
    rds.modify_db_parameter_group(DBParameterGroupName="pg-tls", Parameters=[
        {"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "immediate"}])
    rds.create_db_parameter_group(DBParameterGroupName="pg-plain", DBParameterGroupFamily="postgres16",
                                  Description="does not")
    rds.modify_db_parameter_group(DBParameterGroupName="pg-plain", Parameters=[
        {"ParameterName": "rds.force_ssl", "ParameterValue": "0", "ApplyMethod": "immediate"}])
    for name, group in (("strict", "pg-tls"), ("lax", "pg-plain")):
        rds.create_db_instance(DBInstanceIdentifier=name, DBInstanceClass="db.t3.micro", Engine="postgres",
                               EngineVersion="16.3", AllocatedStorage=20, MasterUsername="admin",
                               MasterUserPassword="not-a-secret-1", DBParameterGroupName=group)
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{n}.0/24", AvailabilityZone=f"{REGION}{z}")["Subnet"]["SubnetId"]
               for n, z in ((1, "a"), (2, "b"))]
    for name, tls in (("tls-proxy", True), ("plain-proxy", False)):
        rds.create_db_proxy(DBProxyName=name, EngineFamily="POSTGRESQL", RequireTLS=tls, VpcSubnetIds=subnets,
                            RoleArn="arn:aws:iam::123456789012:role/proxy",
                            Auth=[{"AuthScheme": "SECRETS", "IAMAuth": "DISABLED",
                                   "SecretArn": f"arn:aws:secretsmanager:{REGION}:123456789012:secret:db"}])
    ddb = boto3.client("dynamodb", region_name=REGION)
    for name in ("shared", "private"):
        ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    arn = ddb.describe_table(TableName="shared")["Table"]["TableArn"]
    ddb.put_resource_policy(ResourceArn=arn, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "dynamodb:GetItem",
        "Resource": arn}]}))


@pytest.fixture(scope="module")
def snapshot() -> Iterator[Snapshot]:
    env = dict(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION)
    from cloudwarden.collect.services import data_recovery
    wanted = {c.dataset for c in data_recovery.SPECS} | set(PARENTS)
    calls = [c for c in all_calls() if c.dataset in wanted]
    with scoped_env(env):
        with mock_aws():
            _seed()
            yield collect_snapshot(regions=[REGION], calls=calls, workers=4)


def _run(snapshot: Snapshot, check_id: str) -> dict[str, Finding]:
    return {f.resource_id: f for f in run_check(load_all_checks()[check_id], snapshot)}


def test_what_moto_serves_gives_real_verdicts(snapshot: Snapshot) -> None:
    lock = _run(snapshot, "backup.vault_lock")
    assert (lock["locked"].status, lock["open"].status) == (Status.PASS, Status.FAIL)
    tls = _run(snapshot, "rds.transport_encryption_enforced")
    assert (tls["strict"].status, tls["lax"].status) == (Status.PASS, Status.FAIL), [f.message for f in tls.values()]
    proxies = _run(snapshot, "rds.proxy_tls_required")
    assert (proxies["tls-proxy"].status, proxies["plain-proxy"].status) == (Status.PASS, Status.FAIL)
    policy = _run(snapshot, "dynamodb.resource_policy_restricted")
    assert (policy["private"].status, policy["shared"].status) == (Status.PASS, Status.FAIL)
    assert "account 444455556666" in policy["shared"].message


@pytest.mark.parametrize("check_id", [
    "backup.vault_policy_denies_delete", "backup.recovery_points_encrypted", "glacier.vault_lock_in_place",
    "glacier.vault_notifications", "rds.engine_version_supported", "dynamodb.in_backup_plan", "rds.in_backup_plan",
])
def test_what_moto_lacks_is_unknown_never_pass(snapshot: Snapshot, check_id: str) -> None:
    findings = list(_run(snapshot, check_id).values())
    assert findings, check_id
    assert {f.status for f in findings} == {Status.UNKNOWN}, [(f.resource_id, f.status, f.message) for f in findings]


def test_large_answers_are_slimmed_to_what_the_checks_read() -> None:
    from cloudwarden.collect.services.data_recovery import _slim_points, _tls_parameters
    points = [{"RecoveryPointArn": "rp", "IsEncrypted": False, "Status": "COMPLETED", "BackupSizeInBytes": 9,
               "Lifecycle": {"DeleteAfterDays": 35}}]
    assert _slim_points(points) == [{"RecoveryPointArn": "rp", "Status": "COMPLETED", "IsEncrypted": False}]
    parameters = [{"ParameterName": "rds.force_ssl", "ParameterValue": "1"}, {"ParameterName": "work_mem"}]
    assert _tls_parameters(parameters) == {"rds.force_ssl": {"ParameterName": "rds.force_ssl", "ParameterValue": "1"}}
