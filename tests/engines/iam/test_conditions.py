"""Every condition operator, the missing-key rules, IfExists, ForAllValues/ForAnyValue and Null (spec §7)."""

from __future__ import annotations

import base64

import pytest

from cloudwarden.engines.iam import PolicyError, compile_policy

from .helpers import allow, condition_decision, doc

T, F = "Allow", "ImplicitDeny"  # the condition held / did not hold
B64 = base64.b64encode(b"\x00\x01secret").decode()

# (name, operator, policy values, request value or None for an absent key, expected)
CASES = [
    # String
    ("pass-StringEquals", "StringEquals", "blue", "blue", T),
    ("fail-StringEquals-case", "StringEquals", "blue", "Blue", F),
    ("fail-StringEquals-no-wildcards", "StringEquals", "bl*", "blue", F),
    ("pass-StringEquals-any-of-list", "StringEquals", ["red", "blue"], "blue", T),
    ("fail-StringEquals-absent", "StringEquals", "blue", None, F),
    ("pass-StringNotEquals", "StringNotEquals", "blue", "red", T),
    ("fail-StringNotEquals-nor", "StringNotEquals", ["red", "blue"], "blue", F),
    ("pass-StringNotEquals-absent", "StringNotEquals", "blue", None, T),
    ("pass-StringEqualsIgnoreCase", "StringEqualsIgnoreCase", "BLUE", "blue", T),
    ("fail-StringNotEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "BLUE", "Blue", F),
    ("pass-StringNotEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "BLUE", "red", T),
    ("pass-StringLike-star", "StringLike", "bl*", "blue", T),
    ("pass-StringLike-question", "StringLike", "bl?e", "blue", T),
    ("fail-StringLike-case", "StringLike", "BL*", "blue", F),
    ("pass-StringNotLike", "StringNotLike", ["r*", "g*"], "blue", T),
    ("fail-StringNotLike", "StringNotLike", ["r*", "b*"], "blue", F),
    ("pass-StringEqualsIfExists-absent", "StringEqualsIfExists", "blue", None, T),
    ("fail-StringEqualsIfExists-present", "StringEqualsIfExists", "blue", "red", F),
    ("pass-StringNotEqualsIfExists-absent", "StringNotEqualsIfExists", "blue", None, T),
    ("fail-StringNotEqualsIfExists-present", "StringNotEqualsIfExists", "blue", "blue", F),
    # Numeric
    ("pass-NumericEquals", "NumericEquals", "10", "10.0", T),
    ("pass-NumericLessThan-numeric-not-lexical", "NumericLessThan", "100", "20", T),
    ("fail-NumericLessThan", "NumericLessThan", "10", "10", F),
    ("pass-NumericLessThanEquals", "NumericLessThanEquals", "10", "10", T),
    ("pass-NumericGreaterThan", "NumericGreaterThan", "1.5", "2", T),
    ("fail-NumericGreaterThanEquals", "NumericGreaterThanEquals", "3", "2.99", F),
    ("pass-NumericNotEquals", "NumericNotEquals", ["1", "2"], "3", T),
    ("fail-NumericNotEquals", "NumericNotEquals", ["1", "2"], "2", F),
    ("fail-Numeric-request-not-a-number", "NumericEquals", "1", "one", F),
    ("fail-Numeric-absent", "NumericLessThan", "1", None, F),
    ("pass-NumericLessThanIfExists-absent", "NumericLessThanIfExists", "1", None, T),
    # Date
    ("pass-DateLessThan-iso", "DateLessThan", "2025-06-01T00:00:00Z", "2025-05-31T23:59:59Z", T),
    ("fail-DateLessThan-iso", "DateLessThan", "2025-06-01T00:00:00Z", "2025-06-01T00:00:00Z", F),
    ("pass-DateEquals-offset", "DateEquals", "2025-06-01T12:00:00+02:00", "2025-06-01T10:00:00Z", T),
    ("pass-DateGreaterThan-date-only", "DateGreaterThan", "2025-06-01", "2025-06-01T00:00:01Z", T),
    ("pass-Date-epoch-policy", "DateGreaterThanEquals", "1748736000", "2025-06-01T00:00:00Z", T),
    ("pass-Date-epoch-request", "DateLessThanEquals", "2025-06-01T00:00:00Z", "1748736000", T),
    ("pass-DateNotEquals", "DateNotEquals", "2025-06-01", "2025-06-02", T),
    ("fail-Date-request-not-a-date", "DateLessThan", "2030-01-01", "yesterday", F),
    ("pass-Date-fractional-seconds", "DateLessThan", "2025-06-01T00:00:00.5Z", "2025-06-01T00:00:00.25Z", T),
    # Bool
    ("pass-Bool", "Bool", "true", "true", T),
    ("pass-Bool-json-boolean", "Bool", True, "TRUE", T),
    ("fail-Bool", "Bool", "false", "true", F),
    ("fail-Bool-absent", "Bool", "false", None, F),
    ("pass-BoolIfExists-absent", "BoolIfExists", "false", None, T),
    # Binary
    ("pass-BinaryEquals", "BinaryEquals", B64, B64, T),
    ("fail-BinaryEquals", "BinaryEquals", B64, base64.b64encode(b"other").decode(), F),
    ("fail-BinaryEquals-request-not-base64", "BinaryEquals", B64, "%%%", F),
    # IP
    ("pass-IpAddress-v4-cidr", "IpAddress", "203.0.113.0/24", "203.0.113.7", T),
    ("fail-IpAddress-v4-cidr", "IpAddress", "203.0.113.0/24", "203.0.114.7", F),
    ("pass-IpAddress-bare-is-32", "IpAddress", "203.0.113.7", "203.0.113.7", T),
    ("fail-IpAddress-bare-is-32", "IpAddress", "203.0.113.7", "203.0.113.8", F),
    ("pass-IpAddress-v6", "IpAddress", "2001:db8::/32", "2001:db8:1::5", T),
    ("fail-IpAddress-v6-vs-v4-range", "IpAddress", "::/0", "10.0.0.1", F),
    ("fail-IpAddress-v4-vs-v6-range", "IpAddress", "0.0.0.0/0", "2001:db8::1", F),
    ("pass-NotIpAddress", "NotIpAddress", ["10.0.0.0/8", "192.168.0.0/16"], "203.0.113.7", T),
    ("fail-NotIpAddress", "NotIpAddress", ["10.0.0.0/8", "192.168.0.0/16"], "10.2.3.4", F),
    ("pass-NotIpAddress-absent", "NotIpAddress", "10.0.0.0/8", None, T),
    ("fail-IpAddress-request-not-an-ip", "IpAddress", "0.0.0.0/0", "localhost", F),
    # ARN
    (
        "pass-ArnEquals",
        "ArnEquals",
        "arn:aws:iam::111111111111:role/r",
        "arn:aws:iam::111111111111:role/r",
        T,
    ),
    ("pass-ArnEquals-wildcards", "ArnEquals", "arn:aws:iam::*:role/*", "arn:aws:iam::111111111111:role/r", T),
    ("pass-ArnLike", "ArnLike", "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b", T),
    ("fail-ArnLike-segment-bound", "ArnLike", "arn:aws:iam::*:role/x", "arn:aws:iam::1:extra:role/x", F),
    ("pass-ArnLike-resource-part-crosses-colons", "ArnLike", "arn:aws:sqs:*:*:*", "arn:aws:sqs:r:1:a:b", T),
    ("fail-ArnLike-case", "ArnLike", "arn:aws:iam::*:role/R", "arn:aws:iam::111111111111:role/r", F),
    ("fail-ArnLike-not-an-arn", "ArnLike", "arn:aws:iam::*:role/*", "role/r", F),
    ("pass-ArnNotLike", "ArnNotLike", "arn:aws:iam::*:role/admin*", "arn:aws:iam::1:role/dev", T),
    ("fail-ArnNotEquals", "ArnNotEquals", "arn:aws:iam::*:role/dev", "arn:aws:iam::1:role/dev", F),
    ("pass-ArnNotLike-absent", "ArnNotLike", "arn:aws:iam::*:role/dev", None, T),
]


@pytest.mark.parametrize("name, operator, values, value, expected", CASES, ids=[c[0] for c in CASES])
def test_operator(name: str, operator: str, values: object, value: str | None, expected: str) -> None:
    context = {} if value is None else {"test:Key": value}
    assert condition_decision({operator: {"test:Key": values}}, context) == expected


def test_condition_keys_are_case_insensitive() -> None:
    assert (
        condition_decision(
            {"StringEquals": {"AWS:PrincipalTag/Team": "blue"}}, {"aws:principaltag/team": "blue"}
        )
        == T
    )


def test_several_operators_and_keys_are_and() -> None:
    condition = {"StringEquals": {"k:a": "1", "k:b": "2"}, "Bool": {"k:c": "true"}}
    assert condition_decision(condition, {"k:a": "1", "k:b": "2", "k:c": "true"}) == T
    assert condition_decision(condition, {"k:a": "1", "k:b": "3", "k:c": "true"}) == F
    assert condition_decision(condition, {"k:a": "1", "k:b": "2", "k:c": "false"}) == F


def test_empty_condition_places_no_limit() -> None:
    assert condition_decision({}, {}) == T


TAGS = "aws:TagKeys"
SET_CASES = [
    ("pass-ForAnyValue-one-matches", "ForAnyValue:StringEquals", ["env", "cost"], ["owner", "env"], T),
    ("fail-ForAnyValue-none-match", "ForAnyValue:StringEquals", ["env"], ["owner"], F),
    ("fail-ForAnyValue-absent", "ForAnyValue:StringEquals", ["env"], None, F),
    ("fail-ForAnyValue-empty", "ForAnyValue:StringEquals", ["env"], [], F),
    ("pass-ForAllValues-subset", "ForAllValues:StringEquals", ["env", "owner", "cost"], ["owner", "env"], T),
    ("fail-ForAllValues-outside", "ForAllValues:StringEquals", ["env"], ["env", "owner"], F),
    ("pass-ForAllValues-absent-vacuous", "ForAllValues:StringEquals", ["env"], None, T),
    ("pass-ForAllValues-empty-vacuous", "ForAllValues:StringEquals", ["env"], [], T),
    ("pass-ForAllValues-StringNotLike", "ForAllValues:StringNotLike", "key1*", ["a", "b"], T),
    ("fail-ForAllValues-StringNotLike", "ForAllValues:StringNotLike", "key1*", ["a", "key1x"], F),
    ("pass-ForAllValues-StringNotLike-absent", "ForAllValues:StringNotLike", "key1*", None, T),
    ("pass-ForAnyValue-StringNotEquals", "ForAnyValue:StringNotEquals", ["a", "b"], ["a", "c"], T),
    ("fail-ForAnyValue-StringNotEquals", "ForAnyValue:StringNotEquals", ["a", "b"], ["a", "b"], F),
    ("pass-ForAnyValue-StringLike", "ForAnyValue:StringLike", "o*", ["env", "owner"], T),
    ("pass-ForAnyValue-IfExists-absent", "ForAnyValue:StringEqualsIfExists", ["env"], None, T),
    ("pass-ForAnyValue-single-valued-key", "ForAnyValue:StringEquals", ["env"], "env", T),
    ("pass-plain-operator-list-of-values-is-or", "StringEquals", ["a", "b"], "b", T),
]


@pytest.mark.parametrize("name, operator, values, value, expected", SET_CASES, ids=[c[0] for c in SET_CASES])
def test_set_operators(name: str, operator: str, values: object, value: object, expected: str) -> None:
    context = {} if value is None else {TAGS: value}
    assert condition_decision({operator: {TAGS: values}}, context) == expected


NULL_CASES = [
    ("pass-Null-true-absent", "true", None, T),
    ("fail-Null-true-present", "true", "x", F),
    ("pass-Null-false-present", "false", "x", T),
    ("fail-Null-false-absent", "false", None, F),
    ("pass-Null-json-boolean", True, None, T),
    ("pass-Null-true-empty-list", "true", [], T),
]


@pytest.mark.parametrize("name, wanted, value, expected", NULL_CASES, ids=[c[0] for c in NULL_CASES])
def test_null(name: str, wanted: object, value: object, expected: str) -> None:
    context = {} if value is None else {"k:v": value}
    assert condition_decision({"Null": {"k:v": wanted}}, context) == expected


def test_for_all_values_guarded_by_null() -> None:
    condition = {"ForAllValues:StringEquals": {TAGS: ["env"]}, "Null": {TAGS: "false"}}
    assert condition_decision(condition, {}) == F
    assert condition_decision(condition, {TAGS: ["env"]}) == T


def test_mfa_pitfall_bool_deny_does_not_fire_without_the_key() -> None:
    from .helpers import decide, deny

    bool_deny = [doc(allow(), deny(Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}}))]
    if_exists_deny = [doc(allow(), deny(Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}))]
    assert decide(identity=bool_deny) == "Allow"
    assert decide(identity=if_exists_deny) == "ExplicitDeny"


