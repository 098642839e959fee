"""`cloudwarden respond --incident ID --plan` then `--apply`, against moto's server on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from cloudwarden.cli import main
from cloudwarden.demo.server import DEMO_CREDENTIALS
from tests.helpers import scoped_env

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def _hunt(path: Path, key: str) -> None:
    incident = {"incident_id": "INC-0001", "severity": "high", "first_seen": None, "last_seen": None,
                "principals": ["arn:aws:iam::123456789012:user/mallory",
                               "arn:aws:sts::123456789012:assumed-role/app/i-0abc",
                               "arn:aws:iam::123456789012:root"],
                "access_keys": [key], "source_ips": ["203.0.113.7"], "techniques": ["T1562.008"],
                "detections": [{"rule_id": "cis.4.5", "title": "CloudTrail configuration changes",
                                "semantics": "StopLogging"}]}
    path.write_text(json.dumps({"events_scanned": 3, "rules": 1, "seconds": 0.1,
                                "incidents": [incident, {**incident, "incident_id": "INC-0002"}]}))


def test_incident_plan_then_apply(moto_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hunt, log = tmp_path / "hunt.json", tmp_path / "log.jsonl"
    with scoped_env({**DEMO_CREDENTIALS, "AWS_DEFAULT_REGION": "us-east-1"}):
        iam = boto3.client("iam", endpoint_url=moto_url)
        iam.create_user(UserName="mallory")
        key = iam.create_access_key(UserName="mallory")["AccessKey"]["AccessKeyId"]
        iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST)
        _hunt(hunt, key)
        common = ["respond", "--incident", "INC-0001", "--hunt", str(hunt), "--log", str(log),
                  "--endpoint-url", moto_url]

        assert main([*common, "--plan"]) == 0
        out = capsys.readouterr().out
        for expected in ("quarantine-user mallory", f"deactivate-access-key mallory:{key}",
                         "revoke-role-sessions app", "root user gets no automated action",
                         "enable-trail-logging TRAIL"):
            assert expected in out, out
        assert iam.list_user_policies(UserName="mallory")["PolicyNames"] == []  # dry-run by default
        assert iam.list_access_keys(UserName="mallory")["AccessKeyMetadata"][0]["Status"] == "Active"

        assert main([*common, "--apply"]) == 0
        assert iam.list_user_policies(UserName="mallory")["PolicyNames"] == ["cloudwarden-quarantine"]
        assert iam.list_access_keys(UserName="mallory")["AccessKeyMetadata"][0]["Status"] == "Inactive"
        revoke = iam.get_role_policy(RoleName="app", PolicyName="cloudwarden-revoke-older-sessions")
        assert "aws:TokenIssueTime" in json.dumps(revoke["PolicyDocument"])
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["applied"] for e in entries] == [False] * 3 + [True] * 3


def test_unknown_incident_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hunt = tmp_path / "hunt.json"
    _hunt(hunt, "AKIAEXAMPLE")
    assert main(["respond", "--incident", "INC-0009", "--hunt", str(hunt)]) == 2
    err = capsys.readouterr().err
    assert "no incident INC-0009" in err and "INC-0001, INC-0002" in err
