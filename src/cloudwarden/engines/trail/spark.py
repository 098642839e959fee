"""Hunting on Apache Spark (``trail hunt --engine spark``): the same rules over the same store.

The store's layout does not change (``events/account=A/region=R/day=D/*.parquet``, see store.py), so
a store written by either engine is read by both, from a folder or from ``s3://`` (read as
``s3a://``; the cluster needs Hadoop's S3A connector). The work is split where the data shrinks:

1. Spark reads the whole store (or the [since, until) slice); spark_detect tests every condition
   once per event (each compiled once to DuckDB SQL and written for Spark by spark_sql.to_spark).
2. spark_detect computes the detections on the executors: each rule's members, then one aggregate
   per detection with the same counts and samples detect.run_rules gives. Only those rows reach
   the driver, where detect's code turns them into Detection objects and incidents, so the result
   is the one DuckDB gives on the whole store.

Baselines (first appearances, for ``Rule.baseline``) come from the store's ``baselines.parquet``
when it is current, else Spark computes them over the whole history (baseline.summary_sql, written
for Spark); either stays a DataFrame. Reads the store; writes nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cloudwarden.core.errors import InputError
from cloudwarden.engines.trail import baseline, spark_detect
from cloudwarden.engines.trail.hunt import HuntResult, rule_set
from cloudwarden.engines.trail.incidents import DEFAULT_WINDOW, group_incidents
from cloudwarden.engines.trail.rules import Rule
from cloudwarden.engines.trail.spark_detect import SparkDetections
from cloudwarden.engines.trail.spark_session import get_session
from cloudwarden.engines.trail.spark_sql import to_spark
from cloudwarden.engines.trail.store import EVENTS_DIR, Store

EVENTS_VIEW = "cloudwarden_events"
HISTORY_VIEW = "cloudwarden_history"  # the whole store, for the baselines
LAST_RUN: SparkDetections | None = None  # the last hunt's figures (rows that reached the driver), for bench/trail.py
HIT_PREFIX = "trail_h"  # scan(): one boolean column per condition


def spark_uri(store: str | Path) -> str:
    """The URI Spark reads a store at: s3:// becomes s3a:// (Hadoop's S3 connector), paths absolute."""
    text = str(store)
    if text.startswith("s3://"):
        return "s3a://" + text[len("s3://"):].rstrip("/")
    if "://" in text:
        return text.rstrip("/")
    return str(Path(text).expanduser().resolve())


def _local(store: str | Path) -> Path | None:
    text = str(store)
    return None if "://" in text else Path(text).expanduser()


def events_frame(spark: Any, store: str | Path, since: datetime | None = None,
                 until: datetime | None = None) -> Any:
    """The store's events as a DataFrame (partition columns account, region, day as text), in [since, until)."""
    local = _local(store)
    if local is not None:
        Store.open(local)  # a clear error when the folder is not a store
        if not local.joinpath(EVENTS_DIR).is_dir() or not Store(local).has_events():
            return _empty_frame(spark)
    root = spark_uri(store) + "/" + EVENTS_DIR
    try:
        frame = spark.read.option("basePath", root).option("mergeSchema", "true").parquet(root)
    except Exception as exc:  # AnalysisException: no files (empty store) or an unreadable path
        message = str(exc)
        if "UNABLE_TO_INFER_SCHEMA" in message or "Unable to infer schema" in message:
            return _empty_frame(spark)
        if any(text in message for text in ("No FileSystem for scheme", "UnsupportedFileSystemException",
                                            "FileSystem not found")):
            raise InputError(f"Spark cannot read {store}: no Hadoop connector for {root.split(':')[0]}://",
                             hint="for s3:// add Hadoop's S3A connector to the cluster, e.g. spark-submit --packages "
                                  "org.apache.hadoop:hadoop-aws:VERSION (the Hadoop version of your Spark)") from exc
        if "PATH_NOT_FOUND" in message or "does not exist" in message:
            raise InputError(f"{store} is not a trail store (no {EVENTS_DIR}/ folder)",
                             hint="create one with `cloudwarden trail ingest SOURCE --store DIR`") from exc
        raise
    frame = frame.withColumn("event_time", frame["event_time"].cast("timestamp_ntz"))
    if since is not None:
        frame = frame.where(f"event_time >= TIMESTAMP_NTZ '{since:%Y-%m-%d %H:%M:%S}' AND day >= '{since:%Y-%m-%d}'")
    if until is not None:
        frame = frame.where(f"event_time < TIMESTAMP_NTZ '{until:%Y-%m-%d %H:%M:%S}' AND day <= '{until:%Y-%m-%d}'")
    return frame


def _empty_frame(spark: Any) -> Any:
    from cloudwarden.engines.trail.schema import ALL_COLUMNS

    columns = ", ".join(("event_time TIMESTAMP_NTZ" if c == "event_time" else f"{c} STRING") for c in ALL_COLUMNS)
    return spark.createDataFrame([], f"{columns}, account STRING, region STRING, day STRING")


def conditions_of(rules: Sequence[Rule]) -> list[str]:
    """Every distinct condition (DuckDB SQL) the rules test events with."""
    return list(dict.fromkeys([r.where for r in rules] + [r.near for r in rules if r.near is not None]))


