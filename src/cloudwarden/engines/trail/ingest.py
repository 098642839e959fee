"""Ingest: CloudTrail files (local or S3) into the partitioned Parquet store.

Files are read in batches by DuckDB (``read_json_objects`` + ``json_transform``: the fast path the
performance notes measured) and written with one COPY per batch into a staging folder, which is
moved into the store only when the whole batch succeeded. Two batches load side by side, each on
one DuckDB thread in its own cursor; this thread alone commits them, in order, to the manifest. A batch DuckDB rejects is retried file by
file; a file it still rejects is salvaged in Python (parsing.salvage) so every good event is kept
and the damage is reported with the file's path and a count. Reads the sources, writes the store.
"""

from __future__ import annotations

import json
import queue
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from cloudwarden.core.errors import InputError
from cloudwarden.engines.trail import baseline, parsing
from cloudwarden.engines.trail.schema import EVENT_SPEC, RECORDS_SPEC, normalise_sql
from cloudwarden.engines.trail.sources import local_files
from cloudwarden.engines.trail.store import REJECTED_DAY, SourceFile, Store, connect

# DuckDB reserves twice the largest allowed JSON object per reading thread, so the limit follows
# the batch's largest file (gzip'd CloudTrail inflates about 10x) instead of one fixed, huge value.
MIN_OBJECT_BYTES = 16 << 20
MAX_OBJECT_BYTES = 512 << 20
GZIP_INFLATION = 16
# What a damaged file makes DuckDB raise; anything else (out of memory, a bug) propagates.
# A gzip whose CRC-32 or size fails (DuckDB does not check them) goes the same way, to salvage, and so
# does running out of memory on a batch: retried file by file, the file that needs too much is
# salvaged, and if its events still do not fit it is reported (not recorded, so a re-run retries it).
DATA_ERRORS = (duckdb.InvalidInputException, duckdb.IOException, duckdb.ConversionException,
               duckdb.OutOfMemoryException, parsing.DamagedGzip)
# Files per COPY. A partitioned COPY holds what it writes in memory until it ends, so the batch
# (times WORKERS, loaded side by side) bounds the ingest's memory: 2 x 16 bench files of 5,000
# events peak at ~0.6 GB RSS; one COPY of 64 files needed 1.4 GB without a limit. Fewer files per
# batch write more, smaller Parquet files (a hunt slows down a little with many files).
BATCH_FILES = 16
# A Records file that would inflate beyond this is rewritten as its bare array first (streaming; see
# parsing.records_as_array), so that DuckDB holds one event at a time instead of the whole file.
SPLIT_BYTES = 32 << 20
# The largest single event such a rewritten file may hold (a bigger one goes to salvage).
ELEMENT_BYTES = 64 << 20
# Salvage stores events up to this size and reports bigger ones: turning a 52 MB event into columns
# asked DuckDB for 512 MB at once, beyond INGEST_MEMORY_LIMIT. (CloudTrail's own events are far smaller.)
OVERSIZED_EVENT_BYTES = 8 << 20
BATCH_BYTES = 16 << 20
# Rows per Parquet row group: half DuckDB's default (122,880). With single-threaded COPYs under
# INGEST_MEMORY_LIMIT the size hardly changes ingest (16k-123k within 3%); 16k made a 5M-event hunt
# ~6% slower, 61k was as fast as 123k with ~35 MB less peak memory.
ROW_GROUP_ROWS = 61_440
# DuckDB's memory limit for ingest. At 512 MB (the hunt's limit) DuckDB kept handing memory back to
# the OS and faulting it in again: twice the page faults and ~12% more CPU per event, without any
# spill. 768 MB stops that; the process still peaks at ~0.5-0.6 GB (see docs/trail.md).
INGEST_MEMORY_LIMIT = "768MB"
# Batches loaded at the same time, each by one DuckDB thread.
WORKERS = 2

Progress = Callable[[int, int, int], None]  # files done, files to do, events so far


@dataclass
class FileProblem:
    path: str
    error: str
    bad_items: int
    events_kept: int


