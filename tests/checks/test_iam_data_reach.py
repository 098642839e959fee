"""PASS / FAIL / UNKNOWN cases for iam.sensitive_data_reachable_by_escalation: a bucket, a key and a
secret that a principal may not read itself but reaches through a chain, with near-misses that pass."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudwarden.inventory.snapshot import Gap
from tests.checks.cases import ACCOUNT, Case, Regional, assert_case
from tests.checks.test_iam_engine import ADMIN_USER, MFA, allow, arn, doc, iam_data, role, user

CHECK = "iam.sensitive_data_reachable_by_escalation"
REGION = "us-east-1"
BUCKET = "customer-data"
ROOT = {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{KEY_ID}"
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:db-password-AbCdEf"
READ_OBJECTS = allow("s3:GetObject", f"arn:aws:s3:::{BUCKET}/*")


def data(users: Any = (), roles: Any = (), bucket_policy: Any = None, key_policy: Any = None,
         secret: bool = False) -> dict[str, Any]:
    """One bucket (and, where asked, one customer key and one secret) beside the IAM principals."""
    keys = [{"KeyId": KEY_ID, "Arn": KEY_ARN, "KeyManager": "CUSTOMER", "KeyState": "Enabled"}] if key_policy else []
    secrets = [{"ARN": SECRET_ARN, "Name": "db-password"}] if secret else []
    return {**iam_data(users, roles), "s3.buckets": [{"Name": BUCKET}],
            "s3.bucket_policy": {BUCKET: json.dumps(bucket_policy) if bucket_policy else None},
            "kms.keys": Regional({REGION: keys}),
            "kms.key_policy": Regional({REGION: {KEY_ID: json.dumps(key_policy)} if key_policy else {}}),
            "secretsmanager.secrets": Regional({REGION: secrets}),
            "secretsmanager.resource_policy": Regional({REGION: {SECRET_ARN: None} if secret else {}})}


READER = role("reader", ROOT, READ_OBJECTS)
ASSUME_READER = allow("sts:AssumeRole", arn("role", "reader"))
KEY_POLICY = doc({"Effect": "Allow", "Principal": ROOT, "Action": "kms:*", "Resource": "*"})
DENY_READER = doc({"Effect": "Deny", "Principal": {"AWS": arn("role", "reader")}, "Action": "s3:GetObject",
                   "Resource": f"arn:aws:s3:::{BUCKET}/*"})

CASES = [
    Case("fail-developer-assumes-a-role-that-reads-the-bucket", CHECK,
         data([user("dev", ASSUME_READER)], [READER]), resource=BUCKET, regions=(REGION,),
         message="user/dev -[sts:AssumeRole]-> role/reader"),
    Case("fail-developer-reaches-administrator", CHECK,
         data([ADMIN_USER, user("dev", allow("iam:CreateAccessKey", arn("user", "admin")))]),
         resource=BUCKET, regions=(REGION,), message="user/dev -[iam:CreateAccessKey]-> user/admin"),
    Case("fail-developer-reaches-a-decryptor-of-the-key", CHECK,
         data([user("dev", allow("sts:AssumeRole", arn("role", "decryptor")))],
              [role("decryptor", ROOT, allow("kms:Decrypt", KEY_ARN))], key_policy=KEY_POLICY),
         resource=KEY_ID, regions=(REGION,), message="may not kms:Decrypt"),
    Case("fail-developer-passes-a-role-to-a-new-function-that-reads-the-secret", CHECK,
         data([user("dev", allow("iam:PassRole", arn("role", "app")),
                    allow(["lambda:CreateFunction", "lambda:InvokeFunction"]))],
              [role("app", {"Service": "lambda.amazonaws.com"}, allow("secretsmanager:GetSecretValue", SECRET_ARN))],
              secret=True),
         resource="db-password", regions=(REGION,), message="iam:PassRole"),
    Case("pass-nobody-escalates", CHECK,
         data([user("dev", allow("s3:ListBucket", f"arn:aws:s3:::{BUCKET}"))], [READER]),
         resource=BUCKET, regions=(REGION,), message="no principal reaches s3:GetObject on it"),
    Case("pass-the-developer-reads-it-directly", CHECK,
         data([user("dev", READ_OBJECTS, ASSUME_READER)], [READER]), resource=BUCKET, regions=(REGION,)),
    Case("pass-the-role-needs-mfa-to-assume", CHECK,
         data([user("dev", ASSUME_READER)], [role("reader", ROOT, READ_OBJECTS, condition=MFA)]),
         resource=BUCKET, regions=(REGION,)),
    Case("pass-the-bucket-policy-denies-the-role", CHECK,
         data([user("dev", ASSUME_READER)], [READER], bucket_policy=DENY_READER), resource=BUCKET,
         regions=(REGION,)),
    Case("pass-the-key-policy-does-not-enable-iam-policies", CHECK,
         data([user("dev", allow("sts:AssumeRole", arn("role", "decryptor")))],
              [role("decryptor", ROOT, allow("kms:Decrypt", KEY_ARN))],
              key_policy=doc({"Effect": "Allow", "Principal": {"AWS": arn("user", "keyadmin")},
                              "Action": "kms:*", "Resource": "*"})),
         resource=KEY_ID, regions=(REGION,)),
    Case("unknown-bucket-policy-not-read", CHECK,
         {**data([user("dev", ASSUME_READER)], [READER]), "s3.bucket_policy": {}},
         resource=BUCKET, regions=(REGION,), message="denied",
         gaps=[Gap("s3.bucket_policy", "s3", "GetBucketPolicy", "global", "AccessDenied", "denied",
                   "s3:GetBucketPolicy", BUCKET)]),
    Case("unknown-keys-not-listed", CHECK,
         {k: v for k, v in data([user("dev")]).items() if not k.startswith("kms.")},
         resource=REGION, regions=(REGION,), message="denied",
         gaps=[Gap("kms.keys", "kms", "ListKeys", REGION, "AccessDenied", "denied", "kms:ListKeys")]),
]



@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)
