"""A fix aims at the threshold the findings were judged by: a config file's, recorded in findings.json."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from cloudwarden.cli.fix import _recorded_threshold
from cloudwarden.remediate import GuardedClients, Target, plan_fixes
from tests.helpers import MOTO_CREDENTIALS

R = "us-east-1"


@pytest.fixture()
def aws(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    for key, value in {**MOTO_CREDENTIALS, "AWS_DEFAULT_REGION": R}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield GuardedClients()


def _steps(plan):  # type: ignore[no-untyped-def]
    return [step.to_dict() for change in plan.changes for step in change.steps]


def test_log_retention_fix_meets_the_configured_threshold(aws: GuardedClients) -> None:
    logs = boto3.client("logs", region_name=R)
    logs.create_log_group(logGroupName="/app/web")
    logs.put_retention_policy(logGroupName="/app/web", retentionInDays=365)
    target = Target("logs.log_group_retention", "/app/web", R)
    assert plan_fixes(aws, [target]).changes == []  # 365 meets the default
    plan = plan_fixes(aws, [target], {"logs_min_retention_days": 500})
    [step] = _steps(plan)
    assert step["params"]["retentionInDays"] == 545  # the shortest value PutRetentionPolicy accepts >= 500


def test_rds_backup_fix_meets_the_configured_threshold(aws: GuardedClients) -> None:
    rds = boto3.client("rds", region_name=R)
    rds.create_db_instance(DBInstanceIdentifier="db1", DBInstanceClass="db.t3.micro", Engine="postgres",
                           MasterUsername="admin", MasterUserPassword="password123", AllocatedStorage=20,
                           BackupRetentionPeriod=10)
    target = Target("rds.automatic_backups", "db1", R)
    assert plan_fixes(aws, [target]).changes == []  # 10 days meet the default 7
    [step] = _steps(plan_fixes(aws, [target], {"rds_min_backup_days": 14}))
    assert step["params"]["BackupRetentionPeriod"] == 14


def test_fix_reads_the_threshold_recorded_in_findings_json() -> None:
    document = {"sections": {"settings": {"config_file": "c.yaml", "non_default": {
        "thresholds.rds.min_backup_retention_days": {"value": 14, "source": "c.yaml:3"}}}}}
    assert _recorded_threshold(document, "thresholds.rds.min_backup_retention_days") == 14
    assert _recorded_threshold(document, "thresholds.logs.min_retention_days") is None
    assert _recorded_threshold({}, "thresholds.logs.min_retention_days") is None
