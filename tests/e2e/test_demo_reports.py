"""`cloudwarden demo` as a user runs it writes every format; each validates against its published
definition, and the HTML report opens in headless Chromium, where two filters change the rows.

The overview screenshot is kept as a test artifact (build/test-artifacts/report-overview.png;
`make screenshot` copies it to docs/img for the README).
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cloudwarden.report import reporters
from tests.report.browser import Watched, chromium
from tests.report.validators import asff_errors, ocsf_errors, sarif_errors

ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts"


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "demo-report"
    result = subprocess.run([sys.executable, "-m", "cloudwarden", "demo", "--out", str(out), "--quiet"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "report.html" in result.stdout
    return out


def test_demo_writes_every_format_and_each_validates(demo_out: Path) -> None:
    for reporter in reporters().values():
        assert (demo_out / reporter.filename).stat().st_size > 0, reporter.filename
    document = json.loads((demo_out / "findings.json").read_text())
    total = len(document["findings"])
    assert document["checks"] and total > 100
    # The views of the weekly issue travel with the demo's reports too.
    assert {"shared_responsibility", "account_strategy"} <= set(document["sections"])
    html = (demo_out / "report.html").read_text(encoding="utf-8")
    assert "Shared responsibility" in html and "Account strategy" in html
    ocsf = json.loads((demo_out / "findings.ocsf.json").read_text())
    asff = json.loads((demo_out / "findings.asff.json").read_text())
    assert len(ocsf) == len(asff) == total
    assert not ocsf_errors(ocsf) and not asff_errors(asff)
    assert not sarif_errors(json.loads((demo_out / "findings.sarif").read_text()))
    with (demo_out / "findings.csv").open(encoding="utf-8", newline="") as handle:
        assert sum(1 for _ in csv.reader(handle)) == total + 1


def test_report_command_renders_the_demo_again(demo_out: Path, tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "cloudwarden", "report", str(demo_out / "findings.json"),
                             "--format", "sarif,csv", "--out", str(tmp_path)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["findings.csv", "findings.sarif"]
    assert (tmp_path / "findings.csv").read_text() == (demo_out / "findings.csv").read_text()


def test_demo_report_in_chromium(demo_out: Path) -> None:
    with chromium() as browser:
        watched = Watched(browser)
        page: Any = watched.open((demo_out / "report.html").as_uri())
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report-overview.png"))
        first_rows = page.locator("#findings tbody tr.row").all_inner_texts()
        everything = page.inner_text("#count")
        page.select_option("#f-severity", "critical")
        critical = page.inner_text("#count")
        assert critical != everything
        severities = {t.strip() for t in page.locator("#findings tbody tr.row td:nth-child(2)").all_inner_texts()}
        assert severities == {"critical"}
        page.select_option("#f-service", "s3")
        assert page.inner_text("#count") != critical
        rows = page.locator("#findings tbody tr.row").all_inner_texts()
        assert rows and rows != first_rows
        checks = json.loads((demo_out / "findings.json").read_text())["checks"]
        s3_checks = {cid for cid, meta in checks.items() if (meta["service"] or cid.split(".")[0]) == "s3"}
        shown = {t.strip() for t in page.locator("#findings tbody tr.row td:nth-child(3)").all_inner_texts()}
        assert shown and shown <= s3_checks
        assert watched.requests == [(demo_out / "report.html").as_uri()] and not watched.errors
