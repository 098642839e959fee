"""The gate: ERROR always fails; with --fail-on, checks that could not be evaluated fail it too."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudwarden.cli import exit_codes, main
from cloudwarden.inventory.snapshot import save_snapshot
from tests.checks.cases import snapshot_with


@pytest.fixture()
def empty_snapshot(tmp_path: Path) -> Path:
    """What a scan with no permissions gives: nothing collected, every check UNKNOWN."""
    return save_snapshot(snapshot_with({}), tmp_path / "empty.snapshot")


@pytest.fixture()
def broken_snapshot(tmp_path: Path) -> Path:
    """A dataset of an unexpected shape: the password-policy checks raise (ERROR results)."""
    return save_snapshot(snapshot_with({"iam.password_policy": 7}), tmp_path / "broken.snapshot")


def test_nothing_evaluated_fails_the_gate(empty_snapshot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["assess", str(empty_snapshot), "--fail-on", "low"]) == exit_codes.FINDINGS.code
    first_line = capsys.readouterr().out.splitlines()[0]
    assert "could not be evaluated" in first_line and " checks " in first_line


def test_allow_unknown_counts_fails_only(empty_snapshot: Path) -> None:
    assert main(["assess", str(empty_snapshot), "--fail-on", "low", "--allow-unknown"]) == 0


def test_without_fail_on_unknown_does_not_fail(empty_snapshot: Path) -> None:
    assert main(["assess", str(empty_snapshot), "--checks", "s3"]) == 0


def test_unknown_below_the_threshold_does_not_fail(empty_snapshot: Path) -> None:
    # iam.password_policy_max_age_90 is low severity: UNKNOWN here, below --fail-on high.
    assert main(["assess", str(empty_snapshot), "--checks", "iam.password_policy_max_age_90",
                 "--fail-on", "high"]) == 0


def test_error_results_always_fail(broken_snapshot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["assess", str(broken_snapshot), "--checks", "iam"]) == exit_codes.CHECK_ERROR.code
    assert "raised an error" in capsys.readouterr().out.splitlines()[0]
    assert main(["assess", str(broken_snapshot), "--checks", "iam", "--fail-on", "critical",
                 "--allow-unknown"]) == exit_codes.CHECK_ERROR.code


def test_all_evaluated_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    snap = save_snapshot(snapshot_with({"iam.account_summary": {"AccountMFAEnabled": 1}}), tmp_path / "s")
    assert main(["assess", str(snap), "--checks", "iam.root_mfa_enabled"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "All 1 checks were evaluated."


def test_exit_code_table_is_documented() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "exit-codes.md"
    assert docs.read_text(encoding="utf-8") == exit_codes.markdown(), (
        "docs/exit-codes.md is stale: run `python -c 'from cloudwarden.cli.exit_codes import markdown; "
        "print(markdown(), end=\"\")' > docs/exit-codes.md`")
    codes = [e.code for e in exit_codes.TABLE]
    assert len(codes) == len(set(codes))


def test_help_names_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "exit codes: 0 ok; 1 findings; 2 usage; 3 fatal; 4 check-error" in capsys.readouterr().out
