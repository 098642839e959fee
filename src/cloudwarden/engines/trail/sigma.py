"""Sigma rules (SigmaHQ YAML, logsource aws/cloudtrail) compiled to SQL over the store.

pySigma parses the YAML and the condition; this module writes the SQL itself, with Sigma's
semantics rather than SQL's: string values match case-insensitively, ``*``/``?`` are wildcards,
a field that is absent equals nothing (so ``not`` keeps the event), ``re`` is case-sensitive
unless the rule says ``|i``. Every leaf is made two-valued (``coalesce(..., false)``) because a
NULL inside ``NOT`` would otherwise drop the event. The old aggregation syntax
(``| count() by F > N``, ``| near``) is parsed here, since pySigma refuses it. Reads rule files.
"""

from __future__ import annotations

import re
from typing import Any

from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.types import (
    SigmaBool,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExists,
    SigmaFieldReference,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SpecialChars,
)

from cloudwarden.core.errors import InputError
from cloudwarden.engines.trail.rules import matches, quote
from cloudwarden.engines.trail.schema import ALL_COLUMNS, field_expression

DEFAULT_NEAR_SECONDS = 3600
AGGREGATION = re.compile(
    r"^count\(\s*(?P<field>[\w.]*)\s*\)\s*(?:by\s+(?P<by>[\w.]+)\s*)?(?P<op>>=|>)\s*(?P<n>\d+)$")
NEAR = re.compile(r"^near\s+(?P<other>.+)$")
DURATION = re.compile(r"^(?P<n>\d+)\s*(?P<unit>[smhd])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
TECHNIQUE = re.compile(r"^t(\d{4})(?:\.(\d{3}))?$")
_LIKE_SPECIAL = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})
_KEYWORD_TEXT = "lower(concat_ws(' ', " + ", ".join(c for c in ALL_COLUMNS if c != "event_time") + "))"


class SigmaCompileError(InputError):
    """A Sigma rule that cannot be expressed over the store."""


def _column(field: str | None, rule_name: str) -> str:
    if field is None:
        raise SigmaCompileError(f"{rule_name}: field-less value where a field is required")
    expression = field_expression(field)
    # A field CloudTrail never records is absent from every event: Sigma compares it to NULL.
    return expression if expression is not None else "CAST(NULL AS VARCHAR)"


def _like_pattern(value: SigmaString) -> str:
    pattern = []
    for part in value.s:
        if part == SpecialChars.WILDCARD_MULTI:
            pattern.append("%")
        elif part == SpecialChars.WILDCARD_SINGLE:
            pattern.append("_")
        elif isinstance(part, str):
            pattern.append(part.translate(_LIKE_SPECIAL))
    return "".join(pattern)


def _string_match(subject: str, value: SigmaString, cased: bool) -> str:
    """Equality or wildcard match; the common shapes use DuckDB's fast string functions."""
    if not cased:
        subject = f"lower({subject})"
    if not value.contains_special():
        text = str(value) if cased else str(value).lower()
        return f"coalesce({subject} = {quote(text)}, false)"
    pattern = _like_pattern(value) if cased else _like_pattern(value).lower()
    inner = pattern.strip("%")
    plain = not any(ch in inner for ch in "%_\\")
    if plain and pattern == f"%{inner}%":
        return f"coalesce(contains({subject}, {quote(inner)}), false)"
    if plain and pattern == f"{inner}%":
        return f"coalesce(starts_with({subject}, {quote(inner)}), false)"
    if plain and pattern == f"%{inner}":
        return f"coalesce(ends_with({subject}, {quote(inner)}), false)"
    return f"coalesce({subject} LIKE {quote(pattern)} ESCAPE '\\', false)"


def _regex(subject: str, value: SigmaRegularExpression) -> str:
    flags = ""
    if SigmaRegularExpressionFlag.IGNORECASE in value.flags:
        flags += "i"
    if SigmaRegularExpressionFlag.MULTILINE in value.flags:
        flags += "m"
    if SigmaRegularExpressionFlag.DOTALL in value.flags:
        flags += "s"
    pattern = (f"(?{flags})" if flags else "") + str(value.regexp)
    return matches(subject, pattern)


def _field_reference(subject: str, value: SigmaFieldReference, rule_name: str) -> str:
    other = f"lower({_column(value.field, rule_name)})"
    subject = f"lower({subject})"
    if value.starts_with and value.ends_with:
        return f"coalesce(contains({subject}, {other}), false)"
    if value.starts_with:
        return f"coalesce(starts_with({subject}, {other}), false)"
    if value.ends_with:
        return f"coalesce(ends_with({subject}, {other}), false)"
    return f"coalesce({subject} = {other}, false)"


def _leaf(field: str | None, value: Any, rule_name: str, cased: bool) -> str:
    if field is None:
        if isinstance(value, SigmaString):
            return _string_match(_KEYWORD_TEXT, SigmaString("*" + str(value) + "*"), True)
        raise SigmaCompileError(f"{rule_name}: unsupported keyword value {value!r}")
    subject = _column(field, rule_name)
    if isinstance(value, SigmaNull):
        return f"({subject} IS NULL)"
    if isinstance(value, SigmaExists):
        return f"({subject} IS {'NOT ' if value.exists else ''}NULL)"
    if isinstance(value, SigmaString):
        return _string_match(subject, value, cased)
    if isinstance(value, (SigmaNumber, SigmaBool)):
        text = str(value.number) if isinstance(value, SigmaNumber) else str(value.boolean).lower()
        return f"coalesce(lower({subject}) = {quote(text)}, false)"
    if isinstance(value, SigmaRegularExpression):
        return _regex(subject, value)
    if isinstance(value, SigmaCIDRExpression):
        patterns = [_string_match(subject, SigmaString(p), True) for p in value.expand(wildcard="*")]
        return "(" + " OR ".join(patterns) + ")"
    if isinstance(value, SigmaFieldReference):
        return _field_reference(subject, value, rule_name)
    if isinstance(value, SigmaCompareExpression):
        operators = {"LT": "<", "LTE": "<=", "GT": ">", "GTE": ">="}
        op = operators[value.op.name]
        return f"coalesce(try_cast({subject} AS DOUBLE) {op} {value.number.number}, false)"
    raise SigmaCompileError(f"{rule_name}: unsupported value type {type(value).__name__}",
                            hint="the rule uses a Sigma feature cloudwarden does not compile yet")


def compile_condition(node: Any, rule_name: str) -> str:
    """SQL for one node of pySigma's parsed condition tree (two-valued at every level)."""
    if isinstance(node, ConditionAND):
        return "(" + " AND ".join(compile_condition(a, rule_name) for a in node.args) + ")"
    if isinstance(node, ConditionOR):
        return "(" + " OR ".join(compile_condition(a, rule_name) for a in node.args) + ")"
    if isinstance(node, ConditionNOT):
        return f"(NOT {compile_condition(node.args[0], rule_name)})"
    if isinstance(node, ConditionFieldEqualsValueExpression):
        cased = any(getattr(m, "__name__", "") == "SigmaCasedModifier"
                    for m in getattr(node.parent, "modifiers", []) or [])
        return _leaf(node.field, node.value, rule_name, cased)
    if isinstance(node, ConditionValueExpression):
        return _leaf(None, node.value, rule_name, False)
    raise SigmaCompileError(f"{rule_name}: unsupported condition node {type(node).__name__}")
