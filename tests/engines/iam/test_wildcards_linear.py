"""Wildcards in actions and resources: the linear matcher agrees with a reference regex on random
patterns and subjects, the evaluator's decisions agree with it, and a pathological pattern that makes
a backtracking regex crawl is decided at once."""

from __future__ import annotations

import re
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from cloudwarden.engines.iam.patterns import compile_globs, glob_matcher
from tests.engines.iam.helpers import allow, decide, doc

PATTERN = st.text(alphabet="ab*?:/", max_size=12)
SUBJECT = st.text(alphabet="ab:/", max_size=16)


def reference(pattern: str, subject: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch("(?s:" + regex + ")", subject) is not None


@settings(max_examples=600, deadline=None)
@given(PATTERN, SUBJECT)
def test_linear_matcher_agrees_with_the_reference(pattern: str, subject: str) -> None:
    assert glob_matcher(pattern)(subject) is reference(pattern, subject)
    assert compile_globs((pattern,))(subject) is reference(pattern, subject)


@settings(max_examples=300, deadline=None)
@given(st.lists(PATTERN, min_size=1, max_size=4), SUBJECT)
def test_pattern_lists_agree_with_the_reference(patterns: list[str], subject: str) -> None:
    assert compile_globs(tuple(patterns))(subject) is any(reference(p, subject) for p in patterns)


@settings(max_examples=200, deadline=None)
@given(PATTERN, SUBJECT)
def test_the_evaluator_decides_resource_wildcards_as_the_reference(pattern: str, tail: str) -> None:
    resource = "arn:aws:s3:::" + tail
    policy = doc(allow("s3:GetObject", "arn:aws:s3:::" + pattern))
    expected = "Allow" if reference("arn:aws:s3:::" + pattern, resource) else "ImplicitDeny"
    assert decide(arn=resource, account=None, identity=[policy]) == expected


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="gtobjec*?", min_size=1, max_size=10))
def test_the_evaluator_decides_action_wildcards_as_the_reference(pattern: str) -> None:
    policy = doc(allow("s3:" + pattern, "*"))
    expected = "Allow" if reference("s3:" + pattern, "s3:getobject") else "ImplicitDeny"
    assert decide(action="s3:GetObject", identity=[policy]) == expected


def test_a_pathological_pattern_is_decided_in_linear_time() -> None:
    pattern = "arn:aws:s3:::" + "a*" * 12 + "b"
    subject = "arn:aws:s3:::" + "a" * 5000
    started = time.perf_counter()
    assert decide(arn=subject, account=None, identity=[doc(allow("s3:GetObject", pattern))]) == "ImplicitDeny"
    assert decide(arn=subject + "b", account=None, identity=[doc(allow("s3:GetObject", pattern))]) == "Allow"
    assert time.perf_counter() - started < 1.0  # a backtracking regex takes far longer on this input
