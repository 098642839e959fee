"""Sigma compiled to SQL: Sigma's semantics (case, wildcards, modifiers, absent fields, `not`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from cloudwarden.engines.trail.sigma import SigmaCompileError
from cloudwarden.engines.trail.sigma_load import default_rules_dir, load_rules, rule_from_document

from .conftest import event

Detect = Callable[[list[dict[str, Any]], list[Any]], list[Any]]


def sigma(detection: str) -> Any:
    document = yaml.safe_load(
        "title: test\nid: 00000000-0000-0000-0000-000000000001\nlevel: high\n"
        "tags: [attack.t1098.001]\nlogsource: {product: aws, service: cloudtrail}\n"
        "detection:\n" + "\n".join("    " + line for line in detection.strip().splitlines()))
    return rule_from_document(document, "test.yml")


def fired_ids(detect: Detect, events: list[dict[str, Any]], detection: str) -> set[str]:
    return {i for d in detect(events, [sigma(detection)]) for i in d.event_ids}


CASES = [
    ("pass-equality-ignores-case", "sel: {eventName: createaccesskey}\ncondition: sel", {"a"}),
    ("pass-wildcard-star", "sel: {eventName: 'Create*Key'}\ncondition: sel", {"a"}),
    ("pass-wildcard-question", "sel: {eventName: 'CreateAccessKe?'}\ncondition: sel", {"a"}),
    ("pass-contains", "sel: {userAgent|contains: S3 BROWSER}\ncondition: sel", {"b"}),
    ("pass-startswith", "sel: {eventName|startswith: delete}\ncondition: sel", {"b"}),
    ("pass-endswith", "sel: {eventName|endswith: KEY}\ncondition: sel", {"a"}),
    ("pass-re-is-case-sensitive", "sel: {eventName|re: '^Create'}\ncondition: sel", {"a"}),
    ("fail-re-other-case", "sel: {eventName|re: '^create'}\ncondition: sel", set()),
    ("pass-contains-all", "sel:\n  userAgent|contains|all: [s3, browser]\ncondition: sel", {"b"}),
    ("pass-cidr", "sel: {sourceIPAddress|cidr: 198.51.100.0/24}\ncondition: sel", {"b"}),
    ("pass-fieldref", "sel: {requestParameters.userName|fieldref: userIdentity.userName}\ncondition: sel", {"a"}),
    ("pass-nested-json-field", "sel: {requestParameters.bucketName: LOGS}\ncondition: sel", {"b"}),
    ("pass-one-of", "s_1: {eventName: DeleteBucket}\ns_2: {eventName: Nothing}\ncondition: 1 of s_*", {"b"}),
    ("pass-all-of", "s_1: {eventName: DeleteBucket}\ns_2: {awsRegion: eu-west-1}\ncondition: all of s_*", {"b"}),
    ("pass-null", "sel: {errorCode: null}\ncondition: sel", {"a", "b"}),
    ("pass-not-keeps-absent-field", "sel: {eventSource: '*'}\nf: {errorCode: AccessDenied}\n"
     "condition: sel and not f", {"a", "b"}),
    ("pass-not-on-missing-nested-field", "sel: {eventSource: '*'}\nf: {requestParameters.userName: bob}\n"
     "condition: sel and not f", {"a", "b", "c"}),
    ("pass-value-list-is-or", "sel:\n  eventName: [CreateAccessKey, GetUser]\ncondition: sel", {"a", "c"}),
]


@pytest.mark.parametrize(("name", "detection", "expected"), CASES, ids=[c[0] for c in CASES])
def test_sigma_semantics(detect: Detect, name: str, detection: str, expected: set[str]) -> None:
    events = [
        event("CreateAccessKey", eventID="a", requestParameters={"userName": "alice"}),
        event("DeleteBucket", source="s3.amazonaws.com", eventID="b", userAgent="S3 Browser 10.1",
              sourceIPAddress="198.51.100.20", awsRegion="eu-west-1", requestParameters={"bucketName": "logs"}),
        event("GetUser", eventID="c", errorCode="AccessDenied"),
    ]
    assert fired_ids(detect, events, detection) == expected


def test_fail_unknown_field_never_matches_but_not_keeps_events(detect: Detect) -> None:
    events = [event("GetUser", eventID="a")]
    assert fired_ids(detect, events, "sel: {noSuchField: x}\ncondition: sel") == set()
    assert fired_ids(detect, events, "sel: {noSuchField: x}\ncondition: not sel") == {"a"}


def test_metadata_from_rule() -> None:
    rule = sigma("sel: {eventName: x}\ncondition: sel")
    assert (rule.id, rule.severity.value, rule.technique, rule.family) == (
        "sigma.00000000-0000-0000-0000-000000000001", "high", "T1098.001", "sigma")


def test_aggregation_count_by_field_is_a_window() -> None:
    rule = sigma("sel: {eventName: 'List*'}\ntimeframe: 10m\ncondition: sel | count() by sourceIPAddress > 5")
    assert (rule.kind, rule.threshold, rule.window_seconds, rule.group_by) == ("window", 5, 600, "source_ip")


def test_fail_unsupported_aggregation_is_a_typed_error() -> None:
    with pytest.raises(SigmaCompileError) as raised:
        sigma("sel: {eventName: x}\ncondition: sel | max(x) > 3")
    assert raised.value.hint


def test_all_shipped_rules_load_and_run(detect: Detect) -> None:
    rules = load_rules(default_rules_dir())
    assert len(rules) == 65
    assert sum(r.kind in ("window", "near") for r in rules) == 7
    assert all(r.author and r.id.startswith("sigma.") for r in rules)
    events = [event("GetUser", eventID="a"), event("ListBuckets", source="s3.amazonaws.com", eventID="b")]
    detections = detect(events, rules)
    assert {i for d in detections for i in d.event_ids} <= {"a", "b"}
