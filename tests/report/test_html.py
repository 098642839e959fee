"""The HTML report in a real browser (headless Chromium): filters, details, escaping, no network,
and the optional sections other parts of cloudwarden add, here with hand-built data."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cloudwarden.assess import Assessment
from cloudwarden.core.enums import Status
from cloudwarden.report import write_reports
from tests.report.browser import Watched, chromium

HOSTILE = '<img src=x onerror="window.__xss=1">'


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture()
def report_file(assessment: Assessment, tmp_path: Path) -> Path:
    hostile = dataclasses.replace(next(f for f in assessment.findings if f.status is Status.FAIL),
                                  resource_id=HOSTILE, message=f"evidence </script>{HOSTILE}")
    enriched = dataclasses.replace(assessment, findings=[*assessment.findings, hostile], sections={
        "compliance": {"framework": "CIS AWS Foundations v7.0",
                       "controls": [{"id": "2.10", "status": "FAIL", "checks": ["iam.root_mfa_enabled"]},
                                    {"id": "3.1", "status": "PASS", "checks": ["cloudtrail.multi_region"]}]},
        "shared_responsibility": [{"area": "IAM", "customer": 12, "aws": 3}],
        "account_strategy": None,
        "weekly_trend": {"new": 4, "fixed": 2},
    })
    (path,) = write_reports(enriched, tmp_path, ["html"])
    return path


def test_report_opens_without_network_and_filters_change_the_rows(browser: Any, report_file: Path) -> None:
    watched = Watched(browser)
    page = watched.open(report_file.as_uri())
    total = page.locator("#findings tbody tr.row").count()
    everything = page.inner_text("#count")
    page.select_option("#f-status", "FAIL")
    fails = page.inner_text("#count")
    assert fails != everything and "match" in fails
    statuses = {t.strip() for t in page.locator("#findings tbody tr.row td:first-child").all_inner_texts()}
    assert statuses == {"FAIL"}
    page.select_option("#f-area", "INF")
    assert page.inner_text("#count") != fails
    services = {t.split(".")[0] for t in page.locator("#findings tbody tr.row td:nth-child(3)").all_inner_texts()}
    assert services and services <= {"ec2", "vpc", "net", "elbv2", "network"}, services
    page.click("#f-reset")
    assert page.inner_text("#count") == everything and page.locator("#findings tbody tr.row").count() == total
    page.fill("#f-text", "root")
    page.wait_for_function("document.getElementById('count').textContent.includes('match')")
    assert page.locator("#findings tbody tr.row").count() >= 1
    assert watched.requests == [report_file.as_uri()] and not watched.errors


def test_a_finding_opens_to_its_evidence_rationale_remediation_and_compliance(browser: Any,
                                                                              report_file: Path) -> None:
    page = Watched(browser).open(report_file.as_uri())
    page.fill("#f-text", "ec2.sg_no_ssh_from_internet")
    page.wait_for_function("document.getElementById('count').textContent.includes('match')")
    page.click("#findings tbody tr.row")
    detail = page.inner_text("#findings tr.detail")
    for label in ("Evidence", "Rationale", "Remediation", "CLI", "CloudFormation", "Terraform", "Compliance"):
        assert label in detail
    assert "cis_aws_v7.0:" in detail
    assert "AWS::EC2::SecurityGroup" in detail and 'resource "aws_security_group"' in detail


def test_hostile_resource_names_stay_text(browser: Any, report_file: Path) -> None:
    page = Watched(browser).open(report_file.as_uri())
    page.fill("#f-text", "onerror")
    page.wait_for_function("document.getElementById('count').textContent.includes('match')")
    page.click("#findings tbody tr.row")
    assert HOSTILE in page.inner_text("#findings tbody")
    assert page.evaluate("window.__xss") is None
    assert page.locator("#findings img").count() == 0


def test_optional_sections_are_shown_when_present(browser: Any, report_file: Path, assessment: Assessment,
                                                 tmp_path: Path) -> None:
    page = Watched(browser).open(report_file.as_uri())
    compliance = page.inner_text("#section-compliance")
    assert "CIS AWS Foundations v7.0" in compliance and "2.10" in compliance and "iam.root_mfa_enabled" in compliance
    assert "12" in page.inner_text("#section-shared_responsibility")
    assert "new" in page.inner_text("#section-weekly_trend")
    assert page.locator("#section-account_strategy").count() == 0  # empty data: no section
    (plain,) = write_reports(assessment, tmp_path / "plain", ["html"])
    assert Watched(browser).open(plain.as_uri()).locator("section.optional").count() == 0


def test_unknown_results_and_gaps_have_their_own_section(browser: Any, report_file: Path) -> None:
    page = Watched(browser).open(report_file.as_uri())
    assert "UnauthorizedOperation" in page.inner_text("#gaps-table")
    assert "ec2:DescribeSecurityGroups" in page.inner_text("#gaps-table")
    assert page.locator("#unknown-table tbody tr").count() >= 10
