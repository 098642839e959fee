"""Week after week against moto's server, as a user runs it: scan with suppressions and history,
change the account, scan again, then `history` and `diff` on what the scans wrote."""

from __future__ import annotations

import json
import time
from pathlib import Path

import boto3
import pytest

from cloudwarden.cli import main
from cloudwarden.demo.server import DEMO_CREDENTIALS

RULES = """
suppressions:
  - id: accepted-bucket
    check: s3.bucket_versioning_enabled
    resource: e2e-accepted
    reason: scratch data, recreated daily
    owner: data-team
"""


def test_two_scans_history_and_diff(moto_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    for key, value in DEMO_CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    s3 = boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1")
    s3.create_bucket(Bucket="e2e-accepted")
    s3.create_bucket(Bucket="e2e-site")
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    common = ["--endpoint-url", moto_url, "--regions", "us-east-1", "--quiet", "--checks", "s3",
              "--suppressions", str(rules), "--history", str(tmp_path / "history")]
    assert main(["scan", *common, "--out", str(tmp_path / "week1")]) == 0
    capsys.readouterr()
    first = json.loads((tmp_path / "week1" / "findings.json").read_text())
    assert {(f["resource_id"], f["status"]) for f in first["findings"]
            if f["check_id"] == "s3.bucket_versioning_enabled"} == {("e2e-accepted", "MUTED"), ("e2e-site", "FAIL")}

    s3.put_bucket_policy(Bucket="e2e-site", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::e2e-site/*"}]}))
    s3.put_bucket_versioning(Bucket="e2e-site", VersioningConfiguration={"Status": "Enabled"})
    time.sleep(1.1)  # snapshots are timestamped to the second
    assert main(["scan", *common, "--out", str(tmp_path / "week2")]) == 0
    capsys.readouterr()

    assert main(["history", str(tmp_path / "history"), "--format", "json"]) == 0
    history = json.loads(capsys.readouterr().out)
    assert len(history["scans"]) == 2
    assert history["trend"][0]["by_status"]["MUTED"] == 1
    assert any(f["resource_id"] == "e2e-site" and f["check_id"] == "s3.bucket_versioning_enabled"
               for f in history["closed_failures"])

    code = main(["diff", str(tmp_path / "week1" / "account.snapshot"), str(tmp_path / "week2" / "account.snapshot"),
                 "--format", "json", "--fail-on-new", "critical"])
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert ("s3.bucket_no_public_read", "e2e-site") in {
        (c["check_id"], c["resource_id"]) for c in document["changes"]["new"]}
    assert ("s3.bucket_versioning_enabled", "e2e-site") in {
        (c["check_id"], c["resource_id"]) for c in document["changes"]["resolved"]}
