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

Sources are paths every executor can read (local mode, or a filesystem shared by the cluster) or
``s3://bucket/prefix``: listed by the driver (s3source, as the DuckDB ingest lists them) and fetched
by the executors with pyarrow (spark_s3), so no Hadoop S3A connector is needed; an object that cannot
be fetched is reported and left out of the manifest (a later run tries it again). The store is a
folder, or ``s3://bucket/prefix``: then each task writes its Parquet parts with pyarrow under the
store's ``.staging/`` prefix, the driver moves the parts of the tasks that succeeded into ``events/``
and writes the manifest, and the baselines are folded in on the executors (fold_baselines): the keys
a folder store has. Reads the sources, writes the store.
"""

from __future__ import annotations

import gzip
import json
import tempfile
import time
import uuid
import zlib
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from cloudwarden.core.errors import InputError
from cloudwarden.engines.trail import baseline, parsing, s3source
from cloudwarden.engines.trail.ingest import INGEST_MEMORY_LIMIT, FileProblem, IngestReport, Progress
from cloudwarden.engines.trail.s3source import S3Store
from cloudwarden.engines.trail.schema import JSON_FIELDS, SCALAR_FIELDS
from cloudwarden.engines.trail.sources import local_files
from cloudwarden.engines.trail.spark_s3 import PARTS_SCHEMA, S3Access, describe, fetch, part_writer
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


def _events(path: str | Path) -> tuple[list[Any], int, str]:
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


def decode_file(path: str, access: dict[str, S3Access] | None = None) -> tuple[list[tuple[str | None, ...]], int, str, bool]:
    """(store rows, unreadable items, error, fetched) of one log file (runs on the executors).

    ``path`` may be an s3:// URI: the object is fetched with the bucket's ``access`` into a scratch
    file first; ``fetched`` is False (and ``error`` says why) when it could not be."""
    if not path.startswith("s3://"):
        events, bad_items, error = _events(path)
        return [event_row(e) for e in events], bad_items, error, True
    bucket = path[len("s3://"):].partition("/")[0]
    with tempfile.TemporaryDirectory(prefix="cloudwarden-spark-s3-") as folder:
        try:
            local = fetch((access or {})[bucket], path, Path(folder))
        except (OSError, KeyError) as exc:
            return [], 0, f"cannot fetch the object: {describe(exc, 'read failed')}", False
        events, bad_items, error = _events(local)
    return [event_row(e) for e in events], bad_items, error, True


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


_SUMMARY_COLUMNS = ("trail_file", "trail_events", "trail_bad", "trail_error", "trail_fetched")
_DECODED_SCHEMA = (", ".join(f"{c} STRING" for c in ROW_COLUMNS)
                   + ", trail_file STRING, trail_events INT, trail_bad INT, trail_error STRING, trail_fetched BOOLEAN")


def decoder(access: dict[str, S3Access] | None = None) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """mapInArrow body (on the executors): file paths (or s3:// URIs, read with ``access`` by bucket)
    in; each file's rows, then one summary row, out.

    A summary row has only the trail_* columns: the file, its events, unreadable items, error, and
    whether it could be fetched at all."""
    def decode_arrow(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        names = [*ROW_COLUMNS, *_SUMMARY_COLUMNS]
        for batch in batches:
            for path in batch.column(0).to_pylist():
                rows, bad_items, error, fetched = decode_file(path, access)
                count = len(rows)
                columns = [pa.array(list(c), pa.string()) for c in zip(*rows, strict=True)] if rows else \
                    [pa.array([], pa.string()) for _ in ROW_COLUMNS]
                yield pa.RecordBatch.from_arrays(
                    columns + [pa.nulls(count, pa.string()), pa.nulls(count, pa.int32()), pa.nulls(count, pa.int32()),
                               pa.nulls(count, pa.string()), pa.nulls(count, pa.bool_())], names=names)
                yield pa.RecordBatch.from_arrays(
                    [pa.nulls(1, pa.string()) for _ in ROW_COLUMNS]
                    + [pa.array([path]), pa.array([count], pa.int32()), pa.array([bad_items], pa.int32()),
                       pa.array([error or None], pa.string()), pa.array([fetched], pa.bool_())], names=names)
    return decode_arrow



def _location(source: SourceFile) -> str:
    """Where the executors read a source: its s3:// URI, or its local path."""
    return source.key if source.key.startswith("s3://") else str(source.local_path)


def _write_batch(spark: Any, batch: Sequence[SourceFile], store: Store, report: IngestReport,
                 access: dict[str, S3Access] | None = None) -> tuple[datetime, datetime] | None:
    """Decode and store one batch; returns the time range of the events an s3:// store received."""
    keys = {_location(source): source for source in batch}
    slices = max(1, min(len(batch), spark.sparkContext.defaultParallelism * 4))
    paths = spark.createDataFrame([(p,) for p in sorted(keys)], "path STRING").repartition(slices)
    # Decoded once (Arrow batches from Python, no per-row pickling) and kept for its two readers:
    # the summaries, then the write.
    decoded = paths.mapInArrow(decoder(access), _DECODED_SCHEMA).persist()
    span = None
    try:
        summaries = [tuple(row) for row in decoded.where("trail_file IS NOT NULL")
                     .select(*_SUMMARY_COLUMNS).collect()]
        decoded.where("trail_file IS NULL").select(*ROW_COLUMNS).createOrReplaceTempView("cloudwarden_ingest_events")
        rows = spark.sql(rows_sql("cloudwarden_ingest_events"))
        written = sum(int(n) for _, n, _, _, _ in summaries)
        if isinstance(store, S3Store):
            rejected, span = _write_s3(rows, store, access or {})
        else:
            staging = store.new_staging_dir()
            try:
                rows.write.mode("overwrite").partitionBy("account", "region", "day").parquet(str(staging))
                rejected = store.publish(staging)
            except BaseException:
                store.discard(staging)
                raise
    finally:
        decoded.unpersist()
    report.events += written - rejected
    report.rejected += rejected
    for path, count, bad_items, error, fetched in summaries:
        source = keys[path]
        if not fetched:  # not recorded: a later run tries it again
            report.problems.append(FileProblem(source.key, error, 0, 0))
        elif error:
            report.problems.append(FileProblem(source.key, error, int(bad_items), int(count)))
            store.record(source, int(count), int(bad_items), error)
        else:
            store.record(source, None)
    return span


def _write_s3(rows: Any, store: S3Store, access: dict[str, S3Access]) -> tuple[int, tuple[datetime, datetime] | None]:
    """Write a batch's rows into an s3:// store: (rejected records, time range of the stored events)."""
    batch_id = uuid.uuid4().hex
    writer = part_writer(access[store.bucket], store.bucket, store.staging_prefix(batch_id), batch_id)
    try:
        parts = rows.sortWithinPartitions("account", "region", "day").mapInArrow(writer, PARTS_SCHEMA).collect()
        store.publish_parts(sorted(row["part"] for row in parts if row["part"] is not None), batch_id)
    except BaseException:
        store.discard_batch(batch_id)
        raise
    firsts = [row["first_event"] for row in parts if row["first_event"] is not None]
    lasts = [row["last_event"] for row in parts if row["last_event"] is not None]
    span = (min(firsts), max(lasts)) if firsts else None
    return sum(int(row["rejected"]) for row in parts), span


def _discover(sources: Sequence[str]) -> list[SourceFile]:
    """Every log file under ``sources`` (folders, files, s3:// prefixes), as the DuckDB ingest finds them."""
    found: list[SourceFile] = []
    for source in sources:
        if source.startswith("s3://"):
            found += s3source.list_files(source)
        elif "://" in source:
            raise InputError(f"--engine spark reads folders, files and s3:// prefixes, not {source}",
                             hint="give a folder, a file or s3://bucket/prefix")
        else:
            found += local_files(source)
    return found


def _open_store(store_dir: str | Path) -> Store:
    text = str(store_dir)
    if text.startswith("s3://"):
        return S3Store.create_at(text)
    if "://" in text:
        raise InputError(f"unsupported store URI {text}", hint="give a folder or s3://bucket/prefix for --store")
    return Store.create(Path(store_dir))


def ingest(sources: Sequence[str], store_dir: str | Path, progress: Progress | None = None, master: str | None = None,
           spark: Any = None, batch_files: int = BATCH_FILES) -> IngestReport:
    """ingest.ingest on Spark: every not-yet-ingested file under ``sources`` into the store (a folder or s3://)."""
    started = time.perf_counter()
    store = _open_store(store_dir)
    report = IngestReport()
    found = _discover(sources)
    report.files_found = len(found)
    todo = [item for item in found if store.is_new(item)]
    report.files_already_ingested = len(found) - len(todo)
    spans: list[tuple[datetime, datetime]] = []
    access: dict[str, S3Access] = {}
    if todo:
        session = spark or get_session(master)
        access = _access(todo, store)
        for first in range(0, len(todo), batch_files):
            batch = todo[first:first + batch_files]
            span = _write_batch(session, batch, store, report, access)
            if span:
                spans.append(span)
            store.save_manifest()
            report.files_ingested += len(batch)
            if progress:
                progress(report.files_ingested, len(todo), report.events)
    if isinstance(store, S3Store):
        if spans:
            report.first_event, report.last_event = min(s[0] for s in spans), max(s[1] for s in spans)
        if todo:
            fold_baselines(spark or get_session(master), store, access[store.bucket])
    else:
        connection = connect(INGEST_MEMORY_LIMIT)
        try:
            span = baseline.update(store.root, connection)
            if span:
                report.first_event, report.last_event = span
        finally:
            connection.close()
    report.seconds = time.perf_counter() - started
    return report


def fold_baselines(spark: Any, store: S3Store, access: S3Access) -> None:
    """baseline.update for an s3:// store: the event files not yet in ``baselines.parquet`` are
    summarised on the executors and merged with it; the file and its list of folded event files
    (baselines.json) are written as a folder store has them."""
    import pyarrow.parquet as pq

    from cloudwarden.engines.trail import spark as spark_engine

    try:
        folded = set(json.loads(s3source.read_text(f"{store.uri}/{baseline.FOLDED_FILE}", store.client) or "{}")
                     .get("files", []))
    except (ValueError, AttributeError):
        folded = set()  # unreadable bookkeeping: the baselines are rebuilt from every file
    filesystem = access.filesystem()
    path = f"{store.bucket}/{store.key(baseline.BASELINE_FILE)}"
    old = None
    if folded:
        try:
            with filesystem.open_input_file(path) as handle:
                old = pq.read_table(handle)
        except (OSError, ValueError):
            folded = set()
    new = [(key, *values) for key, values in spark_engine.event_files(store) if key[len(store.prefix):] not in folded]
    if not new:
        return
    frame, _ = spark_engine.arrow_frame(spark, store.uri, access, new)
    summary = spark_engine.summarise_history(spark, frame)
    if old is not None:
        summary.unionByName(spark.createDataFrame(old)).createOrReplaceTempView("cloudwarden_baseline_parts")
        summary = spark.sql("SELECT dimension, grp, value, min(first_seen) AS first_seen, max(last_seen) AS last_seen,"
                            " CAST(sum(events) AS BIGINT) AS events FROM cloudwarden_baseline_parts"
                            " GROUP BY dimension, grp, value")
    table = summary.toArrow()
    with filesystem.open_output_stream(path) as out:
        pq.write_table(table, out, compression="zstd")
    listing = json.dumps({"files": sorted(folded | {key[len(store.prefix):] for key, *_ in new})})
    store.put_text(baseline.FOLDED_FILE, listing)


def _access(todo: Sequence[SourceFile], store: Store) -> dict[str, S3Access]:
    """The executors' access to every bucket they read (sources) or write (an s3:// store)."""
    buckets = {source.key[len("s3://"):].partition("/")[0] for source in todo if source.key.startswith("s3://")}
    if isinstance(store, S3Store):
        buckets.add(store.bucket)
    if not buckets:
        return {}
    return {bucket: s3source.access(f"s3://{bucket}") for bucket in sorted(buckets)}
