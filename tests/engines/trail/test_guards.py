"""Event-name guards and the detection plan built on them (skipped rules, IN pre-filters, caps)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cloudwarden.core.enums import Severity
from cloudwarden.engines.trail.detect import EVENT_ID_CAP, run_rules
from cloudwarden.engines.trail.guards import guard
from cloudwarden.engines.trail.ingest import ingest
from cloudwarden.engines.trail.rules import Rule
from cloudwarden.engines.trail.store import Store, connect

from .conftest import event, write_records

Detect = Callable[[list[dict[str, Any]], list[Any]], list[Any]]


@pytest.mark.parametrize(("where", "expected"), [
    ("coalesce(event_name = 'A', false)", "(coalesce(event_name = 'A', false))"),
    ("(coalesce(event_name IN ('A', 'B'), false) AND error_code IS NULL)", "((coalesce(event_name IN ('A', 'B'), false)))"),
    ("(coalesce(lower(event_name) = 'a', false) OR coalesce(lower(event_name) = 'b', false))",
     "(coalesce(lower(event_name) = 'a', false) OR coalesce(lower(event_name) = 'b', false))"),
    ("(coalesce(event_name = 'A', false) AND source_ip = 'x') OR (coalesce(event_name = 'B', false) AND user_arn = 'y')",
     "(((coalesce(event_name = 'A', false))) OR ((coalesce(event_name = 'B', false))))"),
    ("(coalesce(event_name = 'A', false) OR coalesce(user_type = 'Root', false))", None),
    ("(NOT (coalesce(event_name = 'A', false) AND user_type = 'Root'))", None),
    ("coalesce(user_agent = 'event_name AND x', false)", None),
    ("(coalesce(event_name = 'it''s AND (', false) AND source_ip = 'x')", "((coalesce(event_name = 'it''s AND (', false)))"),
])
def test_guard_keeps_only_what_the_condition_implies(where: str, expected: str | None) -> None:
    assert guard(where) == expected


def _rule(rule_id: str, where: str) -> Rule:
    return Rule(id=rule_id, title=rule_id, severity=Severity.HIGH, technique="T1", where=where, family="builtin")


def _with_null(tmp_path: Path, events: list[dict[str, Any]], rules: list[Rule], column: str,
               event_id: str) -> list[Any]:
    """Detections when ``column`` of event ``event_id`` is NULL in the store: ingest now rejects records
    without eventName or eventTime, but a store written by an earlier version may still hold them."""
    folder = tmp_path / f"run-{column}-{len(list(tmp_path.iterdir()))}"
    ingest([str(write_records(folder / "events.json.gz", events))], folder / "store")
    connection = connect()
    try:
        Store.open(folder / "store").attach(connection)
        connection.execute("CREATE TEMP TABLE stored AS SELECT * FROM events")
        connection.execute(f"CREATE OR REPLACE TEMP VIEW events AS SELECT * REPLACE (CASE WHEN event_id = "
                           f"'{event_id}' THEN NULL ELSE {column} END AS {column}) FROM stored")
        return run_rules(connection, rules)
    finally:
        connection.close()


def test_rule_true_for_absent_event_name_still_fires(tmp_path: Path) -> None:
    rules = [_rule("not_a", "(NOT coalesce(event_name = 'A', false))"),
             _rule("absent", "(coalesce(event_name = 'Nowhere', false))")]
    found = _with_null(tmp_path, [event("GetUser", eventID="nameless"), event("A", eventID="a")], rules,
                       "event_name", "nameless")
    assert [(d.rule.id, d.event_ids) for d in found] == [("not_a", ("nameless",))]


def test_event_ids_are_capped_and_the_count_stays_exact(detect: Detect) -> None:
    many = [event("StopLogging", source="cloudtrail.amazonaws.com", when=f"2024-05-01T10:{n // 60:02d}:{n % 60:02d}Z",
                  eventID=f"e{n:05d}") for n in range(EVENT_ID_CAP + 5)]
    found = detect(many, [_rule("stop", "coalesce(event_name = 'StopLogging', false)")])
    record = found[0].to_dict()
    assert (record["event_count"], len(record["event_ids"]), record["events_truncated"]) == (EVENT_ID_CAP + 5,
                                                                                             EVENT_ID_CAP, True)
    assert record["event_ids"][:2] == ["e00000", "e00001"]


def test_hour_chunks_give_the_same_detections(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cloudwarden.engines.trail import detect as engine

    events = [event("StopLogging", source="cloudtrail.amazonaws.com", user=user,
                    when=f"2024-05-01T{hour:02d}:{minute:02d}:00Z", eventID=f"{user}-{hour}-{minute}")
              for user in ("alice", "bob") for hour in (1, 2, 5) for minute in (0, 30)]
    nameless = event("GetUser", eventID="no-time")
    rules = [_rule("stop", "coalesce(event_name = 'StopLogging', false)"),
             _rule("everything", "true")]

    def summary(found: list[Any]) -> list[tuple[Any, ...]]:
        return sorted((d.rule.id, str(d.first_seen), d.event_count, d.event_ids, d.principals) for d in found)

    whole = summary(_with_null(tmp_path, events + [nameless], rules, "event_time", "no-time"))
    monkeypatch.setattr(engine, "CHUNK_ROWS", 3)
    assert summary(_with_null(tmp_path, events + [nameless], rules, "event_time", "no-time")) == whole
    assert len(whole) == 2 * 2 * 3 + 1  # per rule, actor and hour; the event without a time alone


def test_rules_reading_every_event_share_a_scan_and_find_what_each_finds_alone(
        detect: Detect, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unguarded rules (no event-name filter) share one scan whose filter is the OR of their conditions;
    overlapping matches, extra samples for rules with few detections and hour chunks change nothing."""
    from cloudwarden.engines.trail import detect as engine

    events = [event(name, source="cloudtrail.amazonaws.com", user=user, when=f"2024-05-01T{hour:02d}:{minute:02d}:00Z",
                    eventID=f"{user}-{name}-{hour}-{minute}", sourceIPAddress=f"198.51.100.{minute + 1}")
              for user in ("alice", "bob", "carol") for name in ("StopLogging", "GetUser")
              for hour in (1, 2, 5) for minute in range(0, 60, 7)]
    rules = [_rule("everything", "true"),
             _rule("alice", "coalesce(user_arn LIKE '%/alice', false)"),
             _rule("early", "coalesce(hour(event_time) < 3, false)"),
             _rule("nobody", "coalesce(user_arn LIKE '%/nobody', false)")]

    def summary(found: list[Any]) -> list[tuple[Any, ...]]:
        return sorted((d.rule.id, str(d.first_seen), str(d.last_seen), d.event_count, d.event_ids, d.principals,
                       d.access_keys, d.source_ips, d.source_ip_count) for d in found)

    alone = summary([found for rule in rules for found in detect(events, [rule])])
    assert summary(detect(events, rules)) == alone
    assert {row[0] for row in alone} == {"everything", "alice", "early"}
    monkeypatch.setattr(engine, "CHUNK_ROWS", 20)
    assert summary(detect(events, rules)) == alone
    monkeypatch.setattr(engine, "SAMPLE_MIN", 2)  # fewer samples for all: the extra-sample aggregate runs
    assert summary(detect(events, rules)) == summary([found for rule in rules for found in detect(events, [rule])])


def test_guarded_rules_sharing_a_scan_pair_events_with_the_rules_their_names_pass(tmp_path: Path) -> None:
    """The shared scan of guarded rules evaluates on an event only the rules whose filters pass its name,
    an absent name included."""
    events = [event("GetUser", eventID="nameless"), event("A", eventID="a"), event("B", eventID="b"),
              event("GetUser", eventID="user")]
    rules = [_rule("not_a", "(NOT coalesce(event_name = 'A', false))"),
             _rule("b", "coalesce(event_name = 'B', false)"),
             _rule("a_or_b", "coalesce(event_name IN ('A', 'B'), false)")]
    found = _with_null(tmp_path, events, rules, "event_name", "nameless")
    assert sorted((d.rule.id, d.event_ids) for d in found) == [
        ("a_or_b", ("a", "b")), ("b", ("b",)), ("not_a", ("b", "nameless", "user"))]
