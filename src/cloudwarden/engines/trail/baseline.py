"""Baselines: when each principal, and each long-term access key, IP, user agent, region and API call of a
principal, was first and last seen (a role's sessions count as the role) in the store's history.

Kept incrementally: after every ingest, the event files not yet folded in are summarised (one
narrow aggregate over their Parquet columns) and merged into ``STORE/baselines.parquet``;
``STORE/baselines.json`` lists the files folded in. Rules of kind ``baseline`` (``Rule.baseline``
names the dimension) fire on the event that first showed a value, when the principal's history
before it is at least ``Rule.learning_seconds`` long (a new store does not alert on everything).
Reads and writes inside the store directory only.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import duckdb

BASELINE_FILE = "baselines.parquet"
FOLDED_FILE = "baselines.json"
ACCOUNT_SQL = "coalesce(recipient_account_id, user_account_id, 'unknown')"
# Who a baseline belongs to: the role, not each of its sessions (every session has a name of its own)
PRINCIPAL_SQL = "coalesce(issuer_arn, user_arn, user_principal_id, user_invoked_by, 'unknown')"
PRINCIPAL = "principal"  # group: the account; value: the principal (its first appearance)
# dimension -> (group, value): the value's first appearance is kept per group
DIMENSIONS: dict[str, tuple[str, str]] = {
    PRINCIPAL: (ACCOUNT_SQL, PRINCIPAL_SQL),
    # long-term keys only: every role session has a key of its own, so a new ASIA key means nothing
    "access_key": (PRINCIPAL_SQL, "CASE WHEN starts_with(user_access_key_id, 'AKIA') THEN user_access_key_id END"),
    "source_ip": (PRINCIPAL_SQL, "source_ip"),
    "user_agent": (PRINCIPAL_SQL, "user_agent"),
    "region": (PRINCIPAL_SQL, "aws_region"),
    "action": (PRINCIPAL_SQL, "event_source || ':' || event_name"),
}
COLUMNS = "dimension VARCHAR, grp VARCHAR, value VARCHAR, first_seen TIMESTAMP, last_seen TIMESTAMP, events BIGINT"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def summary_sql(source: str) -> str:
    """(dimension, grp, value, first_seen, last_seen, events) over the events of ``source`` (a FROM item).

    One scan: the dimensions are grouping sets of one aggregate."""
    names = list(DIMENSIONS)
    columns = ", ".join(f"({group})::VARCHAR AS g{n}, ({value})::VARCHAR AS v{n}"
                        for n, (group, value) in enumerate(DIMENSIONS.values()))
    sets = ", ".join(f"(g{n}, v{n})" for n in range(len(names)))
    keys = ", ".join(f"g{n}, v{n}" for n in range(len(names)))
    which = " ".join(f"WHEN grouping(g{n}, v{n}) = 0 THEN {n}" for n in range(len(names)))
    group_of = " ".join(f"WHEN {n} THEN g{n}" for n in range(len(names)))
    value_of = " ".join(f"WHEN {n} THEN v{n}" for n in range(len(names)))
    dimension_of = " ".join(f"WHEN {n} THEN {_quote(name)}" for n, name in enumerate(names))
    return f"""
        SELECT CASE d {dimension_of} END AS dimension, CASE d {group_of} END AS grp,
               CASE d {value_of} END AS value, first_seen, last_seen, events
        FROM (SELECT CASE {which} END AS d, {keys}, min(event_time) AS first_seen, max(event_time) AS last_seen,
                     count(*) AS events
              FROM (SELECT event_time, {columns} FROM {source} WHERE event_time IS NOT NULL)
              GROUP BY GROUPING SETS ({sets}))
        WHERE CASE d {value_of} END IS NOT NULL"""


def _merge_sql(parts: list[str]) -> str:
    union = " UNION ALL ".join(f"SELECT * FROM ({part})" for part in parts)
    return (f"SELECT dimension, grp, value, min(first_seen) AS first_seen, max(last_seen) AS last_seen,"
            f" sum(events)::BIGINT AS events FROM ({union}) GROUP BY ALL")


def _folded(store_root: Path) -> set[str]:
    path = store_root / FOLDED_FILE
    if not path.is_file():
        return set()
    try:
        return set(json.loads(path.read_text()).get("files", []))
    except (json.JSONDecodeError, AttributeError):
        return set()  # unreadable bookkeeping: rebuild the baseline from every file


def update(root: Path, connection: duckdb.DuckDBPyConnection) -> tuple[datetime, datetime] | None:
    """Fold the store's event files not yet in the baseline into it.

    Returns the time range of the events folded in (None when there were none), which tells
    ``trail watch`` what a hunt must look at."""
    events_dir = root / "events"
    files = sorted(str(p.relative_to(root)) for p in events_dir.rglob("*.parquet"))
    folded = _folded(root)
    baseline = root / BASELINE_FILE
    if not baseline.is_file():
        folded = set()
    new = [f for f in files if f not in folded]
    if not new:
        return None
    listing = "[" + ", ".join(_quote(str(root / f)) for f in new) + "]"
    source = f"read_parquet({listing}, union_by_name = true)"
    parts = [summary_sql(source)]
    span = connection.execute(f"SELECT min(event_time), max(event_time) FROM {source}").fetchone()
    if folded:
        parts.append(f"SELECT * FROM read_parquet({_quote(str(baseline))})")
    temporary = baseline.with_suffix(".tmp.parquet")
    connection.execute(f"COPY ({_merge_sql(parts)}) TO {_quote(str(temporary))} (FORMAT parquet, COMPRESSION zstd)")
    os.replace(temporary, baseline)
    marker = root / (FOLDED_FILE + ".tmp")
    marker.write_text(json.dumps({"files": sorted(folded | set(new))}))
    os.replace(marker, root / FOLDED_FILE)
    return (span[0], span[1]) if span and span[0] is not None else None


def attach(root: Path, connection: duckdb.DuckDBPyConnection) -> None:
    """The view ``baselines``: the stored file when it covers every event file, else computed from them."""
    files = {str(p.relative_to(root)) for p in (root / "events").rglob("*.parquet")}
    baseline = root / BASELINE_FILE
    if baseline.is_file() and files <= _folded(root):
        connection.execute(f"CREATE OR REPLACE TEMP VIEW baselines AS SELECT * FROM read_parquet({_quote(str(baseline))})")
    elif files:
        pattern = _quote(str(root / "events" / "**" / "*.parquet"))
        source = f"read_parquet({pattern}, hive_partitioning = true, union_by_name = true)"
        connection.execute(f"CREATE OR REPLACE TEMP VIEW baselines AS {summary_sql(source)}")
    else:
        connection.execute(f"CREATE OR REPLACE TEMP TABLE baselines ({COLUMNS})")
