"""Hunting on Apache Spark (``trail hunt --engine spark``): the same rules over the same store.

The store's layout does not change (``events/account=A/region=R/day=D/*.parquet``, see store.py), so
a store written by either engine is read by both, from a folder or from ``s3://``: as ``s3a://`` when
the cluster has Hadoop's S3A connector, else by pyarrow on the executors (spark_s3: the driver lists
the objects with boto3, each task reads its objects into Arrow batches). The work is split where the
data shrinks:

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

from cloudwarden.core.errors import CredentialsError, InputError
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
S3A_CLASS = "org.apache.hadoop.fs.s3a.S3AFileSystem"
UNREADABLE_SHOWN = 5  # unreadable event files named in the error (all are counted)


def s3a_available(spark: Any) -> bool:
    """True when the session can load Hadoop's S3A connector (hadoop-aws on the classpath)."""
    try:
        spark.sparkContext._jvm.org.apache.spark.util.Utils.classForName(S3A_CLASS, True, False)
    except Exception:  # noqa: BLE001 - Py4J wraps ClassNotFoundException; any failure means no connector
        return False
    return True


def reads_with_arrow(spark: Any, store: str | Path) -> bool:
    """True when ``store`` is read by pyarrow on the executors: s3:// without the S3A connector.
    (An s3a:// URI always goes to Hadoop's connector, as the user asked.)"""
    return str(store).startswith("s3://") and not s3a_available(spark)


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
    if reads_with_arrow(spark, store):
        return arrow_events(spark, str(store), since, until)[0]
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
    return _limited(frame, since, until)


def _limited(frame: Any, since: datetime | None, until: datetime | None) -> Any:
    frame = frame.withColumn("event_time", frame["event_time"].cast("timestamp_ntz"))
    if since is not None:
        frame = frame.where(f"event_time >= TIMESTAMP_NTZ '{since:%Y-%m-%d %H:%M:%S}' AND day >= '{since:%Y-%m-%d}'")
    if until is not None:
        frame = frame.where(f"event_time < TIMESTAMP_NTZ '{until:%Y-%m-%d %H:%M:%S}' AND day <= '{until:%Y-%m-%d}'")
    return frame


def arrow_events(spark: Any, uri: str, since: datetime | None = None,
                 until: datetime | None = None) -> tuple[Any, int]:
    """(events frame, events in [since, until)) of an s3:// store read by pyarrow on the executors.

    The driver lists the event files (day partitions outside the range are skipped); one small job
    reads each file's footer (and its event_time column for a range), counting the events and naming
    every unreadable object: as with DuckDB, a hunt does not run over part of a store, so those stop
    it with one error that counts and names them."""
    from cloudwarden.engines.trail import s3source

    store = s3source.S3Store.open_at(uri)
    access = s3source.access(uri, store.client)
    rows = []
    for key, values in event_files(store):
        day = values[2]
        if (since is not None and day < f"{since:%Y-%m-%d}") or (until is not None and day > f"{until:%Y-%m-%d}"):
            continue
        rows.append((key, *values))
    if not rows:
        return _limited(_empty_frame(spark), since, until), 0
    frame, total = arrow_frame(spark, store.uri, access, rows, since, until)
    return _limited(frame, since, until), total


def event_files(store: Any) -> list[tuple[str, tuple[str, str, str]]]:
    """(key, (account, region, day)) of an S3Store's event files; other objects under events/ are
    skipped, as a folder store's reader skips files outside the partition folders."""
    from cloudwarden.engines.trail import spark_s3

    events_prefix = store.key(EVENTS_DIR) + "/"
    found = []
    for key, _size in store.event_objects():
        values = spark_s3.partition_values(key[len(events_prefix):])
        if values is not None:
            found.append((key, values))
    return found


def arrow_frame(spark: Any, store_uri: str, access: Any, rows: Sequence[tuple[str, str, str, str]],
                since: datetime | None = None, until: datetime | None = None) -> tuple[Any, int]:
    """(frame, events in [since, until)) of the event files ``rows`` (key, account, region, day) of
    the store at ``store_uri``, read by pyarrow on the executors after a survey of their footers
    (see arrow_events)."""
    from cloudwarden.engines.trail import spark_s3

    bucket = store_uri[len("s3://"):].partition("/")[0]
    slices = max(1, min(len(rows), spark.sparkContext.defaultParallelism * 4))
    keys = spark.createDataFrame(list(rows), spark_s3.KEYS_SCHEMA).repartition(slices)
    surveyed = keys.mapInArrow(spark_s3.survey(access, bucket, since, until), spark_s3.SURVEY_SCHEMA).collect()
    bad = sorted((row["key"], row["error"]) for row in surveyed if row["error"] is not None)
    if bad:
        shown = "; ".join(f"s3://{bucket}/{key}: {error}" for key, error in bad[:UNREADABLE_SHOWN])
        more = f" (and {len(bad) - UNREADABLE_SHOWN} more)" if len(bad) > UNREADABLE_SHOWN else ""
        error_type = CredentialsError if all(e.startswith("access denied") for _, e in bad) else InputError
        raise error_type(f"{len(bad)} of {len(rows)} event files of {store_uri} cannot be read: {shown}{more}",
                         hint="a hunt reads every event file of the range (as with --engine duckdb): grant "
                              "s3:GetObject, or restore or delete these objects (re-ingest their sources), "
                              "then hunt again")
    total = sum(int(row["events"]) for row in surveyed)
    return keys.mapInArrow(spark_s3.reader(access, bucket), spark_s3.spark_schema()), total


