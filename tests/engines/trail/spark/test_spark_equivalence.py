"""Spark and DuckDB agree: the same matches per rule condition, detections, incidents and counts,
on every built-in, CIS and Sigma rule, over every test dataset; and each reads the other's store."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from cloudwarden.engines.trail import spark as spark_engine
from cloudwarden.engines.trail import spark_ingest
from cloudwarden.engines.trail.hunt import HuntResult, hunt, rule_set
from cloudwarden.engines.trail.ingest import ingest
from cloudwarden.engines.trail.store import Store, connect

pytestmark = pytest.mark.xdist_group("spark")

RULES = rule_set()


def _canonical(result: HuntResult) -> tuple[list[str], list[str]]:
    """Detections and incidents as sorted JSON texts: equal results, whatever the order of ties."""
    detections = sorted(json.dumps(d.to_dict(), sort_keys=True) for d in result.detections)
    incidents = []
    for incident in result.incidents:
        data = incident.to_dict()
        data.pop("incident_id")
        data["detections"] = sorted(json.dumps(d, sort_keys=True) for d in data["detections"])
        incidents.append(json.dumps(data, sort_keys=True))
    return detections, sorted(incidents)


def _pairs(result: HuntResult) -> set[tuple[str, str]]:
    return {(d.rule.id, event_id) for d in result.detections for event_id in d.event_ids}


def _duckdb_matches(store: Path, conditions: list[str]) -> Counter[tuple[int, str | None]]:
    tests = ", ".join(f"CASE WHEN coalesce({c}, false) THEN {n} END" for n, c in enumerate(conditions))
    connection = connect()
    try:
        Store.open(store).attach(connection)
        rows = connection.execute(f"SELECT hit, event_id FROM (SELECT event_id, unnest(list_filter([{tests}],"
                                  " lambda x: x IS NOT NULL)) AS hit FROM events)").fetchall()
    finally:
        connection.close()
    return Counter((int(hit), event_id) for hit, event_id in rows)


@pytest.fixture(scope="module")
def duck_hunt(duck_store: Path) -> HuntResult:
    return hunt(duck_store, rules=RULES)


@pytest.fixture(scope="module")
def spark_scan(spark: Any, duck_store: Path) -> tuple[Any, list[str]]:
    conditions = spark_engine.conditions_of(RULES)
    frame = spark_engine.events_frame(spark, duck_store)
    return spark_engine.scan(frame, conditions), conditions


def test_rule_set_has_every_family() -> None:
    families = Counter(rule.family for rule in RULES)
    assert families["cis"] == 15 and families["builtin"] > 50 and families["sigma"] > 50
    assert {rule.kind for rule in RULES} == {"event", "window", "near", "first_seen", "baseline"}


def test_every_condition_matches_the_same_events(spark_scan: tuple[Any, list[str]], duck_store: Path) -> None:
    table, conditions = spark_scan
    on_spark = Counter(spark_engine.rule_matches(table))
    on_duckdb = _duckdb_matches(duck_store, conditions)
    assert on_spark == on_duckdb, {
        conditions[n][:200]: (on_duckdb[(n, e)], on_spark[(n, e)]) for n, e in set(on_spark) ^ set(on_duckdb)}
    matched = {n for n, _ in on_duckdb}
    # the comparison is not vacuous: most conditions match some test event, of every family
    assert len(matched) > len(conditions) * 0.6
    families = {rule.family for rule in RULES if conditions.index(rule.where) in matched}
    assert families == {"cis", "builtin", "sigma"}


def test_hunt_gives_the_same_detections_and_incidents(spark: Any, duck_store: Path, duck_hunt: HuntResult) -> None:
    on_duckdb = duck_hunt
    found = spark_engine.detections(spark, spark_engine.events_frame(spark, duck_store), RULES, duck_store)
    from cloudwarden.engines.trail.incidents import group_incidents

    detections = found.detections
    on_spark = HuntResult(on_duckdb.events_scanned, len(RULES), 0.0, detections, group_incidents(detections))
    # only aggregates reach the driver: one row per detection, and one more per detection of the rules
    # with few detections, which get more samples
    assert len(detections) <= found.collected_rows <= 2 * len(detections)
    assert len(on_spark.detections) == len(on_duckdb.detections) > 100
    assert len(on_spark.incidents) == len(on_duckdb.incidents) > 50
    assert _pairs(on_spark) == _pairs(on_duckdb)
    assert _canonical(on_spark) == _canonical(on_duckdb)
    assert {d.rule.kind for d in on_duckdb.detections} >= {"event", "window", "near"}


def test_hunt_entry_point_with_a_time_range(spark: Any, duck_store: Path) -> None:
    since, until = datetime(2024, 1, 1), datetime(2024, 6, 2)
    rules = [r for r in RULES if r.family == "cis"]
    on_duckdb = hunt(duck_store, since, until, rules=rules)
    on_spark = spark_engine.hunt(duck_store, since, until, rules=rules, spark=spark)
    assert on_spark.events_scanned == on_duckdb.events_scanned
    assert 0 < on_spark.events_scanned < hunt(duck_store, rules=[]).events_scanned
    assert _canonical(on_spark) == _canonical(on_duckdb)
    assert on_spark.incidents


def _rows(store: Path) -> list[tuple[Any, ...]]:
    with duckdb.connect() as connection:
        connection.execute("SET TimeZone = 'UTC'")
        pattern = str(store / "events" / "**" / "*.parquet")
        return sorted(connection.execute(
            f"SELECT * FROM read_parquet('{pattern}', hive_partitioning = true, union_by_name = true)").fetchall(),
            key=repr)


def _types(store: Path) -> list[tuple[str, str]]:
    with duckdb.connect() as connection:
        pattern = str(store / "events" / "**" / "*.parquet")
        return connection.execute(f"DESCRIBE SELECT * FROM read_parquet('{pattern}', hive_partitioning = true)").fetchall()


def test_spark_ingest_writes_the_same_store(spark: Any, sources: Path, duck_store: Path, duck_hunt: HuntResult,
                                            tmp_path: Path) -> None:
    store = tmp_path / "spark-store"
    report = spark_ingest.ingest([str(sources)], store, spark=spark)
    expected = json.loads((duck_store / "manifest.json").read_text())["files"]
    assert json.loads((store / "manifest.json").read_text())["files"] == expected
    assert report.files_ingested == len(expected) == 5
    on_duckdb = json.loads((duck_store.parent / "report.json").read_text())
    # {"not": "an event"} and Panther's test events without a usable eventTime, on both engines
    assert report.rejected == on_duckdb["rejected"] > 1
    assert report.events == on_duckdb["events"]
    assert [(p.path.endswith("cut.json.gz"), p.bad_items, p.error) for p in report.problems] == [
        (True, 1, "truncated gzip")]
    assert [asdict(p) for p in report.problems] == on_duckdb["problems"]
    partitions = sorted(str(p.parent.relative_to(store)) for p in store.rglob("*.parquet") if "events" in p.parts)
    duck_partitions = sorted(str(p.parent.relative_to(duck_store)) for p in duck_store.rglob("*.parquet")
                             if "events" in p.parts)
    assert set(partitions) == set(duck_partitions)
    assert _types(store) == _types(duck_store)
    assert _rows(store) == _rows(duck_store)
    assert report.events == len(_rows(store)) > 1000
    again = spark_ingest.ingest([str(sources)], store, spark=spark)
    assert (again.files_ingested, again.files_already_ingested) == (0, 5)
    # each engine reads the other's store, and a DuckDB ingest adds to a Spark-written one
    assert _canonical(hunt(store, rules=RULES)) == _canonical(duck_hunt)
    cis = [rule for rule in RULES if rule.family == "cis"]
    on_spark = spark_engine.hunt(store, rules=cis, spark=spark)
    assert on_spark.events_scanned == report.events
    assert _canonical(on_spark) == _canonical(hunt(duck_store, rules=cis))
    extra = tmp_path / "more"
    extra.mkdir()
    (extra / "one.json").write_text(json.dumps({"Records": [json.loads(json.dumps(
        {"eventVersion": "1.08", "eventTime": "2024-07-01T00:00:00Z", "eventSource": "iam.amazonaws.com",
         "eventName": "CreateUser", "awsRegion": "us-east-1", "eventID": "extra-1", "recipientAccountId": "1"}))]}))
    assert ingest([str(extra)], store).events == 1
    assert hunt(store, rules=[]).events_scanned == report.events + 1


def test_spark_ingest_refuses_other_uris(tmp_path: Path) -> None:
    from cloudwarden.core.errors import InputError

    with pytest.raises(InputError, match="gs://bucket/logs") as caught:
        spark_ingest.ingest(["gs://bucket/logs"], tmp_path / "store")
    assert "s3://bucket/prefix" in (caught.value.hint or "")
