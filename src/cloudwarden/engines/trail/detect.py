"""Running rules over the store: a plan from the event names present, then SQL summaries.

Most rules name their API calls. Their *guard* (guards.py: the part of the condition that reads
``event_name`` alone) is evaluated once over the store's distinct event names (one query that also
counts events per name and hour): a rule none of whose events occur is not run at all, and the
others get ``event_name IN (...)`` in front. Single-event rules that must read every event share
one scan that keeps the events matching one of them (so an event's wide columns are read once, however
many of those rules it matches); the guarded ones share another. Their matches are summarised in one
aggregate per rule,
actor and hour (_summarise): exact counts, time span and distinct principals, keys and IPs, plus
samples (event ids, and the keys and IPs of those events) capped per detection and per rule.
Summaries run in chunks of whole hours bounded by the name counts, so DuckDB's memory does not grow
with the store. Window rules are pre-checked on time slices by a narrow query, and the few that can
fire share one scan of their candidate events (a window rule that reads every event has its own, so the
guarded ones keep their event-name filter); near and first-seen rules read their own guarded
events. Paths into the userIdentity JSON that the store also keeps as flat columns are read from
those (narrowed). No per-event Python work. Detections come out in one order (ties broken by their
own fields), so a hunt's output is the same from run to run. Reads the DuckDB view ``events``
(store.attach); writes temp tables only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
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

# Samples kept (event ids; the principals, access keys and source IPs of those events): every
# detection keeps its SAMPLE_MIN earliest events. A rule with at most RULE_SAMPLE_CAP / SAMPLE_MORE
# detections keeps more: RULE_SAMPLE_CAP spread over its detections, at most EVENT_ID_CAP each (this
# costs a second aggregate, so noisy rules keep the minimum). Counts are always exact.
SAMPLE_MIN = 10
SAMPLE_MORE = 100
RULE_SAMPLE_CAP = 10_000
WINDOW_SLICES = 10  # sliding windows are pre-checked on slices of this fraction of their length
# Matches are summarised in chunks of whole hours holding at most about this many events that could
# match (the event-name counts per hour bound it; detections are per actor and hour, so a chunk never
# splits one): the exact distinct counts of a chunk must fit DuckDB's memory limit.
CHUNK_ROWS = 1_000_000
# Single-event detections are grouped by hash(actor), which hashes faster than the text; each group
# checks min(actor) = max(actor), and on a collision the rows are summarised again by the text.
ACTOR_KEY = "actor_key"
ACTOR_HASH = "hash(actor)"
FAN_OUT_MASK = 10  # scans shared by at most this many rules tell an event's rules by a bit mask (_fan_out)
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
    # Distinct values in all the detection's events (exact); the tuples above hold those of the sampled events.
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


def dedupe(values: Sequence[Any] | None) -> list[Any]:
    return list(dict.fromkeys(values or ()))


def _summary_sql(prefix: str, groups: Sequence[str], by_actor: bool, sample: int, counts: bool = True,
                 where: str = "") -> str:
    """One row per group of ``s``: (groups, [count, first, last], ids, [arns, arn count], keys, key count, ...)."""
    g = ", ".join(groups)
    t = "(coalesce(event_time, 'infinity'::TIMESTAMP), event_id)"  # earliest first; ties by event id
    parts = ["count(*)", "min(event_time)", "max(event_time)"] if counts else []
    # min_by(value, key, n) skips rows whose value is NULL (test_detect: a FILTER saying so cost ~10%)
    parts.append(f"min_by(event_id, {t}, {sample})")
    for column in ([] if by_actor else ["user_arn"]) + ["access_key", "source_ip"]:
        parts.append(f"min_by({column}, {t}, {sample})")
        if counts:
            parts.append(f"count(DISTINCT {column})")
    if by_actor and counts:
        # every row of the group has one actor, which is user_arn wherever user_arn is set: so the
        # group's principal is its actor when any row has one (min(actor) is also the collision check)
        parts.append("count(user_arn), min(actor)")
    if ACTOR_KEY in groups and counts:
        parts.append("min(actor) = max(actor)")  # false only if two actors' hashes collided
    return f"{prefix} SELECT {g}, {', '.join(parts)} FROM s{where} GROUP BY {g}"


def _summarise(connection: duckdb.DuckDBPyConnection, chunks: Sequence[str], groups: Sequence[str],
               index: int | str, by_actor: bool,
               whole: str | Callable[[Sequence[int]], str] | None = None) -> list[tuple[Any, ...]]:
    """One result row per detection (read by detection_from_row) from the matching rows, per ``groups``.

    Each item of ``chunks`` is a SQL prefix defining the common table expression ``s`` (the matching
    rows with the groups and event_time, event_id, actor, user_arn, access_key, source_ip); together
    they hold every matching row, and no group spans two of them. ``whole`` defines ``s`` over all
    of them (default: the only chunk), or, given the rules needing it, over their rows at least. With
    ``index`` a column name, ``s`` holds several rules.

    One aggregate per chunk gives what is exact (counts, time span, distinct principals, keys, IPs)
    and the SAMPLE_MIN earliest events' ids, keys, IPs (and principals unless ``by_actor``). A rule
    with few detections (see SAMPLE_MORE) gets a second aggregate over its own rows, keeping
    RULE_SAMPLE_CAP samples spread over its detections, at most EVENT_ID_CAP each. Everything kept
    is therefore bounded per rule and per detection, and no per-event work happens in Python. With
    ``by_actor`` all rows of a group have one actor, which *is* user_arn whenever user_arn is set
    (ACTOR_SQL), so the principals are [actor] or none.
    """
    width = len(groups)
    base: list[tuple[Any, ...]] = []
    for prefix in chunks:
        base += connection.execute(_summary_sql(prefix, groups, by_actor, SAMPLE_MIN)).fetchall()
    if not base:
        return []
    if ACTOR_KEY in groups:
        if not all(row[-1] for row in base):  # a hash collision merged two actors: group by the text
            exact = ["actor" if group == ACTOR_KEY else group for group in groups]
            return _summarise(connection, chunks, exact, index, by_actor, whole)
        base = [row[:-1] for row in base]

    def rule_of(row: tuple[Any, ...]) -> int:
        return int(row[0]) if isinstance(index, str) else int(index)

    detections: dict[int, int] = {}
    for row in base:
        detections[rule_of(row)] = detections.get(rule_of(row), 0) + 1
    allowance = {r: min(EVENT_ID_CAP, RULE_SAMPLE_CAP // n) for r, n in detections.items()}
    allowance = {r: k if k >= SAMPLE_MORE else SAMPLE_MIN for r, k in allowance.items()}
    tiers: dict[int, set[int]] = {}
    for row in base:
        rule = rule_of(row)
        if allowance[rule] > SAMPLE_MIN and int(row[width]) > SAMPLE_MIN:
            tiers.setdefault(allowance[rule], set()).add(rule)
    samples: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for sample, rules in sorted(tiers.items()):
        where = f" WHERE {index} IN ({', '.join(map(str, sorted(rules)))})" if isinstance(index, str) else ""
        prefix = whole(sorted(rules)) if callable(whole) else whole or chunks[0]
        query = _summary_sql(prefix, groups, by_actor, sample, counts=False, where=where)
        for row in connection.execute(query).fetchall():
            samples[tuple(row[:width])] = tuple(row[width:])
    result = []
    for row in base:
        group = tuple(row[:width])
        count, first, last = row[width:width + 3]
        rest = list(row[width + 3:])
        more = samples.get(group)
        if by_actor:
            ids, keys, key_count, ips, ip_count, arn_rows, arn = rest
            if more:
                ids, keys, ips = more
            principals: tuple[Any, int] = ([arn], 1) if arn_rows else (None, 0)
        else:
            ids, arns, arn_count, keys, key_count, ips, ip_count = rest
            if more:
                ids, arns, keys, ips = more
            principals = (dedupe(arns), int(arn_count))
        result.append((rule_of(row), count, first, last, ids, *principals, dedupe(keys), key_count,
                       dedupe(ips), ip_count))
    return result


class _Plan:
    """For each condition: the pre-filter to put before it ('' = read every event, _NEVER = skip)."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, conditions: Sequence[str]) -> None:
        per_hour = connection.execute(f"SELECT event_name, time_bucket({EVENT_BUCKET}, event_time), count(*)"
                                      " FROM events GROUP BY ALL").fetchall()
        self.hours: dict[str | None, list[tuple[Any, int]]] = {}  # per event name: events per hour
        for name, bucket, n in per_hour:
            self.hours.setdefault(name, []).append((bucket, int(n)))
        names = [(name, sum(n for _, n in hours)) for name, hours in self.hours.items()]
        known = [bucket for _, bucket, _ in per_hour if bucket is not None]
        self.span = (max(known) - min(known)).total_seconds() + 3600 if known else 0.0  # seconds of events
        self.events = sum(n for _, n in names)
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

    def chunks(self, names: Sequence[str | None] | None) -> list[str]:
        """Conditions on event_time splitting the events named ``names`` (None: all) into chunks of
        whole hours of at most about CHUNK_ROWS events; [""] when one chunk holds them all."""
        counts: dict[Any, int] = {}
        for name in self.hours if names is None else names:
            for bucket, n in self.hours.get(name, ()):
                counts[bucket] = counts.get(bucket, 0) + n
        return _time_chunks(sorted(counts.items(), key=lambda item: (item[0] is not None, item[0] or 0)))

    def where(self, condition: str) -> str | None:
        """``condition`` behind its pre-filter, or None when no event can match it."""
        prefilter = self.filters[condition]
        if prefilter == _NEVER:
            return None
        return f"{prefilter} AND ({condition})" if prefilter else f"({condition})"


