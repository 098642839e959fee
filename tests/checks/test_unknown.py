"""A gap is never a PASS: missing data becomes UNKNOWN with the reason; a crash becomes ERROR."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.assess import run_check
from cloudwarden.checks.registry import CheckDef, CheckMeta, load_all_checks
from cloudwarden.core.enums import Area, Severity, Status
from cloudwarden.core.findings import Remediation
from cloudwarden.inventory.snapshot import Gap
from tests.checks.cases import Regional, snapshot_with

DENIED = Gap("iam.password_policy", "iam", "GetAccountPasswordPolicy", "global", "AccessDenied",
             "User is not authorized", "iam:GetAccountPasswordPolicy")


def test_global_gap_gives_unknown_with_reason_and_permission() -> None:
    snap = snapshot_with({}, gaps=[DENIED])
    findings = run_check(load_all_checks()["iam.password_policy_min_length_14"], snap)
    assert [f.status for f in findings] == [Status.UNKNOWN]
    assert "AccessDenied" in findings[0].message
    assert "grant iam:GetAccountPasswordPolicy" in findings[0].message


def test_regional_gap_gives_unknown_for_that_region_only() -> None:
    gap = Gap("accessanalyzer.analyzers", "accessanalyzer", "ListAnalyzers", "eu-west-1",
              "RegionNotEnabled", "region eu-west-1 is not enabled for this account")
    snap = snapshot_with({"accessanalyzer.analyzers": Regional({"us-east-1": []})}, gaps=[gap])
    findings = run_check(load_all_checks()["iam.access_analyzer_enabled"], snap)
    by_region = {f.region: f for f in findings}
    assert by_region["us-east-1"].status == Status.FAIL
    assert by_region["eu-west-1"].status == Status.UNKNOWN
    assert "not enabled" in by_region["eu-west-1"].message


def test_dataset_never_collected_gives_unknown_not_pass() -> None:
    findings = run_check(load_all_checks()["iam.root_mfa_enabled"], snapshot_with({}))
    assert [f.status for f in findings] == [Status.UNKNOWN]
    assert "was not collected" in findings[0].message


def test_a_crashing_check_gives_error_and_the_rest_goes_on() -> None:
    def broken(_ctx: Any) -> Iterator[Any]:
        raise ZeroDivisionError("boom")
        yield  # pragma: no cover

    meta = CheckMeta("x.broken", "Broken", Area.IAM, Severity.LOW, "AWS::X::Y", ("x",), "r",
                     Remediation("fix"))
    findings = run_check(CheckDef(meta, broken), snapshot_with({}))
    assert [f.status for f in findings] == [Status.ERROR]
    assert "ZeroDivisionError" in findings[0].message
