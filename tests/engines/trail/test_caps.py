"""What a detection keeps: exact counts, samples capped per rule and per detection, and the SQL shortcuts
(hash grouping, window pre-checks, regex pre-filters) giving the same detections as the plain way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cloudwarden.core.enums import Severity
from cloudwarden.engines.trail import detect as engine
from cloudwarden.engines.trail.cis import cis_rules
from cloudwarden.engines.trail.rules import Rule, required_literals

from .conftest import event

Detect = Callable[[list[dict[str, Any]], list[Any]], list[Any]]
STOP = Rule(id="stop", title="stop", severity=Severity.HIGH, technique="T1562.008",
            where="coalesce(event_name = 'StopLogging', false)", family="builtin")
UNAUTHORIZED = next(rule for rule in cis_rules() if rule.id == "cis.4.1")


def _stops(user: str, count: int, hour: int = 10) -> list[dict[str, Any]]:
    """``count`` StopLogging calls by ``user`` in one hour, each with its own access key and IP."""
    return [event("StopLogging", source="cloudtrail.amazonaws.com", user=user, when=f"2024-05-01T{hour:02d}:{n:02d}:00Z",
                  eventID=f"{user}-{n:02d}", sourceIPAddress=f"198.51.100.{n + 1}",
                  userIdentity={"type": "IAMUser", "arn": f"arn:aws:iam::111122223333:user/{user}", "userName": user,
                                "accountId": "111122223333", "accessKeyId": f"AKIA{user.upper()}{n:02d}"})
            for n in range(count)]


@pytest.fixture
def small_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "SAMPLE_MIN", 2)
    monkeypatch.setattr(engine, "SAMPLE_MORE", 3)
    monkeypatch.setattr(engine, "RULE_SAMPLE_CAP", 10)


@pytest.mark.usefixtures("small_caps")
def test_noisy_rule_keeps_the_earliest_few_per_detection_and_says_so(detect: Detect) -> None:
    users = [f"user{n}" for n in range(6)]  # 6 detections: 10 // 6 < SAMPLE_MORE, so SAMPLE_MIN each
    found = detect([e for user in users for e in _stops(user, 4)], [STOP])
    assert len(found) == 6
    for detection in found:
        record = detection.to_dict()
        user = record["principals"][0].rsplit("/", 1)[1]
        assert (record["event_count"], record["event_ids"], record["events_truncated"]) == (
            4, [f"{user}-00", f"{user}-01"], True)
        assert (record["access_keys"], record["access_keys_truncated"], record["access_keys_count"]) == (
            [f"AKIA{user.upper()}00", f"AKIA{user.upper()}01"], True, 4)
        assert (record["source_ips"], record["source_ips_truncated"], record["source_ips_count"]) == (
            ["198.51.100.1", "198.51.100.2"], True, 4)
        assert "principals_truncated" not in record
        assert {k: record[k] for k in ("rule_id", "title", "severity", "technique")} == {
            "rule_id": "stop", "title": "stop", "severity": "high", "technique": "T1562.008"}


@pytest.mark.usefixtures("small_caps")
def test_rule_with_few_detections_keeps_its_share_of_the_rule_cap(detect: Detect) -> None:
    alone = detect(_stops("alice", 8), [STOP])[0].to_dict()  # one detection: all 8 (cap 10)
    assert (alone["event_count"], len(alone["event_ids"]), alone["events_truncated"]) == (8, 8, False)
    assert len(alone["access_keys"]) == 8 and "access_keys_truncated" not in alone
    pair = detect(_stops("alice", 8) + _stops("bob", 8), [STOP])  # two: 10 // 2 = 5 each
    assert sorted((d.event_count, len(d.event_ids)) for d in pair) == [(8, 5), (8, 5)]
    assert all(d.to_dict()["events_truncated"] for d in pair)


def test_hash_collisions_between_actors_fall_back_to_grouping_by_text(detect: Detect,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    events = _stops("alice", 3) + _stops("bob", 2) + _stops("carol", 1, hour=11)

    def summary(found: list[Any]) -> list[tuple[Any, ...]]:
        return sorted((d.principals, d.event_count, d.event_ids, d.access_keys) for d in found)

    plain = summary(detect(events, [STOP]))
    monkeypatch.setattr(engine, "ACTOR_HASH", "0")  # every actor collides
    assert summary(detect(events, [STOP])) == plain
    assert len(plain) == 3


def test_window_slices_admit_every_burst_and_the_exact_window_decides(detect: Detect) -> None:
    def denied(user: str, second: int) -> dict[str, Any]:
        minute, rest = divmod(second, 60)
        return event("GetUser", user=user, when=f"2024-05-01T10:{minute:02d}:{rest:02d}Z", errorCode="AccessDenied",
                     eventID=f"{user}-{second}")

    across = [denied("alice", 280 + 5 * n) for n in range(6)]  # 6 in 25 s, across a 5-minute boundary
    apart = [denied("bob", s) for s in (0, 1, 2, 302, 303, 304)]  # slices hold 6, no 300 s window does
    far = event("GetUser", user="carol", when="2024-05-20T10:00:00Z", eventID="far")  # long span: ranges used
    found = detect(across + apart + [far], [UNAUTHORIZED])
    assert [(d.event_count, d.event_ids) for d in found] == [(6, tuple(f"alice-{280 + 5 * n}" for n in range(6)))]


def test_time_ranges_of_candidate_slices() -> None:
    assert engine._ranges([10, 11, 20], 60, span=10**6) == (
        "((event_time >= TIMESTAMP '1970-01-01 00:10:00' AND event_time < TIMESTAMP '1970-01-01 00:12:00')"
        " OR (event_time >= TIMESTAMP '1970-01-01 00:20:00' AND event_time < TIMESTAMP '1970-01-01 00:21:00'))")
    assert engine._ranges([10, None], 60, span=10**6).endswith(" OR event_time IS NULL)")
    assert engine._ranges([10, 11], 60, span=100) == ""  # covering most of the store: no filter
    assert engine._ranges(list(range(0, 100, 2)), 1, span=10**6, most=4).count(" OR ") == 3


@pytest.mark.parametrize(("pattern", "expected"), [
    (".+:assumed-role/aws:.+", [":assumed-role/aws:"]),
    (":assumed-role/[^/]+/i-[0-9a-f]{8,17}$", [":assumed-role/", "/i-"]),
    ("abc?d", []),  # c is optional
    ("abcd*", ["abc"]),
    (r"ab\.cde", ["ab.cde"]),
    (r"[\]x]abc", ["abc"]),
    ("(?i)admin", []),
    ("foo|barbaz", []),
    (r"\dabc\w", ["abc"]),
])
def test_required_literals_of_a_regular_expression(pattern: str, expected: list[str]) -> None:
    assert required_literals(pattern) == expected
