"""Ingest on Apache Spark (``trail ingest --engine spark``): the same store layout as ingest.py.

The files to read are found and de-duplicated against the manifest exactly as the DuckDB ingest
does (sources.local_files, Store.is_new). Spark then reads them in parallel: each file is decoded
on an executor (plain or gzip, by content; CloudTrail's ``{"Records": [...]}``, a JSON array, JSON
Lines or concatenated objects, with the same envelopes the DuckDB reader opens: EventBridge's
``detail``, a shipper's ``message`` string), and a damaged file is salvaged with parsing.salvage,
its damage reported with the file's path and a count. Each event becomes the store's row there
(schema.py: the same columns, with JSON objects as JSON text written the way DuckDB writes it);
Spark parses the time, derives the partitions and writes Parquet partitioned by account, region
and day into a staging folder that Store.publish moves into the store, so DuckDB and Spark read
what the other wrote. Files go in batches (BATCH_FILES per Spark
job); each finished batch is committed to the manifest, so an interrupted ingest loses one batch.
The baselines (baseline.update) are folded in afterwards as after a DuckDB ingest.

Sources must be paths every executor can read (local mode, or a filesystem shared by the cluster);
``s3://`` sources are read by ``--engine duckdb``. Reads the sources, writes the store.
"""

from __future__ import annotations

import gzip
import json
import time
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from cloudwarden.core.errors import InputError
from cloudwarden.engines.trail import baseline, parsing
from cloudwarden.engines.trail.ingest import INGEST_MEMORY_LIMIT, FileProblem, IngestReport, Progress
from cloudwarden.engines.trail.schema import JSON_FIELDS, SCALAR_FIELDS
from cloudwarden.engines.trail.sources import local_files
from cloudwarden.engines.trail.spark_session import get_session
from cloudwarden.engines.trail.store import REJECTED_DAY, SourceFile, Store, connect

BATCH_FILES = 20_000  # files per Spark job; the manifest is saved after each
_JSON_DUMP = {"separators": (",", ":"), "ensure_ascii": False}
ROW_COLUMNS = ("time_text", *(c for c, _ in SCALAR_FIELDS), *(c for c, _ in JSON_FIELDS))


def _values(text: str) -> Iterator[Any]:
    """Every top-level JSON value of ``text`` (one, or several separated by whitespace or commas)."""
    decoder = json.JSONDecoder()
    position, length = 0, len(text)
    while True:
        while position < length and text[position] in " \t\r\n,\ufeff":
            position += 1
        if position >= length:
            return
        value, position = decoder.raw_decode(text, position)
        yield value


def _envelope(item: Any) -> list[Any]:
    """The events in one value of a non-Records file, opened as the DuckDB reader opens them."""
    if isinstance(item, dict):
        records = item.get("Records")
        if isinstance(records, list):
            return records
        detail = item.get("detail")
        if isinstance(detail, dict) and "eventName" in detail:
            return [detail]
        message = item.get("message")
        if "eventName" not in item and isinstance(message, str):
            try:
                return [json.loads(message)]
            except (json.JSONDecodeError, RecursionError):
                return [item]
    return [item]


