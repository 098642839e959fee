"""Running rules over the store: a plan from the event names present, then SQL aggregation.

Most rules name their API calls. Their *guard* (guards.py: the part of the condition that reads
``event_name`` alone) is evaluated once over the store's distinct event names: a rule none of whose
events occur is not run at all, and the others read only their events (``event_name IN (...)``,
which the Parquet reader applies before reading any other column). Single-event rules are then
evaluated in two scans (all full-scan rules together, all guarded rules together) that aggregate
as they go: one detection per rule, actor and hour, keeping at most EVENT_ID_CAP event ids (the
count stays exact). Window, near and first-seen rules each read their own guarded events. No
per-event Python work; memory is bounded by the aggregates, not by the number of matches.
Reads the DuckDB view ``events`` (store.attach); writes temp tables only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

import duckdb

from cloudwarden.engines.trail.guards import guard
from cloudwarden.engines.trail.rules import ACTOR_SQL, Rule, quote
from cloudwarden.engines.trail.schema import SCALAR_FIELDS

SCALAR_COLUMNS = tuple(column for column, _ in SCALAR_FIELDS)

EVENT_ID_CAP = 1000  # event ids kept per detection; event_count always has the full count
EVENT_BUCKET = "INTERVAL 1 HOUR"
MAX_GUARD_NAMES = 256  # a guard passing more names than this is not worth an IN list
_NEVER = "never"

_SUMMARY = (
    "count(*) AS n, min(event_time) AS first, max(event_time) AS last, "
    f"min_by(event_id, coalesce(event_time, 'infinity'::TIMESTAMP), {EVENT_ID_CAP}) FILTER (WHERE event_id IS NOT NULL) AS ids, "
    "list(DISTINCT user_arn) FILTER (WHERE user_arn IS NOT NULL) AS arns, "
    "list(DISTINCT access_key) FILTER (WHERE access_key IS NOT NULL) AS keys, "
    "list(DISTINCT source_ip) FILTER (WHERE source_ip IS NOT NULL) AS ips"
)
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
        return data


class _Plan:
    """For each condition: the pre-filter to put before it ('' = read every event, _NEVER = skip)."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, conditions: Sequence[str]) -> None:
        names = connection.execute("SELECT event_name, count(*) FROM events GROUP BY ALL").fetchall()
        self.events = sum(int(n) for _, n in names)
        self.filters: dict[str, str] = {}
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
            return
        connection.execute("CREATE OR REPLACE TEMP TABLE trail_event_names (event_name VARCHAR, n BIGINT)")
        connection.executemany("INSERT INTO trail_event_names VALUES (?, ?)", [list(row) for row in names])
        tests = ", ".join(f"coalesce({guards[c]}, false)" for c in guarded)
        rows = connection.execute(f"SELECT event_name, n, [{tests}] FROM trail_event_names").fetchall()
        connection.execute("DROP TABLE trail_event_names")
        for position, condition in enumerate(guarded):
            passing = [(name, int(n)) for name, n, flags in rows if flags[position]]
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


def _event_rules(connection: duckdb.DuckDBPyConnection, plan: _Plan,
                 chosen: list[tuple[int, Rule]]) -> list[tuple[Any, ...]]:
    """Single-event rules, aggregated in SQL per rule, actor and hour.

    A rule that must read every event gets its own query (its condition is then evaluated once per
    event, with no per-rule fan-out); the guarded rules share one scan of their few events.
    """
    rows: list[tuple[Any, ...]] = []
    bucket = f"GROUP BY actor, time_bucket({EVENT_BUCKET}, event_time)"
    guarded = []
    for index, rule in chosen:
        where = plan.where(rule.where)
        if where is None:
            continue
        if plan.filters[rule.where] == "":
            rows += connection.execute(f"SELECT {index}, {_SUMMARY} FROM {_source(where)} {bucket}").fetchall()
        else:
            guarded.append((index, where, plan.filters[rule.where]))
    if guarded:
        scope = " OR ".join(sorted({prefilter for _, _, prefilter in guarded}))
        tests = ", ".join(f"CASE WHEN {where} THEN {index} END" for index, where, _ in guarded)
        rows += connection.execute(f"""
            SELECT rule_index, {_SUMMARY} FROM (
                SELECT *, unnest(list_filter([{tests}], lambda x: x IS NOT NULL)) AS rule_index
                FROM (SELECT {_BASE_COLUMNS}, * EXCLUDE (event_time, event_id, user_arn, source_ip) FROM events
                      WHERE {scope}) AS e) AS hits
            GROUP BY rule_index, actor, time_bucket({EVENT_BUCKET}, event_time)
        """).fetchall()
    return rows