VARIABLE_CASES = [
    (
        "pass-StringEquals-variable",
        {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}},
        {"aws:ResourceTag/team": "blue", "aws:PrincipalTag/team": "blue"},
        T,
    ),
    (
        "fail-StringEquals-variable-missing",
        {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}},
        {"aws:ResourceTag/team": "blue"},
        F,
    ),
    (
        "pass-variable-default",
        {"StringEquals": {"k:a": "${aws:PrincipalTag/team, 'none'}"}},
        {"k:a": "none"},
        T,
    ),
    (
        "pass-StringLike-variable-prefix",
        {"StringLike": {"s3:prefix": "home/${aws:username}/*"}},
        {"s3:prefix": "home/alice/docs", "aws:username": "alice"},
        T,
    ),
    (
        "fail-StringLike-substituted-wildcard-literal",
        {"StringLike": {"s3:prefix": "home/${aws:username}"}},
        {"s3:prefix": "home/alice", "aws:username": "a*"},
        F,
    ),
    (
        "pass-ArnLike-variable",
        {"ArnLike": {"aws:SourceArn": "arn:aws:iam::*:user/${aws:username}"}},
        {"aws:SourceArn": "arn:aws:iam::1:user/alice", "aws:username": "alice"},
        T,
    ),
    (
        "pass-NumericLessThan-variable",
        {"NumericLessThan": {"k:n": "${k:limit}"}},
        {"k:n": "3", "k:limit": "5"},
        T,
    ),
    (
        "fail-Numeric-variable-not-a-number",
        {"NumericLessThan": {"k:n": "${k:limit}"}},
        {"k:n": "3", "k:limit": "x"},
        F,
    ),
    (
        "pass-negated-variable-missing-matches-nothing",
        {"StringNotEquals": {"k:a": "${k:b}"}},
        {"k:a": "x"},
        T,
    ),
]


