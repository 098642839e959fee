"""`cloudwarden checks`: filters, one check in full, and errors."""

from __future__ import annotations

import json

import pytest

from cloudwarden.cli import main


def listed(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    assert main(["checks", *args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_filters_by_area_service_severity_and_framework(capsys: pytest.CaptureFixture[str]) -> None:
    everything = listed(capsys)
    infra = listed(capsys, "--area", "INF")
    assert infra and all(c["area"] == "Infrastructure Protection" for c in infra) and len(infra) < len(everything)
    s3 = listed(capsys, "--service", "s3")
    assert s3 and all(str(c["id"]).startswith("s3.") or c["service"] == "s3" for c in s3)
    severe = listed(capsys, "--severity", "high+")
    assert severe and {c["severity"] for c in severe} <= {"high", "critical"}
    cis = listed(capsys, "--framework", "cis-aws-7.0")
    assert cis and all("cis-aws-7.0" in c["frameworks"] for c in cis)  # type: ignore[operator]
    both = listed(capsys, "--area", "INF", "--severity", "critical")
    assert {c["id"] for c in both} <= {c["id"] for c in infra}


def test_show_prints_the_full_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checks", "show", "iam.root_mfa_enabled", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["frameworks"]["cis-aws-7.0"] == ["2.5"]
    assert document["remediation"]["summary"] and document["rationale"]
    assert main(["checks", "show", "iam.root_mfa_enabled"]) == 0
    assert "cis-aws-7.0" in capsys.readouterr().out


def test_unknown_filter_values_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checks", "show", "iam.no_such_check"]) == 2
    assert "did you mean" in capsys.readouterr().err
    assert main(["checks", "--area", "XYZ"]) == 2
    assert main(["checks", "--severity", "urgent"]) == 2
    assert main(["checks", "--framework", "pci"]) == 2