def _source(where: str, extra: str = "") -> str:
    return f"(SELECT {_BASE_COLUMNS}{extra} FROM events WHERE {where})"


def _fan_out(rows: str, tests: Sequence[tuple[int, str]], name: str) -> str:
    """``rows`` (SQL of a relation) with a column ``name``: one row per rule of ``tests`` (rule index,
    condition) that the row matches; a row matching none is dropped.

    Up to FAN_OUT_MASK rules: a bit mask of the matches joined to the (mask, rule) pairs, which costs
    less than a list of CASEs filtered by a lambda and unnested (0.34 of 1.59 CPU-s over the 3M
    matches of the rules reading every event at 5M); more rules: that list."""
    if len(tests) > FAN_OUT_MASK:
        cases = ", ".join(f"CASE WHEN {where} THEN {index} END" for index, where in tests)
        return f"(SELECT *, unnest(list_filter([{cases}], lambda x: x IS NOT NULL)) AS {name} FROM {rows} AS f)"
    bits = " + ".join(f"CASE WHEN {where} THEN {1 << bit} ELSE 0 END" for bit, (_, where) in enumerate(tests))
    pairs = ", ".join(f"({mask}, {index})" for mask in range(1, 1 << len(tests))
                      for bit, (index, _) in enumerate(tests) if mask >> bit & 1)
    return (f"(SELECT * EXCLUDE (rule_mask) FROM (SELECT *, {bits} AS rule_mask FROM {rows} AS f) AS f"
            f" JOIN (VALUES {pairs}) AS fan(rule_mask, {name}) USING (rule_mask))")


