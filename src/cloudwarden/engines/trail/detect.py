"""Running rules over the store: a plan from the event names present, then SQL summaries.

Most rules name their API calls. Their *guard* (guards.py: the part of the condition that reads
``event_name`` alone) is evaluated once over the store's distinct event names: a rule none of whose
events occur is not run at all, and the others read only their events (``event_name IN (...)``,
which the Parquet reader applies before reading any other column). Single-event rules that must
read every event run one query each; the guarded ones share one scan. Their matches are summarised
in SQL per rule, actor and hour (_summarise): exact counts and time span, at most EVENT_ID_CAP
event ids and LIST_CAP principals, keys and IPs (with exact distinct counts). Rules with many
matches are summarised in chunks of whole hours, so DuckDB's memory does not grow with the store.
Window, near and first-seen rules each read their own guarded events. No per-event Python work.
Reads the DuckDB view ``events`` (store.attach); writes temp tables only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from cloudwarden.engines.trail.guards import guard
from cloudwarden.engines.trail.rules import ACTOR_SQL, Rule, quote
from cloudwarden.engines.trail.schema import SCALAR_FIELDS

SCALAR_COLUMNS = tuple(column for column, _ in SCALAR_FIELDS)

EVENT_ID_CAP = 1000  # event ids kept per detection; event_count always has the full count
EVENT_BUCKET = "INTERVAL 1 HOUR"
MAX_GUARD_NAMES = 256  # a guard passing more names than this is not worth an IN list
_NEVER = "never"

LIST_CAP = EVENT_ID_CAP  # principals, access keys and source IPs kept per detection (the counts are exact)
# Up to this many matches of one rule, its distinct values are collected in one query (list(DISTINCT)
# holds them all in memory); above it, one spillable SELECT DISTINCT per column.
SMALL_MATCHES = 100_000
# Single-event rules are summarised in chunks of whole hours holding at most about this many matches
# (their detections are per actor and hour, so a chunk never splits one): the per-detection states
# (1,000 event ids, distinct values) of all detections in a query must fit DuckDB's memory limit.
CHUNK_ROWS = 500_000
_BASE_COLUMNS = (f"event_time, event_id, {ACTOR_SQL} AS actor, user_arn, user_access_key_id AS access_key, "
                 "source_ip")


@dataclass(frozen=True)
class Detection:
    rule: Rule
    first_seen: datetime | None
    last_seen: datetime | None
    event_count: int
    event_ids: tuple[str, ...]
    principals: tuple[str, ...]
    access_keys: tuple[str, ...]
    source_ips: tuple[str, ...]
    # Distinct values in all the detection's events; the tuples above keep the LIST_CAP smallest.
    principal_count: int | None = None
    access_key_count: int | None = None
    source_ip_count: int | None = None

    def to_dict(self) -> dict[str, Any]:
        data = self.rule.to_dict()
        data.update(
            first_seen=self.first_seen.isoformat() + "Z" if self.first_seen else None,
            last_seen=self.last_seen.isoformat() + "Z" if self.last_seen else None,
            event_count=self.event_count,
            event_ids=list(self.event_ids),
            events_truncated=self.event_count > len(self.event_ids),
            principals=list(self.principals),
            access_keys=list(self.access_keys),
            source_ips=list(self.source_ips),
        )
        for name, values, count in (("principals", self.principals, self.principal_count),
                                    ("access_keys", self.access_keys, self.access_key_count),
                                    ("source_ips", self.source_ips, self.source_ip_count)):
            if count is not None and count > len(values):
                data[f"{name}_truncated"] = True
                data[f"{name}_count"] = count
        return data


def _summarise(connection: duckdb.DuckDBPyConnection, rows: str, groups: Sequence[str], index: int | str,
               by_actor: bool, ctes: str = "", materialize: bool = False) -> list[tuple[Any, ...]]:
    """One result row per detection (read by _detection) from the matching ``rows``, per ``groups``.

    ``rows`` (SQL, after the common table expressions ``ctes``) yields the groups and event_time,
    event_id, actor, user_arn, access_key, source_ip. Everything kept is bounded: the EVENT_ID_CAP
    first event ids in time and, for principals, keys and IPs, the LIST_CAP smallest distinct values
    with their exact number (SELECT DISTINCT is a hash aggregate DuckDB can spill, where
    list(DISTINCT ...) holds every value in memory). Each part is its own query, run one after the
    other so their hash tables never share the memory limit; the parts are joined here by group.
    ``rows`` is read once per part, or stored once in a temp table when ``materialize`` (windows).
    With ``by_actor`` all rows of a group have one actor, which *is* user_arn whenever user_arn is
    set (ACTOR_SQL), so the principals are [actor] or none.
    """
    g = ", ".join(groups)
    prefix = f"WITH {ctes}" if ctes else ""
    if materialize:
        connection.execute(f"CREATE OR REPLACE TEMP TABLE trail_rows AS {prefix} {rows}")
        source = "WITH s AS (SELECT * FROM trail_rows)"
    else:
        source = f"{prefix}{',' if ctes else 'WITH'} s AS NOT MATERIALIZED ({rows})"
    arn_state = ", count(user_arn), min(user_arn)" if by_actor else ""
    base = connection.execute(
        f"{source} SELECT {g}, count(*), min(event_time), max(event_time),"
        f" min_by(event_id, coalesce(event_time, 'infinity'::TIMESTAMP), {EVENT_ID_CAP})"
        f" FILTER (WHERE event_id IS NOT NULL){arn_state} FROM s GROUP BY {g}").fetchall()
    width = len(groups)
    columns = ["access_key", "source_ip"] + ([] if by_actor else ["user_arn"])
    values: dict[str, dict[tuple[Any, ...], tuple[Any, int]]] = {column: {} for column in columns}
    matches = sum(int(row[width]) for row in base)
    if 0 < matches <= SMALL_MATCHES:
        lists = ", ".join(f"list(DISTINCT {c}) FILTER (WHERE {c} IS NOT NULL)" for c in columns)
        for row in connection.execute(f"{source} SELECT {g}, {lists} FROM s GROUP BY {g}").fetchall():
            for position, column in enumerate(columns):
                found = sorted(row[width + position] or ())
                values[column][tuple(row[:width])] = (found[:LIST_CAP], len(found))
    elif matches:
        for column in columns:
            found = connection.execute(
                f"{source} SELECT {g}, min_by(v, v, {LIST_CAP}), count(*) FROM (SELECT DISTINCT {g}, {column} AS v"
                f" FROM s WHERE {column} IS NOT NULL) GROUP BY {g}").fetchall()
            values[column] = {tuple(row[:width]): (row[width], int(row[width + 1])) for row in found}
    keys, ips = values["access_key"], values["source_ip"]
    arns = values.get("user_arn", {})
    if materialize:
        connection.execute("DROP TABLE trail_rows")
    result = []
    for row in base:
        group = tuple(row[:width])
        count, first, last, ids = row[width:width + 4]
        if by_actor:
            arn_rows, arn = row[width + 4:width + 6]
            principals = ([arn], 1) if arn_rows else (None, 0)
        else:
            principals = arns.get(group, (None, 0))
        rule_index = row[0] if isinstance(index, str) else index
        result.append((rule_index, count, first, last, ids, *principals, *keys.get(group, (None, 0)),
                       *ips.get(group, (None, 0))))
    return result


class _Plan:
    """For each condition: the pre-filter to put before it ('' = read every event, _NEVER = skip)."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, conditions: Sequence[str]) -> None:
        names = connection.execute("SELECT event_name, count(*) FROM events GROUP BY ALL").fetchall()
        self.events = sum(int(n) for _, n in names)
        self.filters: dict[str, str] = {}
        self.passing: dict[str, list[str | None]] = {}  # guarded conditions: the event names passing
        guards = {c: guard(c) for c in dict.fromkeys(conditions)}
        guarded = [c for c, g in guards.items() if g is not None]
        for condition, g in guards.items():
            if g is None:
                self.filters[condition] = ""
        if not guarded:
            return
        if not names:
            for condition in guarded:
                self.filters[condition] = _NEVER
                self.passing[condition] = []
            return
        connection.execute("CREATE OR REPLACE TEMP TABLE trail_event_names (event_name VARCHAR, n BIGINT)")
        connection.executemany("INSERT INTO trail_event_names VALUES (?, ?)", [list(row) for row in names])
        tests = ", ".join(f"coalesce({guards[c]}, false)" for c in guarded)
        rows = connection.execute(f"SELECT event_name, n, [{tests}] FROM trail_event_names").fetchall()
        connection.execute("DROP TABLE trail_event_names")
        for position, condition in enumerate(guarded):
            passing = [(name, int(n)) for name, n, flags in rows if flags[position]]
            self.passing[condition] = [name for name, _ in passing]
            self.filters[condition] = self._filter(passing)

    def _filter(self, passing: list[tuple[str | None, int]]) -> str:
        if not passing:
            return _NEVER
        if sum(n for _, n in passing) == self.events or len(passing) > MAX_GUARD_NAMES:
            return ""
        listed = [name for name, _ in passing if name is not None]
        parts = [f"event_name IN ({', '.join(quote(n) for n in listed)})"] if listed else []
        if len(listed) < len(passing):
            parts.append("event_name IS NULL")
        return "(" + " OR ".join(parts) + ")"

    def where(self, condition: str) -> str | None:
        """``condition`` behind its pre-filter, or None when no event can match it."""
        prefilter = self.filters[condition]
        if prefilter == _NEVER:
            return None
        return f"{prefilter} AND ({condition})" if prefilter else f"({condition})"


