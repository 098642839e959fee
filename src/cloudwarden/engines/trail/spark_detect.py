"""The rules' detections computed on the Spark executors: only detections reach the driver.

detect.run_rules (DuckDB) summarises the matching events of every rule; here the same summaries are
Spark SQL, so a rule that matches every event of a terabyte store costs the executors a scan and a
shuffle, and costs the driver one row per detection. The steps:

1. One scan of the store tests every condition (one boolean column each, see spark.scan) and, on
   the matching events only, computes what the rules group and count by (window keys, distinct
   values, targets, first-seen values, baseline keys). The result keeps only narrow columns and
   is checkpointed on the executors (memory, then disk) for the steps below.
2. Each rule's *members* (the events of each of its detections, with the detection's key k1, k2):
   single-event rules per actor and hour; window rules per group and island of overlapping windows
   above the threshold (range windows ordered by time, distinct counts as collect_set sizes); near
   rules per actor, the events of both sides within the window of each other; first-seen rules the
   first event with each value after the actor's first event; baseline rules the events at which a
   value first appeared (the candidates come from the store's baselines, read or computed by Spark,
   joined on the executors).
3. One aggregate over every member row gives each detection's exact counts, time span and distinct
   principals, keys and IPs, and its SAMPLE_MIN earliest event ids, principals, keys and IPs
   (running counts over one sort per detection, so no group is ever collected whole). Rules with few
   detections then get more samples (detect.SAMPLE_MORE..EVENT_ID_CAP, RULE_SAMPLE_CAP per rule) in
   a second, smaller aggregate, exactly as detect._summarise does.

The rows that come back are the ones detect._summarise returns, so detect.detection_from_row turns them into
the same Detection objects. ``collected_rows`` in the result says how many rows reached the driver.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cloudwarden.engines.trail import detect
from cloudwarden.engines.trail.baseline import DIMENSIONS, PRINCIPAL
from cloudwarden.engines.trail.detect import EVENT_ID_CAP, RULE_SAMPLE_CAP, SAMPLE_MIN, SAMPLE_MORE, Detection
from cloudwarden.engines.trail.rules import ACTOR_SQL, Rule
from cloudwarden.engines.trail.spark_sql import to_spark

EVENTS_VIEW = "cloudwarden_events"
MATCHES_VIEW = "cloudwarden_matches"
MEMBERS_VIEW = "cloudwarden_members"
BASELINES_VIEW = "cloudwarden_baselines"
CANDIDATES_VIEW = "cloudwarden_baseline_candidates"
_MEMBER_COLUMNS = "event_time, event_id, actor, user_arn, access_key, source_ip"
_MICROS = "unix_micros(CAST(event_time AS TIMESTAMP))"  # the session is UTC: the stored wall time's epoch
_HOUR = "CAST(date_trunc('HOUR', event_time) AS STRING)"  # detect's time_bucket(1 hour), as a key


@dataclass
class SparkDetections:
    detections: list[Detection]
    collected_rows: int = 0  # rows the driver received (aggregates only, never events)
    jobs: list[str] = field(default_factory=list)


@dataclass
class _Columns:
    """Names given to the conditions and derived expressions of one scan (deduplicated by SQL text)."""

    hits: dict[str, str] = field(default_factory=dict)
    # SQL -> (column, the conditions of the rules reading it: it is computed on their matches only)
    derived: dict[str, tuple[str, set[str]]] = field(default_factory=dict)

    def hit(self, condition: str) -> str:
        return self.hits.setdefault(condition, f"trail_h{len(self.hits)}")

    def value(self, sql: str, condition: str) -> str:
        column, conditions = self.derived.setdefault(sql, (f"trail_v{len(self.derived)}", set()))
        conditions.add(condition)
        return column


def _string(sql: str) -> str:
    return f"CAST(({sql}) AS VARCHAR)"


def _narrow(rule: Rule) -> Rule:
    return detect.narrowed_rule(rule)


class _Plan:
    """The Spark SQL of every rule's members over MATCHES_VIEW."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = [_narrow(rule) for rule in rules]
        self.columns = _Columns()
        self.needs: dict[int, dict[str, str]] = {}
        for index, rule in enumerate(self.rules):
            hit = self.columns.hit(rule.where)
            need = {"hit": hit}
            if rule.kind == "window":
                need["grp"] = self.columns.value(_string(rule.group_by), rule.where)
                if rule.targets:
                    need["targets"] = self.columns.value(f"CAST(({rule.targets}) AS VARCHAR[])", rule.where)
                elif rule.distinct:
                    need["distinct"] = self.columns.value(_string(rule.distinct), rule.where)
            elif rule.kind == "near":
                need["near"] = self.columns.hit(str(rule.near))
            elif rule.kind == "first_seen":
                need["first"] = self.columns.value(str(rule.first_seen), rule.where)
            elif rule.kind == "baseline":
                group, value = DIMENSIONS[str(rule.baseline)]
                need["bgroup"] = self.columns.value(_string(group), rule.where)
                need["bvalue"] = self.columns.value(_string(value), rule.where)
            self.needs[index] = need

    def scan_sql(self) -> str:
        """Every event matching a condition: narrow columns, one flag per condition, derived values."""
        tests = ", ".join(f"coalesce({to_spark(c)}, false) AS {name}" for c, name in self.columns.hits.items())
        derived = "".join(f", CASE WHEN {' OR '.join(sorted(self.columns.hits[c] for c in conditions))}"
                          f" THEN {to_spark(sql)} END AS {name}" for sql, (name, conditions) in self.columns.derived.items())
        flags = ", ".join(self.columns.hits.values())
        hit = " OR ".join(self.columns.hits.values())
        # spark_partition_id() (not deterministic) keeps the filter above the projection: each
        # condition is evaluated once per event (see spark.scan)
        return (f"SELECT event_time, event_id, {to_spark(ACTOR_SQL)} AS actor, user_arn,"
                f" user_access_key_id AS access_key, source_ip, {flags}{derived}"
                f" FROM (SELECT *, {tests}, spark_partition_id() AS trail_part FROM {EVENTS_VIEW}) WHERE {hit}")

    def members_sql(self, chosen: Sequence[int]) -> list[str]:
        """(rule_index, k1, k2, event_time, event_id, actor, user_arn, access_key, source_ip) queries."""
        parts = []
        events = [i for i in chosen if self.rules[i].kind == "event"]
        if events:
            flags = ", ".join(f"CASE WHEN {self.needs[i]['hit']} THEN {i} END" for i in events)
            scope = " OR ".join(sorted({self.needs[i]["hit"] for i in events}))
            parts.append(f"SELECT rule_index, actor AS k1, {_HOUR} AS k2, {_MEMBER_COLUMNS} FROM"
                         f" (SELECT *, explode(filter(array({flags}), x -> x IS NOT NULL)) AS rule_index"
                         f" FROM {MATCHES_VIEW} WHERE {scope})")
        parts += self._windows(chosen)
        parts += self._baselines(chosen)
        for index in chosen:
            rule, need = self.rules[index], self.needs[index]
            if rule.kind == "near":
                parts.append(self._near(index, rule, need))
            elif rule.kind == "first_seen":
                parts.append(f"""
                    SELECT {index} AS rule_index, actor AS k1, {_HOUR} AS k2, {_MEMBER_COLUMNS} FROM (
                        SELECT *, row_number() OVER (PARTITION BY actor, {need['first']}
                                                     ORDER BY event_time NULLS LAST, event_id) AS nth_value,
                                  row_number() OVER (PARTITION BY actor ORDER BY event_time NULLS LAST, event_id) AS nth
                        FROM {MATCHES_VIEW} WHERE {need['hit']})
                    WHERE nth_value = 1 AND nth > 1""")
        return parts

    def _windows(self, chosen: Sequence[int]) -> list[str]:
        """detect._window_rules' last step for every window rule in one query (the pre-checks there
        only prune the events read; here every match of the rule is read).

        ``counted`` has a row per match (per target for ``targets`` rules: d), ``events`` a row per
        matching event (DISTINCT for ``targets`` rules, as DuckDB's members are). The sliding count,
        count(*) or the number of distinct d, needs a constant frame: one window per window length;
        anchors, islands and spans are then computed once for all rules."""
        indexes = [i for i in chosen if self.rules[i].kind == "window"]
        if not indexes:
            return []
        structs: list[str] = []
        lengths: dict[int, list[int]] = {}
        for index in indexes:
            rule, need = self.rules[index], self.needs[index]
            if "targets" in need:
                values, distinct = need["targets"], "true"
            elif "distinct" in need:
                values, distinct = f"array({need['distinct']})", "true"
            else:
                values, distinct = "array(CAST(NULL AS STRING))", "false"
            micros = int(rule.window_seconds) * 1_000_000
            lengths.setdefault(micros, []).append(index)
            structs.append(f"CASE WHEN {need['hit']} THEN named_struct('rule_index', {index}, 'grp', {need['grp']},"
                           f" 'span', {micros}, 'threshold', {int(rule.threshold)}, 'counts_distinct', {distinct},"
                           f" 'per_target', {'true' if 'targets' in need else 'false'}, 'ds', {values}) END")
        scope = " OR ".join(sorted({self.needs[i]["hit"] for i in indexes}))
        base = (f"SELECT x.rule_index, x.grp, tm, x.span, x.threshold, x.counts_distinct, x.per_target, x.ds,"
                f" {_MEMBER_COLUMNS} FROM (SELECT *, {_MICROS} AS tm, explode(filter(array({', '.join(structs)}),"
                f" x -> x IS NOT NULL)) AS x FROM {MATCHES_VIEW} WHERE {scope})")
        member = f"rule_index, grp, tm, span, {_MEMBER_COLUMNS}"
        sliding = " UNION ALL ".join(
            f"SELECT rule_index, grp, tm, {micros} AS span, threshold, CASE WHEN counts_distinct THEN size(collect_set(d) OVER frame)"
            f" ELSE count(*) OVER frame END AS c FROM counted WHERE rule_index IN ({', '.join(map(str, rules))})"
            f" WINDOW frame AS (PARTITION BY rule_index, grp ORDER BY tm NULLS LAST"
            f" RANGE BETWEEN {micros} PRECEDING AND CURRENT ROW)"
            for micros, rules in sorted(lengths.items()))
        return [f"""
            WITH base AS ({base}),
            counted AS (SELECT rule_index, grp, tm, threshold, counts_distinct, d FROM base LATERAL VIEW explode(ds) AS d),
            events AS (SELECT {member} FROM base WHERE NOT per_target
                       UNION ALL SELECT DISTINCT {member} FROM base WHERE per_target),
            w AS ({sliding}),
            anchors AS (SELECT DISTINCT rule_index, grp, tm, span FROM w WHERE c > threshold AND tm IS NOT NULL),
            marked AS (SELECT rule_index, grp, tm, span, CASE WHEN lag(tm) OVER (PARTITION BY rule_index, grp
                       ORDER BY tm) >= tm - span THEN 0 ELSE 1 END AS starts FROM anchors),
            islands AS (SELECT rule_index, grp, tm, span, sum(starts) OVER (PARTITION BY rule_index, grp ORDER BY tm
                        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS island FROM marked),
            spans AS (SELECT rule_index, grp, island, min(tm) - min(span) AS start, max(tm) AS stop FROM islands
                      GROUP BY rule_index, grp, island)
            SELECT spans.rule_index, spans.grp AS k1, CAST(spans.island AS STRING) AS k2, e.event_time, e.event_id,
                   e.actor, e.user_arn, e.access_key, e.source_ip
            FROM spans JOIN events AS e ON e.rule_index = spans.rule_index AND e.grp <=> spans.grp
                                        AND e.tm BETWEEN spans.start AND spans.stop"""]

    def _baselines(self, chosen: Sequence[int]) -> list[str]:
        """detect._baseline_rule for every baseline rule in one join with CANDIDATES_VIEW."""
        indexes = [i for i in chosen if self.rules[i].kind == "baseline"]
        if not indexes:
            return []
        structs = ", ".join(
            f"CASE WHEN {self.needs[i]['hit']} THEN named_struct('rule_index', {i}, 'dimension',"
            f" '{self.rules[i].baseline}', 'learning', {int(self.rules[i].learning_seconds)},"
            f" 'grp', {self.needs[i]['bgroup']}, 'value', {self.needs[i]['bvalue']}) END" for i in indexes)
        scope = " OR ".join(sorted({self.needs[i]["hit"] for i in indexes}))
        return [f"""
            SELECT /*+ BROADCAST(c) */ m.x.rule_index AS rule_index, m.actor AS k1, CAST(date_trunc('HOUR', m.event_time) AS STRING) AS k2,
                   m.event_time, m.event_id, m.actor, m.user_arn, m.access_key, m.source_ip
            FROM (SELECT *, explode(filter(array({structs}), x -> x IS NOT NULL)) AS x FROM {MATCHES_VIEW}
                  WHERE {scope}) AS m
            JOIN {CANDIDATES_VIEW} AS c ON c.dimension = m.x.dimension AND c.learning = m.x.learning
             AND c.grp = m.x.grp AND c.value = m.x.value AND c.first_seen = m.event_time"""]

    @staticmethod
    def _near(index: int, rule: Rule, need: dict[str, str]) -> str:
        micros = int(rule.window_seconds) * 1_000_000
        return f"""
            WITH hits AS (SELECT 0 AS side, {_MICROS} AS tm, {_MEMBER_COLUMNS} FROM {MATCHES_VIEW} WHERE {need['hit']}
                          UNION ALL
                          SELECT 1 AS side, {_MICROS} AS tm, {_MEMBER_COLUMNS} FROM {MATCHES_VIEW} WHERE {need['near']}),
            pairs AS (SELECT a.actor, a.event_id AS left_id, b.event_id AS right_id FROM hits AS a JOIN hits AS b
                      ON a.side = 0 AND b.side = 1 AND a.actor = b.actor AND abs(a.tm - b.tm) <= {micros}),
            ids AS (SELECT actor, left_id AS id FROM pairs UNION SELECT actor, right_id FROM pairs)
            SELECT {index} AS rule_index, hits.actor AS k1, CAST(NULL AS STRING) AS k2, hits.event_time, hits.event_id,
                   hits.actor, hits.user_arn, hits.access_key, hits.source_ip
            FROM hits JOIN ids ON hits.event_id = ids.id AND hits.actor = ids.actor"""


