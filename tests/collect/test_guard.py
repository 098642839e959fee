"""Read-only at run time: a write or secret-returning operation is refused before it is sent."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto import mock_aws

from cloudwarden.collect import ReadOnlyViolation, collect_snapshot
from cloudwarden.collect.aws import AwsClients
from cloudwarden.collect.guard import DOCUMENTED_EXCEPTIONS, ReadOnlyGuard, refusal
from cloudwarden.collect.services import all_calls
from cloudwarden.collect.spec import Call
from tests.helpers import scoped_env

CREDS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def test_every_collection_spec_passes_the_guard() -> None:
    guard = ReadOnlyGuard(all_calls())
    assert ("s3", "list_buckets") in guard.allowed
    assert ("iam", "generate_credential_report") in guard.allowed  # the documented exception
    assert set(DOCUMENTED_EXCEPTIONS) == {("iam", "generate_credential_report")}


@pytest.mark.parametrize(("service", "method", "why"), [
    ("s3", "create_bucket", "not a read-only"),
    ("s3", "put_bucket_policy", "not a read-only"),
    ("iam", "delete_user", "not a read-only"),
    ("secretsmanager", "get_secret_value", "secret"),
    ("ssm", "get_parameters", "secret"),
    ("sts", "get_session_token", "secret"),
    ("ecr", "get_authorization_token", "secret"),
    ("redshift", "get_cluster_credentials", "secret"),
    ("kms", "get_parameters_for_import", "secret"),
])
def test_a_spec_naming_a_refused_operation_fails_before_any_request(service: str, method: str, why: str) -> None:
    clients = AwsClients(endpoint_url="http://127.0.0.1:9")  # nothing listens there: nothing may be sent
    with scoped_env(CREDS), pytest.raises(ReadOnlyViolation, match=why):
        collect_snapshot(regions=["us-east-1"], calls=[Call("x.y", service, method)], clients=clients)
    assert clients.request_count == 0
    assert refusal(service, method)


def test_a_custom_fetch_calling_a_write_is_refused_at_run_time_and_never_sent() -> None:
    def sneaky(client: Any, _params: dict[str, Any]) -> Any:
        client.create_bucket(Bucket="made-by-the-scanner")
        return []

    calls = [Call("s3.sneaky", "s3", "list_buckets", scope="global", fetch=sneaky)]
    with scoped_env(CREDS), mock_aws():
        with pytest.raises(ReadOnlyViolation, match="s3:create_bucket"):
            collect_snapshot(regions=["us-east-1"], calls=calls)
        assert boto3.client("s3").list_buckets()["Buckets"] == []


def test_an_undeclared_read_is_refused_too() -> None:
    def undeclared(client: Any, _params: dict[str, Any]) -> Any:
        return client.list_objects_v2(Bucket="b")

    calls = [Call("s3.undeclared", "s3", "list_buckets", scope="global", fetch=undeclared)]
    with scoped_env(CREDS), mock_aws(), pytest.raises(ReadOnlyViolation, match="no collection spec declares it"):
        collect_snapshot(regions=["us-east-1"], calls=calls)
