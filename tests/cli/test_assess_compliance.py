"""`assess --compliance ID`: the framework report beside the findings, in JSON and on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudwarden.cli import main
from cloudwarden.inventory.snapshot import save_snapshot
from tests.checks.cases import snapshot_with


def test_assess_with_compliance_adds_the_framework(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    snap = snapshot_with({"iam.account_summary": {"AccountMFAEnabled": 0, "AccountAccessKeysPresent": 0},
                          "iam.password_policy": None})
    path = save_snapshot(snap, tmp_path / "weak.snapshot")
    code = main(["assess", str(path), "--checks", "iam", "--compliance", "cis-aws-7.0", "--format", "json",
                 "--out", str(tmp_path / "r")])
    assert code == 0
    capsys.readouterr()
    document = json.loads((tmp_path / "r" / "findings.json").read_text(encoding="utf-8"))
    [report] = document["sections"]["compliance"]
    controls = {c["id"]: c for c in report["controls"]}
    assert controls["2.5"]["status"] == "fail"  # root without MFA
    # Credential-report data this snapshot never held: not assessed, never passed.
    assert controls["2.10"]["status"] == "not_assessed" and controls["2.10"]["unknown"]
    assert controls["3.1.1"]["status"] == "not_assessed"  # s3 checks were not selected
    written = json.loads((tmp_path / "r" / "compliance-cis-aws-7.0.json").read_text(encoding="utf-8"))
    assert written["counts"] == report["counts"]
    assert main(["compliance", str(tmp_path / "r"), "--framework", "cis-aws-7.0", "--brief"]) == 0
    assert "2.5" in capsys.readouterr().out