def s3_baselines(spark: Any, uri: str) -> Any:
    """An s3:// store's ``baselines.parquet`` as a DataFrame when it covers every event file (read on
    the driver with pyarrow: it holds one row per first appearance, not events), else None."""
    from cloudwarden.engines.trail import s3source

    store = s3source.S3Store.open_at(uri)
    try:
        folded = set(json.loads(s3source.read_text(f"{store.uri}/{baseline.FOLDED_FILE}", store.client) or "{}")
                     .get("files", []))
    except (ValueError, AttributeError):
        return None
    files = {key[len(store.prefix):] for key, _ in event_files(store)}
    if not files <= folded:
        return None
    import pyarrow.parquet as pq

    access = s3source.access(uri, store.client)
    try:
        with access.filesystem().open_input_file(f"{store.bucket}/{store.key(baseline.BASELINE_FILE)}") as handle:
            table = pq.read_table(handle)
    except (OSError, ValueError):  # missing or unreadable: computed from the events instead
        return None
    return spark.createDataFrame(table)


def _task_error(error: Exception) -> InputError | None:
    """An InputError for a Spark job that failed on one unreadable event file (spark_s3.reader)."""
    from cloudwarden.engines.trail.spark_s3 import ERROR_PREFIX

    text = str(error)
    start = text.find(ERROR_PREFIX)
    if start < 0:
        return None
    line = text[start + len(ERROR_PREFIX):].splitlines()[0].strip()
    return InputError(f"an event file could not be read during the hunt: {line}",
                      hint="the object changed while the hunt ran; check it and hunt again")


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


def baselines_frame(spark: Any, store: str | Path, history: Any = None) -> Any:
    """The store's baselines (baseline.COLUMNS) as a DataFrame: ``baselines.parquet`` when it covers
    every event file (a folder, or s3:// read by pyarrow), else computed by Spark over the whole
    history (``history``, the store's events when the caller has them already)."""
    local = _local(store)
    if local is not None:
        path = local / baseline.BASELINE_FILE
        files = {str(p.relative_to(local)) for p in (local / EVENTS_DIR).rglob("*.parquet")}
        if path.is_file() and files <= _folded(local):
            return spark.read.parquet(str(path.resolve()))
    elif reads_with_arrow(spark, store):
        stored = s3_baselines(spark, str(store))
        if stored is not None:
            return stored
    return summarise_history(spark, history if history is not None else events_frame(spark, store))


def summarise_history(spark: Any, events: Any) -> Any:
    """baseline.summary_sql over the events of ``events`` (a DataFrame), on the executors."""
    events.createOrReplaceTempView(HISTORY_VIEW)
    return spark.sql(to_spark_baseline(baseline.summary_sql(HISTORY_VIEW)))


def _folded(root: Path) -> set[str]:
    """The event files folded into ``baselines.parquet`` (baseline.FOLDED_FILE), or none if unreadable."""
    try:
        return set(json.loads((root / baseline.FOLDED_FILE).read_text()).get("files", []))
    except (OSError, ValueError, AttributeError):
        return set()


def to_spark_baseline(duckdb_sql: str) -> str:
    """baseline.summary_sql for Spark: DuckDB's grouping(a, b), a bit mask of the columns given, is
    grouping(a) * 2 + grouping(b) (Spark's grouping_id takes every grouping column or none)."""
    import sqlglot

    tree = sqlglot.parse_one(duckdb_sql, read="duckdb")
    for node in list(tree.find_all(sqlglot.exp.Grouping)):
        columns = list(node.expressions)
        bits = " + ".join(f"grouping({c.sql(dialect='spark')}) * {1 << (len(columns) - 1 - n)}"
                          for n, c in enumerate(columns))
        node.replace(sqlglot.parse_one(f"({bits})", read="spark"))
    return tree.sql(dialect="spark")


def detections(spark: Any, frame: Any, rules: Sequence[Rule], store: str | Path,
               everything: bool = False) -> SparkDetections:
    """Every rule's detections over ``frame`` (events of ``store``; ``everything``: all of them, so
    that computed baselines need not read the store again), computed on the executors."""
    needed = any(rule.kind == "baseline" for rule in rules)
    history = baselines_frame(spark, store, frame if everything else None) if needed else None
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
    global LAST_RUN
    try:
        if reads_with_arrow(session, store):
            frame, total = arrow_events(session, str(store), since, until)
        else:
            frame = events_frame(session, store, since, until)
            total = frame.count()
        LAST_RUN = detections(session, frame, chosen, store, everything=since is None and until is None)
    except Exception as error:
        converted = _task_error(error)
        if converted is None:
            raise
        raise converted from error
    found = LAST_RUN.detections
    seconds = time.perf_counter() - started
    return HuntResult(int(total), len(chosen), seconds, found, group_incidents(found, window))


def is_store_uri(text: str) -> bool:
    """True when ``text`` names a store Spark (not the local filesystem) must read."""
    return "://" in text and not text.startswith("file://")


__all__ = ["arrow_events", "arrow_frame", "baselines_frame", "event_files", "s3_baselines", "summarise_history", "conditions_of", "detections", "events_frame", "hunt", "is_store_uri", "reads_with_arrow",
           "rule_matches", "s3a_available", "scan", "spark_uri"]
