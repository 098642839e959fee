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
