"""`--suppressions` on assess and scan, as a user runs them: muted results, the default file, bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudwarden.cli import main
from tests.posture.weeks import Weeks

RULES = """
suppressions:
  - id: sandbox-web
    check: "ec2.sg_*"
    tags: {env: sandbox}
    reason: sandbox group, nothing attached
    owner: platform@example.com
    expires: 2099-01-01
  - id: website
    resource: weekly-site
    reason: static website bucket
    owner: web-team
  - id: gone
    resource: bucket-deleted-last-year
    reason: kept for the audit
    owner: web-team
  - id: lapsed
    check: cloudtrail.*
    reason: migration window
    owner: ops
    expires: 2020-01-01
"""


def test_assess_mutes_apart_from_fail_and_lists_expired_and_stale(weeks: Weeks, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    code = main(["assess", str(weeks.new_path), "--suppressions", str(rules), "--format", "json",
                 "--fail-on", "critical"])
    document = json.loads(capsys.readouterr().out)
    muted = [f for f in document["findings"] if f["status"] == "MUTED"]
    assert {(f["check_id"], f["resource_id"]) for f in muted} >= {
        ("ec2.sg_no_ssh_from_internet", weeks.group_id), ("s3.bucket_no_public_read", "weekly-site")}
    assert all(f["suppression"]["owner"] and f["suppression"]["reason"] for f in muted)
    assert document["summary"]["by_status"]["MUTED"] == len(muted) == document["suppressions"]["muted"]
    assert [r["id"] for r in document["suppressions"]["expired"]] == ["lapsed"]
    assert [r["id"] for r in document["suppressions"]["stale"]] == ["gone"]
    # The stopped trail stays FAIL: its rule expired.
    trail = [f for f in document["findings"] if f["check_id"] == "cloudtrail.multi_region_trail_logging"]
    assert trail and trail[0]["status"] == "FAIL"
    assert code in (0, 1)

    assert main(["assess", str(weeks.new_path), "--suppressions", str(rules), "--checks", "s3,ec2"]) in (0, 1)
    out = capsys.readouterr().out
    assert "Muted (accepted risks, not counted as FAIL)" in out
    assert "website:" in out and "static website bucket" in out and "stale" in out


def test_default_file_is_picked_up(weeks: Weeks, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".cloudwarden").mkdir()
    (tmp_path / ".cloudwarden" / "suppressions.yaml").write_text(RULES)
    monkeypatch.chdir(tmp_path)
    assert main(["assess", str(weeks.new_path), "--checks", "s3", "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert "suppressions: 4 rules from .cloudwarden/suppressions.yaml" in captured.err
    assert json.loads(captured.out)["suppressions"]["muted"] >= 1


def test_malformed_file_stops_the_scan_before_collecting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("suppressions:\n  - check: s3.*\n    owner: me\n")
    # An unreachable endpoint would be exit 3 if anything were collected; the file is refused first.
    code = main(["scan", "--endpoint-url", "http://127.0.0.1:9", "--regions", "us-east-1",
                 "--suppressions", str(bad), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{bad}, line 2: the rule is missing its `reason`" in err and "hint:" in err
    assert not (tmp_path / "out").exists()
