"""`cloudwarden diff` on two snapshots and on two findings files of the two-week moto account."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudwarden.cli import main
from tests.posture.weeks import Weeks


def test_snapshots_show_new_failures_and_the_configuration_changes_behind_them(
        weeks: Weeks, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(weeks.old_path), str(weeks.new_path), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    new = {(c["check_id"], c["resource_id"]) for c in document["changes"]["new"]}
    assert {("ec2.sg_no_ssh_from_internet", weeks.group_id), ("s3.bucket_no_public_read", "weekly-site"),
            ("cloudtrail.multi_region_trail_logging", weeks.old.account_id),
            ("iam.inline_policy_no_full_admin", "role/app/read")} <= new
    assert ("s3.bucket_versioning_enabled", "weekly-data") in {
        (c["check_id"], c["resource_id"]) for c in document["changes"]["resolved"]}
    assert document["counts"]["new"]["total"] == len(document["changes"]["new"])
    config = document["configuration_changes"]
    kinds = {(item["kind"], resource["resource_id"]) for resource in config["resources"] for item in resource["worse"]}
    assert {("made public", "weekly-site"), ("monitoring turned off", weeks.old.account_id),
            ("permissions widened", "role/app/read"), ("network opened", weeks.group_id)} <= kinds
    # The network engine proves the new port reachable: one exposure opened, tcp/22 from anywhere.
    assert [(e["ports"], e["source"]) for e in config["internet_exposure_opened"]] == [("tcp/22", "0.0.0.0/0")]
    assert config["internet_exposure_closed"] == []
    # Unchanged resources are not listed: every listed resource has a verdict that changed.
    assert all(r["worse"] or r["better"] for r in config["resources"])


def test_fail_on_new_gates_ci(weeks: Weeks, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(weeks.old_path), str(weeks.new_path), "--fail-on-new", "critical"]) == 1
    out = capsys.readouterr().out
    assert "New failures" in out and "port opened" in out and "made public" in out
    # The other way round: the versioning failure comes back (medium), and the trail logs again, so
    # logging.trail_tamperable (which judges logging trails only) has it to judge again (critical).
    assert main(["diff", str(weeks.new_path), str(weeks.old_path), "--fail-on-new", "critical"]) == 1
    back = capsys.readouterr().out
    new_section = back.split("New failures", 2)[2].split("Resolved", 1)[0]
    assert [line.split()[:2] for line in new_section.splitlines()[1:] if line.split()[:1] in (
        ["CRITICAL"], ["HIGH"], ["MEDIUM"], ["LOW"])] == [["CRITICAL", "logging.trail_tamperable"],
                                                        ["MEDIUM", "s3.bucket_versioning_enabled"]], new_section


def test_findings_files(weeks: Weeks, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name, path in (("old", weeks.old_path), ("new", weeks.new_path)):
        assert main(["assess", str(path), "--out", str(tmp_path / name)]) == 0
    capsys.readouterr()
    assert main(["diff", str(tmp_path / "old" / "findings.json"), str(tmp_path / "new" / "findings.json"),
                 "--format", "json", "--fail-on-new", "critical"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert ("s3.bucket_no_public_read", "weekly-site") in {
        (c["check_id"], c["resource_id"]) for c in document["changes"]["new"]}
    assert "configuration_changes" not in document


def test_bad_input_is_one_line_with_a_hint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}')
    assert main(["diff", str(other), str(other)]) == 2
    err = capsys.readouterr().err
    assert "neither a cloudwarden snapshot nor a findings.json" in err and "hint:" in err
    assert main(["diff", str(tmp_path / "missing.json"), str(other)]) == 2
