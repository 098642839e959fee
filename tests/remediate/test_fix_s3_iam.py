"""Fixes on moto (mock_aws): plan, apply, idempotence, undo, and the allowlist refusal."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from cloudwarden.remediate import (
    GuardedClients,
    OperationNotAllowed,
    Target,
    apply_plan,
    load_fixes,
    plan_fixes,
    undo_changes,
    undo_document,
)
from tests.helpers import MOTO_CREDENTIALS


@pytest.fixture()
def aws(monkeypatch: pytest.MonkeyPatch):
    for key, value in {**MOTO_CREDENTIALS, "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield GuardedClients()


def test_at_least_60_checks_have_fixes() -> None:
    assert len(load_fixes()) >= 60


def test_write_outside_the_allowlist_is_refused(aws: GuardedClients) -> None:
    boto3.client("s3").create_bucket(Bucket="bucket-one")
    with aws.allow(["s3:PutBucketVersioning"]), pytest.raises(OperationNotAllowed):
        aws.client("s3", "us-east-1").delete_bucket(Bucket="bucket-one")
    assert "bucket-one" in [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]


def test_versioning_and_password_policy_apply_idempotent_and_undo(aws: GuardedClients) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="data-bucket")
    targets = [Target("s3.bucket_versioning_enabled", "data-bucket", "us-east-1", "arn:aws:s3:::data-bucket"),
               Target("iam.password_policy_min_length_14", "password-policy", "global", account_id="123456789012")]
    plan = plan_fixes(aws, targets)
    assert len(plan.changes) == 2
    results = apply_plan(aws, plan)
    assert not [r for r in results if r.error]
    assert s3.get_bucket_versioning(Bucket="data-bucket")["Status"] == "Enabled"
    assert boto3.client("iam").get_account_password_policy()["PasswordPolicy"]["MinimumPasswordLength"] == 14
    assert plan_fixes(aws, targets).changes == []  # a second apply changes nothing
    undo_changes(aws, undo_document(results))
    assert s3.get_bucket_versioning(Bucket="data-bucket")["Status"] == "Suspended"
    with pytest.raises(Exception, match="NoSuchEntity"):
        boto3.client("iam").get_account_password_policy()


def test_every_allowlisted_write_is_an_operation_of_the_api() -> None:
    """A misspelt allowlist entry would refuse the fix's own call at run time: each is checked against
    botocore's service models (the names the run-time guard compares)."""
    import botocore.session

    session = botocore.session.get_session()
    models: dict[str, set[str]] = {}
    wrong = []
    for check_id, entry in load_fixes().items():
        for write in entry.writes:
            service, operation = write.split(":")
            if service not in models:
                models[service] = set(session.get_service_model(service).operation_names)
            if operation not in models[service] or operation.startswith(("Get", "List", "Describe", "Head")):
                wrong.append((check_id, write))
    assert not wrong, wrong
