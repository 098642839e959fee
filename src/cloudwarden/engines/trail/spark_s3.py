"""``s3://`` for the Spark engine without Hadoop's S3A connector: pyarrow on the executors.

Spark reads ``s3a://`` only with Hadoop's S3A jar (hadoop-aws and an AWS SDK), which pyspark does not
ship and which a machine without Maven cannot fetch. Without it, the driver lists the objects
(s3source, boto3, the user's credentials) and the executors read and write them with
``pyarrow.fs.S3FileSystem``, given the driver's credentials, the bucket's region and the endpoint
(S3Access):

- a hunt reads the store's event files: the driver lists ``events/**/*.parquet`` (and skips the day
  partitions outside [since, until)); a first, small job reads each file's footer (and only the
  event_time column when a time range is given), which counts the events and names every object that
  cannot be read before the hunt starts; then each task reads its objects into Arrow batches with
  the store's columns and the partition values of the key (``mapInArrow``), so Spark sees what it
  would read from a folder.
- an ingest fetches ``s3://`` sources on the executors (spark_ingest decodes them there), and for an
  ``s3://`` store each task writes its rows with pyarrow, one Parquet file per account, region and
  day, under the store's ``.staging/`` prefix; the driver then moves the parts of the tasks that
  succeeded into ``events/`` and writes the manifest (s3source.S3Store), so the keys are a folder
  store's.

Runs on the executors; no boto3 here (s3source is the trail engine's one door to AWS).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cloudwarden.engines.trail.schema import ALL_COLUMNS, PARTITION_COLUMNS
from cloudwarden.engines.trail.store import REJECTED_DAY

ROW_GROUP_ROWS = 61_440  # as ingest.ROW_GROUP_ROWS (DuckDB's COPY)
READ_BATCH_ROWS = 8_192
ERROR_PREFIX = "cloudwarden-s3-object:"  # marks a read failure inside a Spark task's error text
SURVEY_SCHEMA = "key STRING, events BIGINT, error STRING"
PARTS_SCHEMA = "part STRING, events BIGINT, rejected BIGINT, first_event TIMESTAMP_NTZ, last_event TIMESTAMP_NTZ"
KEYS_SCHEMA = "key STRING, account STRING, region STRING, day STRING"
ArrowMap = Callable[[Iterator[Any]], Iterator[Any]]


@dataclass(frozen=True)
class S3Access:
    """What an executor needs to reach a bucket: its region, a custom endpoint (moto, MinIO), and the
    driver's credentials (None: the executor's own chain, e.g. an instance profile)."""

    region: str | None
    endpoint_url: str | None = None
    access_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)

    def filesystem(self) -> Any:
        from pyarrow import fs

        options: dict[str, Any] = {}
        if self.region:
            options["region"] = self.region
        if self.endpoint_url:
            scheme, _, host = self.endpoint_url.partition("://")
            options.update(scheme=scheme or "https", endpoint_override=host.rstrip("/"))
        if self.access_key and self.secret_key:
            options.update(access_key=self.access_key, secret_key=self.secret_key, session_token=self.session_token)
        return fs.S3FileSystem(**options)


def describe(error: BaseException, otherwise: str = "not a readable Parquet file") -> str:
    """A short reason for a failed read or write of one object (pyarrow's errors, by their text)."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    upper = text.upper()
    if "ACCESS_DENIED" in upper or "ACCESSDENIED" in upper or "FORBIDDEN" in upper:
        return f"access denied ({text})"
    if "NO_SUCH_KEY" in upper or "NOSUCHKEY" in upper or "PATH DOES NOT EXIST" in upper:
        return f"the object is gone ({text})"
    if "NO_SUCH_BUCKET" in upper or "NOSUCHBUCKET" in upper:
        return f"no such bucket ({text})"
    return f"{otherwise} ({text})"


def partition_values(relative: str) -> tuple[str, str, str] | None:
    """(account, region, day) of ``account=A/region=R/day=D/part.parquet``; None for any other key."""
    parts = relative.split("/")
    if len(parts) != 4:
        return None
    values = []
    for part, name in zip(parts[:3], PARTITION_COLUMNS, strict=True):
        key, sep, value = part.partition("=")
        if not sep or key != name:
            return None
        values.append(value)
    return values[0], values[1], values[2]


def store_schema(partitions: bool = True) -> Any:
    """The store's columns as Arrow types (the partition columns last, when ``partitions``)."""
    import pyarrow as pa

    fields = [pa.field(c, pa.timestamp("us") if c == "event_time" else pa.string()) for c in ALL_COLUMNS]
    if partitions:
        fields += [pa.field(c, pa.string()) for c in PARTITION_COLUMNS]
    return pa.schema(fields)


def spark_schema() -> str:
    """store_schema as Spark DDL (event_time is TIMESTAMP_NTZ: the stored wall time in UTC)."""
    columns = [f"{c} TIMESTAMP_NTZ" if c == "event_time" else f"{c} STRING" for c in ALL_COLUMNS]
    return ", ".join(columns + [f"{c} STRING" for c in PARTITION_COLUMNS])


def conform(batch: Any, values: tuple[str, str, str]) -> Any:
    """A batch read from one file with exactly the store's columns (a column the file lacks is NULL,
    as with Spark's mergeSchema and DuckDB's union_by_name), and the key's partition values."""
    import pyarrow as pa

    schema = store_schema()
    arrays = []
    for target in schema:
        if target.name in PARTITION_COLUMNS:
            arrays.append(pa.array([values[PARTITION_COLUMNS.index(target.name)]] * batch.num_rows, pa.string()))
        elif target.name in batch.schema.names:
            column = batch.column(target.name)
            if pa.types.is_timestamp(column.type) and column.type.tz is not None:
                column = column.cast(pa.timestamp(column.type.unit))
            # unsafe: nanoseconds (another writer's) are cut to the store's microseconds, not refused
            arrays.append(column if column.type == target.type else column.cast(target.type, safe=False))
        else:
            arrays.append(pa.nulls(batch.num_rows, target.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _in_range(column: Any, since: datetime | None, until: datetime | None) -> int:
    """How many of ``column``'s times fall in [since, until) (NULL times do not, as in SQL)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if column.type.tz is not None:
        column = column.cast(pa.timestamp(column.type.unit))
    mask = None
    if since is not None:
        mask = pc.greater_equal(column, pa.scalar(since, column.type))
    if until is not None:
        below = pc.less(column, pa.scalar(until, column.type))
        mask = below if mask is None else pc.and_(mask, below)
    return int(pc.sum(pc.fill_null(mask, False).cast(pa.int64())).as_py() or 0) if mask is not None else len(column)


def survey(access: S3Access, bucket: str, since: datetime | None = None,
           until: datetime | None = None) -> ArrowMap:
    """mapInArrow body (KEYS_SCHEMA in, SURVEY_SCHEMA out): each object's events in [since, until),
    or why it cannot be read. Reads the footer only, and the event_time column for a time range."""
    def body(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        filesystem = access.filesystem()
        for batch in batches:
            keys = batch.column(0).to_pylist()
            counts: list[int | None] = []
            errors: list[str | None] = []
            for key in keys:
                try:
                    with filesystem.open_input_file(f"{bucket}/{key}") as handle:
                        parquet = pq.ParquetFile(handle)
                        if since is None and until is None:
                            count = parquet.metadata.num_rows
                        elif "event_time" in parquet.schema_arrow.names:
                            count = _in_range(parquet.read(columns=["event_time"]).column("event_time"), since, until)
                        else:
                            count = 0
                    counts.append(count)
                    errors.append(None)
                except Exception as error:  # noqa: BLE001 - every failure is one object's, reported with it
                    counts.append(None)
                    errors.append(describe(error))
            yield pa.RecordBatch.from_arrays([pa.array(keys, pa.string()), pa.array(counts, pa.int64()),
                                              pa.array(errors, pa.string())], names=["key", "events", "error"])
    return body


def reader(access: S3Access, bucket: str) -> ArrowMap:
    """mapInArrow body (KEYS_SCHEMA in, spark_schema() out): the rows of each object. An object that
    fails here (survey read it a moment ago) fails the task with ERROR_PREFIX and the key."""
    def body(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow.parquet as pq

        filesystem = access.filesystem()
        names = set(ALL_COLUMNS)
        for batch in batches:
            for key, account, region, day in zip(*(batch.column(n).to_pylist() for n in range(4)), strict=True):
                try:
                    with filesystem.open_input_file(f"{bucket}/{key}") as handle:
                        parquet = pq.ParquetFile(handle)
                        columns = [c for c in parquet.schema_arrow.names if c in names]
                        for part in parquet.iter_batches(batch_size=READ_BATCH_ROWS, columns=columns):
                            yield conform(part, (account, region, day))
                except Exception as error:  # noqa: BLE001
                    raise RuntimeError(f"{ERROR_PREFIX} s3://{bucket}/{key}: {describe(error)}") from error
    return body


def fetch(access: S3Access, uri: str, folder: Path) -> Path:
    """Download one object (``s3://bucket/key``) into ``folder``; raises OSError (pyarrow's) on failure."""
    bucket, _, key = uri[len("s3://"):].partition("/")
    target = Path(tempfile.mkstemp(dir=folder, suffix="-" + Path(key).name)[1])
    filesystem = access.filesystem()
    # compression=None: the bytes as stored (pyarrow would inflate a .gz itself, and hide a damaged one)
    with filesystem.open_input_stream(f"{bucket}/{key}", compression=None) as source, target.open("wb") as out:
        while chunk := source.read(8 << 20):
            out.write(chunk)
    return target


def part_writer(access: S3Access, bucket: str, staging: str, batch_id: str) -> ArrowMap:
    """mapInArrow body: store rows with their partition columns in (sorted by account, region, day
    within the task), one Parquet file per partition written under ``staging`` (a key prefix ending
    in /), and one PARTS_SCHEMA row per file out; rows of the REJECTED_DAY partition are counted, not
    written. Files are named by batch, task and attempt, so a retried task never mixes with the
    attempt before; the driver publishes only the files the successful attempts report."""
    def body(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq
        from pyspark import TaskContext

        context = TaskContext.get()
        task = f"{context.partitionId()}_{context.attemptNumber()}" if context else "0_0"
        filesystem = access.filesystem()
        file_schema = store_schema(partitions=False)
        state: dict[str, Any] = {"key": None, "writer": None, "buffer": [], "rows": 0, "written": 0,
                                 "first": None, "last": None, "part": None, "files": 0}
        out: list[tuple[str | None, int, int, Any, Any]] = []

        def flush(final: bool) -> None:
            buffered = state["buffer"]
            if buffered:
                table = pa.Table.from_batches(buffered, schema=file_schema)
                state["buffer"], state["rows"] = [], 0
                if state["writer"] is None:
                    handle = filesystem.open_output_stream(f"{bucket}/{staging}{state['part']}")
                    state["handle"] = handle
                    state["writer"] = pq.ParquetWriter(handle, file_schema, compression="zstd")
                state["writer"].write_table(table, row_group_size=ROW_GROUP_ROWS)
            if final and state["writer"] is not None:
                state["writer"].close()
                state["handle"].close()
                out.append((state["part"], state["written"], 0, state["first"], state["last"]))
                state["writer"] = None

        def add(key: tuple[str, str, str], rows: Any) -> None:
            if key != state["key"]:
                if state["key"] is not None and state["key"][2] != REJECTED_DAY:
                    flush(final=True)
                state.update(key=key, written=0, first=None, last=None, buffer=[], rows=0)
                state["files"] += 1
                account, region, day = key
                state["part"] = (f"account={account}/region={region}/day={day}/"
                                 f"part_{batch_id}_{task}_{state['files']}.parquet")
            if key[2] == REJECTED_DAY:
                out.append((None, 0, rows.num_rows, None, None))
                return
            low, high = pc.min_max(rows.column("event_time")).values()
            low, high = low.as_py(), high.as_py()
            if low is not None:
                state["first"] = low if state["first"] is None else min(state["first"], low)
                state["last"] = high if state["last"] is None else max(state["last"], high)
            state["buffer"].append(rows)
            state["rows"] += rows.num_rows
            state["written"] += rows.num_rows
            if state["rows"] >= ROW_GROUP_ROWS:
                flush(final=False)

        for batch in batches:
            accounts, regions, days = (batch.column(c).to_pylist() for c in PARTITION_COLUMNS)
            data = batch.select(list(ALL_COLUMNS))
            data = pa.RecordBatch.from_arrays([data.column(n) if data.column(n).type == f.type
                                               else data.column(n).cast(f.type) for n, f in enumerate(file_schema)],
                                              schema=file_schema)
            start = 0
            for row in range(1, batch.num_rows + 1):
                if row == batch.num_rows or (accounts[row], regions[row], days[row]) != \
                        (accounts[start], regions[start], days[start]):
                    add((accounts[start], regions[start], days[start]), data.slice(start, row - start))
                    start = row
            if out:
                yield _parts_batch(out)
                out.clear()
        if state["key"] is not None and state["key"][2] != REJECTED_DAY:
            flush(final=True)
        if out:
            yield _parts_batch(out)
    return body


def _parts_batch(rows: list[tuple[str | None, int, int, Any, Any]]) -> Any:
    import pyarrow as pa

    part, events, rejected, first, last = zip(*rows, strict=True)
    return pa.RecordBatch.from_arrays(
        [pa.array(part, pa.string()), pa.array(events, pa.int64()), pa.array(rejected, pa.int64()),
         pa.array(first, pa.timestamp("us")), pa.array(last, pa.timestamp("us"))],
        names=["part", "events", "rejected", "first_event", "last_event"])
