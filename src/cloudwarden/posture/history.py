"""A local history of scan results in DuckDB: the trend per area and severity, open-failure age, MTTR.

One file, `DIR/history.duckdb`, with a row per scan and a row per result. A result is identified
by (account, check, region, resource). A failure is open from the first scan of its current run
of FAILs; it closes at the first later scan where it passes or is no longer reported (the
resource is gone). UNKNOWN and ERROR neither close nor extend a run: we did not see it; MUTED
closes it as accepted, not as remediated.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from cloudwarden import __version__
from cloudwarden.assess import Assessment
from cloudwarden.core.enums import Area, Severity, Status
from cloudwarden.core.errors import InputError

HISTORY_FILE = "history.duckdb"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scans (
    scan_id INTEGER PRIMARY KEY, account_id VARCHAR, collected_at TIMESTAMPTZ, recorded_at TIMESTAMPTZ,
    regions VARCHAR, checks_run INTEGER, tool_version VARCHAR, checks VARCHAR);
CREATE TABLE IF NOT EXISTS results (
    scan_id INTEGER, account_id VARCHAR, check_id VARCHAR, title VARCHAR, area VARCHAR, severity VARCHAR,
    status VARCHAR, region VARCHAR, resource_id VARCHAR, resource_arn VARCHAR, message VARCHAR);
"""


def _connect(directory: Path, create: bool) -> duckdb.DuckDBPyConnection:
    path = directory / HISTORY_FILE
    if not create and not path.exists():
        raise InputError(f"no history in {directory} ({HISTORY_FILE} not found)",
                         hint="record scans with `cloudwarden scan --history DIR` first")
    if create:
        directory.mkdir(parents=True, exist_ok=True)
    try:
        connection = duckdb.connect(str(path))
    except duckdb.Error as error:
        raise InputError(f"cannot open the history {path}: {error}", hint="is another scan writing it?") from None
    connection.execute(_SCHEMA)
    return connection


