"""The DuckDB history: recording, trend, open-failure age, time to remediate, muted and gone results."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudwarden.assess import Assessment
from cloudwarden.core.enums import Area, Severity, Status
from cloudwarden.core.errors import InputError
from cloudwarden.core.findings import Finding
from cloudwarden.posture.history import load_history, record


def result(check_id: str, resource: str, status: Status, severity: Severity = Severity.HIGH,
           area: Area = Area.DP) -> Finding:
    return Finding(check_id=check_id, title=check_id, area=area, severity=severity, status=status, account_id="1",
                   region="us-east-1", resource_type="t", resource_id=resource, resource_arn="", message="m")


def scan(day: int, *findings: Finding, checks: tuple[str, ...] = ("s3.a", "s3.b", "ec2.c")) -> Assessment:
    return Assessment(account_id="1", collected_at=f"2026-11-{day:02d}T08:00:00+00:00", regions=["us-east-1"],
                      findings=list(findings), checks_run=list(checks))


def test_trend_ages_and_mean_time_to_remediate(tmp_path: Path) -> None:
    weeks = [
        scan(1, result("s3.a", "b1", Status.FAIL), result("s3.a", "b2", Status.FAIL, Severity.CRITICAL),
             result("s3.b", "b1", Status.FAIL, Severity.LOW), result("ec2.c", "i1", Status.FAIL, area=Area.INF)),
        # b1 fixed after 7 days; b2's status unknown this week (it neither closes nor restarts);
        # i1 is gone although its check ran: remediated by removal.
        scan(8, result("s3.a", "b1", Status.PASS), result("s3.a", "b2", Status.UNKNOWN),
             result("s3.b", "b1", Status.MUTED, Severity.LOW)),
        scan(15, result("s3.a", "b1", Status.FAIL), result("s3.a", "b2", Status.FAIL, Severity.CRITICAL),
             result("s3.b", "b1", Status.MUTED, Severity.LOW)),
    ]
    for week in weeks:
        assert record(tmp_path, week)
    assert not record(tmp_path, weeks[0])  # recording the same snapshot twice adds nothing
    history = load_history(tmp_path).to_dict()
    assert [p["by_status"]["FAIL"] for p in history["trend"]] == [4, 0, 2]
    assert history["trend"][0]["fail_by_area"] == {"IAM": 0, "DET": 0, "INF": 1, "DP": 3, "IR": 0}
    assert history["trend"][2]["fail_by_severity"]["critical"] == 1
    opened = {f["resource_id"] + "/" + f["check_id"]: f for f in history["open_failures"]}
    assert opened["b2/s3.a"]["days"] == 14.0 and opened["b2/s3.a"]["opened"].startswith("2026-11-01")
    assert opened["b1/s3.a"]["days"] == 0.0  # a new run of failures started on the 15th
    closed = {(f["resource_id"], f["check_id"]): f["outcome"] for f in history["closed_failures"]}
    assert closed == {("b1", "s3.a"): "remediated", ("i1", "ec2.c"): "remediated", ("b1", "s3.b"): "muted"}
    mttr = history["mean_time_to_remediate_days"]
    assert mttr["all"] == 7.0 and mttr["high"] == 7.0 and mttr["critical"] is None


def test_result_missing_because_its_check_was_not_run_stays_open(tmp_path: Path) -> None:
    record(tmp_path, scan(1, result("s3.a", "b1", Status.FAIL)))
    record(tmp_path, scan(2, result("ec2.c", "i1", Status.PASS), checks=("ec2.c",)))
    history = load_history(tmp_path)
    assert [f.resource_id for f in history.open_failures] == ["b1"] and history.closed_failures == []


def test_no_history_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        load_history(tmp_path / "nothing")
    assert raised.value.hint and "--history" in raised.value.hint
