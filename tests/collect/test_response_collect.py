"""The incident-response checks against moto: planted weaknesses FAIL, their compliant twins PASS.

Seeds EventBridge, AWS Backup, KMS and CloudFormation with boto3 under `mock_aws`, collects a
snapshot with the real collector (the response specs and the KMS key specs only), and runs the checks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from cloudwarden.assess import run_check
from cloudwarden.checks import incident_response  # noqa: F401 - registers the checks
from cloudwarden.checks.registry import REGISTRY
from cloudwarden.collect import collect_snapshot
from cloudwarden.collect.services import data as data_specs
from cloudwarden.collect.services import response as response_specs
from cloudwarden.core.enums import Status
from cloudwarden.inventory.snapshot import Snapshot
from tests.helpers import scoped_env

REGION = "us-east-1"
TEMPLATE = json.dumps({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}})


def _seed() -> str:
    topic = boto3.client("sns", region_name=REGION).create_topic(Name="oncall")["TopicArn"]
    rules = boto3.client("events", region_name=REGION)
    rules.put_rule(Name="findings", EventPattern=json.dumps({"source": ["aws.guardduty", "aws.securityhub"]}))
    rules.put_targets(Rule="findings", Targets=[{"Id": "oncall", "Arn": topic}])
    key = boto3.client("kms", region_name=REGION).create_key(Description="backups")["KeyMetadata"]["Arn"]
    backup = boto3.client("backup", region_name=REGION)
    backup.create_backup_vault(BackupVaultName="default-key-vault")
    backup.create_backup_vault(BackupVaultName="cmk-vault", EncryptionKeyArn=key)
    backup.create_backup_plan(BackupPlan={"BackupPlanName": "daily", "Rules": [
        {"RuleName": "daily", "TargetBackupVaultName": "cmk-vault"}]})
    stacks = boto3.client("cloudformation", region_name=REGION)
    stacks.create_stack(StackName="careless", TemplateBody=TEMPLATE)
    stacks.create_stack(StackName="careful", TemplateBody=TEMPLATE, EnableTerminationProtection=True,
                        NotificationARNs=[topic])
    return topic


@pytest.fixture(scope="module")
def snapshots() -> Iterator[tuple[Snapshot, Snapshot]]:
    env = dict(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION)
    kms_calls = [c for c in data_specs.SPECS if c.dataset in ("kms.key_ids", "kms.keys")]
    calls = [*response_specs.SPECS, *kms_calls]
    with scoped_env(env):
        with mock_aws():
            empty = collect_snapshot(regions=[REGION], calls=calls, workers=4)
            _seed()
            yield empty, collect_snapshot(regions=[REGION], calls=calls, workers=4)


def verdicts(snapshot: Snapshot, check_id: str) -> dict[str, Any]:
    return {f.resource_id: f.status for f in run_check(REGISTRY[check_id], snapshot)}


@pytest.mark.parametrize("check_id, weak, strong", [
    ("backup.vault_encrypted_cmk", "default-key-vault", "cmk-vault"),
    ("cloudformation.termination_protection", "careless", "careful"),
    ("cloudformation.stack_notifications", "careless", "careful"),
])
def test_weak_resource_fails_and_its_twin_passes(snapshots: Any, check_id: str, weak: str, strong: str) -> None:
    got = verdicts(snapshots[1], check_id)
    assert got == {weak: Status.FAIL, strong: Status.PASS}, got


@pytest.mark.parametrize("check_id", ["ir.findings_routed_to_responders", "backup.plan_exists"])
def test_account_level_checks_fail_when_empty_and_pass_when_configured(snapshots: Any, check_id: str) -> None:
    empty, seeded = snapshots
    assert set(verdicts(empty, check_id).values()) == {Status.FAIL}
    assert set(verdicts(seeded, check_id).values()) == {Status.PASS}


def test_finding_route_names_the_rule_and_target(snapshots: Any) -> None:
    findings = run_check(REGISTRY["ir.findings_routed_to_responders"], snapshots[1])
    assert "findings (GuardDuty and Security Hub) -> arn:aws:sns:us-east-1:" in findings[0].message