def _summary_sql(cap: str, where: str = "") -> str:
    """One row per detection of MEMBERS_VIEW: exact figures and the ``cap`` (SQL) earliest samples.

    The k-th earliest non-NULL value of a column is the row where the running count of that column
    (ordered as detect._summarise orders: time, NULL last, then event id) reaches k."""
    def sample(column: str, rank: str) -> str:
        return (f"transform(array_sort(collect_list(CASE WHEN {column} IS NOT NULL AND {rank} <= {cap}"
                f" THEN named_struct('r', {rank}, 'v', {column}) END)), x -> x.v)")

    return f"""
        SELECT rule_index, k1, k2, count(*) AS n, min(event_time) AS first_seen, max(event_time) AS last_seen,
               {sample('event_id', 'r_id')} AS ids, {sample('user_arn', 'r_arn')} AS arns,
               size(collect_set(user_arn)) AS arn_count, {sample('access_key', 'r_key')} AS access_keys,
               size(collect_set(access_key)) AS key_count, {sample('source_ip', 'r_ip')} AS ips,
               size(collect_set(source_ip)) AS ip_count, count(user_arn) AS arn_rows, min(user_arn) AS arn
        FROM (SELECT *, count(event_id) OVER o AS r_id, count(user_arn) OVER o AS r_arn,
                     count(access_key) OVER o AS r_key, count(source_ip) OVER o AS r_ip
              FROM {MEMBERS_VIEW}{where}
              WINDOW o AS (PARTITION BY rule_index, k1, k2 ORDER BY event_time ASC NULLS LAST, event_id ASC NULLS LAST
                           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
        GROUP BY rule_index, k1, k2"""


