"""The event store: a directory of Parquet files partitioned by account, region and day.

Layout::

    STORE/manifest.json                              files already ingested (key, size, version)
    STORE/events/account=A/region=R/day=D/*.parquet  the events, one flat row each (see schema.py)

Later commands query it through DuckDB without parsing JSON again. This module owns the layout,
the manifest and the DuckDB connection; it reads and writes only inside the store directory.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from cloudwarden.core.errors import InputError
from cloudwarden.engines.trail.schema import ALL_COLUMNS

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
EVENTS_DIR = "events"
STAGING_DIR = ".staging"
REJECTED_DAY = "_rejected"  # staging day partition of records that are not CloudTrail events
# DuckDB's working memory; larger intermediate results spill to SPILL_DIR instead of growing the
# process (peak RSS of a hunt or an ingest stays under ~1 GB with 512 MB here; see docs/trail.md).
MEMORY_LIMIT = "512MB"
SPILL_DIR = Path(tempfile.gettempdir()) / "cloudwarden-duckdb"


@dataclass(frozen=True)
class SourceFile:
    """One log file to ingest: ``key`` names it in the manifest (path or s3:// URI)."""

    key: str
    local_path: Path
    size: int
    version: str  # mtime for local files, ETag for S3 objects


def connect(memory_limit: str = MEMORY_LIMIT, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection set up the way every trail query expects (UTC, bounded).

    Spills go to SPILL_DIR (DuckDB's default is ``.tmp`` in the working directory); DuckDB
    deletes its own files there when the connection closes. Parquet metadata is cached because
    a hunt reads the store once per active rule group.
    """
    connection = duckdb.connect(":memory:")
    connection.execute("SET TimeZone = 'UTC'")
    connection.execute(f"SET memory_limit = '{memory_limit}'")
    connection.execute("SET preserve_insertion_order = false")
    connection.execute("SET parquet_metadata_cache = true")
    SPILL_DIR.mkdir(parents=True, exist_ok=True)
    connection.execute(f"SET temp_directory = '{str(SPILL_DIR).replace(chr(39), chr(39) * 2)}'")
    if threads:
        connection.execute(f"SET threads = {int(threads)}")
    return connection


class Store:
    """An event store directory. ``Store.open`` for reading; ``Store.create`` for ingest."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.events_dir = root / EVENTS_DIR
        self._manifest: dict[str, Any] | None = None

    @classmethod
    def create(cls, root: Path) -> Store:
        if root.exists() and not root.is_dir():
            raise InputError(f"store path {root} is a file", hint="give a directory for --store")
        if root.is_dir() and any(root.iterdir()) and not (root / MANIFEST_NAME).exists():
            raise InputError(
                f"{root} is not empty and is not a trail store",
                hint="give a new or empty directory for --store",
            )
        (root / EVENTS_DIR).mkdir(parents=True, exist_ok=True)
        store = cls(root)
        if not (root / MANIFEST_NAME).exists():
            store.save_manifest()
        return store

    @classmethod
    def open(cls, root: Path) -> Store:
        if not (root / MANIFEST_NAME).is_file():
            raise InputError(
                f"{root} is not a trail store (no {MANIFEST_NAME})",
                hint="create one with `cloudwarden trail ingest SOURCE --store DIR`",
            )
        return cls(root)

    # -- manifest -------------------------------------------------------------------------------
    @property
    def manifest(self) -> dict[str, Any]:
        if self._manifest is None:
            text = self.read_manifest_text()
            if text is not None:
                try:
                    self._manifest = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{self.manifest_location} is not valid JSON: {exc}",
                                     hint="restore or delete the store") from exc
            else:
                self._manifest = {"version": MANIFEST_VERSION, "files": {}}
        return self._manifest

    @property
    def manifest_location(self) -> str:
        return str(self.root / MANIFEST_NAME)

    def read_manifest_text(self) -> str | None:
        """The manifest's text, None when there is none (a store elsewhere than a folder overrides this)."""
        path = self.root / MANIFEST_NAME
        return path.read_text() if path.exists() else None

    def manifest_text(self) -> str:
        return json.dumps(self.manifest, indent=1, sort_keys=True)

    def is_new(self, source: SourceFile) -> bool:
        seen = self.manifest["files"].get(source.key)
        return seen is None or seen.get("size") != source.size or seen.get("version") != source.version

    def record(self, source: SourceFile, events: int | None, bad_items: int = 0, error: str = "") -> None:
        entry: dict[str, Any] = {"size": source.size, "version": source.version}
        if events is not None:
            entry["events"] = events
        if error:
            entry.update(bad_items=bad_items, error=error)
        self.manifest["files"][source.key] = entry

    def save_manifest(self) -> None:
        path = self.root / MANIFEST_NAME
        temporary = path.with_suffix(".tmp")
        temporary.write_text(self.manifest_text())
        os.replace(temporary, path)

    # -- writing --------------------------------------------------------------------------------
    def new_staging_dir(self) -> Path:
        staging = self.root / STAGING_DIR / uuid.uuid4().hex
        staging.mkdir(parents=True)
        return staging

    def publish(self, staging: Path) -> int:
        """Move a finished batch's partition folders into the store, then drop the staging folder.

        Returns the number of rejected records (the REJECTED_DAY partitions), which are dropped.
        """
        rejected = sorted(staging.glob(f"*/*/day={REJECTED_DAY}/*.parquet"))
        count = 0
        if rejected:
            files = "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in rejected) + "]"
            with duckdb.connect(":memory:") as connection:
                row = connection.execute(f"SELECT sum(num_rows) FROM parquet_file_metadata({files})").fetchone()
            count = int(row[0]) if row and row[0] is not None else 0
            for folder in {path.parent for path in rejected}:
                shutil.rmtree(folder, ignore_errors=True)
        for parquet in staging.rglob("*.parquet"):
            target = self.events_dir / parquet.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(parquet, target)
        shutil.rmtree(staging, ignore_errors=True)
        return count

    def discard(self, staging: Path) -> None:
        shutil.rmtree(staging, ignore_errors=True)

    # -- reading --------------------------------------------------------------------------------
    def has_events(self) -> bool:
        return any(self.events_dir.rglob("*.parquet"))

    def attach(self, connection: duckdb.DuckDBPyConnection, since: datetime | None = None,
               until: datetime | None = None) -> None:
        """Create the view ``events`` over the store, limited to [since, until) when given.

        The day partition is filtered too, so DuckDB skips whole folders outside the range.
        """
        from cloudwarden.engines.trail import baseline

        baseline.attach(self.root, connection)
        if not self.has_events():
            columns = ", ".join(
                ("NULL::TIMESTAMP AS event_time" if c == "event_time" else f"NULL::VARCHAR AS {c}")
                for c in ALL_COLUMNS
            )
            connection.execute(
                f"CREATE OR REPLACE TEMP VIEW events AS SELECT {columns}, NULL::VARCHAR AS account, "
                "NULL::VARCHAR AS region, NULL::VARCHAR AS day WHERE false"
            )
            return
        pattern = str(self.events_dir / "**" / "*.parquet").replace("'", "''")
        filters = []
        if since is not None:
            filters.append(f"event_time >= TIMESTAMP '{since:%Y-%m-%d %H:%M:%S}' AND day >= '{since:%Y-%m-%d}'")
        if until is not None:
            filters.append(f"event_time < TIMESTAMP '{until:%Y-%m-%d %H:%M:%S}' AND day <= '{until:%Y-%m-%d}'")
        where = (" WHERE " + " AND ".join(filters)) if filters else ""
        connection.execute(
            "CREATE OR REPLACE TEMP VIEW events AS SELECT * FROM read_parquet("
            f"'{pattern}', hive_partitioning = true, union_by_name = true,"
            " hive_types = {'account': VARCHAR, 'region': VARCHAR, 'day': VARCHAR})" + where
        )


