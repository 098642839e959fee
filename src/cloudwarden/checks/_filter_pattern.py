"""CloudWatch Logs JSON filter patterns, evaluated against sample events.

Metric-filter checks decide whether a filter detects something by running it over CloudTrail
events it must match (and benign ones it must not), instead of comparing the pattern's text: any
equivalent way of writing a pattern (spacing, quotes, order, grouping) then counts. Comparison is
case-sensitive with `*` wildcards, and `!=` is true when the key is absent, as in CloudWatch Logs.
Pure; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_MISSING = object()

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>"(?:[^"\\]|\\.)*")
    | (?P<logic>&&|\|\|)
    | (?P<op>!=|<=|>=|=|<|>)
    | (?P<punct>[{}()])
    | (?P<selector>\$(?:\.[^\s.=!<>(){}\[\]&|]+|\[\d+\])*)
    | (?P<word>[^\s"=!<>(){}&|]+)
    )""",
    re.VERBOSE,
)

Event = dict[str, Any]
Predicate = Callable[[Event], bool]


class PatternError(ValueError):
    """The text is not a JSON filter pattern this evaluator understands."""


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


def _tokens(pattern: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    text = pattern.strip()
    while position < len(text):
        found = _TOKEN.match(text, position)
        if not found or found.end() == position:
            raise PatternError(f"cannot read the pattern at {text[position:position + 20]!r}")
        kind = found.lastgroup or ""
        tokens.append(_Token(kind, found.group(kind)))
        position = found.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, text: str | None = None) -> _Token:
        token = self.peek()
        if token is None or (text is not None and token.text.upper() != text):
            raise PatternError(f"expected {text or 'more'}, found {token.text if token else 'the end'}")
        self.index += 1
        return token

    def pattern(self) -> Predicate:
        self.take("{")
        predicate = self.any_of()
        self.take("}")
        if self.peek() is not None:
            raise PatternError("text after the closing brace")
        return predicate

    def any_of(self) -> Predicate:
        parts = [self.all_of()]
        while (token := self.peek()) is not None and token.text == "||":
            self.take()
            parts.append(self.all_of())
        return parts[0] if len(parts) == 1 else (lambda event: any(p(event) for p in parts))

    def all_of(self) -> Predicate:
        parts = [self.primary()]
        while (token := self.peek()) is not None and token.text == "&&":
            self.take()
            parts.append(self.primary())
        return parts[0] if len(parts) == 1 else (lambda event: all(p(event) for p in parts))

    def primary(self) -> Predicate:
        token = self.peek()
        if token is not None and token.text == "(":
            self.take()
            inner = self.any_of()
            self.take(")")
            return inner
        return self.comparison()

    def comparison(self) -> Predicate:
        selector = self.take()
        if selector.kind != "selector":
            raise PatternError(f"expected a $.selector, found {selector.text}")
        path = _path(selector.text)
        token = self.take()
        if token.kind == "op":
            value = self.take()
            return _compare(path, token.text, value)
        word = token.text.upper()
        if word == "NOT":
            self.take("EXISTS")
            return lambda event: _lookup(event, path) is _MISSING
        if word == "IS":
            state = self.take().text.upper()
            expected = {"NULL": None, "TRUE": True, "FALSE": False}
            if state not in expected:
                raise PatternError(f"IS {state} is not a known test")
            return lambda event: _lookup(event, path) is expected[state]
        raise PatternError(f"unknown operator {token.text}")


def _path(selector: str) -> list[str | int]:
    parts: list[str | int] = []
    for name, index in re.findall(r"\.([^.\[\]]+)|\[(\d+)\]", selector[1:]):
        parts.append(int(index) if index else name)
    return parts


def _lookup(event: Any, path: list[str | int]) -> Any:
    current = event
    for part in path:
        in_list = isinstance(part, int) and isinstance(current, list) and part < len(current)
        in_dict = isinstance(part, str) and isinstance(current, dict) and part in current
        if in_list or in_dict:
            current = current[part]
        else:
            return _MISSING
    return current


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _equals(actual: Any, value: _Token) -> bool:
    text = value.text[1:-1] if value.kind == "string" else value.text
    if value.kind != "string" and len(text) > 1 and text.startswith("%") and text.endswith("%"):
        return isinstance(actual, str) and re.search(text[1:-1], actual) is not None
    if isinstance(actual, bool) or actual is None:
        return value.kind != "string" and text.lower() == str(actual).lower()
    if isinstance(actual, (int, float)):
        return _number(text) == actual
    wildcard = "^" + ".*".join(re.escape(piece) for piece in text.split("*")) + "$"
    return isinstance(actual, str) and re.match(wildcard, actual, re.DOTALL) is not None


def _compare(path: list[str | int], op: str, value: _Token) -> Predicate:
    if op in ("=", "!="):
        def equality(event: Event) -> bool:
            actual = _lookup(event, path)
            if actual is _MISSING:
                return op == "!="
            return _equals(actual, value) == (op == "=")
        return equality
    bound = _number(value.text.strip('"'))
    if bound is None:
        raise PatternError(f"{op} needs a number, found {value.text}")
    tests = {"<": bound.__gt__, ">": bound.__lt__, "<=": bound.__ge__, ">=": bound.__le__}

    def ordering(event: Event) -> bool:
        actual = _lookup(event, path)
        return isinstance(actual, (int, float)) and not isinstance(actual, bool) and tests[op](actual)
    return ordering


def compile_pattern(pattern: str) -> Predicate:
    """A predicate over one log event (a dict); raises PatternError for non-JSON patterns."""
    text = (pattern or "").strip()
    if not text.startswith("{"):
        raise PatternError("not a JSON filter pattern (term or space-delimited patterns are not evaluated)")
    return _Parser(_tokens(text)).pattern()