def _source(where: str, extra: str = "") -> str:
    return f"(SELECT {_BASE_COLUMNS}{extra} FROM events WHERE {where})"


def _time_chunks(connection: duckdb.DuckDBPyConnection, rows: str) -> list[str]:
    """Conditions on event_time splitting ``rows`` (with column ``bucket``) into chunks of whole hours."""
    counts = connection.execute(f"SELECT bucket, count(*) FROM ({rows}) GROUP BY bucket ORDER BY bucket").fetchall()
    if sum(int(n) for _, n in counts) <= CHUNK_ROWS:
        return [""] if counts else []
    chunks: list[str] = ["event_time IS NULL"] if any(b is None for b, _ in counts) else []
    start, size = None, 0
    hours = [(b, int(n)) for b, n in counts if b is not None]
    for position, (bucket, n) in enumerate(hours):
        if start is None:
            start, size = bucket, 0
        size += n
        last = position == len(hours) - 1
        if last or size + hours[position + 1][1] > CHUNK_ROWS:
            end = f"TIMESTAMP '{bucket:%Y-%m-%d %H:%M:%S}' + {EVENT_BUCKET}"
            chunks.append(f"event_time >= TIMESTAMP '{start:%Y-%m-%d %H:%M:%S}' AND event_time < {end}")
            start = None
    return chunks


