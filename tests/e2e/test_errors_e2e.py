"""Failures a user meets: each is one line with a hint, never a traceback; the scan goes on."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cloudwarden.cli import main
from cloudwarden.collect.aws import AwsClients
from cloudwarden.demo.plan import Plan
from cloudwarden.demo.server import DEMO_CREDENTIALS
from tests.e2e.test_scan_e2e import run_cli


def test_access_denied_on_one_service_gives_unknown_and_a_hint(
        demo_account: Plan, moto_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    for key, value in DEMO_CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    original = AwsClients.client

    def deny(**kwargs: Any) -> None:
        model = kwargs["model"]
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not authorized"},
                           "ResponseMetadata": {"HTTPStatusCode": 403}}, model.name)

    def client_with_guardduty_denied(self: AwsClients, service: str, region: str) -> Any:
        client = original(self, service, region)
        if service == "guardduty":
            client.meta.events.register("before-call.guardduty", deny, unique_id="test-deny")
        return client

    monkeypatch.setattr(AwsClients, "client", client_with_guardduty_denied)
    code = main(["scan", "--endpoint-url", moto_url, "--regions", "us-east-1", "--format", "json",
                 "--quiet", "--checks", "guardduty,iam"])
    captured = capsys.readouterr()
    assert code == 0
    assert "AccessDeniedException" in captured.err and "grant guardduty:ListDetectors" in captured.err
    findings = json.loads(captured.out)["findings"]
    guardduty = [f for f in findings if f["check_id"].startswith("guardduty.")]
    assert guardduty and all(f["status"] == "UNKNOWN" for f in guardduty)
    assert all("guardduty:ListDetectors" in f["message"] for f in guardduty)
    assert any(f["check_id"].startswith("iam.") and f["status"] == "PASS" for f in findings)


def test_unreachable_endpoint_is_one_line_exit_3() -> None:
    result = run_cli("scan", "--endpoint-url", "http://127.0.0.1:9", "--regions", "us-east-1")
    assert result.returncode == 3
    assert "cannot reach the AWS endpoint" in result.stderr and "hint:" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_profile_is_exit_3_with_hint() -> None:
    result = run_cli("scan", "--profile", "no-such-profile-xyz")
    assert result.returncode == 3
    assert "no-such-profile-xyz" in result.stderr and "hint:" in result.stderr


def test_bad_arguments_are_exit_2() -> None:
    assert run_cli("scan", "--fail-on", "extreme").returncode == 2
    assert run_cli("assess", "/nonexistent.snapshot").returncode == 2
    result = run_cli("scan", "--regions", "not_a_region", "--endpoint-url", "http://127.0.0.1:9")
    assert result.returncode in (2, 3) and "Traceback" not in result.stderr
