"""`cloudwarden responsibility` on the moto account's snapshot and findings file, and in findings.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudwarden.cli import main
from tests.posture.weeks import Weeks


def test_snapshot_lists_services_in_use_with_duty_status(weeks: Weeks, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["responsibility", str(weeks.new_path), "--format", "json"]) == 0
    view = json.loads(capsys.readouterr().out)
    services = {s["id"]: s for s in view["services"]}
    assert {"s3", "ec2", "vpc", "iam", "cloudtrail"} <= set(services)
    assert "rds" not in services and "dynamodb" not in services  # not in use: listed only with --all
    assert services["ec2"]["model"] == "infrastructure" and services["s3"]["model"] == "abstracted"
    s3 = {d["duty"]: d for d in services["s3"]["customer_duties"]}
    public = s3["Bucket and access-point policies, ACLs and Block Public Access settings"]
    assert public["status"] == "FAIL" and "s3.bucket_no_public_read" in public["checks"]
    macie = s3["Classifying data (Macie)"]
    # Covered by the Macie checks now; the week's snapshot holds no Macie data, so never a PASS.
    assert "s3.macie_enabled" in macie["checks"] and macie["status"] == "UNKNOWN", macie

    assert main(["responsibility", str(weeks.new_path), "--all", "--format", "json"]) == 0
    every = {s["id"]: s["in_use"] for s in json.loads(capsys.readouterr().out)["services"]}
    assert every["rds"] == "no" and every["dynamodb"] == "no"

    assert main(["responsibility", str(weeks.new_path)]) == 0
    out = capsys.readouterr().out
    assert "S3 — abstracted · in use: yes" in out and "not covered" in out and "no check covers this" in out


def test_findings_file_and_findings_json_section(weeks: Weeks, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["assess", str(weeks.new_path), "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    document = json.loads((tmp_path / "findings.json").read_text())
    assert document["shared_responsibility"]["basis"] == "snapshot"
    assert main(["responsibility", str(tmp_path / "findings.json"), "--format", "json"]) == 0
    view = json.loads(capsys.readouterr().out)
    assert view["basis"] == "findings"
    assert {s["id"]: s["in_use"] for s in view["services"]}["s3"] == "yes"
