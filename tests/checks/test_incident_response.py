"""PASS, FAIL and UNKNOWN cases for the incident-response checks: finding routes, Backup, CloudFormation."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudwarden.core.enums import Status
from tests.checks.cases import Case, Regional, assert_case, findings_for

REGION = "us-east-1"
ONE_REGION = (REGION,)
ACCOUNT = "111122223333"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:oncall"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k1"


def rule(name: str, sources: Any, state: str = "ENABLED") -> dict[str, Any]:
    return {"Name": name, "EventPattern": json.dumps({"source": sources}), "State": state}


def events(*rules: dict[str, Any], targets: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"events.rules": Regional({REGION: list(rules)}), "events.rule_targets": Regional({REGION: targets or {}})}


def stack(name: str, **fields: Any) -> dict[str, Any]:
    base = {"StackName": name, "StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{name}/1",
            "StackStatus": "CREATE_COMPLETE", "NotificationARNs": [], "EnableTerminationProtection": False}
    return {**base, **fields}


def stacks(*items: dict[str, Any]) -> dict[str, Any]:
    return {"cloudformation.stacks": Regional({REGION: list(items)})}


def vaults(*items: dict[str, Any], keys: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"backup.vaults": Regional({REGION: list(items)}), "kms.keys": Regional({REGION: keys or {}})}


def vault(name: str, key_arn: str | None = None) -> dict[str, Any]:
    found = {"BackupVaultName": name, "BackupVaultArn": f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-vault:{name}"}
    return {**found, "EncryptionKeyArn": key_arn} if key_arn else found


GUARDDUTY = rule("gd-to-oncall", ["aws.guardduty"])
PLAN = {"BackupPlanId": "p1", "BackupPlanName": "daily"}

CASES = [
    Case("pass-guardduty-routed", "ir.findings_routed_to_responders",
         events(GUARDDUTY, targets={"gd-to-oncall": [{"Id": "1", "Arn": TOPIC}]}),
         message=f"gd-to-oncall (GuardDuty) -> {TOPIC}"),
    Case("pass-aws-prefix-routed", "ir.findings_routed_to_responders",
         events(rule("all-aws", [{"prefix": "aws."}]), targets={"all-aws": [{"Id": "1", "Arn": TOPIC}]}),
         message="GuardDuty and Security Hub"),
    Case("fail-no-rule", "ir.findings_routed_to_responders", events(rule("ec2", ["aws.ec2"])),
         message="no rule matches GuardDuty or Security Hub findings"),
    Case("fail-rule-without-target", "ir.findings_routed_to_responders",
         events(rule("sh", ["aws.securityhub"]), targets={"sh": []}), message="sh (Security Hub) has no target"),
    Case("fail-rule-disabled", "ir.findings_routed_to_responders",
         events(rule("gd-to-oncall", ["aws.guardduty"], "DISABLED"),
                targets={"gd-to-oncall": [{"Id": "1", "Arn": TOPIC}]}), message="is disabled"),
    Case("unknown-targets-unread", "ir.findings_routed_to_responders", events(GUARDDUTY)),
    Case("pass-plan", "backup.plan_exists", {"backup.plans": Regional({REGION: [PLAN]})},
         message="backup plans: daily"),
    Case("fail-no-plan", "backup.plan_exists", {"backup.plans": Regional({REGION: []})}, message="no backup plan"),
    Case("pass-vault-cmk", "backup.vault_encrypted_cmk",
         vaults(vault("v", KEY_ARN), keys={"k1": {"KeyId": "k1", "KeyManager": "CUSTOMER"}}),
         message="KeyManager CUSTOMER"),
    Case("pass-vault-cross-account-key", "backup.vault_encrypted_cmk",
         vaults(vault("v", f"arn:aws:kms:{REGION}:444455556666:key/k9")), message="account 444455556666"),
    Case("fail-vault-aws-key", "backup.vault_encrypted_cmk",
         vaults(vault("v", KEY_ARN), keys={"k1": {"KeyId": "k1", "KeyManager": "AWS"}}), message="KeyManager AWS"),
    Case("fail-vault-default-key", "backup.vault_encrypted_cmk", vaults(vault("v")), message="aws/backup"),
    Case("unknown-vault-key-unread", "backup.vault_encrypted_cmk", vaults(vault("v", KEY_ARN))),
    Case("pass-protected", "cloudformation.termination_protection",
         stacks(stack("prod", EnableTerminationProtection=True)), message="on"),
    Case("fail-unprotected", "cloudformation.termination_protection", stacks(stack("prod")),
         message="termination protection is off"),
    Case("pass-notifications", "cloudformation.stack_notifications",
         stacks(stack("prod", NotificationARNs=[TOPIC])), message=TOPIC),
    Case("fail-no-notifications", "cloudformation.stack_notifications", stacks(stack("prod")),
         message="no SNS topic"),
]
for case in CASES:
    case.regions = ONE_REGION


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)


@pytest.mark.parametrize("check_id", ["cloudformation.termination_protection", "cloudformation.stack_notifications"])
def test_nested_and_deleted_stacks_are_not_judged(check_id: str) -> None:
    data = stacks(stack("child", ParentId="arn:parent"), stack("gone", StackStatus="DELETE_COMPLETE"), stack("root"))
    assert [f.resource_id for f in findings_for(Case("fail-x", check_id, data, regions=ONE_REGION))] == ["root"]


def test_a_routed_rule_passes_even_when_another_is_unreadable() -> None:
    data = events(rule("unread", ["aws.securityhub"]), GUARDDUTY,
                  targets={"gd-to-oncall": [{"Id": "1", "Arn": TOPIC}]})
    findings = findings_for(Case("pass-x", "ir.findings_routed_to_responders", data, regions=ONE_REGION))
    assert [f.status for f in findings] == [Status.PASS]


def test_scheduled_rules_without_pattern_are_ignored() -> None:
    data = events({"Name": "nightly", "ScheduleExpression": "rate(1 day)", "State": "ENABLED"})
    findings = findings_for(Case("fail-x", "ir.findings_routed_to_responders", data, regions=ONE_REGION))
    assert [f.status for f in findings] == [Status.FAIL]