def _window_rule(connection: duckdb.DuckDBPyConnection, index: int, rule: Rule, where: str) -> list[tuple[Any, ...]]:
    """Sliding-window count per group; overlapping windows above the threshold merge into one."""
    counted = "count(DISTINCT d)" if rule.distinct else "count(*)"
    extra = f", {rule.group_by} AS grp" + (f", {rule.distinct} AS d" if rule.distinct else "")
    window = f"INTERVAL {int(rule.window_seconds)} SECOND"
    return connection.execute(f"""
        WITH m AS MATERIALIZED {_source(where, extra)},
        w AS (SELECT grp, event_time, {counted} OVER (PARTITION BY grp ORDER BY event_time
              RANGE BETWEEN {window} PRECEDING AND CURRENT ROW) AS c FROM m),
        anchors AS (SELECT DISTINCT grp, event_time AS t FROM w WHERE c > {int(rule.threshold)}),
        marked AS (SELECT grp, t, CASE WHEN lag(t) OVER (PARTITION BY grp ORDER BY t) >= t - {window}
                   THEN 0 ELSE 1 END AS starts FROM anchors),
        islands AS (SELECT grp, t, sum(starts) OVER (PARTITION BY grp ORDER BY t) AS island FROM marked),
        spans AS (SELECT grp, island, min(t) - {window} AS start, max(t) AS stop FROM islands GROUP BY ALL)
        SELECT {index}, {_SUMMARY} FROM spans JOIN m ON m.grp IS NOT DISTINCT FROM spans.grp
            AND m.event_time BETWEEN spans.start AND spans.stop
        GROUP BY spans.grp, spans.island
    """).fetchall()


def _near_rule(connection: duckdb.DuckDBPyConnection, index: int, rule: Rule, left: str,
               right: str) -> list[tuple[Any, ...]]:
    return connection.execute(f"""
        WITH hits AS MATERIALIZED (SELECT 0 AS side, * FROM {_source(left)} UNION ALL
                                   SELECT 1 AS side, * FROM {_source(right)}),
        a AS (SELECT * FROM hits WHERE side = 0),
        b AS (SELECT * FROM hits WHERE side = 1),
        pairs AS (SELECT a.actor, a.event_id AS left_id, b.event_id AS right_id FROM a JOIN b
                  ON a.actor = b.actor AND abs(epoch(a.event_time) - epoch(b.event_time)) <= {int(rule.window_seconds)}),
        ids AS (SELECT actor, left_id AS id FROM pairs UNION SELECT actor, right_id FROM pairs)
        SELECT {index}, {_SUMMARY} FROM hits JOIN ids ON hits.event_id = ids.id AND hits.actor = ids.actor
        GROUP BY hits.actor
    """).fetchall()


def _first_seen_rule(connection: duckdb.DuckDBPyConnection, index: int, rule: Rule,
                     where: str) -> list[tuple[Any, ...]]:
    return connection.execute(f"""
        WITH m AS (SELECT *, row_number() OVER (PARTITION BY actor, f ORDER BY event_time) AS nth_value,
                   row_number() OVER (PARTITION BY actor ORDER BY event_time) AS nth
                   FROM {_source(where, f", {rule.first_seen} AS f")})
        SELECT {index}, {_SUMMARY} FROM m WHERE nth_value = 1 AND nth > 1
        GROUP BY actor, time_bucket({EVENT_BUCKET}, event_time)
    """).fetchall()


def _detection(rule: Rule, row: tuple[Any, ...]) -> Detection:
    _, count, first, last, ids, arns, keys, ips = row
    return Detection(rule, first, last, int(count), tuple(ids or ()), tuple(sorted(arns or ())),
                     tuple(sorted(keys or ())), tuple(sorted(ips or ())))


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