def _event_rules(connection: duckdb.DuckDBPyConnection, plan: _Plan,
                 chosen: list[tuple[int, Rule]]) -> list[tuple[Any, ...]]:
    """Single-event rules, summarised per rule, actor and hour.

    A rule that must read every event gets its own query (its condition is then evaluated once per
    event, with no per-rule fan-out); the guarded rules share one scan of their few events. Either
    is summarised in chunks of whole hours (_time_chunks), so memory does not grow with the store.
    """
    groups = ("rule_index", "actor", "bucket")
    bucket = f"time_bucket({EVENT_BUCKET}, event_time) AS bucket"
    sources: list[Callable[[str], str]] = []  # SQL of the matches, given an extra " AND (...)" condition
    guarded = []

    def single(index: int, where: str) -> Callable[[str], str]:
        return lambda chunk: f"SELECT {index} AS rule_index, *, {bucket} FROM {_source(where + chunk)}"

    for index, rule in chosen:
        where = plan.where(rule.where)
        if where is None:
            continue
        if plan.filters[rule.where] == "":
            sources.append(single(index, where))
        else:
            guarded.append((index, where, plan.filters[rule.where]))
    if guarded:
        scope = "(" + " OR ".join(sorted({prefilter for _, _, prefilter in guarded})) + ")"
        tests = ", ".join(f"CASE WHEN {where} THEN {index} END" for index, where, _ in guarded)

        def shared(chunk: str) -> str:
            return f"""
            SELECT rule_index, event_time, event_id, actor, user_arn, access_key, source_ip, {bucket} FROM (
                SELECT *, unnest(list_filter([{tests}], lambda x: x IS NOT NULL)) AS rule_index
                FROM (SELECT {_BASE_COLUMNS}, * EXCLUDE (event_time, event_id, user_arn, source_ip) FROM events
                      WHERE {scope}{chunk}) AS e) AS hits"""

        sources.append(shared)
    rows: list[tuple[Any, ...]] = []
    for source in sources:
        # Few matches (most rules): stored once, narrow, so each condition is evaluated once per
        # event and every part of the summary reads the small table. Many matches: summarised in
        # chunks of whole hours straight from the store, so memory does not grow with the store.
        connection.execute(f"CREATE OR REPLACE TEMP TABLE trail_hits AS {source('')} LIMIT {CHUNK_ROWS + 1}")
        stored = connection.execute("SELECT count(*) FROM trail_hits").fetchone()
        if stored and int(stored[0]) <= CHUNK_ROWS:
            if stored[0]:
                rows += _summarise(connection, "SELECT * FROM trail_hits", groups, "rule_index", True)
            connection.execute("DROP TABLE trail_hits")
            continue
        connection.execute("DROP TABLE trail_hits")
        for chunk in _time_chunks(connection, source("")):
            rows += _summarise(connection, source(f" AND ({chunk})" if chunk else ""), groups, "rule_index", True)
    return rows


