"""PASS, FAIL and UNKNOWN cases for KMS decrypt-on-all-keys IAM policies, key admin/user separation and the
blast radius of disabled or deleted keys."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.core.enums import Status
from cloudwarden.inventory.snapshot import Gap
from tests.checks.cases import Case, Regional, assert_case, findings_for
from tests.checks.test_iam_policies import allow, details, doc, iam_user, policy
from tests.checks.test_kms import ONE_REGION, OWNER_ONLY, REGION, kms, meta

KEY_ARN = f"arn:aws:kms:{REGION}:111122223333:key/k1"
ADMIN_ROLE = "arn:aws:iam::111122223333:role/key-admin"
APP_ROLE = "arn:aws:iam::111122223333:role/app"


def key_statement(principal: str, actions: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": actions, "Resource": "*"}


ADMINS = key_statement(ADMIN_ROLE, ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*",
                                    "kms:Update*", "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*",
                                    "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"])
USERS = key_statement(APP_ROLE, ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"])


def inline(name: str, document: Any) -> dict[str, Any]:
    return {"PolicyName": name, "PolicyDocument": document}


def dependents(volume_key: str | None = None, bucket_key: str | None = None, **gaps: Any) -> dict[str, Any]:
    empty = Regional({REGION: []})
    data: dict[str, Any] = dict.fromkeys(("ec2.snapshots", "rds.db_instances", "rds.db_clusters", "cloudtrail.trails", "logs.log_groups", "backup.vaults"), empty)
    data["ec2.volumes"] = Regional({REGION: [{"VolumeId": "vol-1", "Encrypted": bool(volume_key),
                                              **({"KmsKeyId": volume_key} if volume_key else {})}]})
    data["dynamodb.tables"] = Regional({REGION: {}})
    data["s3.buckets"] = [{"Name": "logs"}]
    rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": bucket_key}} \
        if bucket_key else {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    data["s3.bucket_encryption"] = {"logs": {"Rules": [rule]}}
    return data


PENDING = meta(KeyState="PendingDeletion", DeletionDate="2026-12-10T00:00:00+00:00")
CASES = [
    Case("pass-scoped-decrypt", "kms.iam_policy_no_decrypt_all_keys",
         details(policies=[policy("scoped", doc(allow("kms:Decrypt", KEY_ARN)))]),
         message="no kms:Decrypt / kms:ReEncryptFrom on all keys"),
    Case("pass-conditioned", "kms.iam_policy_no_decrypt_all_keys",
         details(policies=[policy("via-s3", doc(dict(allow("kms:Decrypt"), Condition={
             "StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}})))])),
    Case("fail-decrypt-star", "kms.iam_policy_no_decrypt_all_keys",
         details(policies=[policy("reader", doc(allow(["kms:Decrypt", "kms:ReEncrypt*"])))]),
         message="allows kms:Decrypt, kms:ReEncryptFrom on every KMS key"),
    Case("fail-key-wildcard", "kms.iam_policy_no_decrypt_all_keys",
         details(policies=[policy("regional", doc(allow("kms:*", "arn:aws:kms:*:111122223333:key/*")))])),
    Case("fail-inline-not-action", "kms.iam_policy_no_decrypt_all_keys",
         details(users=[iam_user("ops", inline=[inline("almost-all", doc(
             {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}))])]),
         message="inline policy allows kms:Decrypt"),
    Case("pass-separated", "kms.key_admin_user_separation", kms(meta(), policies={"k1": [OWNER_ONLY, ADMINS, USERS]}),
         message="no principal named in the key policy both administers and uses the key"),
    Case("fail-admin-decrypts", "kms.key_admin_user_separation",
         kms(meta(), policies={"k1": [OWNER_ONLY, key_statement(ADMIN_ROLE, "kms:*")]}),
         message=f"{ADMIN_ROLE} (kms:PutKeyPolicy"),
    Case("pass-pending-unused", "kms.key_loss_blast_radius", {**kms(PENDING), **dependents()},
         message="no volume, snapshot, database"),
    Case("fail-pending-with-volume", "kms.key_loss_blast_radius", {**kms(PENDING), **dependents(KEY_ARN)},
         message="PendingDeletion (deletion on 2026-12-10T00:00:00+00:00) but still protects EBS volume vol-1"),
    Case("fail-disabled-bucket-alias", "kms.key_loss_blast_radius",
         {**kms(meta(KeyState="Disabled"), aliases=[{"AliasName": "alias/logs", "TargetKeyId": "k1",
                                                     "AliasArn": f"arn:aws:kms:{REGION}:111122223333:alias/logs"}]),
          **dependents(bucket_key="alias/logs")}, message="S3 bucket logs (default encryption)"),
]
for case in CASES:
    case.regions = ONE_REGION


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)


def test_an_enabled_key_is_not_at_risk() -> None:
    findings = findings_for(Case("pass-x", "kms.key_loss_blast_radius", {**kms(meta()), **dependents(KEY_ARN)},
                                 regions=ONE_REGION))
    assert [(f.status, f.message) for f in findings] == [(Status.PASS, "key state Enabled: it still decrypts what "
                                                          "it protects")]


def test_an_unused_looking_key_with_unread_dependents_is_unknown() -> None:
    data = {**kms(PENDING), **dependents()}
    del data["logs.log_groups"]
    gap = Gap("logs.log_groups", "logs", "DescribeLogGroups", REGION, "AccessDenied", "denied", "logs:DescribeLogGroups")
    findings = findings_for(Case("unknown-x", "kms.key_loss_blast_radius", data, gaps=[gap], regions=ONE_REGION))
    assert [f.status for f in findings] == [Status.UNKNOWN]
    assert "logs.log_groups" in findings[0].message


def test_a_key_policy_the_evaluator_cannot_read_is_unknown() -> None:
    data = kms(meta())
    data["kms.key_policy"] = Regional({REGION: {"k1": "{nope"}})
    findings = findings_for(Case("unknown-x", "kms.key_admin_user_separation", data, regions=ONE_REGION))
    assert [f.status for f in findings] == [Status.UNKNOWN]


def test_the_account_root_delegation_is_not_a_named_admin() -> None:
    # The default key policy names only the account root: IAM policies decide, not the key policy.
    findings = findings_for(Case("pass-x", "kms.key_admin_user_separation", kms(meta(), policies={"k1": [OWNER_ONLY]}),
                                 regions=ONE_REGION))
    assert [f.status for f in findings] == [Status.PASS]
    assert "no principal named" in findings[0].message
