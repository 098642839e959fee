"""The CLI as a user runs it, against moto's server over HTTP, on the planted demo account."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cloudwarden.core.enums import Status
from cloudwarden.core.findings import Finding
from cloudwarden.demo import verify
from cloudwarden.demo.plan import DEMO_REGIONS, Plan
from tests.e2e.conftest import cli_env

CLI = [sys.executable, "-m", "cloudwarden"]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=cli_env(), timeout=300)


def test_scan_reports_every_planted_weakness_and_passes_every_twin(
        demo_account: Plan, moto_url: str, tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = run_cli("scan", "--endpoint-url", moto_url, "--regions", ",".join(DEMO_REGIONS),
                     "--out", str(out), "--fail-on", "critical")
    assert result.returncode == 1, result.stderr  # the demo account has critical failures
    assert "Traceback" not in result.stderr
    document = json.loads((out / "findings.json").read_text())
    assert document["schema"] == "cloudwarden-findings"
    findings = [Finding.from_dict(f) for f in document["findings"]]
    verdicts = verify(demo_account.expectations, findings)
    misses = [v.describe() for v in verdicts if not v.ok]
    assert not misses, "\n".join(misses)
    weaknesses = [v for v in verdicts if v.expectation.status is Status.FAIL]
    assert len({(v.expectation.check_id, v.expectation.token) for v in weaknesses}) >= 30
    edge = {(v.expectation.check_id, v.expectation.region, v.expectation.status) for v in verdicts
            if v.expectation.check_id.split(".")[0] in ("elb", "acm", "wafv2")}
    for check_id in ("elb.listeners_secure_protocols", "elb.alb_waf_attached", "wafv2.webacl_has_rules"):
        for region in DEMO_REGIONS:
            assert {(check_id, region, Status.FAIL), (check_id, region, Status.PASS)} <= edge, (check_id, region)
    assert (out / "account.snapshot").exists()
    assert "Failures" in result.stdout


def test_collect_then_assess_offline_gives_the_same_findings(
        demo_account: Plan, moto_url: str, tmp_path: Path) -> None:
    snapshot = tmp_path / "acct.snapshot"
    collected = run_cli("collect", "--endpoint-url", moto_url, "--regions", ",".join(DEMO_REGIONS),
                        "--out", str(snapshot))
    assert collected.returncode == 0, collected.stderr
    first = run_cli("assess", str(snapshot), "--format", "json")
    second = run_cli("assess", str(snapshot), "--format", "json")
    assert first.returncode == 0 and second.returncode == 0
    strip = lambda text: [  # noqa: E731
        (f["check_id"], f["resource_id"], f["status"]) for f in json.loads(text)["findings"]]
    assert strip(first.stdout) == strip(second.stdout)
    assert len(strip(first.stdout)) > 100


def test_region_not_enabled_is_reported_and_the_scan_goes_on(
        demo_account: Plan, moto_url: str, tmp_path: Path) -> None:
    result = run_cli("scan", "--endpoint-url", moto_url, "--regions", "us-east-1,xx-nowhere-1",
                     "--format", "json", "--checks", "ec2,iam")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    nowhere = [f for f in document["findings"] if f["region"] == "xx-nowhere-1"]
    assert nowhere and all(f["status"] == "UNKNOWN" for f in nowhere)
    assert all("not enabled" in f["message"] for f in nowhere)
    assert any(f["region"] == "us-east-1" and f["status"] == "FAIL" for f in document["findings"])


def test_scan_redact_masks_every_report_and_keeps_the_snapshot_private(
        demo_account: Plan, moto_url: str, tmp_path: Path) -> None:
    import re

    out = tmp_path / "shared"
    result = run_cli("scan", "--endpoint-url", moto_url, "--regions", ",".join(DEMO_REGIONS), "--out", str(out),
                     "--format", "all", "--compliance", "cis-aws-7.0", "--redact")
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in out.iterdir())
    assert "findings.json" in written and "report.html" in written and "account.snapshot" not in written
    assert any(name.startswith("compliance-") for name in written)
    twelve_digits = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")
    for path in out.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not twelve_digits.search(text), (path.name, twelve_digits.search(text))
    assert ":account-1:" in (out / "findings.json").read_text()  # ARNs keep their shape, not their account
    assert not twelve_digits.search(result.stdout)
    assert "account account-1" in result.stdout
    # The snapshot, unmasked, sits beside the shared folder, so nothing collected is lost.
    private = tmp_path / "shared-private" / "account.snapshot"
    assert private.exists() and str(private) in result.stderr
    reassessed = run_cli("assess", str(private), "--format", "json")
    assert len(json.loads(reassessed.stdout)["findings"]) == len(
        json.loads((out / "findings.json").read_text())["findings"])