def _text(value: Any) -> str | None:
    """A JSON value as the store keeps it (DuckDB's VARCHAR of JSON): strings as they are, the rest as JSON text."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, **_JSON_DUMP)  # type: ignore[arg-type]


def _at(event: Any, path: str) -> Any:
    node = event
    for key in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def event_row(event: Any) -> tuple[str | None, ...]:
    """One store row as text (ROW_COLUMNS): the time as written, then the scalar and the JSON columns.

    The JSON text is written here, in Python, as DuckDB writes it (Spark's JSON writer would print a
    double such as 12348395.0 as 1.2348395E7)."""
    if not isinstance(event, dict):
        return (None,) * len(ROW_COLUMNS)
    time_text = event.get("eventTime")
    if time_text is None:
        time_text = event.get("@timestamp")
    return (_text(time_text), *(_text(_at(event, path)) for _, path in SCALAR_FIELDS),
            *(_text(event.get(path)) for _, path in JSON_FIELDS))


def _events(path: str) -> tuple[list[Any], int, str]:
    """(events, unreadable items, error) of one log file; damaged files are salvaged."""
    local = Path(path)
    try:
        raw = local.read_bytes()
        data = gzip.decompress(raw) if raw.startswith(parsing.GZIP_MAGIC) else raw
        text = data.decode("utf-8")
        stripped = text.lstrip("\ufeff \t\r\n")
        events: list[Any] = []
        if parsing.sniff(local) == parsing.FileFormat.RECORDS:
            for value in _values(stripped):
                records = value.get("Records") if isinstance(value, dict) else None
                if not isinstance(records, list):
                    raise ValueError("a value without Records in a CloudTrail file")
                events += records
        elif stripped.startswith("["):
            for element in json.loads(stripped):
                events += _envelope(element)
        else:
            for value in _values(stripped):
                events += _envelope(value)
        return events, 0, ""
    except (ValueError, RecursionError, OSError, EOFError, zlib.error, gzip.BadGzipFile):
        rescued = parsing.salvage(local)
        return list(rescued.events), rescued.bad_items, rescued.error


def decode_file(path: str) -> tuple[list[tuple[str | None, ...]], int, str]:
    """(store rows, unreadable items, error) of one log file (runs on the executors)."""
    events, bad_items, error = _events(path)
    return [event_row(e) for e in events], bad_items, error


def rows_sql(view: str) -> str:
    """Spark SQL turning ``view`` (ROW_COLUMNS, all text) into store rows plus the partition columns."""
    columns = ["CAST(CAST(time_text AS TIMESTAMP) AS TIMESTAMP_NTZ) AS event_time"]
    columns += [column for column, _ in SCALAR_FIELDS] + [column for column, _ in JSON_FIELDS]
    safe = "regexp_replace(coalesce({}, 'unknown'), '[^A-Za-z0-9_.-]', '_')"
    return f"""
        SELECT *, {safe.format('coalesce(recipient_account_id, user_account_id)')} AS account,
               {safe.format('aws_region')} AS region,
               CASE WHEN event_name IS NULL OR event_source IS NULL THEN '{REJECTED_DAY}'
                    ELSE coalesce(date_format(event_time, 'yyyy-MM-dd'), '{REJECTED_DAY}') END AS day
        FROM (SELECT {', '.join(columns)} FROM {view})"""


_SUMMARY_COLUMNS = ("trail_file", "trail_events", "trail_bad", "trail_error")
_DECODED_SCHEMA = (", ".join(f"{c} STRING" for c in ROW_COLUMNS)
                   + ", trail_file STRING, trail_events INT, trail_bad INT, trail_error STRING")


def decode_arrow(batches: Iterator[Any]) -> Iterator[Any]:
    """mapInArrow body (on the executors): file paths in; each file's rows, then one summary row, out.

    A summary row has only the trail_* columns: the file, its events, unreadable items and error."""
    import pyarrow as pa

    names = [*ROW_COLUMNS, *_SUMMARY_COLUMNS]
    for batch in batches:
        for path in batch.column(0).to_pylist():
            rows, bad_items, error = decode_file(path)
            count = len(rows)
            columns = [pa.array(list(c), pa.string()) for c in zip(*rows, strict=True)] if rows else \
                [pa.array([], pa.string()) for _ in ROW_COLUMNS]
            yield pa.RecordBatch.from_arrays(
                columns + [pa.nulls(count, pa.string()), pa.nulls(count, pa.int32()), pa.nulls(count, pa.int32()),
                           pa.nulls(count, pa.string())], names=names)
            yield pa.RecordBatch.from_arrays(
                [pa.nulls(1, pa.string()) for _ in ROW_COLUMNS]
                + [pa.array([path]), pa.array([count], pa.int32()), pa.array([bad_items], pa.int32()),
                   pa.array([error or None], pa.string())], names=names)


def _write_batch(spark: Any, batch: Sequence[SourceFile], store: Store, report: IngestReport) -> None:
    keys = {str(source.local_path): source for source in batch}
    slices = max(1, min(len(batch), spark.sparkContext.defaultParallelism * 4))
    paths = spark.createDataFrame([(p,) for p in sorted(keys)], "path STRING").repartition(slices)
    # Decoded once (Arrow batches from Python, no per-row pickling) and kept for its two readers:
    # the summaries, then the write.
    decoded = paths.mapInArrow(decode_arrow, _DECODED_SCHEMA).persist()
    try:
        summaries = [tuple(row) for row in decoded.where("trail_file IS NOT NULL")
                     .select(*_SUMMARY_COLUMNS).collect()]
        decoded.where("trail_file IS NULL").select(*ROW_COLUMNS).createOrReplaceTempView("cloudwarden_ingest_events")
        staging = store.new_staging_dir()
        try:
            spark.sql(rows_sql("cloudwarden_ingest_events")).write.mode("overwrite") \
                .partitionBy("account", "region", "day").parquet(str(staging))
            written = sum(int(n) for _, n, _, _ in summaries)
            rejected = store.publish(staging)
        except BaseException:
            store.discard(staging)
            raise
    finally:
        decoded.unpersist()
    report.events += written - rejected
    report.rejected += rejected
    for path, count, bad_items, error in summaries:
        source = keys[path]
        if error:
            report.problems.append(FileProblem(source.key, error, int(bad_items), int(count)))
            store.record(source, int(count), int(bad_items), error)
        else:
            store.record(source, None)


def ingest(sources: Sequence[str], store_dir: Path, progress: Progress | None = None, master: str | None = None,
           spark: Any = None, batch_files: int = BATCH_FILES) -> IngestReport:
    """ingest.ingest on Spark: every not-yet-ingested file under ``sources`` into the store."""
    remote = [s for s in sources if "://" in s]
    if remote:
        raise InputError(f"--engine spark reads folders and files, not {remote[0]}",
                         hint="ingest s3:// sources with --engine duckdb, or sync them to a shared folder first")
    started = time.perf_counter()
    store = Store.create(store_dir)
    report = IngestReport()
    found = [item for source in sources for item in local_files(source)]
    report.files_found = len(found)
    todo = [item for item in found if store.is_new(item)]
    report.files_already_ingested = len(found) - len(todo)
    if todo:
        session = spark or get_session(master)
        for first in range(0, len(todo), batch_files):
            batch = todo[first:first + batch_files]
            _write_batch(session, batch, store, report)
            store.save_manifest()
            report.files_ingested += len(batch)
            if progress:
                progress(report.files_ingested, len(todo), report.events)
    connection = connect(INGEST_MEMORY_LIMIT)
    try:
        span = baseline.update(store.root, connection)
        if span:
            report.first_event, report.last_event = span
    finally:
        connection.close()
    report.seconds = time.perf_counter() - started
    return report
