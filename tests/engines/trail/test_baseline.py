"""Baselines kept on ingest, first-time-seen rules, and records that are not CloudTrail events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from cloudwarden.engines.trail.baseline import BASELINE_FILE
from cloudwarden.engines.trail.builtin_attack import new_behaviour
from cloudwarden.engines.trail.detect import run_rules
from cloudwarden.engines.trail.ingest import ingest
from cloudwarden.engines.trail.store import Store, connect

from .conftest import event, write_records

RULES = {rule.id: rule for rule in new_behaviour()}


def _hunt(store: Path, rule_ids: list[str]) -> list[Any]:
    connection = connect()
    try:
        Store.open(store).attach(connection)
        return run_rules(connection, [RULES[r] for r in rule_ids])
    finally:
        connection.close()


def _baseline_rows(store: Path) -> dict[tuple[str, str, str], int]:
    rows = duckdb.sql(f"SELECT dimension, grp, value, events FROM read_parquet('{store / BASELINE_FILE}')").fetchall()
    return {(d, g, v): n for d, g, v, n in rows}


def test_baseline_grows_incrementally_and_new_values_fire_after_learning(tmp_path: Path) -> None:
    store = tmp_path / "store"
    week1 = [event("GetUser", when=f"2024-05-0{day}T09:00:00Z", eventID=f"old{day}") for day in (1, 2, 3)]
    ingest([str(write_records(tmp_path / "a" / "1.json.gz", week1))], store)
    assert _baseline_rows(store)[("region", "arn:aws:iam::111122223333:user/alice", "us-east-1")] == 3
    later = [event("GetUser", when="2024-05-05T09:00:00Z", eventID="same-region"),
             event("GetUser", when="2024-05-05T10:00:00Z", eventID="new-region", awsRegion="ap-east-1"),
             event("GetUser", when="2024-05-05T10:05:00Z", eventID="again", awsRegion="ap-east-1"),
             event("GetUser", when="2024-05-05T10:00:00Z", user="newbie", eventID="newbie-first",
                   awsRegion="ap-east-1")]
    ingest([str(write_records(tmp_path / "a" / "2.json.gz", later))], store)
    rows = _baseline_rows(store)
    assert rows[("region", "arn:aws:iam::111122223333:user/alice", "us-east-1")] == 4  # merged, not replaced
    assert rows[("region", "arn:aws:iam::111122223333:user/alice", "ap-east-1")] == 2
    found = _hunt(store, ["cw.baseline.new_region"])
    # alice has two days of history: her new region fires once; newbie's first day is learning time
    assert [d.event_ids for d in found] == [("new-region",)]


def test_new_principal_and_new_source_ip(tmp_path: Path) -> None:
    store = tmp_path / "store"
    events = [event("GetUser", when="2024-05-01T09:00:00Z", eventID="first"),
              event("GetUser", when="2024-05-03T09:00:00Z", eventID="usual-ip"),
              event("GetUser", when="2024-05-03T09:30:00Z", eventID="other-ip", sourceIPAddress="192.0.2.77"),
              event("GetUser", when="2024-05-03T09:40:00Z", user="mallory", eventID="new-user")]
    ingest([str(write_records(tmp_path / "a" / "1.json.gz", events))], store)
    found = {d.rule.id: d.event_ids for d in _hunt(store, ["cw.baseline.new_principal", "cw.baseline.new_source_ip"])}
    assert found == {"cw.baseline.new_principal": ("new-user",), "cw.baseline.new_source_ip": ("other-ip",)}


def test_records_that_are_not_cloudtrail_are_rejected_and_counted(tmp_path: Path) -> None:
    good = event("GetUser", eventID="good")
    not_trail = [{"level": "info", "msg": "GET /healthz 200"}, {"eventName": "Only", "eventSource": "x"},
                 {"eventTime": "2024-05-01T10:00:00Z", "eventName": "NoSource"}]
    source = tmp_path / "mixed.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in [good, *not_trail]) + "\n")
    report = ingest([str(source)], tmp_path / "store")
    assert (report.events, report.rejected) == (1, 3)
    connection = connect()
    try:
        Store.open(tmp_path / "store").attach(connection)
        assert connection.execute("SELECT list(event_id) FROM events").fetchone() == (["good"],)
    finally:
        connection.close()