def _time_chunks(counts: Sequence[tuple[Any, int]]) -> list[str]:
    """Conditions on event_time splitting events (``counts``: per hour bucket) into chunks of whole hours."""
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

    Two scans: the guarded rules share one of their few events (behind their event-name filters),
    and the rules that must read every event share another, which keeps only the events matching
    one of them (the wide columns are then read once, however many of those rules an event
    matches). Either is summarised in chunks of whole hours (_time_chunks), so memory does not grow
    with the store; the second aggregate of a few rules' extra samples reads only those rules.
    """
    groups = ("rule_index", ACTOR_KEY, "bucket")
    bucket = f"{ACTOR_HASH} AS {ACTOR_KEY}, time_bucket({EVENT_BUCKET}, event_time) AS bucket"
    unguarded: list[tuple[int, str]] = []
    guarded: list[tuple[int, str]] = []
    prefilters: dict[int, str] = {}
    passing: dict[int, list[str | None]] = {}
    names: list[str | None] = []
    for index, rule in chosen:
        where = plan.where(rule.where)
        if where is None:
            continue
        if plan.filters[rule.where] == "":
            unguarded.append((index, where))
        else:
            guarded.append((index, where))
            prefilters[index] = plan.filters[rule.where]
            passing[index] = plan.passing[rule.where]
            names += plan.passing[rule.where]

    def by_name(events: str, picked: Sequence[tuple[int, str]], name: str) -> str:
        """_fan_out for guarded rules: an event is paired with the rules whose filters pass its event
        name (a join with the (name, rule) pairs), and only those rules' conditions are evaluated on it
        (a list of every guarded rule's CASE, filtered by a lambda, costs ~1 CPU-s at 5M)."""
        pairs = ", ".join(f"({'NULL::VARCHAR' if event is None else quote(event)}, {index})"
                          for index, _ in picked for event in passing[index])
        test = " ".join(f"WHEN {index} THEN {where}" for index, where in picked)
        return (f"(SELECT e.*, fan.{name} FROM {events} AS e JOIN (VALUES {pairs}) AS fan(fan_event_name, {name})"
                f" ON e.event_name IS NOT DISTINCT FROM fan.fan_event_name WHERE CASE fan.{name} {test} END)")

    def scan(members: Sequence[tuple[int, str]], scope: Callable[[Sequence[tuple[int, str]]], str],
             fan_out: Callable[[str, Sequence[tuple[int, str]], str], str]) -> Callable[[str, Sequence[int] | None], str]:
        """SQL of the matches of ``members`` (or of those of them named by ``only``), given an extra
        " AND (...)" condition on the events; ``scope`` is the condition an event must meet to be read."""
        def sql(chunk: str, only: Sequence[int] | None = None) -> str:
            picked = [member for member in members if only is None or member[0] in only]
            if len(picked) == 1:
                index, where = picked[0]
                return f"SELECT {index} AS rule_index, *, {bucket} FROM {_source(where + chunk)}"
            events = (f"(SELECT {_BASE_COLUMNS}, * EXCLUDE (event_time, event_id, user_arn, source_ip) FROM events"
                      f" WHERE {scope(picked)}{chunk})")
            return f"""
            SELECT rule_index, event_time, event_id, actor, user_arn, access_key, source_ip, {bucket}
            FROM {fan_out(events, picked, "rule_index")} AS hits"""
        return sql

    # SQL of the matches; the event names they can have (None: any)
    sources: list[tuple[Callable[[str, Sequence[int] | None], str], list[str | None] | None]] = []
    if guarded:
        sources.append((scan(guarded, lambda picked: "(" + " OR ".join(
            sorted({prefilters[index] for index, _ in picked})) + ")", by_name), list(dict.fromkeys(names))))
    if unguarded:
        sources.append((scan(unguarded, lambda picked: "(" + " OR ".join(where for _, where in picked) + ")",
                             _fan_out), None))
    rows: list[tuple[Any, ...]] = []
    for source, possible in sources:
        # Chunks of whole hours bounded by the events that could match (plan.chunks), read straight
        # from the store: each condition is evaluated once per event and chunk, and memory does not
        # grow with the store.
        chunks = [f"WITH s AS ({source(f' AND ({chunk})' if chunk else '', None)})" for chunk in plan.chunks(possible)]
        if chunks:
            rows += _summarise(connection, chunks, groups, "rule_index", True,
                               lambda only, source=source: f"WITH s AS ({source('', only)})")  # type: ignore[misc]
    return rows


def _materialized(connection: duckdb.DuckDBPyConnection, ctes: str, rows: str, groups: Sequence[str], index: int,
                  by_actor: bool) -> list[tuple[Any, ...]]:
    """_summarise of ``rows`` (after ``ctes``), stored once in a temp table that every part reads."""
    connection.execute(f"CREATE OR REPLACE TEMP TABLE trail_rows AS WITH {ctes} {rows}")
    try:
        return _summarise(connection, ["WITH s AS (SELECT * FROM trail_rows)"], groups, index, by_actor)
    finally:
        connection.execute("DROP TABLE trail_rows")


def _ranges(buckets: Sequence[Any], seconds: int, span: float, most: int = 16) -> str:
    """SQL condition on event_time covering the fixed buckets ``buckets`` (floor(epoch / seconds);
    None: no time), as at most ``most`` ranges (the closest are merged, so it may cover more); ""
    when they cover more than half of ``span`` seconds (the filter would then cost more than it saves)."""
    known = sorted({int(b) for b in buckets if b is not None})
    spans: list[list[int]] = []
    for bucket in known:
        if spans and bucket <= spans[-1][1] + 1:
            spans[-1][1] = bucket
        else:
            spans.append([bucket, bucket])
    while len(spans) > most:
        gap = min(range(len(spans) - 1), key=lambda i: spans[i + 1][0] - spans[i][1])
        spans[gap:gap + 2] = [[spans[gap][0], spans[gap + 1][1]]]

    if sum(stop - start + 1 for start, stop in spans) * seconds > span / 2:
        return ""

    def at(bucket: int) -> str:
        return f"TIMESTAMP '{datetime.fromtimestamp(bucket * seconds, UTC):%Y-%m-%d %H:%M:%S}'"

    parts = [f"(event_time >= {at(start)} AND event_time < {at(stop + 1)})" for start, stop in spans]
    if any(bucket is None for bucket in buckets):
        parts.append("event_time IS NULL")
    return "(" + " OR ".join(parts) + ")"


def _window_rows_sql(scan: Sequence[tuple[int, Rule, str, int]]) -> str:
    """The candidate events of the window rules ``scan`` (index, rule, condition, slice seconds), read in
    one scan: each event gets the index of every rule it matches (a list of integers, cheap to build),
    then per rule its group and slice; only those in a candidate slice of their group are kept
    (trail_candidates), and only then are the counted values computed."""
    def per_rule(values: Sequence[tuple[int, str]], default: str) -> str:
        """``CASE r WHEN index THEN value ...``, or the value itself when every rule has the same one."""
        if not values:
            return default
        if len({value for _, value in values}) == 1 and len(values) == len(scan):
            return values[0][1]
        return f"CASE r {' '.join(f'WHEN {index} THEN {value}' for index, value in values)} END"

    # the scan's actor column is ACTOR_SQL, computed once per event
    grp = per_rule([(index, "actor" if rule.group_by == ACTOR_SQL else f"({rule.group_by})::VARCHAR")
                    for index, rule, _, _ in scan], "NULL::VARCHAR")
    sb = per_rule([(index, f"floor(epoch(event_time) / {seconds})") for index, _, _, seconds in scan], "NULL::DOUBLE")
    d = per_rule([(index, f"({rule.distinct})::VARCHAR") for index, rule, _, _ in scan if rule.distinct],
                 "NULL::VARCHAR")
    dl = per_rule([(index, f"({rule.targets})::VARCHAR[]") for index, rule, _, _ in scan if rule.targets],
                  "NULL::VARCHAR[]")
    scope = " OR ".join(f"({where})" for _, _, where, _ in scan)
    events = (f"(SELECT {_BASE_COLUMNS}, * EXCLUDE (event_time, event_id, user_arn, source_ip) FROM events"
              f" WHERE {scope})")
    matched = (_fan_out(events, [(index, where) for index, _, where, _ in scan], "r") if len(scan) > 1
               else f"(SELECT *, {scan[0][0]} AS r FROM {events} AS e)")
    return f"""
        SELECT r AS rule_index, grp, sb, {d} AS d, {dl} AS dl, event_time, event_id, actor,
               user_arn, access_key, source_ip FROM (
            SELECT *, {grp} AS grp, {sb} AS sb FROM {matched} AS m) AS h
        SEMI JOIN trail_candidates AS c ON h.r = c.rule_index AND h.grp IS NOT DISTINCT FROM c.grp
                                        AND h.sb IS NOT DISTINCT FROM c.sb"""


def _window_rules(connection: duckdb.DuckDBPyConnection, windows: Sequence[tuple[int, Rule, str]],
                  span: float, unguarded: frozenset[int] = frozenset()) -> list[tuple[Any, ...]]:
    """Sliding-window counts per group; overlapping windows above the threshold merge into one.

    Time is cut into slices of a tenth of the window W: the window [t - W, t] lies within the slice
    of t and the WINDOW_SLICES before it, so only groups whose events in such a run of slices number
    more than the threshold (distinct values: the sum of the slices' distinct counts, an upper bound,
    and the distinct count of the two W-long buckets the window lies in, another) can fire, and only the events of those slices can be part of a detection. A narrow query per
    rule finds them (most stores: none, and the rule stops there). One scan then reads the full
    events of every rule's candidate slices (reading the wide columns is what costs, so it happens
    once for all rules), with their time ranges pushed down to the Parquet reader when they are
    narrow; each rule's sliding window runs over that small table.
    """
    connection.execute("CREATE OR REPLACE TEMP TABLE trail_candidates (rule_index INTEGER, grp VARCHAR, sb DOUBLE)")
    active = []
    for index, rule, where in windows:
        counted = "count(DISTINCT d)" if rule.distinct or rule.targets else "count(*)"
        seconds = max(1, int(rule.window_seconds) // WINDOW_SLICES)
        slices = -(-int(rule.window_seconds) // seconds)
        distinct = f", ({rule.distinct})::VARCHAR AS d" if rule.distinct else ""
        if rule.targets:
            distinct = f", unnest(({rule.targets})::VARCHAR[]) AS d"
        base = (f"SELECT ({rule.group_by})::VARCHAR AS grp{distinct}, floor(epoch(event_time) / {seconds}) AS sb"
                f" FROM events WHERE {where}")
        anchors = f"SELECT grp, sb FROM sums WHERE total > {int(rule.threshold)}"
        if rule.distinct or rule.targets:
            # A second bound for distinct counts: a window ending in bucket j (of `slices` slices,
            # at least W long) lies within buckets j - 1 and j, so it cannot count more values than
            # those two buckets hold together. Summing the slices' distinct counts overcounts a value
            # that recurs in many slices (a principal reading from the same two services all day);
            # the union does not. A slice is an anchor only when both bounds pass the threshold.
            base = f"SELECT grp, d, sb FROM ({base}) GROUP BY ALL"
            pairs = (f"pairs AS (SELECT grp, j FROM (SELECT grp, d, floor(sb / {slices}) AS j FROM b UNION ALL"
                     f" SELECT grp, d, floor(sb / {slices}) + 1 FROM b) GROUP BY grp, j"
                     f" HAVING count(DISTINCT d) > {int(rule.threshold)}),")
            anchors = (f"SELECT s.grp, s.sb FROM sums AS s SEMI JOIN pairs AS p ON s.grp IS NOT DISTINCT FROM p.grp"
                       f" AND floor(s.sb / {slices}) IS NOT DISTINCT FROM p.j WHERE s.total > {int(rule.threshold)}")
        else:
            pairs = ""
        connection.execute(f"""
            INSERT INTO trail_candidates
            WITH b AS {"MATERIALIZED " if pairs else ""}({base}),
            per AS (SELECT grp, sb, {counted} AS n FROM b GROUP BY ALL),
            sums AS (SELECT grp, sb, sum(n) OVER (PARTITION BY grp ORDER BY sb
                     RANGE BETWEEN {slices} PRECEDING AND CURRENT ROW) AS total FROM per),
            {pairs}
            anchors AS ({anchors})
            SELECT DISTINCT {index}, grp, sb - i FROM anchors, range(0, {slices + 1}) AS r(i)""")
        buckets = [row[0] for row in connection.execute(
            f"SELECT DISTINCT sb FROM trail_candidates WHERE rule_index = {index}").fetchall()]
        if buckets:
            ranges = _ranges(buckets, seconds, span)
            active.append((index, rule, f"{where} AND {ranges}" if ranges else where, seconds))
    if not active:
        connection.execute("DROP TABLE trail_candidates")
        return []
    # Guarded rules share one scan of their events; a rule that reads every event gets its own
    # (in a shared scan its condition would stop the event-name filter from reaching the reader).
    scans = [[item for item in active if item[0] not in unguarded]]
    scans += [[item] for item in active if item[0] in unguarded]
    for number, scan in enumerate(part for part in scans if part):
        verb = "CREATE OR REPLACE TEMP TABLE trail_window_rows AS" if number == 0 else "INSERT INTO trail_window_rows"
        connection.execute(f"{verb} {_window_rows_sql(scan)}")
    connection.execute("DROP TABLE trail_candidates")
    rows: list[tuple[Any, ...]] = []
    try:
        for index, rule, _, _ in active:
            counted = "count(DISTINCT d)" if rule.distinct or rule.targets else "count(*)"
            window = f"INTERVAL {int(rule.window_seconds)} SECOND"
            # one row per event and counted value (targets: one per target)
            values = "* EXCLUDE (d, dl), unnest(dl) AS d" if rule.targets else "* EXCLUDE (dl)"
            ctes = f"""
                m AS MATERIALIZED (SELECT {values} FROM trail_window_rows WHERE rule_index = {index}),
                w AS (SELECT grp, event_time, {counted} OVER (PARTITION BY grp ORDER BY event_time
                      RANGE BETWEEN {window} PRECEDING AND CURRENT ROW) AS c FROM m),
                anchors AS (SELECT DISTINCT grp, event_time AS t FROM w WHERE c > {int(rule.threshold)}),
                marked AS (SELECT grp, t, CASE WHEN lag(t) OVER (PARTITION BY grp ORDER BY t) >= t - {window}
                           THEN 0 ELSE 1 END AS starts FROM anchors),
                islands AS (SELECT grp, t, sum(starts) OVER (PARTITION BY grp ORDER BY t) AS island FROM marked),
                spans AS (SELECT grp, island, min(t) - {window} AS start, max(t) AS stop FROM islands GROUP BY ALL)"""
            select = "SELECT DISTINCT" if rule.targets else "SELECT"  # m has a row per target
            source = (f"{select} spans.grp AS span_group, spans.island AS span_island, m.event_time, m.event_id,"
                      " m.actor, m.user_arn, m.access_key, m.source_ip FROM spans JOIN m"
                      " ON m.grp IS NOT DISTINCT FROM spans.grp AND m.event_time BETWEEN spans.start AND spans.stop")
            rows += _materialized(connection, ctes, source, ("span_group", "span_island"), index,
                                  rule.group_by == ACTOR_SQL)
    finally:
        connection.execute("DROP TABLE trail_window_rows")
    return rows


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
    return _materialized(connection, ctes, source, ("actor",), index, True)


def _first_seen_rule(connection: duckdb.DuckDBPyConnection, index: int, rule: Rule,
                     where: str) -> list[tuple[Any, ...]]:
    ctes = f"""
        m AS (SELECT *, row_number() OVER (PARTITION BY actor, f ORDER BY event_time) AS nth_value,
              row_number() OVER (PARTITION BY actor ORDER BY event_time) AS nth
              FROM {_source(where, f", {rule.first_seen} AS f")})"""
    source = (f"SELECT event_time, event_id, actor, user_arn, access_key, source_ip,"
              f" time_bucket({EVENT_BUCKET}, event_time) AS bucket FROM m WHERE nth_value = 1 AND nth > 1")
    return _materialized(connection, ctes, source, ("actor", "bucket"), index, True)


def _baseline_rule(connection: duckdb.DuckDBPyConnection, index: int, rule: Rule,
                   where: str) -> list[tuple[Any, ...]]:
    """Matching events that first showed their value of the rule's dimension in the store's history
    (the view ``baselines``), when their principal (for ``principal``: their account) was seen at
    least ``learning_seconds`` before.

    The candidates come from the baselines first (values first seen after the learning time: few,
    on most stores none, and the rule stops there); only events at those instants are read."""
    from cloudwarden.engines.trail.baseline import DIMENSIONS, PRINCIPAL

    dimension = str(rule.baseline)
    group, value = DIMENSIONS[dimension]
    learning = f"INTERVAL {int(rule.learning_seconds)} SECOND"
    if dimension == PRINCIPAL:  # the account's history: its first principal
        history = (f"SELECT grp AS key, min(first_seen) AS since FROM baselines WHERE dimension = '{PRINCIPAL}'"
                   " GROUP BY grp")
    else:  # the principal's history
        history = (f"SELECT value AS key, min(first_seen) AS since FROM baselines WHERE dimension = '{PRINCIPAL}'"
                   " GROUP BY value")
    connection.execute(f"""
        CREATE OR REPLACE TEMP TABLE trail_baseline_candidates AS
        SELECT b.grp, b.value, b.first_seen FROM baselines AS b JOIN ({history}) AS h ON h.key = b.grp
        WHERE b.dimension = {quote(dimension)} AND h.since <= b.first_seen - {learning}""")
    try:
        row = connection.execute("SELECT count(*) FROM trail_baseline_candidates").fetchone()
        if not row or not row[0]:
            return []
        extra = f", ({group})::VARCHAR AS b_group, ({value})::VARCHAR AS b_value"
        instants = "event_time IN (SELECT DISTINCT first_seen FROM trail_baseline_candidates)"
        ctes = f"m AS (SELECT * FROM {_source(f'{instants} AND {where}', extra)})"
        source = (f"SELECT m.event_time, m.event_id, m.actor, m.user_arn, m.access_key, m.source_ip,"
                  f" time_bucket({EVENT_BUCKET}, m.event_time) AS bucket FROM m JOIN trail_baseline_candidates AS c"
                  " ON c.grp = m.b_group AND c.value = m.b_value AND c.first_seen = m.event_time")
        return _materialized(connection, ctes, source, ("actor", "bucket"), index, True)
    finally:
        connection.execute("DROP TABLE trail_baseline_candidates")


def _window_can_fire(plan: _Plan, rule: Rule) -> bool:
    """False when a distinct-event-name window could not count past its threshold in this store."""
    names = plan.passing.get(rule.where)
    return not (rule.distinct == "event_name" and names is not None and len(names) <= rule.threshold)


def detection_from_row(rule: Rule, row: tuple[Any, ...]) -> Detection:
    _, count, first, last, ids, arns, arn_count, keys, key_count, ips, ip_count = row
    return Detection(rule, first, last, int(count), tuple(ids or ()), tuple(sorted(arns or ())),
                     tuple(sorted(keys or ())), tuple(sorted(ips or ())), int(arn_count or 0),
                     int(key_count or 0), int(ip_count or 0))


# ``json_extract_string(user_identity, '$.a.b')`` for a path the store also keeps as a flat column
# (schema.SCALAR_FIELDS: the same value, decoded at ingest). The whole userIdentity object is the
# widest column a rule reads (~1 CPU-s per scan of 5M events, even for a few matching rows), while
# the flat column is narrow and dictionary-encoded.
_IDENTITY_PATHS = {"$." + path.split(".", 1)[1]: column for column, path in SCALAR_FIELDS
                   if path.startswith("userIdentity.")}
_IDENTITY_EXTRACT = re.compile(r"json_extract_string\(user_identity, '(\$\.[A-Za-z0-9.]+)'\)")


def narrowed(sql: str | None) -> str | None:
    """``sql`` reading the flat identity columns instead of paths into the JSON column ``user_identity``."""
    if sql is None or "user_identity" not in sql:
        return sql
    return _IDENTITY_EXTRACT.sub(lambda match: _IDENTITY_PATHS.get(match.group(1), match.group(0)), sql)


def narrowed_rule(rule: Rule) -> Rule:
    narrow = replace(rule, where=str(narrowed(rule.where)), group_by=str(narrowed(rule.group_by)),
                     distinct=narrowed(rule.distinct), targets=narrowed(rule.targets), near=narrowed(rule.near),
                     first_seen=narrowed(rule.first_seen))
    return rule if narrow == rule else narrow


def run_rules(connection: duckdb.DuckDBPyConnection, rules: Sequence[Rule]) -> list[Detection]:
    """Every detection of ``rules`` over the view ``events``, most severe and earliest first."""
    if not rules:
        return []
    given = list(rules)  # detections name the rules as given; the queries read the narrowed SQL
    rules = [narrowed_rule(rule) for rule in given]
    conditions = [rule.where for rule in rules] + [rule.near for rule in rules if rule.near is not None]
    plan = _Plan(connection, conditions)
    rows = _event_rules(connection, plan, [(i, r) for i, r in enumerate(rules) if r.kind == "event"])
    windows = [(index, rule, where) for index, rule in enumerate(rules)
               if rule.kind == "window" and (where := plan.where(rule.where)) is not None and _window_can_fire(plan, rule)]
    unguarded = frozenset(index for index, rule, _ in windows if plan.filters[rule.where] == "")
    rows += _window_rules(connection, windows, plan.span, unguarded)
    for index, rule in enumerate(rules):
        where = plan.where(rule.where)
        if where is None or rule.kind in ("event", "window"):
            continue
        if rule.kind == "near":
            other = plan.where(rule.near)  # type: ignore[arg-type]
            if other is not None:
                rows += _near_rule(connection, index, rule, where, other)
        elif rule.kind == "first_seen":
            rows += _first_seen_rule(connection, index, rule, where)
        elif rule.kind == "baseline":
            rows += _baseline_rule(connection, index, rule, where)
    detections = [detection_from_row(given[row[0]], row) for row in rows]
    # ties (one rule, one first time, several actors) by the samples: the order, and so the incidents'
    # numbers, do not depend on the order DuckDB's parallel aggregates return their rows in
    detections.sort(key=lambda d: (-d.rule.severity.rank, d.first_seen or datetime.max, d.rule.id,
                                   d.last_seen or datetime.max, d.event_count, d.event_ids, d.principals,
                                   d.access_keys, d.source_ips))
    return detections
