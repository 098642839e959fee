"""Response actions on moto: quarantine a user, block public access, revoke role sessions."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from cloudwarden.remediate import GuardedClients
from cloudwarden.remediate.respond import ACTIONS, plan_action
from tests.helpers import MOTO_CREDENTIALS


def test_actions_apply_and_undo(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {**MOTO_CREDENTIALS, "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        iam = boto3.client("iam")
        iam.create_user(UserName="mallory")
        boto3.client("s3").create_bucket(Bucket="leaky-bucket")
        clients = GuardedClients()
        for action, target in (("quarantine-user", "mallory"), ("block-public-access", "leaky-bucket")):
            steps, undo = plan_action(action, target)
            with clients.allow(ACTIONS[action]):
                for step in steps:
                    clients.run(step)
            if action == "quarantine-user":
                assert iam.list_user_policies(UserName="mallory")["PolicyNames"] == ["cloudwarden-quarantine"]
            with clients.allow(ACTIONS[action]):
                for step in undo:
                    clients.run(step)
        assert iam.list_user_policies(UserName="mallory")["PolicyNames"] == []


def test_enable_trail_logging_restarts_a_stopped_trail_and_undoes(monkeypatch: pytest.MonkeyPatch) -> None:
    from cloudwarden.assess import assess, select_checks
    from cloudwarden.collect import collect_snapshot

    for key, value in {**MOTO_CREDENTIALS, "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)

    def trail_check() -> set[str]:
        checks = select_checks(["cloudtrail.multi_region_trail_logging"])
        return {f.status.value for f in assess(collect_snapshot(regions=["us-east-1"], datasets=[
            d for c in checks for d in c.meta.datasets]), checks).findings}

    with mock_aws():
        boto3.client("s3").create_bucket(Bucket="trail-logs")
        cloudtrail = boto3.client("cloudtrail")
        cloudtrail.create_trail(Name="main", S3BucketName="trail-logs", IsMultiRegionTrail=True)
        # An attacker stopped the trail (the tampering the action answers): the check fails.
        assert trail_check() == {"FAIL"}
        clients = GuardedClients()
        steps, undo = plan_action("enable-trail-logging", "main")
        assert [s.action for s in steps] == ["cloudtrail:StartLogging"]
        assert cloudtrail.get_trail_status(Name="main")["IsLogging"] is False  # planning changed nothing
        with clients.allow(ACTIONS["enable-trail-logging"]):
            for step in steps:
                clients.run(step)
        assert cloudtrail.get_trail_status(Name="main")["IsLogging"] is True
        assert trail_check() == {"PASS"}
        with clients.allow(ACTIONS["enable-trail-logging"]):
            for step in undo:
                clients.run(step)
        assert cloudtrail.get_trail_status(Name="main")["IsLogging"] is False
