"""Running rules over the store: one scan for all rules, then per-kind aggregation in SQL.

The scan evaluates every rule's condition once per event (``WHERE c1 OR c2 ...``) and keeps, for
each matching event, the list of rules it matched: the store is read once however many rules
there are. Single-event rules become one detection per actor and hour; window rules count in a
sliding window per group; ``near`` rules pair two conditions; ``first_seen`` rules flag a value new
for its actor. Reads the DuckDB view ``events`` (store.attach); writes temp tables only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

import duckdb

from cloudwarden.engines.trail.rules import ACTOR_SQL, Rule
from cloudwarden.engines.trail.schema import SCALAR_FIELDS

SCALAR_COLUMNS = tuple(column for column, _ in SCALAR_FIELDS)

EVENT_ID_CAP = 1000  # event ids kept per detection; event_count always has the full count
EVENT_BUCKET = "INTERVAL 1 HOUR"
MASK_BITS = 62  # conditions per BIGINT bit mask

_SUMMARY = (
    "count(*) AS n, min(event_time) AS first, max(event_time) AS last, "
    f"(list(event_id ORDER BY event_time) FILTER (WHERE event_id IS NOT NULL))[1:{EVENT_ID_CAP}] AS ids, "
    "list(DISTINCT user_arn) FILTER (WHERE user_arn IS NOT NULL) AS arns, "
    "list(DISTINCT access_key) FILTER (WHERE access_key IS NOT NULL) AS keys, "
    "list(DISTINCT source_ip) FILTER (WHERE source_ip IS NOT NULL) AS ips"
)


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


def _conditions(rules: Sequence[Rule]) -> tuple[list[str], dict[int, int]]:
    """Every condition to scan for (rules first, then each near rule's second half)."""
    conditions = [rule.where for rule in rules]
    second: dict[int, int] = {}
    for index, rule in enumerate(rules):
        if rule.near is not None:
            second[index] = len(conditions)
            conditions.append(rule.near)
    return conditions, second


def _lowered(conditions: list[str]) -> tuple[list[str], str]:
    """Conditions reading ``col__lc`` instead of ``lower(col)``, and the projection computing them.

    Sigma rules compare lowered text; lowering each column once per event instead of once per
    rule per event is most of the scan's saving.
    """
    used = sorted({c for c in SCALAR_COLUMNS if any(f"lower({c})" in w for w in conditions)})
    rewritten = []
    for condition in conditions:
        for column in used:
            condition = condition.replace(f"lower({column})", f"{column}__lc")
        rewritten.append(condition)
    projection = "".join(f", lower({c}) AS {c}__lc" for c in used)
    return rewritten, f"(SELECT *{projection} FROM events)"


def _scan(connection: duckdb.DuckDBPyConnection, rules: Sequence[Rule], conditions: list[str]) -> None:
    """Table ``hits``: matching events with bit masks of the conditions they matched."""
    extra = []
    for index, rule in enumerate(rules):
        if rule.kind == "window":
            extra.append(f"{rule.group_by} AS g{index}")
            if rule.distinct:
                extra.append(f"{rule.distinct} AS d{index}")
        elif rule.kind == "first_seen":
            extra.append(f"{rule.first_seen} AS f{index}")
    conditions, source = _lowered(conditions)
    masks = []
    for start in range(0, len(conditions), MASK_BITS):
        bits = " | ".join(f"(CASE WHEN {c} THEN {1 << bit} ELSE 0 END)::BIGINT"
                          for bit, c in enumerate(conditions[start:start + MASK_BITS]))
        masks.append(f"{bits} AS m{start // MASK_BITS}")
    columns = ", ".join(
        ["event_time", "event_id", f"{ACTOR_SQL} AS actor", "user_arn", "user_access_key_id AS access_key",
         "source_ip"] + extra + masks)
    where = " OR ".join(f"({c})" for c in conditions)
    connection.execute(f"CREATE OR REPLACE TEMP TABLE matched AS SELECT {columns} FROM {source} AS e WHERE {where}")
    selects = " UNION ALL ".join(
        f"SELECT {i} AS rule_index, * FROM matched WHERE (m{i // MASK_BITS} >> {i % MASK_BITS}) & 1 = 1"
        for i in range(len(conditions)))
    connection.execute(f"CREATE OR REPLACE TEMP TABLE hits AS {selects}")
    connection.execute("DROP TABLE matched")


def _event_rules(connection: duckdb.DuckDBPyConnection, indexes: list[int]) -> list[tuple[Any, ...]]:
    if not indexes:
        return []
    return connection.execute(
        f"SELECT rule_index, {_SUMMARY} FROM hits WHERE rule_index IN ({', '.join(map(str, indexes))})"
        f" GROUP BY rule_index, actor, time_bucket({EVENT_BUCKET}, event_time)"
    ).fetchall()


def _window_rule(connection: duckdb.DuckDBPyConnection, index: int, rule: Rule) -> list[tuple[Any, ...]]:
    """Sliding-window count per group; overlapping windows above the threshold merge into one."""
    counted = f"count(DISTINCT d{index})" if rule.distinct else "count(*)"
    window = f"INTERVAL {int(rule.window_seconds)} SECOND"
    return connection.execute(f"""
        WITH m AS (SELECT *, g{index} AS grp FROM hits WHERE rule_index = {index}),
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


def _near_rule(connection: duckdb.DuckDBPyConnection, index: int, other: int, rule: Rule) -> list[tuple[Any, ...]]:
    return connection.execute(f"""
        WITH a AS (SELECT * FROM hits WHERE rule_index = {index}),
        b AS (SELECT * FROM hits WHERE rule_index = {other}),
        pairs AS (SELECT a.actor, a.event_id AS left_id, b.event_id AS right_id FROM a JOIN b
                  ON a.actor = b.actor AND abs(epoch(a.event_time) - epoch(b.event_time)) <= {int(rule.window_seconds)}),
        ids AS (SELECT actor, left_id AS id FROM pairs UNION SELECT actor, right_id FROM pairs)
        SELECT {index}, {_SUMMARY} FROM hits JOIN ids ON hits.event_id = ids.id AND hits.actor = ids.actor
        WHERE hits.rule_index IN ({index}, {other}) GROUP BY hits.actor
    """).fetchall()


def _first_seen_rule(connection: duckdb.DuckDBPyConnection, index: int) -> list[tuple[Any, ...]]:
    return connection.execute(f"""
        WITH m AS (SELECT *, row_number() OVER (PARTITION BY actor, f{index} ORDER BY event_time) AS nth_value,
                   row_number() OVER (PARTITION BY actor ORDER BY event_time) AS nth FROM hits
                   WHERE rule_index = {index})
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
    conditions, second = _conditions(rules)
    _scan(connection, rules, conditions)
    rows = _event_rules(connection, [i for i, r in enumerate(rules) if r.kind == "event"])
    for index, rule in enumerate(rules):
        if rule.kind == "window":
            rows += _window_rule(connection, index, rule)
        elif rule.kind == "near":
            rows += _near_rule(connection, index, second[index], rule)
        elif rule.kind == "first_seen":
            rows += _first_seen_rule(connection, index)
    connection.execute("DROP TABLE IF EXISTS hits")
    detections = [_detection(rules[row[0]], row) for row in rows]
    detections.sort(key=lambda d: (-d.rule.severity.rank, d.first_seen or datetime.max, d.rule.id))
    return detections