@dataclass
class SkippedFile:
    """A file whose records are (all or partly) not CloudTrail events, or that held none."""

    path: str
    records: int  # JSON records read from it
    rejected: int  # of those, without eventTime, eventName or eventSource
    reason: str

    @property
    def stored(self) -> int:
        return self.records - self.rejected


@dataclass
class IngestReport:
    files_found: int = 0
    files_ingested: int = 0
    files_already_ingested: int = 0
    events: int = 0
    rejected: int = 0  # records that are not CloudTrail events (no eventTime, eventName or eventSource)
    problems: list[FileProblem] = field(default_factory=list)
    # Files with records that are not CloudTrail events (named one by one), or with no record at all.
    not_cloudtrail: list[SkippedFile] = field(default_factory=list)
    seconds: float = 0.0
    first_event: datetime | None = None  # time range of the events this ingest added
    last_event: datetime | None = None

    @property
    def bad_items(self) -> int:
        return sum(problem.bad_items for problem in self.problems)

    @property
    def skipped_files(self) -> list[str]:
        """Files read this run that added no event: not CloudTrail, empty, or unreadable."""
        skipped = [f.path for f in self.not_cloudtrail if f.stored == 0]
        skipped += [p.path for p in self.problems if p.events_kept == 0 and p.path not in skipped]
        return skipped

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["bad_items"] = self.bad_items
        data["files_skipped"] = len(self.skipped_files)
        return data


