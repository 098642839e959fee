"""Ingest: CloudTrail files (local or S3) into the partitioned Parquet store.

Files are read in batches by DuckDB (``read_json_objects`` + ``json_transform``: the fast path the
performance notes measured) and written with one COPY per batch into a staging folder, which is
moved into the store only when the whole batch succeeded. A batch DuckDB rejects is retried file by
file; a file it still rejects is salvaged in Python (parsing.salvage) so every good event is kept
and the damage is reported with the file's path and a count. Reads the sources, writes the store.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from cloudwarden.core.errors import InputError
from cloudwarden.engines.trail import parsing
from cloudwarden.engines.trail.schema import normalise_sql
from cloudwarden.engines.trail.sources import local_files
from cloudwarden.engines.trail.store import MEMORY_LIMIT, SourceFile, Store, connect

# DuckDB reserves twice the largest allowed JSON object per reading thread, so the limit follows
# the batch's largest file (gzip'd CloudTrail inflates about 10x) instead of one fixed, huge value.
MIN_OBJECT_BYTES = 16 << 20
MAX_OBJECT_BYTES = 512 << 20
GZIP_INFLATION = 16
# What a damaged file makes DuckDB raise; anything else (out of memory, a bug) propagates.
DATA_ERRORS = (duckdb.InvalidInputException, duckdb.IOException, duckdb.ConversionException)
# Files per COPY. Each COPY holds a row group per partition it writes in memory, so a batch bounds
# the ingest's memory (32 files of 5,000 events: ~0.5 GB peak RSS; 256 files: over 1 GB).
BATCH_FILES = 32
BATCH_BYTES = 64 << 20

Progress = Callable[[int, int, int], None]  # files done, files to do, events so far


@dataclass
class FileProblem:
    path: str
    error: str
    bad_items: int
    events_kept: int


@dataclass
class IngestReport:
    files_found: int = 0
    files_ingested: int = 0
    files_already_ingested: int = 0
    events: int = 0
    problems: list[FileProblem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def bad_items(self) -> int:
        return sum(problem.bad_items for problem in self.problems)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["bad_items"] = self.bad_items
        return data


def _sql_list(paths: Sequence[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def _object_limit(paths: Sequence[Path], gzip: bool) -> int:
    largest = max(path.stat().st_size for path in paths) * (GZIP_INFLATION if gzip else 1)
    limit = MIN_OBJECT_BYTES
    while limit < largest and limit < MAX_OBJECT_BYTES:
        limit *= 2
    return limit


def _reader_sql(paths: Sequence[Path], file_format: str, gzip: bool) -> str:
    """SQL yielding one JSON event per row (column ``j``) from files of one format."""
    limit = _object_limit(paths, gzip)
    options = f"compression = '{'gzip' if gzip else 'none'}', maximum_object_size = {limit}"
    if file_format == parsing.FileFormat.RECORDS:
        return (
            "SELECT unnest(json_transform(json, '{\"Records\": [\"JSON\"]}').\"Records\") AS j "
            f"FROM read_json_objects({_sql_list(paths)}, format = 'unstructured', {options})"
        )
    reader_format = "array" if file_format == parsing.FileFormat.ARRAY else "unstructured"
    # Envelopes: CloudTrail's Records, EventBridge's detail, a shipper's message string.
    return (
        "SELECT unnest(CASE"
        " WHEN json_type(json, '$.Records') = 'ARRAY' THEN json_extract(json, '$.Records[*]')"
        " WHEN json_type(json, '$.detail.eventName') IS NOT NULL THEN [json_extract(json, '$.detail')]"
        " WHEN json_type(json, '$.eventName') IS NULL AND json_type(json, '$.message') = 'VARCHAR'"
        "  THEN [coalesce(try_cast(json_extract_string(json, '$.message') AS JSON), json)]"
        " ELSE [json] END) AS j "
        f"FROM read_json_objects({_sql_list(paths)}, format = '{reader_format}', {options})"
    )


def _copy_sql(reader: str, staging: Path) -> str:
    select_list, inner = normalise_sql("j")
    safe = "regexp_replace(coalesce({}, 'unknown'), '[^A-Za-z0-9_.-]', '_', 'g')"
    target = str(staging).replace("'", "''")
    return (
        f"COPY (SELECT *, {safe.format('coalesce(recipient_account_id, user_account_id)')} AS account, "
        f"{safe.format('aws_region')} AS region, "
        "coalesce(strftime(event_time, '%Y-%m-%d'), 'unknown') AS day "
        f"FROM (SELECT {select_list} FROM (SELECT {inner} FROM ({reader}) AS raw) AS parsed)) "
        f"TO '{target}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (account, region, day), "
        "FILENAME_PATTERN 'part_{uuid}', OVERWRITE_OR_IGNORE true)"
    )


def _copy(connection: duckdb.DuckDBPyConnection, reader: str, staging: Path) -> int:
    row = connection.execute(_copy_sql(reader, staging)).fetchone()
    return int(row[0]) if row else 0


def _load_files(connection: duckdb.DuckDBPyConnection, files: Sequence[SourceFile], staging: Path) -> int:
    """One COPY per (format, compression) group; raises duckdb.Error if any file is bad."""
    groups: dict[tuple[str, bool], list[Path]] = {}
    for source in files:
        key = (parsing.sniff(source.local_path), parsing.is_gzip(source.local_path))
        groups.setdefault(key, []).append(source.local_path)
    return sum(_copy(connection, _reader_sql(paths, fmt, gz), staging) for (fmt, gz), paths in groups.items())


def _salvage_file(connection: duckdb.DuckDBPyConnection, source: SourceFile, store: Store,
                  report: IngestReport) -> int:
    rescued = parsing.salvage(source.local_path)
    staging = store.new_staging_dir()
    kept = 0
    try:
        if rescued.events:
            lines = staging / "salvaged.jsonl"
            with lines.open("w") as handle:
                for event in rescued.events:
                    handle.write(json.dumps(event) + "\n")
            kept = _copy(connection, _reader_sql([lines], parsing.FileFormat.STREAM, False), staging)
            lines.unlink()
        store.publish(staging)
    except duckdb.Error as exc:
        store.discard(staging)
        raise InputError(f"cannot store salvaged events of {source.key}: {exc}",
                         hint="report this file to the cloudwarden maintainers") from exc
    if rescued.error:
        report.problems.append(FileProblem(source.key, rescued.error, rescued.bad_items, kept))
    store.record(source, kept, rescued.bad_items, rescued.error)
    return kept


def _ingest_batch(connection: duckdb.DuckDBPyConnection, batch: Sequence[SourceFile], store: Store,
                  report: IngestReport) -> None:
    staging = store.new_staging_dir()
    try:
        report.events += _load_files(connection, batch, staging)
    except DATA_ERRORS:
        store.discard(staging)
        if len(batch) > 1:
            for source in batch:
                _ingest_batch(connection, [source], store, report)
        else:
            report.events += _salvage_file(connection, batch[0], store, report)
        return
    store.publish(staging)
    for source in batch:
        store.record(source, None)


def _batches(files: Sequence[SourceFile]) -> list[list[SourceFile]]:
    batches: list[list[SourceFile]] = [[]]
    size = 0
    for source in files:
        if batches[-1] and (len(batches[-1]) >= BATCH_FILES or size + source.size > BATCH_BYTES):
            batches.append([])
            size = 0
        batches[-1].append(source)
        size += source.size
    return [batch for batch in batches if batch]


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
           s3_client: object | None = None, memory_limit: str = MEMORY_LIMIT) -> IngestReport:
    """Add the events of every not-yet-ingested file under ``sources`` to the store."""
    started = time.perf_counter()
    store = Store.create(store_dir)
    report = IngestReport()
    found = _discover(sources, s3_client)
    report.files_found = len(found)
    todo = [(item, remote) for item, remote in found if store.is_new(item)]
    report.files_already_ingested = len(found) - len(todo)
    connection = connect(memory_limit)
    with tempfile.TemporaryDirectory(prefix="cloudwarden-s3-") as download_dir:
        fetch = None
        if any(remote for _, remote in todo):
            from cloudwarden.engines.trail import s3source

            fetch = s3source.downloader(Path(download_dir), s3_client)
        done = 0
        for listed in _batches([item for item, _ in todo]):
            # S3 objects are fetched a batch at a time, so local disk holds one batch at most.
            batch = [fetch(item) if fetch and item.key.startswith("s3://") else item for item in listed]
            _ingest_batch(connection, batch, store, report)
            store.save_manifest()
            for item in batch:
                if item.key.startswith("s3://"):
                    item.local_path.unlink(missing_ok=True)
            done += len(batch)
            report.files_ingested = done
            if progress:
                progress(done, len(todo), report.events)
    connection.close()
    report.seconds = time.perf_counter() - started
    return report
