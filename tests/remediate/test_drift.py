"""`cloudwarden drift`: the baseline template against a snapshot collected from moto."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
import yaml
from moto import mock_aws

from cloudwarden.cli import main
from cloudwarden.collect import collect_snapshot
from cloudwarden.inventory.snapshot import save_snapshot
from cloudwarden.remediate.drift import COMPARERS
from tests.helpers import MOTO_CREDENTIALS

GROUPS = ("AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess")
GROUP_IDS = ("AdministratorsGroup", "DevelopersGroup", "ReadOnlyGroup")


def _kind(template: Path, logical_id: str) -> str:
    return str(yaml.safe_load(template.read_text())["Resources"][logical_id]["Type"])


def _statuses(out: Path) -> dict[str, str]:
    findings = json.loads(out.read_text())["findings"]
    return {f["message"].split(":")[0]: f["status"] for f in findings}


def _build_baseline() -> None:
    """The baseline's resources made by hand (moto's CloudFormation does not create them all)."""
    s3, iam = boto3.client("s3"), boto3.client("iam")
    s3.create_bucket(Bucket="trail-logs")
    s3.put_bucket_versioning(Bucket="trail-logs", VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(Bucket="trail-logs", PublicAccessBlockConfiguration=dict.fromkeys(("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True))
    s3.put_bucket_encryption(Bucket="trail-logs", ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]})
    s3.put_bucket_lifecycle_configuration(Bucket="trail-logs", LifecycleConfiguration={"Rules": [
        {"ID": "g", "Status": "Enabled", "Filter": {"Prefix": ""},
         "Transitions": [{"Days": 90, "StorageClass": "GLACIER"}]}]})
    s3.create_bucket(Bucket="access-logs")
    for name in ("access-logs",):
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=dict.fromkeys(("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True))
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": [
            {"ID": "g", "Status": "Enabled", "Filter": {"Prefix": ""},
             "Transitions": [{"Days": 90, "StorageClass": "GLACIER"}]}]})
    s3.put_bucket_policy(Bucket="access-logs", Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::access-logs/*"}]}))
    s3.put_bucket_logging(Bucket="trail-logs", BucketLoggingStatus={"LoggingEnabled": {
        "TargetBucket": "access-logs", "TargetPrefix": "trail-bucket/"}})
    key = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
    trail = boto3.client("cloudtrail")
    trail.create_trail(Name="baseline", S3BucketName="trail-logs", IsMultiRegionTrail=True,
                       EnableLogFileValidation=True, KmsKeyId=key, IncludeGlobalServiceEvents=True)
    trail.start_logging(Name="baseline")
    boto3.client("guardduty").create_detector(Enable=True)
    boto3.client("securityhub").enable_security_hub()
    # moto 5 does not implement IAM Access Analyzer: drift says UNKNOWN for it (below), never PASS.
    for name in GROUPS:
        iam.create_group(GroupName=name)
        iam.attach_group_policy(GroupName=name, PolicyArn=f"arn:aws:iam::aws:policy/{name}")
    iam.put_group_policy(GroupName="AdministratorAccess", PolicyName="require-mfa", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*",
                                                 "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]}))


def test_drift_bare_then_baselined_then_tampered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {**MOTO_CREDENTIALS, "AWS_DEFAULT_REGION": "us-east-1",
                       "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}.items():
        monkeypatch.setenv(key, value)
    template, snap, out = tmp_path / "baseline.yaml", tmp_path / "snap.json", tmp_path / "drift.json"
    assert main(["baseline", "--out", str(template)]) == 0
    with mock_aws():
        save_snapshot(collect_snapshot(regions=["us-east-1"]), snap)
        assert main(["drift", str(template), str(snap), "--out", str(out), "--fail-on-drift"]) == 1
        bare = _statuses(out)
        assert bare["Trail"] == "FAIL" and bare["Detector"] == "FAIL" and bare["AdministratorsGroup"] == "FAIL"
        assert bare["TrailBucket"] == "UNKNOWN"  # no trail, so the bucket cannot be found: never a PASS

        _build_baseline()
        save_snapshot(collect_snapshot(regions=["us-east-1"]), snap)
        assert main(["drift", str(template), str(snap), "--out", str(out)]) == 0
        built = _statuses(out)
        assert built.pop("Analyzer") == "UNKNOWN"
        compared = {k: v for k, v in built.items() if _kind(template, k) in COMPARERS}
        assert set(compared) >= {"Trail", "TrailBucket", "AccessLogBucket", "Detector", "Hub", *GROUP_IDS}
        assert compared == dict.fromkeys(compared, "PASS"), compared
        # The types drift does not compare are reported, never passed.
        assert {v for k, v in built.items() if k not in compared} == {"UNKNOWN"}

        boto3.client("cloudtrail").stop_logging(Name="baseline")
        boto3.client("s3").put_bucket_versioning(Bucket="trail-logs", VersioningConfiguration={"Status": "Suspended"})
        save_snapshot(collect_snapshot(regions=["us-east-1"]), snap)
        main(["drift", str(template), str(snap), "--out", str(out)])
    tampered = json.loads(out.read_text())["findings"]
    messages = {f["message"] for f in tampered if f["status"] == "FAIL"}
    assert any("not logging" in m for m in messages), messages
    assert any("versioning not enabled" in m for m in messages), messages
    assert not any("access-log bucket differs" in m for m in messages), messages


def test_bad_baseline_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad, snap = tmp_path / "bad.yaml", tmp_path / "snap.json"
    bad.write_text("just: text\n")
    snap.write_text("{}")
    assert main(["drift", str(bad), str(snap)]) == 2
    assert "no Resources section" in capsys.readouterr().err
