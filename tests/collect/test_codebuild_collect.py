"""codebuild.projects: BatchGetProjects per batch of at most 100 names, against moto."""

from __future__ import annotations

import json

import boto3
from moto import mock_aws

from cloudwarden.collect import collect_snapshot
from cloudwarden.collect.services import escalation
from tests.helpers import scoped_env

REGION = "eu-west-1"
CREDS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}
CALLS = [c for c in escalation.SPECS if c.dataset.startswith("codebuild.")]


def test_205_projects_are_read_in_three_batches_and_reduced() -> None:
    with scoped_env(CREDS), mock_aws():
        codebuild = boto3.client("codebuild", region_name=REGION)
        for n in range(205):
            codebuild.create_project(
                name=f"p{n:03d}", source={"type": "S3", "location": f"bucket/p{n}.zip",
                                          "buildspec": "phases: {build: {commands: [echo s3cr3t-inline]}}"},
                artifacts={"type": "NO_ARTIFACTS"}, serviceRole=f"arn:aws:iam::123456789012:role/r{n}",
                environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                             "computeType": "BUILD_GENERAL1_SMALL", "environmentVariables": [
                                 {"name": "PASSWORD", "value": f"plain-value-{n:03d}-x9", "type": "PLAINTEXT"}]})
        snapshot = collect_snapshot(regions=[REGION], calls=CALLS, workers=2)
    assert not snapshot.gaps
    batches = snapshot.get("codebuild.projects", REGION)
    assert sorted(len(b) for b in batches.values()) == [5, 100, 100]
    projects = {p["name"]: p for b in batches.values() for p in b}
    assert len(projects) == 205
    assert projects["p007"]["serviceRole"] == "arn:aws:iam::123456789012:role/r7"
    assert projects["p007"]["sourceType"] == "S3"
    assert set(projects["p007"]) == {"name", "arn", "serviceRole", "sourceType", "environment"}
    saved = json.dumps(snapshot.to_dict())
    assert "plain-value-" not in saved and "s3cr3t-inline" not in saved and "bucket/p7.zip" not in saved
    assert projects["p007"]["environment"]["environmentVariables"][0]["value"]["cloudwarden_redacted"] is True