def _baselines_frame(spark: Any, baselines: Any, rules: Sequence[Rule]) -> None:
    """CANDIDATES_VIEW: (dimension, learning, grp, value, first_seen) of the values first seen after the
    principal's (for ``principal``: the account's) learning time; as detect._baseline_rule finds them."""
    baselines.createOrReplaceTempView(BASELINES_VIEW)
    kinds = sorted({(str(r.baseline), int(r.learning_seconds)) for r in rules if r.kind == "baseline"})
    parts = []
    for dimension, learning in kinds:
        key = "grp" if dimension == PRINCIPAL else "value"
        parts.append(f"""
            SELECT '{dimension}' AS dimension, {learning} AS learning, b.grp, b.value,
                   CAST(b.first_seen AS TIMESTAMP_NTZ) AS first_seen
            FROM {BASELINES_VIEW} AS b JOIN (SELECT {key} AS key, min(first_seen) AS since FROM {BASELINES_VIEW}
                                             WHERE dimension = '{PRINCIPAL}' GROUP BY {key}) AS h ON h.key = b.grp
            WHERE b.dimension = '{dimension}' AND unix_micros(CAST(h.since AS TIMESTAMP))
                  <= unix_micros(CAST(b.first_seen AS TIMESTAMP)) - {learning * 1_000_000}""")
    query = " UNION ALL ".join(parts) if parts else (
        "SELECT CAST(NULL AS STRING) AS dimension, 0 AS learning, CAST(NULL AS STRING) AS grp,"
        " CAST(NULL AS STRING) AS value, CAST(NULL AS TIMESTAMP_NTZ) AS first_seen WHERE false")
    spark.sql(query).createOrReplaceTempView(CANDIDATES_VIEW)


