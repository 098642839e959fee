"""The terminal summary stays readable at 20,000 findings: grouped, counted, truncated with a note."""

from __future__ import annotations

import io
from pathlib import Path

from cloudwarden.core.enums import Status
from cloudwarden.report import render_summary
from tests.report.synthetic import synthetic_assessment


def test_twenty_thousand_findings_fit_a_screenful_or_two() -> None:
    assessment = synthetic_assessment(20000)
    stream = io.StringIO()
    written = [Path("out/findings.json"), Path("out/report.html"), Path("out/findings.csv")]
    render_summary(assessment, stream, written=written)
    lines = stream.getvalue().splitlines()
    # 80 columns off a terminal: long lines are cut, not wrapped, so this stays a couple of screens.
    assert len(lines) < 250, len(lines)
    failures = sum(f.status in (Status.FAIL, Status.ERROR) for f in assessment.findings)
    assert f"Failures ({failures} in " in stream.getvalue()
    rest = [line for line in lines if line.startswith("… and ") and "more checks with" in line]
    # At 80 columns the pointer to the files may wrap onto the next line.
    assert rest and "all in out/report.html and out/findings.csv" in " ".join(stream.getvalue().split())
    assert max(len(line) for line in lines) <= 300


def test_a_small_assessment_shows_every_failing_check() -> None:
    assessment = synthetic_assessment(150)
    stream = io.StringIO()
    render_summary(assessment, stream)
    text = stream.getvalue()
    assert "more checks with" not in text
    failing = {f.check_id for f in assessment.findings if f.status is Status.FAIL}
    assert all(check_id in text for check_id in failing)
