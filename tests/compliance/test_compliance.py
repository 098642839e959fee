"""Compliance frameworks: the data resolves, and findings become control statuses honestly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudwarden.checks.registry import catalog, load_all_checks
from cloudwarden.cli import main
from cloudwarden.compliance import ControlStatus, Framework, _framework, evaluate, frameworks
from cloudwarden.core.enums import Area, Severity, Status
from cloudwarden.core.findings import Finding

DOCS = Path(__file__).resolve().parents[2] / "docs"


def finding(check_id: str, status: Status, resource: str = "r-1", message: str = "evidence") -> Finding:
    return Finding(check_id=check_id, title="t", area=Area.IAM, severity=Severity.HIGH, status=status,
                   account_id="111122223333", region="us-east-1", resource_type="AWS::X::Y",
                   resource_id=resource, resource_arn="", message=message)


def toy() -> Framework:
    return _framework({"id": "toy", "title": "Toy", "controls": [
        {"id": "1", "title": "one check", "checks": ["a.x"]},
        {"id": "2", "title": "two checks", "checks": ["a.x", "a.y"]},
        {"id": "3", "title": "a process review", "assessment": "manual", "checks": []},
        {"id": "4", "title": "not written yet", "checks": ["a.future"]},
        {"id": "5", "title": "no resources", "checks": ["a.empty"]},
        {"id": "6", "title": "person decides", "checks": ["a.manual"]},
    ]})


def statuses(findings: list[Finding], ran: list[str]) -> dict[str, ControlStatus]:
    report = evaluate(toy(), findings, ran, ["a.x", "a.y", "a.empty", "a.manual"])
    return {r.control.id: r.status for r in report.controls}


def test_pass_fail_manual_and_not_assessed() -> None:
    got = statuses([finding("a.x", Status.PASS), finding("a.y", Status.FAIL),
                    finding("a.manual", Status.MANUAL, message="review the contact details")],
                   ["a.x", "a.y", "a.empty", "a.manual"])
    assert got == {"1": ControlStatus.PASS, "2": ControlStatus.FAIL, "3": ControlStatus.MANUAL,
                   "4": ControlStatus.NOT_ASSESSED, "5": ControlStatus.PASS, "6": ControlStatus.MANUAL}


def test_a_control_with_any_unknown_input_is_never_passed() -> None:
    findings = [finding("a.x", Status.PASS), finding("a.x", Status.UNKNOWN, "r-2", "AccessDenied")]
    report = evaluate(toy(), findings, ["a.x"], ["a.x", "a.y"])
    first = report.controls[0]
    assert first.status is ControlStatus.NOT_ASSESSED and "AccessDenied" in first.reason
    assert [f.resource_id for f in first.unknown] == ["r-2"]
    # A failure still wins over an unknown: the evidence of a failure is real.
    report = evaluate(toy(), [*findings, finding("a.x", Status.FAIL, "r-3")], ["a.x"], ["a.x"])
    assert report.controls[0].status is ControlStatus.FAIL
    assert [f.resource_id for f in report.controls[0].failing] == ["r-3"]


def test_checks_left_out_of_the_run_are_not_assessed_not_passed() -> None:
    got = statuses([finding("a.x", Status.PASS)], ["a.x"])
    assert got["2"] is ControlStatus.PASS  # a.y did not run, a.x passed: evidence from what ran
    assert got["5"] is ControlStatus.NOT_ASSESSED


def test_score_is_passed_over_decided() -> None:
    report = evaluate(toy(), [finding("a.x", Status.PASS), finding("a.y", Status.FAIL)],
                      ["a.x", "a.y", "a.empty"], ["a.x", "a.y", "a.empty"])
    assert report.counts()["pass"] == 2 and report.counts()["fail"] == 1
    assert report.score == pytest.approx(66.7)


def test_cis_has_every_control_of_v7_and_fsbp_and_wa_are_complete() -> None:
    fws = frameworks()
    assert set(fws) == {"cis-aws-7.0", "aws-fsbp", "wa-security"}
    cis = fws["cis-aws-7.0"]
    assert len(cis.controls) == 70
    assert sum(c.assessment == "manual" for c in cis.controls) == 36
    wa = fws["wa-security"]
    assert {c.section.split()[0] for c in wa.controls} == {f"SEC{i:02d}" for i in range(1, 12)}
    assert len(fws["aws-fsbp"].controls) >= 187 and sum(c.scored for c in fws["aws-fsbp"].controls) == 161


def test_every_framework_reference_resolves_both_ways() -> None:
    ids = set(catalog())
    for fw in frameworks().values():
        control_ids = [c.id for c in fw.controls]
        assert len(control_ids) == len(set(control_ids)), fw.id
        for control in fw.controls:
            assert set(control.checks) <= ids, (fw.id, control.id, set(control.checks) - ids)
        if not fw.catalog_key:
            continue
        # Every control a catalogue entry names exists and names the entry back.
        for check_id, entry in catalog().items():
            for ref in entry.get(fw.catalog_key) or []:
                control = fw.control(str(ref))
                assert control is not None, (check_id, ref)
                assert check_id in control.checks, (check_id, ref)


def test_every_check_is_mapped_to_a_well_architected_best_practice() -> None:
    mapped = {c for control in frameworks()["wa-security"].controls for c in control.checks}
    assert set(catalog()) <= mapped, set(catalog()) - mapped


def write_findings(path: Path, findings: list[Finding], without_resources: list[str]) -> Path:
    path.write_text(json.dumps({"schema": "cloudwarden.findings", "findings": [f.to_dict() for f in findings],
                                "checks_without_resources": without_resources}), encoding="utf-8")
    return path


def test_cli_reports_a_framework_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_findings(tmp_path / "findings.json", [
        finding("iam.root_access_key_absent", Status.PASS, "root"),
        finding("iam.root_mfa_enabled", Status.FAIL, "root", "root has no MFA"),
        finding("iam.password_policy_min_length_14", Status.UNKNOWN, "account", "AccessDenied")], [])
    assert main(["compliance", str(tmp_path), "--framework", "cis-aws-7.0", "--format", "json"]) == 0
    [report] = json.loads(capsys.readouterr().out)
    by_id = {c["id"]: c for c in report["controls"]}
    assert by_id["2.4"]["status"] == "pass"
    assert by_id["2.5"]["status"] == "fail" and by_id["2.5"]["failing"][0]["message"] == "root has no MFA"
    assert by_id["2.8"]["status"] == "not_assessed" and by_id["2.8"]["unknown"][0]["resource_id"] == "account"
    assert by_id["6.7"]["status"] == "not_assessed"  # its check was not in this run
    assert report["score_percent"] == 50.0 and len(report["controls"]) == 70
    assert main(["compliance", str(path), "--framework", "wa-security"]) == 0
    assert "SEC01-BP01" in capsys.readouterr().out


def test_cli_bad_input_is_one_line_with_a_hint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    assert main(["compliance", str(tmp_path / "bad.json")]) == 2
    assert "not JSON" in capsys.readouterr().err
    assert main(["compliance", str(tmp_path / "none.json")]) == 2
    assert "hint:" in capsys.readouterr().err
    assert main(["compliance", str(tmp_path / "bad.json"), "--framework", "pci"]) == 2
    assert "cis-aws-7.0" in capsys.readouterr().err


def test_docs_compliance_md_is_generated(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compliance", "--coverage", "--format", "markdown"]) == 0
    generated = capsys.readouterr().out
    assert (DOCS / "compliance-coverage.md").read_text(encoding="utf-8") == generated, (
        "docs/compliance-coverage.md is stale: run "
        "`cloudwarden compliance --coverage --format markdown > docs/compliance-coverage.md`")
    assert len(load_all_checks()) > 0