def _window_rule(connection: duckdb.DuckDBPyConnection, index: int, rule: Rule, where: str) -> list[tuple[Any, ...]]:
    """Sliding-window count per group; overlapping windows above the threshold merge into one."""
    counted = "count(DISTINCT d)" if rule.distinct else "count(*)"
    extra = f", {rule.group_by} AS grp" + (f", {rule.distinct} AS d" if rule.distinct else "")
    window = f"INTERVAL {int(rule.window_seconds)} SECOND"
    ctes = f"""
        m AS MATERIALIZED {_source(where, extra)},
        w AS (SELECT grp, event_time, {counted} OVER (PARTITION BY grp ORDER BY event_time
              RANGE BETWEEN {window} PRECEDING AND CURRENT ROW) AS c FROM m),
        anchors AS (SELECT DISTINCT grp, event_time AS t FROM w WHERE c > {int(rule.threshold)}),
        marked AS (SELECT grp, t, CASE WHEN lag(t) OVER (PARTITION BY grp ORDER BY t) >= t - {window}
                   THEN 0 ELSE 1 END AS starts FROM anchors),
        islands AS (SELECT grp, t, sum(starts) OVER (PARTITION BY grp ORDER BY t) AS island FROM marked),
        spans AS (SELECT grp, island, min(t) - {window} AS start, max(t) AS stop FROM islands GROUP BY ALL)"""
    source = ("SELECT spans.grp AS span_group, spans.island AS span_island, m.event_time, m.event_id, m.actor,"
              " m.user_arn, m.access_key, m.source_ip FROM spans JOIN m ON m.grp IS NOT DISTINCT FROM spans.grp"
              " AND m.event_time BETWEEN spans.start AND spans.stop")
    return _summarise(connection, source, ("span_group", "span_island"), index, rule.group_by == ACTOR_SQL, ctes,
                      materialize=True)


