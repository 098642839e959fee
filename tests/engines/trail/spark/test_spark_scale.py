"""A Spark hunt narrows on the executors: rules that match every event still bring back only detections.

The store holds a few thousand events of a handful of principals; next to the built-in rules, each
kind of rule gets a variant that matches every event (single-event, windows counting events,
distinct values and targets, near, first-seen). The results equal DuckDB's, and every row that
reaches the driver is counted by wrapping pyspark's DataFrame collectors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cloudwarden.core.enums import Severity
from cloudwarden.engines.trail import spark as spark_engine
from cloudwarden.engines.trail.hunt import hunt, rule_set
from cloudwarden.engines.trail.ingest import ingest
from cloudwarden.engines.trail.rules import Rule

from ..conftest import event, write_records
from .test_spark_equivalence import _canonical

pytestmark = pytest.mark.xdist_group("spark")

EVERY = "event_name IS NOT NULL"
NOISY = [
    Rule("t.every_event", "every event", Severity.LOW, "T0000", EVERY, "builtin"),
    Rule("t.every_window", "three calls in 10 minutes", Severity.LOW, "T0000", EVERY, "builtin",
         threshold=3, window_seconds=600),
    Rule("t.every_name_window", "two distinct calls in 10 minutes", Severity.LOW, "T0000", EVERY, "builtin",
         threshold=2, window_seconds=600, distinct="event_name"),
    Rule("t.every_target_window", "two distinct targets in 10 minutes", Severity.LOW, "T0000", EVERY, "builtin",
         threshold=2, window_seconds=600, targets="json_extract_string(request_parameters, '$.ids[*]')"),
    Rule("t.every_ip_window", "calls from an IP in 5 minutes", Severity.LOW, "T0000", EVERY, "builtin",
         threshold=4, window_seconds=300, group_by="source_ip"),
    Rule("t.every_near", "a read near a list", Severity.LOW, "T0000", "event_name = 'GetObject'", "builtin",
         near="event_name = 'ListBuckets'", window_seconds=120),
    Rule("t.every_first", "a new agent", Severity.LOW, "T0000", EVERY, "builtin", first_seen="user_agent"),
]
USERS = ("alice", "bob", "carol", "dave")
NAMES = ("GetObject", "ListBuckets", "DescribeInstances", "GetCallerIdentity")


def _events(count: int) -> list[dict[str, Any]]:
    events = []
    for n in range(count):
        user, name = USERS[n % len(USERS)], NAMES[(n // 3) % len(NAMES)]
        minute, second = divmod(n * 7, 60)
        when = f"2024-05-{1 + minute // 1440:02d}T{minute // 60 % 24:02d}:{minute % 60:02d}:{second:02d}Z"
        events.append(event(name, "s3.amazonaws.com", when=when, user=user, eventID=f"e-{n}",
                            sourceIPAddress=f"198.51.100.{n % 3}", userAgent=f"agent/{n % 5}",
                            requestParameters={"ids": [f"i-{n % 6}", f"i-{(n + 1) % 6}"]}))
    return events


@pytest.fixture(scope="module")
def noisy_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("noisy")
    write_records(root / "logs" / "noisy.json.gz", _events(4000))
    ingest([str(root / "logs")], root / "store")
    return root / "store"


def test_rules_matching_every_event_bring_back_only_detections(spark: Any, noisy_store: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    frame_class = type(spark.range(0))  # pyspark 4: the classic DataFrame, not pyspark.sql's abstract base
    received: list[tuple[str, int]] = []
    for name in ("collect", "toArrow", "toPandas", "toLocalIterator", "take", "tail"):
        original = getattr(frame_class, name)

        def counted(self: Any, *args: Any, __original: Any = original, __name: str = name, **kwargs: Any) -> Any:
            result = __original(self, *args, **kwargs)
            received.append((__name, len(result) if hasattr(result, "__len__") else -1))
            return result

        monkeypatch.setattr(frame_class, name, counted)
    rules = NOISY + rule_set()
    on_spark = spark_engine.hunt(noisy_store, rules=rules, spark=spark)
    monkeypatch.undo()
    on_duckdb = hunt(noisy_store, rules=rules)
    assert on_spark.events_scanned == on_duckdb.events_scanned == 4000
    assert _canonical(on_spark) == _canonical(on_duckdb)
    fired = {d.rule.id for d in on_spark.detections}
    assert {rule.id for rule in NOISY} <= fired  # every noisy kind fires, on (nearly) every event
    members = {d.rule.id: sum(x.event_count for x in on_spark.detections if x.rule.id == d.rule.id)
               for d in on_spark.detections}
    assert members["t.every_event"] == 4000 and members["t.every_window"] == 4000
    # what reached the driver: aggregate rows only (at most two per detection), never the events
    assert {name for name, _ in received} == {"collect"}
    rows = sum(n for _, n in received)
    assert len(on_spark.detections) <= rows <= 2 * len(on_spark.detections)
    assert rows < 4000 * len([r for r in NOISY if r.where == EVERY]) / 10
