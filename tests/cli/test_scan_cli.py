"""Offline CLI commands: checks, permissions, assess on a hand-built snapshot, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudwarden.cli import main
from cloudwarden.inventory.snapshot import save_snapshot
from tests.checks.cases import snapshot_with


@pytest.fixture()
def weak_snapshot(tmp_path: Path) -> Path:
    snap = snapshot_with({"iam.account_summary": {"AccountMFAEnabled": 0, "AccountAccessKeysPresent": 0},
                          "iam.password_policy": None})
    return save_snapshot(snap, tmp_path / "weak.snapshot")


def test_permissions_is_a_read_only_iam_policy(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["permissions"]) == 0
    policy = json.loads(capsys.readouterr().out)
    actions = policy["Statement"][0]["Action"]
    assert "ec2:DescribeRegions" in actions and "iam:GenerateCredentialReport" in actions
    verbs = ("List", "Describe", "Get", "BatchGet", "GenerateCredentialReport")
    assert all(a.split(":")[1].startswith(verbs) for a in actions)


def test_checks_lists_every_check_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checks", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) >= 60 and {"id", "area", "severity", "title"} <= set(rows[0])


def test_assess_json_and_fail_on(weak_snapshot: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["assess", str(weak_snapshot), "--format", "json", "--checks", "iam", "--fail-on", "critical"])
    out = json.loads(capsys.readouterr().out)
    assert main(["assess", str(weak_snapshot), "--checks", "iam", "--out", str(tmp_path / "r")]) == 0
    assert code == 1  # root without MFA is critical
    by_id = {f["check_id"]: f for f in out["findings"]}
    assert by_id["iam.root_mfa_enabled"]["status"] == "FAIL"
    assert by_id["iam.password_policy_min_length_14"]["status"] == "FAIL"
    # Data this snapshot never held is UNKNOWN, never PASS.
    assert by_id["iam.user_console_mfa_enabled"]["status"] == "UNKNOWN"
    assert (tmp_path / "r" / "findings.json").exists()


def test_fail_on_below_threshold_exits_zero(weak_snapshot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["assess", str(weak_snapshot), "--checks", "iam.password_policy_max_age_90", "--fail-on", "high"])
    assert code == 0 and "password_policy_max_age_90" in capsys.readouterr().out


def test_unknown_check_is_a_usage_error(weak_snapshot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["assess", str(weak_snapshot), "--checks", "nope.nothing"]) == 2
    assert "hint:" in capsys.readouterr().err


def test_docs_checks_md_is_generated_from_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checks", "--format", "markdown"]) == 0
    generated = capsys.readouterr().out
    docs = Path(__file__).resolve().parents[2] / "docs" / "checks.md"
    assert docs.read_text(encoding="utf-8") == generated, (
        "docs/checks.md is stale: run `cloudwarden checks --format markdown > docs/checks.md`")
