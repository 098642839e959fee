"""More fix families on moto: plan, apply, rescan shows PASS, a second plan changes nothing, undo restores."""

from __future__ import annotations

from collections.abc import Callable

import boto3
import pytest
from moto import mock_aws

from cloudwarden.remediate import GuardedClients, Target, apply_plan, plan_fixes, undo_changes, undo_document, verify
from tests.helpers import MOTO_CREDENTIALS

R = "us-east-1"


def _kms() -> tuple[Target, Callable[[], object]]:
    kms = boto3.client("kms", region_name=R)
    key = kms.create_key()["KeyMetadata"]
    return (Target("kms.cmk_rotation_enabled", key["KeyId"], R, key["Arn"]),
            lambda: kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"])


def _dynamodb() -> tuple[Target, Callable[[], object]]:
    ddb = boto3.client("dynamodb", region_name=R)
    arn = ddb.create_table(TableName="orders", BillingMode="PAY_PER_REQUEST",
                           AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                           KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])["TableDescription"]["TableArn"]
    return (Target("dynamodb.pitr_enabled", "orders", R, arn),
            lambda: ddb.describe_continuous_backups(TableName="orders")["ContinuousBackupsDescription"][
                "PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"])


def _logs() -> tuple[Target, Callable[[], object]]:
    logs = boto3.client("logs", region_name=R)
    logs.create_log_group(logGroupName="/app/web")
    logs.put_retention_policy(logGroupName="/app/web", retentionInDays=1)  # no retention (never expire) passes
    return (Target("logs.log_group_retention", "/app/web", R),
            lambda: logs.describe_log_groups(logGroupNamePrefix="/app/web")["logGroups"][0].get("retentionInDays"))


def _ebs() -> tuple[Target, Callable[[], object]]:
    ec2 = boto3.client("ec2", region_name=R)
    return (Target("ebs.default_encryption_enabled", f"ec2/{R}", R),
            lambda: ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"])


@pytest.mark.parametrize("setup", [_kms, _dynamodb, _logs, _ebs], ids=["kms", "dynamodb", "logs", "ebs"])
def test_family_plan_apply_verify_idempotent_undo(setup: Callable[[], tuple[Target, Callable[[], object]]],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {**MOTO_CREDENTIALS, "AWS_DEFAULT_REGION": R}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        aws = GuardedClients()
        target, state = setup()
        before = state()
        plan = plan_fixes(aws, [target])
        assert len(plan.changes) == 1, plan.skipped
        assert state() == before  # planning changes nothing
        results = apply_plan(aws, plan)
        assert results and not results[0].error, results[0].error
        assert state() != before
        status = verify(aws, [target], [R])
        assert set(status.values()) == {"PASS"}, status
        again = plan_fixes(aws, [target])
        assert again.changes == [] and len(again.compliant) == 1  # a second apply changes nothing
        undo_changes(aws, undo_document(results))
        assert state() == before
