"""Detections: CIS rules, sliding windows, near pairs, first-seen values, and the detection record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cloudwarden.engines.trail.builtin import builtin_rules
from cloudwarden.engines.trail.cis import cis_rules

from .conftest import event

Detect = Callable[[list[dict[str, Any]], list[Any]], list[Any]]
CIS = {rule.id: rule for rule in cis_rules()}
BUILTIN = {rule.id: rule for rule in builtin_rules()}


def at(second: int) -> str:
    return f"2024-05-01T10:{second // 60:02d}:{second % 60:02d}Z"


def test_fifteen_cis_detections_with_metadata() -> None:
    assert len(CIS) == 15
    assert all(r.technique.startswith("T") and r.severity for r in CIS.values())


def test_pass_cis_stop_logging(detect: Detect) -> None:
    found = detect([event("StopLogging", source="cloudtrail.amazonaws.com", eventID="x")], [CIS["cis.4.5"]])
    assert [(d.rule.id, d.event_ids) for d in found] == [("cis.4.5", ("x",))]


def test_fail_cis_console_login_with_mfa(detect: Detect) -> None:
    login = event("ConsoleLogin", source="signin.amazonaws.com", additionalEventData={"MFAUsed": "Yes"},
                  responseElements={"ConsoleLogin": "Success"})
    assert detect([login], [CIS["cis.4.2"]]) == []


def test_pass_cis_console_login_mfa_key_absent_counts_as_not_yes(detect: Detect) -> None:
    login = event("ConsoleLogin", source="signin.amazonaws.com", responseElements={"ConsoleLogin": "Success"})
    assert len(detect([login], [CIS["cis.4.2"]])) == 1


def test_cis_unauthorized_calls_is_a_sliding_five_minute_window(detect: Detect) -> None:
    # 6 denials spanning a minute boundary fire; 5 do not; 6 spread over 30 minutes do not.
    burst = [event("GetUser", when=at(100 + 20 * n), errorCode="AccessDenied", eventID=f"b{n}") for n in range(6)]
    few = [event("GetUser", user="bob", when=at(n), errorCode="AccessDenied", eventID=f"f{n}") for n in range(5)]
    spread = [event("GetUser", user="carol", when=at(360 * n), errorCode="AccessDenied", eventID=f"s{n}")
              for n in range(6)]
    found = detect(burst + few + spread, [CIS["cis.4.1"]])
    assert [(d.event_count, set(d.event_ids)) for d in found] == [(6, {f"b{n}" for n in range(6)})]


def test_pass_distinct_discovery_burst(detect: Detect) -> None:
    calls = [event(f"Describe{n}", source="ec2.amazonaws.com", when=at(n * 10), eventID=f"d{n}") for n in range(16)]
    repeated = [event("DescribeSame", user="bob", when=at(n), eventID=f"r{n}") for n in range(40)]
    found = detect(calls + repeated, [BUILTIN["cw.discovery.api_burst"]])
    assert [d.principals for d in found] == [("arn:aws:iam::111122223333:user/alice",)]


def test_pass_console_login_from_new_place(detect: Detect) -> None:
    def login(second: int, ip: str, ident: str) -> dict[str, Any]:
        return event("ConsoleLogin", source="signin.amazonaws.com", when=at(second), sourceIPAddress=ip,
                     responseElements={"ConsoleLogin": "Success"}, eventID=ident)
    logins = [login(0, "198.51.100.1", "first"), login(60, "198.51.100.1", "same"),
              login(120, "203.0.113.99", "new")]
    found = detect(logins, [BUILTIN["cw.initial_access.console_login_new_place"]])
    assert [d.event_ids for d in found] == [("new",)]


def test_detection_record_has_rule_fields_and_event_ids(detect: Detect) -> None:
    found = detect([event("CreateAccessKey", eventID="k1", requestParameters={"userName": "bob"})],
                   [BUILTIN["cw.persistence.access_key_for_other_user"]])
    record = found[0].to_dict()
    assert {k: record[k] for k in ("rule_id", "severity", "technique", "event_ids")} == {
        "rule_id": "cw.persistence.access_key_for_other_user", "severity": "high",
        "technique": "T1098.001", "event_ids": ["k1"]}
    assert record["title"] and record["access_keys"]


def test_samples_skip_events_without_the_value(detect: Detect) -> None:
    """The samples of access keys and source IPs are those of the earliest events that have one, even
    when the earliest events lack it (the summary relies on DuckDB's min_by skipping NULL values)."""
    stops = []
    for second in range(12):
        record = event("StopLogging", source="cloudtrail.amazonaws.com", when=at(second), eventID=f"stop-{second:02d}")
        if second < 11:  # the first eleven carry no access key and no source IP
            del record["userIdentity"]["accessKeyId"]
            del record["sourceIPAddress"]
        stops.append(record)
    [found] = detect(stops, [CIS["cis.4.5"]])
    assert found.event_count == 12
    assert found.event_ids[:3] == ("stop-00", "stop-01", "stop-02")
    assert found.access_keys == ("AKIAALICE00000000000",)
    assert found.source_ips == ("203.0.113.7",)
    assert (found.access_key_count, found.source_ip_count) == (1, 1)
