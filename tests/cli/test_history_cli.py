"""`assess --history DIR` twice on the two-week moto account, then `cloudwarden history DIR`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudwarden.cli import main
from tests.posture.weeks import Weeks


def test_history_after_two_weeks(weeks: Weeks, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "history"
    assert main(["assess", str(weeks.old_path), "--history", str(store)]) == 0
    capsys.readouterr()
    assert main(["assess", str(weeks.new_path), "--history", str(store), "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert "history: recorded" in captured.err and "since the scan of 2026-11-20T09:00:00+00:00" in captured.err
    # The report carries the trend and what changed since the last recorded scan.
    report = json.loads(captured.out)
    assert len(report["history"]["scans"]) == 2
    since = report["changes_since_last_scan"]
    assert since["old"]["collected_at"].startswith("2026-11-20")
    assert ("s3.bucket_no_public_read", "weekly-site") in {
        (c["check_id"], c["resource_id"]) for c in since["changes"]["new"]}
    assert main(["history", str(store), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert len(document["scans"]) == 2 and len(document["trend"]) == 2
    first, second = document["trend"]
    assert second["fail_by_severity"]["critical"] > first["fail_by_severity"]["critical"]
    ssh = [f for f in document["open_failures"] if f["check_id"] == "ec2.sg_no_ssh_from_internet"]
    assert ssh and ssh[0]["days"] == 0.0 and ssh[0]["opened"].startswith("2026-11-27")
    old_ones = [f for f in document["open_failures"] if f["opened"].startswith("2026-11-20")]
    assert old_ones and all(f["days"] == 7.0 for f in old_ones)
    assert ("s3.bucket_versioning_enabled", "weekly-data") in {
        (f["check_id"], f["resource_id"]) for f in document["closed_failures"] if f["outcome"] == "remediated"}
    assert document["mean_time_to_remediate_days"]["all"] == 7.0

    assert main(["history", str(store)]) == 0
    out = capsys.readouterr().out
    assert "Trend (FAIL per area and severity)" in out and "Mean time to remediate: 7.0 days" in out


def test_history_of_an_empty_folder_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", str(tmp_path)]) == 2
    assert "scan --history DIR" in capsys.readouterr().err
