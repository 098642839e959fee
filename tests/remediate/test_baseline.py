"""The baseline template: cfn-lint clean, and deployable through moto's CloudFormation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from cloudwarden.cli import main
from tests.helpers import MOTO_CREDENTIALS


def test_cfn_lint_passes(tmp_path: Path) -> None:
    out = tmp_path / "template.yaml"
    assert main(["baseline", "--out", str(out)]) == 0
    lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run([str(lint), str(out)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_bucket_and_key_deploy_on_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    from cloudwarden.remediate.baseline import baseline_template

    for key, value in {**MOTO_CREDENTIALS, "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    template = baseline_template()
    # moto 5.2's CloudFormation creates the KMS key and a bare bucket only (without versioning, Block Public
    # Access or the bucket policy); the trail, GuardDuty, Security Hub,
    # Access Analyzer and the IAM groups are accepted but not created (measured; see docs/fix.md).
    with mock_aws():
        cfn = boto3.client("cloudformation")
        cfn.create_stack(StackName="baseline", TemplateBody=json.dumps(template))
        status = cfn.describe_stacks(StackName="baseline")["Stacks"][0]["StackStatus"]
        assert status == "CREATE_COMPLETE"
        bucket = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]][0]
        s3 = boto3.client("s3")
        assert bucket.startswith("baseline-trailbucket")
        assert s3.head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200
