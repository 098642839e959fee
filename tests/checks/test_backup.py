"""PASS, FAIL and UNKNOWN cases for the AWS Backup vault checks (lock, deny-delete policy, encryption)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudwarden.core.enums import Status
from cloudwarden.inventory.snapshot import Gap
from tests.checks.cases import ACCOUNT, Case, Regional, assert_case, findings_for

REGION = "us-east-1"
ONE_REGION = (REGION,)
VAULT_ARN = f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-vault:prod"


def vault(**fields: Any) -> dict[str, Any]:
    return {"BackupVaultName": "prod", "BackupVaultArn": VAULT_ARN, "NumberOfRecoveryPoints": 2, **fields}


def vaults(*items: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"backup.vaults": Regional({REGION: list(items)}), **{k.replace("__", "."): v for k, v in more.items()}}


def with_policy(document: Any) -> dict[str, Any]:
    text = None if document is None else json.dumps(document)
    return {**vaults(vault()), "backup.vault_access_policy": Regional({REGION: {"prod": text}})}


DENY_DELETE = {"Version": "2012-10-17", "Statement": [{
    "Sid": "deny-delete", "Effect": "Deny", "Principal": "*",
    "Action": ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle", "backup:PutBackupVaultAccessPolicy"],
    "Resource": "*",
    "Condition": {"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/break-glass"}}}]}
DENY_ONLY_DELETE = {"Version": "2012-10-17", "Statement": [dict(DENY_DELETE["Statement"][0],
                                                                Action="backup:DeleteRecoveryPoint")]}
# A deny that only binds one named user: every other principal may still delete.
DENY_ONE_USER = {"Version": "2012-10-17", "Statement": [dict(
    DENY_DELETE["Statement"][0], Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:user/intern"}, Condition={})]}


def points(*encrypted: bool | None) -> dict[str, Any]:
    listed = []
    for number, flag in enumerate(encrypted):
        point = {"RecoveryPointArn": f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:{number}",
                 "ResourceArn": f"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:file-system/fs-{number}",
                 "Status": "COMPLETED"}
        if flag is not None:
            point["IsEncrypted"] = flag
        listed.append(point)
    return {**vaults(vault()), "backup.recovery_points": Regional({REGION: {"prod": listed}})}


CASES = [
    Case("pass-compliance-lock", "backup.vault_lock",
         vaults(vault(Locked=True, LockDate="2026-01-01T00:00:00+00:00", MinRetentionDays=7)),
         message="compliance mode since 2026-01-01"),
    Case("pass-governance-lock", "backup.vault_lock", vaults(vault(Locked=True, MinRetentionDays=7)),
         message="governance mode"),
    Case("pass-air-gapped", "backup.vault_lock", vaults(vault(VaultType="LOGICALLY_AIR_GAPPED_BACKUP_VAULT"))),
    Case("fail-unlocked", "backup.vault_lock", vaults(vault(Locked=False)), message="no Vault Lock"),
    Case("fail-never-locked", "backup.vault_lock", vaults(vault())),
    Case("pass-deny-delete", "backup.vault_policy_denies_delete", with_policy(DENY_DELETE),
         message="denies backup:DeleteRecoveryPoint, backup:UpdateRecoveryPointLifecycle"),
    Case("fail-no-policy", "backup.vault_policy_denies_delete", with_policy(None), message="no vault access policy"),
    Case("fail-lifecycle-open", "backup.vault_policy_denies_delete", with_policy(DENY_ONLY_DELETE),
         message="does not deny backup:UpdateRecoveryPointLifecycle"),
    Case("fail-deny-binds-one-user", "backup.vault_policy_denies_delete", with_policy(DENY_ONE_USER),
         message="does not deny backup:DeleteRecoveryPoint"),
    Case("pass-all-encrypted", "backup.recovery_points_encrypted", points(True, True),
         message="all 2 recovery points encrypted"),
    Case("pass-empty-vault", "backup.recovery_points_encrypted", points(), message="no recovery points"),
    Case("fail-one-plain", "backup.recovery_points_encrypted", points(True, False),
         message="1 of 2 recovery points unencrypted"),
]
for case in CASES:
    case.regions = ONE_REGION


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)


def _gap(dataset: str, operation: str) -> Gap:
    return Gap(dataset, "backup", operation, REGION, "NotImplemented", "the endpoint does not implement this operation",
               f"backup:{operation}", "prod")


@pytest.mark.parametrize(("check_id", "dataset", "operation"), [
    ("backup.vault_policy_denies_delete", "backup.vault_access_policy", "GetBackupVaultAccessPolicy"),
    ("backup.recovery_points_encrypted", "backup.recovery_points", "ListRecoveryPointsByBackupVault"),
])
def test_what_the_endpoint_cannot_serve_is_unknown(check_id: str, dataset: str, operation: str) -> None:
    # moto implements neither operation: the collector records a per-vault gap.
    data = {**vaults(vault()), dataset: Regional({REGION: {}})}
    findings = findings_for(Case("unknown-x", check_id, data, gaps=[_gap(dataset, operation)], regions=ONE_REGION))
    assert [(f.resource_id, f.status) for f in findings] == [("prod", Status.UNKNOWN)]
    assert "does not implement" in findings[0].message


def test_a_policy_the_evaluator_cannot_read_is_unknown() -> None:
    data = {**vaults(vault()), "backup.vault_access_policy": Regional({REGION: {"prod": "{not json"}})}
    findings = findings_for(Case("unknown-x", "backup.vault_policy_denies_delete", data, regions=ONE_REGION))
    assert [f.status for f in findings] == [Status.UNKNOWN]
    assert "could not be evaluated" in findings[0].message


# -- backup.isolation_from_source_admins --

ISO = "backup.isolation_from_source_admins"
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
DB_OPERATOR = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["rds:*", "backup:Describe*"],
                                                       "Resource": "*"}]}
NO_UNLOCK = {"Version": "2012-10-17", "Statement": ADMIN["Statement"] + [
    {"Effect": "Deny", "Action": "backup:DeleteBackupVaultLockConfiguration", "Resource": "*"}]}


def role(name: str, document: Any) -> dict[str, Any]:
    return {"RoleName": name, "Arn": f"arn:aws:iam::{ACCOUNT}:role/{name}", "RolePolicyList": [
        {"PolicyName": "inline", "PolicyDocument": document}], "AttachedManagedPolicies": [],
        "AssumeRolePolicyDocument": {"Statement": []}}


def isolation(*listed: dict[str, Any], roles: list[dict[str, Any]], policies: dict[str, Any] | None = None,
              copy_to: str = "") -> dict[str, Any]:
    rule: dict[str, Any] = {"RuleName": "daily", "TargetBackupVaultName": "prod"}
    if copy_to:
        rule["CopyActions"] = [{"DestinationBackupVaultArn": f"arn:aws:backup:{REGION}:{copy_to}:backup-vault:vault"}]
    return {"backup.vaults": Regional({REGION: list(listed)}),
            "backup.vault_access_policy": Regional({REGION: {v["BackupVaultName"]: (policies or {}).get(
                v["BackupVaultName"]) for v in listed}}),
            "backup.plans": Regional({REGION: [{"BackupPlanId": "p1", "BackupPlanName": "daily"}]}),
            "backup.plan_details": Regional({REGION: {"p1": {"BackupPlanName": "daily", "Rules": [rule]}}}),
            "iam.authorization_details": {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": roles,
                                          "Policies": []}}


OTHER = vault(BackupVaultName="other", BackupVaultArn=VAULT_ARN.replace(":prod", ":other"))
COMPLIANCE = vault(Locked=True, LockDate="2026-01-01T00:00:00+00:00")
CASES_ISO = [
    Case("pass-nobody-does-both", ISO, isolation(vault(), roles=[role("db-operator", DB_OPERATOR)]),
         message="no principal of the account can both delete source data"),
    Case("pass-deny-delete-policy", ISO, isolation(vault(), roles=[role("admin", ADMIN)],
                                                   policies={"prod": json.dumps(DENY_DELETE)})),
    Case("pass-compliance-lock", ISO, isolation(COMPLIANCE, OTHER, roles=[role("db-operator", DB_OPERATOR)]),
         message="compliance mode"),
    Case("pass-cross-account-copy", ISO, isolation(vault(), OTHER, roles=[role("db-operator", DB_OPERATOR)],
                                                   copy_to="999988887777"), message="copied to account 999988887777"),
    Case("fail-admin-does-both", ISO, isolation(vault(), roles=[role("admin", ADMIN)]),
         message="1 principal(s) can delete both source data and its backups: role admin (rds:DeleteDBInstance"),
    Case("fail-governance-lock-liftable", ISO, isolation(vault(Locked=True), roles=[role("admin", ADMIN)])),
    Case("pass-governance-lock-kept", ISO, isolation(vault(Locked=True), roles=[role("admin", NO_UNLOCK)])),
]
for case in CASES_ISO:
    case.regions = ONE_REGION
CASES += CASES_ISO  # test_case above runs them (the list is read when the tests are collected)


def test_isolation_without_authorization_details_is_unknown() -> None:
    data = isolation(vault(), roles=[])
    del data["iam.authorization_details"]
    findings = findings_for(Case("unknown-x", ISO, data, regions=ONE_REGION))
    assert findings and {f.status for f in findings} == {Status.UNKNOWN}
