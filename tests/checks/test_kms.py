"""PASS, FAIL and UNKNOWN cases for the KMS customer managed key checks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudwarden.core.enums import Status
from cloudwarden.inventory.snapshot import Gap
from tests.checks.cases import Case, Regional, assert_case, findings_for

REGION = "us-east-1"
ONE_REGION = (REGION,)
OWNER_ONLY = {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
              "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}
PUBLIC = {"Sid": "Everyone", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["kms:Decrypt"],
          "Resource": "*"}
ORG_ONLY = dict(PUBLIC, Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})


def meta(key_id: str = "k1", **fields: Any) -> dict[str, Any]:
    base = {"KeyId": key_id, "Arn": f"arn:aws:kms:{REGION}:111122223333:key/{key_id}", "KeyManager": "CUSTOMER",
            "KeyState": "Enabled", "KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT",
            "Origin": "AWS_KMS"}
    return {**base, **fields}


def kms(*keys: dict[str, Any], rotation: dict[str, Any] | None = None, policies: dict[str, Any] | None = None,
        aliases: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "kms.key_ids": Regional({REGION: [{"KeyId": k["KeyId"], "KeyArn": k["Arn"]} for k in keys]}),
        "kms.keys": Regional({REGION: {k["KeyId"]: k for k in keys}}),
        "kms.aliases": Regional({REGION: aliases or []}),
        "kms.key_rotation": Regional({REGION: rotation or {}}),
        "kms.key_policy": Regional({REGION: {k: json.dumps({"Statement": s}) for k, s in (policies or {}).items()}}),
    }


CASES = [
    Case("pass-rotation", "kms.cmk_rotation_enabled", kms(meta(), rotation={"k1": True}), message="on"),
    Case("fail-rotation", "kms.cmk_rotation_enabled", kms(meta(), rotation={"k1": False}),
         message="automatic rotation is off"),
    Case("unknown-rotation-unread", "kms.cmk_rotation_enabled", kms(meta())),
    Case("pass-not-pending", "kms.cmk_not_pending_deletion", kms(meta()), message="Enabled"),
    Case("fail-pending", "kms.cmk_not_pending_deletion",
         kms(meta(KeyState="PendingDeletion", DeletionDate="2026-12-05T00:00:00+00:00")),
         message="scheduled for deletion on 2026-12-05"),
    Case("pass-key-enabled", "kms.cmk_unused_disabled", kms(meta())),
    Case("fail-key-disabled", "kms.cmk_unused_disabled", kms(meta(KeyState="Disabled", Description="old app")),
         message="key state Disabled (old app)"),
    Case("pass-policy-owner", "kms.key_policy_not_public", kms(meta(), policies={"k1": [OWNER_ONLY]})),
    Case("pass-policy-org-condition", "kms.key_policy_not_public",
         kms(meta(), policies={"k1": [OWNER_ONLY, ORG_ONLY]})),
    Case("fail-policy-public", "kms.key_policy_not_public", kms(meta(), policies={"k1": [OWNER_ONLY, PUBLIC]}),
         message="lets anyone (any AWS account) kms:Decrypt"),
]
for case in CASES:
    case.regions = ONE_REGION


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)


def test_aws_managed_keys_are_out_of_scope() -> None:
    aws_key = meta("aws1", KeyManager="AWS")
    # moto marks its default EBS key CUSTOMER; the alias shows it is AWS managed.
    emulated = meta("ebs1")
    described = meta("ebs2", Description="Default master key that protects my EBS volumes when no other key "
                                         "is defined")
    data = kms(aws_key, emulated, described, rotation={"aws1": False, "ebs1": False, "ebs2": False},
               aliases=[{"AliasName": "alias/aws/ebs", "TargetKeyId": "ebs1"}])
    for check_id in ("kms.cmk_rotation_enabled", "kms.cmk_not_pending_deletion"):
        assert findings_for(Case("pass-x", check_id, data, regions=ONE_REGION)) == []


def test_keys_that_cannot_rotate_are_out_of_scope() -> None:
    data = kms(meta("asym", KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY"), meta("ext", Origin="EXTERNAL"),
               meta("off", KeyState="Disabled"))
    assert findings_for(Case("pass-x", "kms.cmk_rotation_enabled", data, regions=ONE_REGION)) == []


def test_unreadable_aliases_do_not_hide_customer_keys() -> None:
    data = kms(meta(), rotation={"k1": False})
    del data["kms.aliases"]
    findings = findings_for(Case("fail-x", "kms.cmk_rotation_enabled", data, regions=ONE_REGION))
    assert [f.status for f in findings] == [Status.FAIL]


def test_unreadable_key_metadata_is_unknown() -> None:
    data = kms(meta(), rotation={"k1": True})
    data["kms.keys"] = Regional({REGION: {}})
    gap = Gap("kms.keys", "kms", "DescribeKey", REGION, "AccessDeniedException", "denied", "kms:DescribeKey", "k1")
    findings = findings_for(Case("unknown-x", "kms.cmk_rotation_enabled", data, gaps=[gap], regions=ONE_REGION))
    assert [(f.resource_id, f.status) for f in findings] == [("k1", Status.UNKNOWN)]