@pytest.mark.parametrize(
    "name, condition, context, expected", VARIABLE_CASES, ids=[c[0] for c in VARIABLE_CASES]
)
def test_variables_in_condition_values(name: str, condition: dict, context: dict, expected: str) -> None:
    assert condition_decision(condition, context) == expected


def test_variables_in_conditions_need_version_2012() -> None:
    condition = {"StringEquals": {"k:a": "${k:b}"}}
    assert condition_decision(condition, {"k:a": "x", "k:b": "x"}, version="2008-10-17") == F
    assert condition_decision(condition, {"k:a": "${k:b}"}, version="2008-10-17") == T


@pytest.mark.parametrize(
    "condition, path_end",
    [
        ({"StringEqualz": {"k": "v"}}, "Condition.StringEqualz"),
        ({"NumericLessThan": {"k": "ten"}}, "Condition.NumericLessThan.k"),
        ({"DateLessThan": {"k": "soon"}}, "Condition.DateLessThan.k"),
        ({"IpAddress": {"k": "300.1.1.1"}}, "Condition.IpAddress.k"),
        ({"Bool": {"k": "yes"}}, "Condition.Bool.k"),
        ({"BinaryEquals": {"k": "!!"}}, "Condition.BinaryEquals.k"),
        ({"NullIfExists": {"k": "true"}}, "Condition.NullIfExists"),
        ({"Null": {"k": "maybe"}}, "Condition.Null.k"),
        ({"ForSomeValues:StringEquals": {"k": "v"}}, "Condition.ForSomeValues:StringEquals"),
        ({"StringEquals": "v"}, "Condition.StringEquals"),
        ({"StringEquals": {"k": {"nested": 1}}}, "Condition.StringEquals.k"),
        ({"StringEquals": {"k": ["a", None]}}, "Condition.StringEquals.k[1]"),
        ("not-an-object", "Condition"),
    ],
)
def test_malformed_conditions_name_their_path(condition: object, path_end: str) -> None:
    with pytest.raises(PolicyError) as raised:
        compile_policy(doc(allow(Condition=condition)))
    assert raised.value.path == f"$.Statement[0].{path_end}"