def scan(frame: Any, conditions: Sequence[str]) -> Any:
    """The events of ``frame`` matching at least one of ``conditions``, as a pyarrow Table on the driver.

    A diagnostic (the tests compare each condition's matches with DuckDB's); a hunt does not use it.

    Every store column is kept, plus one boolean column per condition (``trail_h0``, ``trail_h1``...:
    whether the event matched it) and ``trail_part``. Each condition is a projected column of its
    own, so Spark compiles each into its own method (one expression testing every rule would pass
    Java's 64 KB method limit and run interpreted), and is evaluated once per event: the filter
    reads the columns. ``trail_part`` (spark_partition_id(), not deterministic) keeps the optimiser
    from pushing the filter below the projection, which would evaluate every condition twice.
    """
    tests = [f"coalesce({to_spark(c)}, false) AS {HIT_PREFIX}{n}" for n, c in enumerate(conditions)]
    if not tests:
        return frame.limit(0).toArrow()
    frame.createOrReplaceTempView(EVENTS_VIEW)
    hit = " OR ".join(f"{HIT_PREFIX}{n}" for n in range(len(tests)))
    query = (f"SELECT * FROM (SELECT *, {', '.join(tests)}, spark_partition_id() AS trail_part FROM {EVENTS_VIEW})"
             f" WHERE {hit}")
    return frame.sparkSession.sql(query).toArrow()


def rule_matches(table: Any) -> list[tuple[int, str | None]]:
    """(condition position, event id) for every match in a ``scan`` result."""
    ids = table.column("event_id").to_pylist()
    found = []
    for name in table.column_names:
        if name.startswith(HIT_PREFIX):
            position = int(name[len(HIT_PREFIX):])
            found += [(position, ids[row]) for row, hit in enumerate(table.column(name).to_pylist()) if hit]
    return found


def baselines_frame(spark: Any, store: str | Path) -> Any:
    """The store's baselines (baseline.COLUMNS) as a DataFrame: ``baselines.parquet`` when it covers
    every event file (a folder store), else computed by Spark over the whole history."""
    local = _local(store)
    if local is not None:
        path = local / baseline.BASELINE_FILE
        files = {str(p.relative_to(local)) for p in (local / EVENTS_DIR).rglob("*.parquet")}
        if path.is_file() and files <= _folded(local):
            return spark.read.parquet(str(path.resolve()))
    events_frame(spark, store).createOrReplaceTempView(HISTORY_VIEW)
    return spark.sql(to_spark_baseline(baseline.summary_sql(HISTORY_VIEW)))


def _folded(root: Path) -> set[str]:
    """The event files folded into ``baselines.parquet`` (baseline.FOLDED_FILE), or none if unreadable."""
    try:
        return set(json.loads((root / baseline.FOLDED_FILE).read_text()).get("files", []))
    except (OSError, ValueError, AttributeError):
        return set()


def to_spark_baseline(duckdb_sql: str) -> str:
    """baseline.summary_sql for Spark: DuckDB's grouping(a, b) bit mask is Spark's grouping_id(a, b)."""
    import sqlglot

    tree = sqlglot.parse_one(duckdb_sql, read="duckdb")
    for node in list(tree.find_all(sqlglot.exp.Grouping)):
        node.replace(sqlglot.exp.Anonymous(this="grouping_id", expressions=list(node.expressions)))
    return tree.sql(dialect="spark")


def detections(spark: Any, frame: Any, rules: Sequence[Rule], store: str | Path) -> SparkDetections:
    """Every rule's detections over ``frame`` (events of ``store``), computed on the executors."""
    history = baselines_frame(spark, store) if any(rule.kind == "baseline" for rule in rules) else None
    return spark_detect.run_rules(spark, frame, rules, history)


def hunt(store: str | Path, since: datetime | None = None, until: datetime | None = None,
         rules_dir: Path | None = None, window: timedelta = DEFAULT_WINDOW, rules: list[Rule] | None = None,
         master: str | None = None, spark: Any = None) -> HuntResult:
    """hunt.hunt on Spark: every rule over the store (a folder or s3://), grouped into incidents."""
    chosen = rules if rules is not None else rule_set(rules_dir)
    local = _local(store)
    if local is not None:
        Store.open(local)
    elif not str(store).startswith(("s3://", "s3a://", "hdfs://", "file://", "gs://", "abfs://")):
        raise InputError(f"unsupported store URI {store}", hint="give a folder or s3://bucket/prefix")
    session = spark or get_session(master)
    started = time.perf_counter()
    frame = events_frame(session, store, since, until)
    total = frame.count()
    global LAST_RUN
    LAST_RUN = detections(session, frame, chosen, store)
    found = LAST_RUN.detections
    seconds = time.perf_counter() - started
    return HuntResult(int(total), len(chosen), seconds, found, group_incidents(found, window))


def is_store_uri(text: str) -> bool:
    """True when ``text`` names a store Spark (not the local filesystem) must read."""
    return "://" in text and not text.startswith("file://")


__all__ = ["baselines_frame", "conditions_of", "detections", "events_frame", "hunt", "is_store_uri", "rule_matches",
           "scan", "spark_uri"]