def record(directory: Path, assessment: Assessment) -> bool:
    """Append one assessment; False when this account's snapshot of that time is already recorded."""

    with _connect(directory, create=True) as db:
        known = db.execute("SELECT 1 FROM scans WHERE account_id = ? AND collected_at = ?",
                           [assessment.account_id, assessment.collected_at]).fetchone()
        if known:
            return False
        scan_id = int(db.execute("SELECT coalesce(max(scan_id), 0) + 1 FROM scans").fetchone()[0])  # type: ignore[index]
        db.execute("INSERT INTO scans VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   [scan_id, assessment.account_id, assessment.collected_at, datetime.now(UTC),
                    ",".join(assessment.regions), len(assessment.checks_run), __version__,
                    ",".join(assessment.checks_run)])
        rows = [(scan_id, f.account_id, f.check_id, f.title, f.area.code, f.severity.value, f.status.value,
                 f.region, f.resource_id, f.resource_arn, f.message) for f in assessment.findings]
        if rows:
            db.executemany("INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return True


@dataclass
class Failure:
    account_id: str
    check_id: str
    title: str
    severity: str
    region: str
    resource_id: str
    opened: datetime
    closed: datetime | None = None
    outcome: str = "open"  # open | remediated | muted

    def days(self, until: datetime) -> float:
        return round(((self.closed or until) - self.opened).total_seconds() / 86400, 2)


@dataclass
class History:
    scans: list[dict[str, Any]]
    trend: list[dict[str, Any]]
    open_failures: list[Failure] = field(default_factory=list)
    closed_failures: list[Failure] = field(default_factory=list)

    @property
    def latest(self) -> datetime | None:
        return self.scans[-1]["collected_at"] if self.scans else None

    def mean_time_to_remediate(self) -> dict[str, float | None]:
        remediated = [f for f in self.closed_failures if f.outcome == "remediated"]
        by_severity: dict[str, list[float]] = defaultdict(list)
        for failure in remediated:
            by_severity[failure.severity].append(failure.days(failure.closed or failure.opened))
        result: dict[str, float | None] = {"all": _mean([f.days(f.opened) for f in remediated])}
        for severity in Severity:
            result[severity.value] = _mean(by_severity.get(severity.value, []))
        return result

    def to_dict(self) -> dict[str, Any]:
        latest = self.latest
        return {
            "scans": [{**s, "collected_at": s["collected_at"].isoformat()} for s in self.scans],
            "trend": self.trend,
            "open_failures": [_failure_dict(f, latest) for f in self.open_failures],
            "closed_failures": [_failure_dict(f, latest) for f in self.closed_failures],
            "mean_time_to_remediate_days": self.mean_time_to_remediate(),
        }


def _failure_dict(failure: Failure, latest: datetime | None) -> dict[str, Any]:
    return {"account_id": failure.account_id, "check_id": failure.check_id, "title": failure.title,
            "severity": failure.severity, "region": failure.region, "resource_id": failure.resource_id,
            "opened": failure.opened.isoformat(), "closed": failure.closed.isoformat() if failure.closed else None,
            "outcome": failure.outcome, "days": failure.days(latest or failure.opened)}


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def load_history(directory: Path, account_id: str | None = None) -> History:
    with _connect(directory, create=False) as db:
        where, params = ("WHERE account_id = ?", [account_id]) if account_id else ("", [])
        scans = [dict(zip(("scan_id", "account_id", "collected_at", "regions", "checks_run", "checks"), row,
                          strict=True))
                 for row in db.execute(f"SELECT scan_id, account_id, collected_at, regions, checks_run, checks "
                                       f"FROM scans {where} ORDER BY collected_at, scan_id", params).fetchall()]
        trend = _trend(db, where, params)
        rows = db.execute(
            "SELECT s.scan_id, s.collected_at, r.account_id, r.check_id, r.title, r.severity, r.status, r.region, "
            f"r.resource_id FROM results r JOIN scans s USING (scan_id) {where.replace('account_id', 's.account_id')} "
            "ORDER BY s.collected_at, s.scan_id", params).fetchall()
    history = History(scans=scans, trend=trend)
    _failure_runs(history, scans, rows)
    return history


def _trend(db: duckdb.DuckDBPyConnection, where: str, params: list[Any]) -> list[dict[str, Any]]:
    """Per scan: results by status, FAILs by area and by severity."""
    rows = db.execute(
        "SELECT s.scan_id, s.account_id, s.collected_at, r.status, r.area, r.severity, count(*) "
        f"FROM scans s JOIN results r USING (scan_id) {where.replace('account_id', 's.account_id')} "
        "GROUP BY ALL ORDER BY s.collected_at, s.scan_id", params).fetchall()
    points: dict[int, dict[str, Any]] = {}
    for scan_id, account, collected, status, area, severity, count in rows:
        point = points.setdefault(scan_id, {
            "scan_id": scan_id, "account_id": account, "collected_at": collected.isoformat(),
            "by_status": {s.value: 0 for s in Status}, "fail_by_area": {a.code: 0 for a in Area},
            "fail_by_severity": {s.value: 0 for s in Severity}})
        point["by_status"][status] = point["by_status"].get(status, 0) + count
        if status == Status.FAIL.value:
            point["fail_by_area"][area] += count
            point["fail_by_severity"][severity] += count
    return list(points.values())


def _failure_runs(history: History, scans: list[dict[str, Any]], rows: list[tuple[Any, ...]]) -> None:
    by_scan: dict[int, dict[tuple[str, str, str, str], tuple[Any, ...]]] = defaultdict(dict)
    for row in rows:
        by_scan[row[0]][(row[2], row[3], row[7], row[8])] = row
    running: dict[tuple[str, str, str, str], Failure] = {}
    for scan in scans:
        seen = by_scan.get(scan["scan_id"], {})
        checks_run = set((scan.pop("checks") or "").split(","))
        for key, row in seen.items():
            if row[6] == Status.FAIL.value and key not in running:
                running[key] = Failure(key[0], key[1], row[4], row[5], key[2], key[3], opened=scan["collected_at"])
        for key in list(running):
            if key[0] != scan["account_id"]:
                continue
            current = seen.get(key)
            status = current[6] if current else None
            # Gone from a scan that ran its check: the resource is gone, which remediates it.
            if status == Status.PASS.value or (status is None and key[1] in checks_run):
                outcome = "remediated"
            elif status == Status.MUTED.value:
                outcome = "muted"
            else:
                continue
            failure = running.pop(key)
            failure.closed, failure.outcome = scan["collected_at"], outcome
            history.closed_failures.append(failure)
    history.open_failures = sorted(running.values(), key=lambda f: (f.opened, -Severity(f.severity).rank))


def previous_results(directory: Path, account_id: str, before: str) -> tuple[str, list[Any]] | None:
    """The latest recorded scan of this account collected before `before`: (collected_at, findings)."""
    from cloudwarden.core.findings import Finding

    if not (directory / HISTORY_FILE).exists():
        return None
    with _connect(directory, create=False) as db:
        row = db.execute("SELECT scan_id, collected_at FROM scans WHERE account_id = ? AND collected_at < ? "
                         "ORDER BY collected_at DESC LIMIT 1", [account_id, before]).fetchone()
        if row is None:
            return None
        results = db.execute("SELECT check_id, title, area, severity, status, region, resource_id, resource_arn, "
                             "message FROM results WHERE scan_id = ?", [row[0]]).fetchall()
    findings = [Finding(check_id=r[0], title=r[1], area=Area[r[2]], severity=Severity(r[3]), status=Status(r[4]),
                        account_id=account_id, region=r[5], resource_type="", resource_id=r[6], resource_arn=r[7],
                        message=r[8]) for r in results]
    return row[1].isoformat(), findings
