"""`cloudwarden securityhub import` against moto's Security Hub (mock_aws): batches of 100,
findings land in the target region, rejected ones are reported, errors are one line with a hint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.client
import pytest
from moto import mock_aws

from cloudwarden.cli import build_parser, main
from cloudwarden.publish.securityhub import import_findings, load_asff
from cloudwarden.report import write_reports
from tests.helpers import scoped_env
from tests.report.synthetic import synthetic_assessment

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
               "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture()
def aws() -> Iterator[None]:
    with scoped_env(CREDENTIALS), mock_aws():
        yield


@pytest.fixture()
def reports(tmp_path: Path) -> Path:
    write_reports(synthetic_assessment(250), tmp_path, ["json", "asff"])
    return tmp_path


def all_findings(region: str) -> list[dict[str, Any]]:
    client = boto3.client("securityhub", region_name=region)
    found: list[dict[str, Any]] = []
    for page in client.get_paginator("get_findings").paginate():
        found.extend(page["Findings"])
    return found


def test_imports_every_finding_in_batches_of_100(aws: None, reports: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    boto3.client("securityhub", region_name="eu-west-1").enable_security_hub()
    sizes: list[int] = []
    original = botocore.client.BaseClient._make_api_call

    def counting(self: Any, operation: str, params: Any) -> Any:
        if operation == "BatchImportFindings":
            sizes.append(len(params["Findings"]))
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    code = main(["securityhub", "import", str(reports / "findings.asff.json"), "--region", "eu-west-1"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert sizes == [100, 100, 50]
    assert "250 of 250 findings imported, 0 rejected" in out
    imported = all_findings("eu-west-1")
    assert len(imported) == 250
    assert {f["ProductArn"].split(":")[3] for f in imported} == {"eu-west-1"}


def test_findings_json_is_converted_and_a_second_import_updates(aws: None, reports: Path) -> None:
    findings = load_asff(reports / "findings.json")
    assert findings == json.loads((reports / "findings.asff.json").read_text())
    client = boto3.client("securityhub", region_name="us-east-1")
    import_findings(findings, client)
    import_findings(findings, client)
    assert len(all_findings("us-east-1")) == 250  # stable ids: the same findings, updated


def test_rejected_findings_are_reported(aws: None, reports: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    findings = json.loads((reports / "findings.asff.json").read_text())[:3]
    findings[1]["Resources"] = []  # Security Hub (and moto) refuse a finding without a resource
    broken = tmp_path / "broken.asff.json"
    broken.write_text(json.dumps(findings))
    code = main(["securityhub", "import", str(broken), "--region", "us-east-1"])
    out = capsys.readouterr().out
    assert code == 1
    assert "2 of 3 findings imported, 1 rejected" in out and f"rejected {findings[1]['Id']}" in out


def test_help_says_it_writes_to_aws(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["securityhub", "import", "--help"])
    assert "WRITES TO AWS" in capsys.readouterr().out


def test_bad_input_is_one_line_with_a_hint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wrong = tmp_path / "other.json"
    wrong.write_text('{"hello": 1}')
    assert main(["securityhub", "import", str(wrong), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "neither ASFF findings nor a cloudwarden findings document" in err and "hint:" in err
