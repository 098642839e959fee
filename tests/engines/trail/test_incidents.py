"""Incidents and timelines, on OTRF's real SSRF -> instance credentials -> S3 exfiltration data."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from cloudwarden.core.enums import Severity
from cloudwarden.core.errors import UsageError
from cloudwarden.engines.trail.hunt import hunt
from cloudwarden.engines.trail.timeline import timeline

ATTACKER_KEY = "ASIA5FLZVX4OPVKKVBMX"
ATTACKER_SESSION = ("arn:aws:sts::123456789123:assumed-role/MordorNginxStack-BankingWAFRole-9S3E0UAE1MM0/"
                    "i-0317f6c6b66ae9c40")
ROLE = "arn:aws:iam::123456789123:role/MordorNginxStack-BankingWAFRole-9S3E0UAE1MM0"


def test_attack_is_one_incident_most_severe_first(otrf_store: Path) -> None:
    result = hunt(otrf_store)
    first = result.incidents[0]
    assert first.severity is Severity.HIGH
    assert first.access_keys == (ATTACKER_KEY,) and first.principals == (ATTACKER_SESSION,)
    rule_ids = {d.rule.id for d in first.detections}
    assert "cw.credential_access.instance_credentials_outside" in rule_ids
    attacker_incidents = [i for i in result.incidents if ATTACKER_KEY in i.access_keys]
    assert len(attacker_incidents) == 1
    event_ids = {e for d in first.detections for e in d.event_ids}
    assert "771299cb-e200-4926-9604-c85358b30499" in event_ids  # the GetObject of ring.txt
    ranks = [i.severity.rank for i in result.incidents]
    assert ranks == sorted(ranks, reverse=True)


def test_since_until_limit_the_events(otrf_store: Path) -> None:
    start = datetime(2020, 9, 14, 1, 0)
    result = hunt(otrf_store, since=start, until=start + timedelta(hours=1))
    assert result.events_scanned == 11


def test_timeline_of_attacker_key_starts_with_the_role_assumption(otrf_store: Path) -> None:
    events = timeline(otrf_store, access_key=ATTACKER_KEY)
    assert events[0].event_name == "AssumeRole" and events[0].issued_key == ATTACKER_KEY
    assert events[0].via == "issued"
    names = [e.event_name for e in events[1:]]
    assert names[0] == "ListBuckets" and names.count("GetObject") == 2
    times = [e.time for e in events]
    assert times == sorted(times)


def test_timeline_of_role_follows_its_sessions(otrf_store: Path) -> None:
    events = timeline(otrf_store, principal=ROLE)
    issued = {e.issued_key for e in events if e.event_name == "AssumeRole"}
    assert ATTACKER_KEY in issued
    assert any(e.event_name == "GetObject" and e.access_key == ATTACKER_KEY for e in events)


def test_timeline_by_ip_and_resource(otrf_store: Path) -> None:
    by_ip = timeline(otrf_store, ip="1.2.3.4")
    assert len(by_ip) > 90
    by_resource = timeline(otrf_store, resource="arn:aws:s3:::mordors3stack-s3bucket-llp2yingx64a/ring.txt")
    assert [e.event_name for e in by_resource if e.via == "actor"] == ["GetObject", "GetObject"]


def test_fail_timeline_needs_exactly_one_actor(otrf_store: Path) -> None:
    with pytest.raises(UsageError):
        timeline(otrf_store)
    with pytest.raises(UsageError):
        timeline(otrf_store, ip="1.2.3.4", access_key=ATTACKER_KEY)
