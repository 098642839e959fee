"""Wildcard matching is linear in the input: pathological ``a*a*…b`` patterns answer at once, and
the linear form agrees with the plain backtracking regex on every small case."""

from __future__ import annotations

import re
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from cloudwarden.engines.iam.operators import arn_like
from cloudwarden.engines.iam.patterns import compile_globs


def _plain(pattern: str) -> re.Pattern[str]:
    source = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("(?s:" + source + r")\Z")


@settings(max_examples=400, deadline=None)
@given(pattern=st.text(alphabet="ab*?:/", max_size=10), subject=st.text(alphabet="ab:/", max_size=12))
def test_linear_matching_agrees_with_plain_regex(pattern: str, subject: str) -> None:
    expected = _plain(pattern).match(subject) is not None
    assert compile_globs((pattern,))(subject) is expected


def test_pathological_wildcards_are_answered_in_bounded_time() -> None:
    cases = [(("arn:aws:s3:::" + "a*" * 12 + "b",), "arn:aws:s3:::" + "a" * 40, False),
             (("*a" * 40 + "*b",), "a" * 20_000, False),
             (("*a" * 40 + "*b",), "a" * 20_000 + "b", True)]
    started = time.perf_counter()
    for patterns, subject, expected in cases:
        assert compile_globs(patterns)(subject) is expected
    matcher = arn_like(["arn:aws:s3:::" + "a*" * 30 + "b"])
    assert matcher("arn:aws:s3:::" + "a" * 5_000) is False
    assert time.perf_counter() - started < 1.0  # was minutes (15 s for the first case alone)