def _sql_list(paths: Sequence[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def _object_limit(paths: Sequence[Path], gzip: bool) -> int:
    largest = max(parsing.inflated_size(path, GZIP_INFLATION) for path in paths)
    return _power_of_two_limit(largest)


def _power_of_two_limit(largest: int) -> int:
    limit = MIN_OBJECT_BYTES
    while limit < largest and limit < MAX_OBJECT_BYTES:
        limit *= 2
    return limit


def _reader_sql(paths: Sequence[Path], file_format: str, gzip: bool, limit: int | None = None) -> str:
    """SQL yielding one decoded event per row (column ``t``, see schema.EVENT_SPEC) from files of one format.

    CloudTrail's own files are decoded in one pass per file, straight into the columns the store
    keeps (no intermediate JSON text per event); other layouts are split into events first.
    """
    limit = limit or _object_limit(paths, gzip)
    options = f"compression = '{'gzip' if gzip else 'none'}', maximum_object_size = {limit}"
    if file_format == parsing.FileFormat.RECORDS:
        return (
            f"SELECT unnest(json_transform(json, '{RECORDS_SPEC}').\"Records\") AS t "
            f"FROM read_json_objects({_sql_list(paths)}, format = 'unstructured', {options})"
        )
    reader_format = "array" if file_format == parsing.FileFormat.ARRAY else "unstructured"
    # Envelopes: CloudTrail's Records, EventBridge's detail, a shipper's message string.
    return (
        f"SELECT json_transform(j, '{EVENT_SPEC}') AS t FROM (SELECT unnest(CASE"
        " WHEN json_type(json, '$.Records') = 'ARRAY' THEN json_extract(json, '$.Records[*]')"
        " WHEN json_type(json, '$.detail.eventName') IS NOT NULL THEN [json_extract(json, '$.detail')]"
        " WHEN json_type(json, '$.eventName') IS NULL AND json_type(json, '$.message') = 'VARCHAR'"
        "  THEN [coalesce(try_cast(json_extract_string(json, '$.message') AS JSON), json)]"
        " ELSE [json] END) AS j "
        f"FROM read_json_objects({_sql_list(paths)}, format = '{reader_format}', {options}))"
    )


def _split_reader_sql(paths: Sequence[Path]) -> str:
    """Events of the bare arrays records_as_array wrote: each element is an event (no envelopes),
    decoded once, with a limit per event rather than per file."""
    return (f"SELECT json_transform(json, '{EVENT_SPEC}') AS t FROM read_json_objects({_sql_list(paths)}, "
            f"format = 'array', compression = 'none', maximum_object_size = {ELEMENT_BYTES})")


def _copy_sql(reader: str, staging: Path) -> str:
    select_list, inner = normalise_sql("raw.t")
    safe = "regexp_replace(coalesce({}, 'unknown'), '[^A-Za-z0-9_.-]', '_', 'g')"
    target = str(staging).replace("'", "''")
    return (
        # Records without eventTime, eventName or eventSource are not CloudTrail events: they go to
        # the day partition REJECTED_DAY, which Store.publish counts and drops instead of storing.
        f"COPY (SELECT *, {safe.format('coalesce(recipient_account_id, user_account_id)')} AS account, "
        f"{safe.format('aws_region')} AS region, "
        f"CASE WHEN event_name IS NULL OR event_source IS NULL THEN '{REJECTED_DAY}' "
        f"ELSE coalesce(strftime(event_time, '%Y-%m-%d'), '{REJECTED_DAY}') END AS day "
        f"FROM (SELECT {select_list} FROM (SELECT {inner} FROM ({reader}) AS raw) AS parsed)) "
        f"TO '{target}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP_ROWS}, "
        "PARTITION_BY (account, region, day), FILENAME_PATTERN 'part_{uuid}', OVERWRITE_OR_IGNORE true)"
    )


def _copy(connection: duckdb.DuckDBPyConnection, reader: str, staging: Path) -> int:
    row = connection.execute(_copy_sql(reader, staging)).fetchone()
    return int(row[0]) if row else 0


def _file_counts(connection: duckdb.DuckDBPyConnection, source: SourceFile) -> tuple[int, int]:
    """(records, records that are not CloudTrail events) of one file, by the rule the COPY applies."""
    path = source.local_path
    reader = _reader_sql([path], parsing.sniff(path), parsing.is_gzip(path))
    select_list, inner = normalise_sql("raw.t")
    row = connection.execute(
        "SELECT count(*), count(*) FILTER (WHERE event_name IS NULL OR event_source IS NULL OR event_time IS NULL) "
        f"FROM (SELECT {select_list} FROM (SELECT {inner} FROM ({reader}) AS raw) AS parsed)").fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def _skipped(source: SourceFile, records: int, rejected: int) -> SkippedFile | None:
    if records == 0:
        return SkippedFile(source.key, 0, 0, "no records: the file holds no JSON record")
    if rejected == 0:
        return None
    if rejected == records:
        return SkippedFile(source.key, records, rejected, f"not CloudTrail: none of its {records:,} record(s) "
                           "has eventTime, eventName and eventSource")
    return SkippedFile(source.key, records, rejected, f"{rejected:,} of {records:,} records are not CloudTrail "
                       "events (no eventTime, eventName or eventSource) and were left out")


def _attribute(connection: duckdb.DuckDBPyConnection, batch: Sequence[SourceFile], events: int, rejected: int,
               report: IngestReport) -> None:
    """Name the files behind a batch's rejected records (or a batch that held no record): a recount,
    file by file, only for such batches, so that a clean ingest reads every file once."""
    if not rejected and events:
        return
    if len(batch) == 1:
        counts = [(batch[0], events, rejected)]
    else:
        counts = [(source, *_file_counts(connection, source)) for source in batch]
    for source, records, bad in counts:
        skipped = _skipped(source, records, bad)
        if skipped:
            report.not_cloudtrail.append(skipped)


def _load_files(connection: duckdb.DuckDBPyConnection, files: Sequence[SourceFile], staging: Path) -> int:
    """One COPY per (format, compression) group; raises duckdb.Error if any file is bad."""
    groups: dict[tuple[str, bool], list[Path]] = {}
    scratch = staging.with_name(staging.name + ".inflated")
    split: list[list[Path]] = []
    try:
        for source in files:
            path = source.local_path
            key = (parsing.sniff(path), parsing.is_gzip(path))
            if key[0] == parsing.FileFormat.RECORDS and parsing.inflated_size(path, GZIP_INFLATION) > SPLIT_BYTES:
                parts = parsing.records_as_array(path, scratch / str(len(split)))  # verifies the gzip
                if parts:
                    split.append(parts)
                    continue
            if key[1] and (damage := parsing.gzip_damage(path)):
                raise parsing.DamagedGzip(f"{source.key}: {damage}")
            groups.setdefault(key, []).append(path)
        events = sum(_copy(connection, _reader_sql(paths, fmt, gz), staging) for (fmt, gz), paths in groups.items())
        # One COPY per part: a partitioned COPY holds what it writes until it ends.
        events += sum(_copy(connection, _split_reader_sql([part]), staging) for parts in split for part in parts)
        return events
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _salvage_file(connection: duckdb.DuckDBPyConnection, source: SourceFile, store: Store,
                  report: IngestReport) -> int:
    rescued = parsing.salvage(source.local_path)
    staging = store.new_staging_dir()
    kept = oversized = 0
    try:
        if rescued.events:
            lines = staging / "salvaged.jsonl"
            longest = 0
            with lines.open("w") as handle:
                for event in rescued.events:
                    line = json.dumps(event)
                    if len(line) > OVERSIZED_EVENT_BYTES:
                        oversized += 1  # DuckDB cannot turn one such value into columns in the memory limit
                        continue
                    longest = max(longest, len(line))
                    handle.write(line + "\n")
            # The limit follows the longest line, not the file: DuckDB reserves twice it per thread.
            kept = _copy(connection, _reader_sql([lines], parsing.FileFormat.STREAM, False,
                                                 _power_of_two_limit(longest + 1)), staging)
            lines.unlink()
        rejected = store.publish(staging)
        # A file with no readable record at all is reported below as a damaged file instead.
        skipped = _skipped(source, kept, rejected) if rescued.events or not rescued.error else None
        if skipped:
            report.not_cloudtrail.append(skipped)
        kept -= rejected
        report.rejected += rejected
    except duckdb.OutOfMemoryException as exc:
        store.discard(staging)
        reason = str(exc).splitlines()[0]
        report.problems.append(FileProblem(source.key, f"too large to store within the ingest's memory ({reason}); "
                                           "not recorded, so a later run tries it again",
                                           rescued.bad_items + len(rescued.events), 0))
        return 0
    except duckdb.Error as exc:
        store.discard(staging)
        raise InputError(f"cannot store salvaged events of {source.key}: {exc}",
                         hint="report this file to the cloudwarden maintainers") from exc
    if oversized:
        big = f"{oversized} event(s) larger than {OVERSIZED_EVENT_BYTES >> 20} MB not stored"
        rescued.error = f"{rescued.error}; {big}" if rescued.error else big
        rescued.bad_items += oversized
    if rescued.error:
        report.problems.append(FileProblem(source.key, rescued.error, rescued.bad_items, kept))
    store.record(source, kept, rescued.bad_items, rescued.error)
    return kept


def _ingest_batch(connection: duckdb.DuckDBPyConnection, batch: Sequence[SourceFile], store: Store,
                  report: IngestReport) -> None:
    staging = store.new_staging_dir()
    try:
        events = _load_files(connection, batch, staging)
    except DATA_ERRORS:
        store.discard(staging)
        _retry_batch(connection, batch, store, report)
        return
    _commit_batch(connection, batch, staging, events, store, report)


def _commit_batch(connection: duckdb.DuckDBPyConnection, batch: Sequence[SourceFile], staging: Path, events: int,
                  store: Store, report: IngestReport) -> None:
    rejected = store.publish(staging)
    report.events += events - rejected
    report.rejected += rejected
    _attribute(connection, batch, events, rejected, report)
    for source in batch:
        store.record(source, None)


def _retry_batch(connection: duckdb.DuckDBPyConnection, batch: Sequence[SourceFile], store: Store,
                 report: IngestReport) -> None:
    """A batch DuckDB rejected: file by file, and a file it still rejects is salvaged."""
    if len(batch) > 1:
        for source in batch:
            _ingest_batch(connection, [source], store, report)
    else:
        report.events += _salvage_file(connection, batch[0], store, report)


def _batches(files: Sequence[SourceFile]) -> list[list[SourceFile]]:
    """Consecutive files, at most BATCH_FILES / BATCH_BYTES a batch, and at least one batch per worker."""
    per_batch = max(1, min(BATCH_FILES, -(-len(files) // WORKERS)))
    batches: list[list[SourceFile]] = [[]]
    size = 0
    for source in files:
        if batches[-1] and (len(batches[-1]) >= per_batch or size + source.size > BATCH_BYTES):
            batches.append([])
            size = 0
        batches[-1].append(source)
        size += source.size
    return [batch for batch in batches if batch]


def _session(connection: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor for one worker thread (the time zone is per session; the limits are shared)."""
    cursor = connection.cursor()
    cursor.execute("SET TimeZone = 'UTC'")
    return cursor


def _discover(sources: Sequence[str], s3_client: object | None) -> list[tuple[SourceFile, bool]]:
    """(file, is_remote) for every source; S3 listing is imported only when an s3:// source is given."""
    found: list[tuple[SourceFile, bool]] = []
    for source in sources:
        if source.startswith("s3://"):
            from cloudwarden.engines.trail import s3source

            found += [(item, True) for item in s3source.list_files(source, s3_client)]
        else:
            found += [(item, False) for item in local_files(source)]
    return found


def ingest(sources: Sequence[str], store_dir: Path, progress: Progress | None = None,
           s3_client: object | None = None, memory_limit: str = INGEST_MEMORY_LIMIT) -> IngestReport:
    """Add the events of every not-yet-ingested file under ``sources`` to the store."""
    started = time.perf_counter()
    store = Store.create(store_dir)
    report = IngestReport()
    found = _discover(sources, s3_client)
    report.files_found = len(found)
    todo = [(item, remote) for item, remote in found if store.is_new(item)]
    report.files_already_ingested = len(found) - len(todo)
    # WORKERS single-threaded COPYs side by side: a COPY on two DuckDB threads that writes a single
    # partition (CloudTrail's files come sorted by account, region and day) spent ~12% more CPU per
    # event than two independent single-threaded COPYs; see docs/trail.md.
    connection = connect(memory_limit, threads=1)
    sessions: queue.SimpleQueue[duckdb.DuckDBPyConnection] = queue.SimpleQueue()
    for _ in range(WORKERS):
        sessions.put(_session(connection))

    def load(batch: Sequence[SourceFile], staging: Path) -> int:
        session = sessions.get()
        try:
            return _load_files(session, batch, staging)
        finally:
            sessions.put(session)

    with tempfile.TemporaryDirectory(prefix="cloudwarden-s3-") as download_dir, \
            ThreadPoolExecutor(WORKERS, thread_name_prefix="cloudwarden-ingest") as pool:
        fetch = None
        if any(remote for _, remote in todo):
            from cloudwarden.engines.trail import s3source

            fetch = s3source.downloader(Path(download_dir), s3_client)
        pending: deque[tuple[list[SourceFile], Path, Future[int]]] = deque()

        def finish_oldest() -> None:
            # Batches are committed in order, by this thread only (manifest, report, publish).
            batch, staging, future = pending.popleft()
            try:
                events = future.result()
            except DATA_ERRORS:
                store.discard(staging)
                _retry_batch(connection, batch, store, report)
            except BaseException:
                store.discard(staging)
                raise
            else:
                _commit_batch(connection, batch, staging, events, store, report)
            store.save_manifest()
            for item in batch:
                if item.key.startswith("s3://"):
                    item.local_path.unlink(missing_ok=True)
            report.files_ingested += len(batch)
            if progress:
                progress(report.files_ingested, len(todo), report.events)

        try:
            for listed in _batches([item for item, _ in todo]):
                if len(pending) >= WORKERS:
                    finish_oldest()
                # S3 objects are fetched a batch at a time, so local disk holds WORKERS batches at most.
                batch = [fetch(item) if fetch and item.key.startswith("s3://") else item for item in listed]
                staging = store.new_staging_dir()
                pending.append((batch, staging, pool.submit(load, batch, staging)))
            while pending:
                finish_oldest()
        finally:
            # On an error, batches still loading are dropped: not published, not in the manifest.
            for _, staging, future in pending:
                wait([future])
                store.discard(staging)
    try:
        connection.execute(f"SET threads = {WORKERS}")  # the COPYs are done: one aggregate on every core
        span = baseline.update(store.root, connection)
        if span:
            report.first_event, report.last_event = span
    finally:
        connection.close()
    report.seconds = time.perf_counter() - started
    return report