def _near_rule(connection: duckdb.DuckDBPyConnection, index: int, rule: Rule, left: str,
               right: str) -> list[tuple[Any, ...]]:
    ctes = f"""
        hits AS MATERIALIZED (SELECT 0 AS side, * FROM {_source(left)} UNION ALL
                              SELECT 1 AS side, * FROM {_source(right)}),
        a AS (SELECT * FROM hits WHERE side = 0),
        b AS (SELECT * FROM hits WHERE side = 1),
        pairs AS (SELECT a.actor, a.event_id AS left_id, b.event_id AS right_id FROM a JOIN b
                  ON a.actor = b.actor AND abs(epoch(a.event_time) - epoch(b.event_time)) <= {int(rule.window_seconds)}),
        ids AS (SELECT actor, left_id AS id FROM pairs UNION SELECT actor, right_id FROM pairs)"""
    source = ("SELECT hits.event_time, hits.event_id, hits.actor, hits.user_arn, hits.access_key, hits.source_ip"
              " FROM hits JOIN ids ON hits.event_id = ids.id AND hits.actor = ids.actor")
    return _summarise(connection, source, ("actor",), index, True, ctes, materialize=True)


def _first_seen_rule(connection: duckdb.DuckDBPyConnection, index: int, rule: Rule,
                     where: str) -> list[tuple[Any, ...]]:
    ctes = f"""
        m AS (SELECT *, row_number() OVER (PARTITION BY actor, f ORDER BY event_time) AS nth_value,
              row_number() OVER (PARTITION BY actor ORDER BY event_time) AS nth
              FROM {_source(where, f", {rule.first_seen} AS f")})"""
    source = (f"SELECT event_time, event_id, actor, user_arn, access_key, source_ip,"
              f" time_bucket({EVENT_BUCKET}, event_time) AS bucket FROM m WHERE nth_value = 1 AND nth > 1")
    return _summarise(connection, source, ("actor", "bucket"), index, True, ctes, materialize=True)


def _window_can_fire(plan: _Plan, rule: Rule) -> bool:
    """False when a distinct-event-name window could not count past its threshold in this store."""
    names = plan.passing.get(rule.where)
    return not (rule.distinct == "event_name" and names is not None and len(names) <= rule.threshold)


def _detection(rule: Rule, row: tuple[Any, ...]) -> Detection:
    _, count, first, last, ids, arns, arn_count, keys, key_count, ips, ip_count = row
    return Detection(rule, first, last, int(count), tuple(ids or ()), tuple(sorted(arns or ())),
                     tuple(sorted(keys or ())), tuple(sorted(ips or ())), int(arn_count or 0),
                     int(key_count or 0), int(ip_count or 0))


def run_rules(connection: duckdb.DuckDBPyConnection, rules: Sequence[Rule]) -> list[Detection]:
    """Every detection of ``rules`` over the view ``events``, most severe and earliest first."""
    if not rules:
        return []
    conditions = [rule.where for rule in rules] + [rule.near for rule in rules if rule.near is not None]
    plan = _Plan(connection, conditions)
    rows = _event_rules(connection, plan, [(i, r) for i, r in enumerate(rules) if r.kind == "event"])
    for index, rule in enumerate(rules):
        where = plan.where(rule.where)
        if where is None or rule.kind == "event":
            continue
        if rule.kind == "window":
            if _window_can_fire(plan, rule):
                rows += _window_rule(connection, index, rule, where)
        elif rule.kind == "near":
            other = plan.where(rule.near)  # type: ignore[arg-type]
            if other is not None:
                rows += _near_rule(connection, index, rule, where, other)
        elif rule.kind == "first_seen":
            rows += _first_seen_rule(connection, index, rule, where)
    detections = [_detection(rules[row[0]], row) for row in rows]
    detections.sort(key=lambda d: (-d.rule.severity.rank, d.first_seen or datetime.max, d.rule.id))
    return detections
