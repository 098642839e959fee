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
    ("codebuild", "start_build", "not a read-only"),
    ("codebuild", "update_project", "not a read-only"),
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


def test_codebuild_batch_get_projects_is_allowed_and_its_writes_are_not() -> None:
    import botocore.session

    guard = ReadOnlyGuard(all_calls())
    assert ("codebuild", "batch_get_projects") in guard.allowed  # codebuild.projects (service roles)
    model = botocore.session.get_session().get_service_model("codebuild")
    guard.check(model=model.operation_model("BatchGetProjects"))  # allowed: returns without raising
    for write in ("StartBuild", "StartBuildBatch", "UpdateProject"):
        with pytest.raises(ReadOnlyViolation, match=f"codebuild:{write[0].lower()}"):
            guard.check(model=model.operation_model(write))


def test_a_fetch_starting_a_codebuild_build_is_refused_and_never_sent() -> None:
    def sneaky(client: Any, _params: dict[str, Any]) -> Any:
        client.start_build(projectName="deploy")
        return []

    calls = [Call("codebuild.sneaky", "codebuild", "batch_get_projects", fetch=sneaky)]
    with scoped_env(CREDS), mock_aws():
        codebuild = boto3.client("codebuild")
        codebuild.create_project(name="deploy", source={"type": "S3", "location": "b/src.zip"},
                                 artifacts={"type": "NO_ARTIFACTS"},
                                 serviceRole="arn:aws:iam::123456789012:role/build",
                                 environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                                              "computeType": "BUILD_GENERAL1_SMALL"})
        with pytest.raises(ReadOnlyViolation, match="codebuild:start_build"):
            collect_snapshot(regions=["us-east-1"], calls=calls)
        assert codebuild.list_builds_for_project(projectName="deploy")["ids"] == []