def _members(spark: Any, plan: _Plan, chosen: Sequence[int]) -> Any:
    """MEMBERS_VIEW: every member row of the rules ``chosen``, checkpointed (both summaries read it)."""
    from pyspark import StorageLevel

    parts = plan.members_sql(chosen) or [
        "SELECT 0 AS rule_index, CAST(NULL AS STRING) AS k1, CAST(NULL AS STRING) AS k2,"
        f" {_MEMBER_COLUMNS} FROM {MATCHES_VIEW} WHERE false"]
    members = spark.sql(" UNION ALL ".join(f"SELECT * FROM ({p})" for p in parts))
    members = members.localCheckpoint(eager=True, storageLevel=StorageLevel.MEMORY_AND_DISK)
    members.createOrReplaceTempView(MEMBERS_VIEW)
    return members


def _rows(spark: Any, cap: str, out: SparkDetections, where: str = "") -> list[Any]:
    rows = spark.sql(_summary_sql(cap, where)).collect()
    out.collected_rows += len(rows)
    out.jobs.append(f"summary (samples {cap}{where}): {len(rows)} rows")
    return list(rows)


def run_rules(spark: Any, frame: Any, rules: Sequence[Rule], baselines: Any = None) -> SparkDetections:
    """detect.run_rules on Spark over the events of ``frame``; ``baselines`` (a DataFrame of the
    store's baselines, baseline.COLUMNS) is read when a baseline rule is among ``rules``."""
    out = SparkDetections([])
    if not rules:
        return out
    plan = _Plan(rules)
    frame.createOrReplaceTempView(EVENTS_VIEW)
    from pyspark import StorageLevel

    # Checkpointed, not only cached: the queries below read it some forty times, and each would
    # otherwise carry (and analyse) the scan's plan with every rule's condition in it.
    matches = spark.sql(plan.scan_sql()).localCheckpoint(eager=True, storageLevel=StorageLevel.MEMORY_AND_DISK)
    try:
        matches.createOrReplaceTempView(MATCHES_VIEW)
        if any(rule.kind == "baseline" for rule in plan.rules):
            if baselines is None:
                raise ValueError("baseline rules need the store's baselines")
            _baselines_frame(spark, baselines, plan.rules)
        members = _members(spark, plan, range(len(plan.rules)))
        base = _rows(spark, str(SAMPLE_MIN), out)
        counts: dict[int, int] = {}
        for row in base:
            counts[row["rule_index"]] = counts.get(row["rule_index"], 0) + 1
        allowance = {r: min(EVENT_ID_CAP, RULE_SAMPLE_CAP // n) for r, n in counts.items()}
        allowance = {r: k for r, k in allowance.items() if k >= SAMPLE_MORE}
        more = sorted({row["rule_index"] for row in base if row["rule_index"] in allowance and row["n"] > SAMPLE_MIN})
        samples: dict[tuple[Any, ...], Any] = {}
        if more:
            cap = "CASE rule_index " + " ".join(f"WHEN {r} THEN {allowance[r]}" for r in more) + " END"
            where = f" WHERE rule_index IN ({', '.join(map(str, more))})"
            for row in _rows(spark, cap, out, where):
                samples[(row["rule_index"], row["k1"], row["k2"])] = row
        members.unpersist()
    finally:
        matches.unpersist()
    found = []
    for row in base:
        rule = plan.rules[row["rule_index"]]
        by_actor = rule.kind != "window" or rule.group_by == ACTOR_SQL
        sampled = samples.get((row["rule_index"], row["k1"], row["k2"]), row)
        if by_actor:
            principals: tuple[Any, int] = ([row["arn"]], 1) if row["arn_rows"] else (None, 0)
        else:
            principals = (detect.dedupe(sampled["arns"]), int(row["arn_count"]))
        summary = (row["rule_index"], row["n"], row["first_seen"], row["last_seen"], list(sampled["ids"]),
                   *principals, detect.dedupe(sampled["access_keys"]), row["key_count"],
                   detect.dedupe(sampled["ips"]), row["ip_count"])
        found.append(detect.detection_from_row(rules[row["rule_index"]], summary))
    found.sort(key=lambda d: (-d.rule.severity.rank, d.first_seen or datetime.max, d.rule.id))
    out.detections = found
    return out
