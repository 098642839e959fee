"""Credential and endpoint problems become one-line errors with a hint and the right exit code."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from cloudwarden.collect.aws import AwsClients
from cloudwarden.core.errors import CredentialsError


@pytest.fixture()
def clients(monkeypatch: pytest.MonkeyPatch) -> AwsClients:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return AwsClients(endpoint_url="http://127.0.0.1:9")


@pytest.mark.parametrize("code,words", [
    ("ExpiredToken", "expired"),
    ("InvalidClientTokenId", "rejected the credentials"),
    ("SignatureDoesNotMatch", "rejected the credentials"),
])
def test_sts_refusals_are_credential_errors(clients: AwsClients, code: str, words: str) -> None:
    sts = clients.client("sts", "us-east-1")
    with Stubber(sts) as stub:
        stub.add_client_error("get_caller_identity", service_error_code=code, service_message="no", http_status_code=403)
        with pytest.raises(CredentialsError) as error:
            clients.caller_identity("us-east-1")
    assert words in error.value.message
    assert error.value.hint and error.value.exit_code == 3


def test_no_credentials_at_all(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    clients = AwsClients(endpoint_url="http://127.0.0.1:9")
    with pytest.raises(CredentialsError) as error:
        clients.caller_identity("us-east-1")
    assert "no AWS credentials" in error.value.message and "aws configure" in (error.value.hint or "")


def test_unknown_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    with pytest.raises(CredentialsError) as error:
        AwsClients(profile="ghost")
    assert "ghost" in error.value.message and "--profile" in error.value.message
