"""Each machine format validated against its published definition: OCSF (py-ocsf-models), ASFF
(botocore's Security Hub model), SARIF 2.1.0 (the OASIS schema), CSV (stable columns)."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import datetime, tzinfo
from pathlib import Path

import botocore.session
import pytest
from botocore.validate import ParamValidator
from py_ocsf_models.events.findings.detection_finding import DetectionFinding

from cloudwarden.assess import Assessment
from cloudwarden.core.enums import Status
from cloudwarden.core.errors import UsageError
from cloudwarden.report import load_findings, parse_formats, reporters, write_reports
from cloudwarden.report.formats import html_report
from cloudwarden.report.formats.csv_report import COLUMNS
from tests.report.validators import asff_errors, ocsf_errors, sarif_errors


def test_every_format_module_registers_one_reporter_with_its_own_file() -> None:
    found = reporters()
    assert list(found)[:6] == ["json", "html", "ocsf", "asff", "sarif", "csv"]
    assert {r.filename for r in found.values()} == {
        "findings.json", "report.html", "findings.ocsf.json", "findings.asff.json", "findings.sarif", "findings.csv"}


def test_format_option_takes_several_and_rejects_unknown_names() -> None:
    choice = parse_formats("sarif, html,terminal")
    assert choice.files == ("html", "sarif") and choice.terminal
    assert parse_formats("all").files == tuple(reporters())
    with pytest.raises(UsageError, match="unknown report format pdf"):
        parse_formats("html,pdf")


def test_ocsf_events_parse_as_detection_findings(assessment: Assessment) -> None:
    events = json.loads(reporters()["ocsf"].render(assessment))
    assert len(events) == len(assessment.findings)
    assert not ocsf_errors(events)
    assert all(DetectionFinding.model_validate(e).type_uid == 200401 for e in events)
    by_status = {e["status_code"] for e in events}
    assert {"PASS", "FAIL", "UNKNOWN"} <= by_status
    root = next(e for e in events if e["metadata"]["event_code"] == "iam.root_mfa_enabled")
    assert root["severity_id"] == 5 and root["cloud"]["account"]["uid"] == "111122223333"
    assert root["unmapped"]["compliance"]["cis_aws_v7.0"]


def test_asff_passes_botocore_validation_of_batch_import_findings(assessment: Assessment) -> None:
    findings = json.loads(reporters()["asff"].render(assessment))
    assert not asff_errors(findings)
    assert len({f["Id"] for f in findings}) == len(findings)
    assert all(len(f["Title"]) <= 256 and len(f["Description"]) <= 1024 for f in findings)
    sg = next(f for f in findings if f["GeneratorId"] == "cloudwarden/ec2.sg_no_ssh_from_internet")
    assert sg["Resources"][0]["Type"] == "AwsEc2SecurityGroup" and sg["Compliance"]["Status"] == "FAILED"
    unknown = [f for f in findings if f["ProductFields"]["cloudwarden/status"] == "UNKNOWN"]
    assert unknown and all(f["Compliance"]["Status"] == "NOT_AVAILABLE" for f in unknown)


def test_asff_validation_catches_a_broken_finding(assessment: Assessment) -> None:
    """The validator used above is not a rubber stamp: a missing required field fails it."""
    finding = json.loads(reporters()["asff"].render(assessment))[0]
    del finding["AwsAccountId"]
    shape = botocore.session.get_session().get_service_model("securityhub").shape_for("AwsSecurityFinding")
    assert ParamValidator().validate(finding, shape).has_errors()


def test_sarif_is_valid_against_the_2_1_0_schema(assessment: Assessment) -> None:
    log = json.loads(reporters()["sarif"].render(assessment))
    errors = sarif_errors(log)
    assert not errors, errors[0]
    run = log["runs"][0]
    attention = [f for f in assessment.findings if f.status is not Status.PASS]
    assert len(run["results"]) == len(attention)
    assert {r["kind"] for r in run["results"]} == {"fail", "review"}
    rules = run["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert any("grant ec2:DescribeSecurityGroups" in n["message"]["text"] for n in notes)


def test_ocsf_validation_catches_a_broken_event(assessment: Assessment) -> None:
    event = json.loads(reporters()["ocsf"].render(assessment))[0]
    del event["finding_info"]
    with pytest.raises(ValueError, match="finding_info"):
        ocsf_errors([event])


def test_sarif_validation_catches_a_broken_log(assessment: Assessment) -> None:
    log = json.loads(reporters()["sarif"].render(assessment))
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert sarif_errors(log)


def test_csv_has_stable_columns_and_one_row_a_finding(assessment: Assessment) -> None:
    rows = list(csv.reader(io.StringIO(reporters()["csv"].render(assessment))))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) - 1 == len(assessment.findings)
    first = dict(zip(COLUMNS, rows[1], strict=True))
    assert first["status"] == "FAIL" and first["severity"] == "critical"


def test_csv_keeps_formula_like_names_as_text(assessment: Assessment) -> None:
    finding = dataclasses.replace(assessment.findings[0], resource_id='=HYPERLINK("http://x")')
    tricky = dataclasses.replace(assessment, findings=[finding])
    row = list(csv.reader(io.StringIO(reporters()["csv"].render(tricky))))[1]
    assert row[COLUMNS.index("resource_id")] == "'=HYPERLINK(\"http://x\")"


class _FrozenClock(datetime):
    """`datetime` whose now() stands still: two renders must not differ by the second they ran in."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _FrozenClock:
        return cls(2026, 1, 1, 12, 0, 0, tzinfo=tz)


def test_findings_json_holds_everything_the_reporters_need(assessment: Assessment, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """`cloudwarden report` renders from findings.json alone: the same output as from the assessment."""
    # The HTML report stamps its own generation time (seconds): across a second boundary the two
    # renders below used to differ by it alone (a flaky failure), so the clock is held still.
    monkeypatch.setattr(html_report, "datetime", _FrozenClock)
    names = [n for n in reporters() if n != "json"]
    (path,) = write_reports(assessment, tmp_path / "a", ["json"])
    again = load_findings(path)
    assert again.check_meta == {cid: assessment.check_meta[cid] for cid in again.check_meta}
    assert again.collection_gaps == assessment.collection_gaps
    for name in names:
        assert reporters()[name].render(again) == reporters()[name].render(assessment), name
