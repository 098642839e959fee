"""Wildcard patterns and policy-variable templates, compiled once and cached by pattern.

``*`` matches any run of characters (also ``/`` and ``:``), ``?`` exactly one. Actions match without
regard to case, resources and condition values with it. Matchers are plain callables so that the
evaluator's inner loop is a set lookup, a ``startswith`` or one pre-compiled regex.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

Matcher = Callable[[str], bool]
ContextValue = str | list[str]

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_VARIABLE_BODY = re.compile(r"^\s*([^,'\s]+)\s*(?:,\s*'([^']*)'\s*)?$")
_LITERAL_ESCAPES = {"*": "*", "?": "?", "$": "$"}


def has_wildcard(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


STAR = None  # a ``*`` in a list of regex pieces for linear_glob


def linear_glob(pieces: list[str | None]) -> str:
    """Regex source for a glob given as regex pieces and STARs, matched without backtracking blow-up.

    ``a*a*a*b`` as ``a.*a.*a.*b`` backtracks polynomially (exponentially in practice) in the number
    of stars. The pieces between stars have a fixed length, so placing each middle piece at its
    leftmost occurrence is always right (it leaves the most room for the rest): each is an atomic
    ``(?>.*?piece)`` that never retries, and only the last piece scans back from the end. Matching
    is then about (subject length × pattern length), whatever the number of stars.
    """
    segments: list[list[str]] = [[]]
    for piece in pieces:
        if piece is STAR:
            segments.append([])
        else:
            segments[-1].append(piece)
    texts = ["".join(segment) for segment in segments]
    if len(texts) == 1:
        return texts[0]
    first, *middle, last = texts
    return first + "".join(f"(?>.*?{piece})" for piece in middle if piece) + ".*" + last


def glob_pieces(pattern: str) -> list[str | None]:
    return [STAR if char == "*" else "." if char == "?" else re.escape(char) for char in pattern]


def glob_to_regex(pattern: str) -> str:
    """The regex source (without anchors) for one glob pattern."""
    return linear_glob(glob_pieces(pattern))


def _segment_finder(segment: str) -> Callable[[str, int, int], int]:
    """Leftmost index >= start where ``segment`` (literal text and ``?``, no ``*``) matches within
    subject[:end], or -1. Without ``?`` it is ``str.find``; with one, a fixed-length regex search."""
    if "?" not in segment:
        return lambda subject, start, end: subject.find(segment, start, end)
    regex = re.compile("(?s:" + glob_to_regex(segment) + ")")

    def find(subject: str, start: int, end: int) -> int:
        found = regex.search(subject, start, end)
        return found.start() if found else -1

    return find


def _segment_at(segment: str, subject: str, start: int) -> bool:
    if start < 0 or start + len(segment) > len(subject):
        return False
    return all(c == "?" or c == subject[start + i] for i, c in enumerate(segment))


@lru_cache(maxsize=8192)
def glob_matcher(pattern: str) -> Matcher:
    """A matcher for one glob pattern without backtracking: the text between stars is matched as the
    first segment at the start, the last at the end, and each middle one at its leftmost place (which
    is always safe for ``*``), so the time is linear in the subject for a given pattern — a regex of
    ``a*a*a*...b`` backtracks polynomially on a long subject of ``a``."""
    segments = pattern.split("*")
    if len(segments) == 1:
        return lambda subject: len(subject) == len(pattern) and _segment_at(pattern, subject, 0)
    first, middle, last = segments[0], segments[1:-1], segments[-1]
    finders = [(len(m), _segment_finder(m)) for m in middle if m]
    least = len(first) + len(last) + sum(size for size, _ in finders)

    def matcher(subject: str) -> bool:
        if len(subject) < least or not _segment_at(first, subject, 0):
            return False
        end = len(subject) - len(last)
        if not _segment_at(last, subject, end):
            return False
        position = len(first)
        for size, find in finders:
            found = find(subject, position, end)
            if found < 0:
                return False
            position = found + size
        return True

    return matcher


def wildcard_match(pattern: str, subject: str) -> bool:
    """One glob against one subject, with nothing compiled: the cheaper way for a pattern used once.
    Same answers as glob_matcher (stars placed leftmost, no backtracking); ``?`` patterns use it."""
    if "*" not in pattern:
        if "?" not in pattern:
            return pattern == subject
        return len(subject) == len(pattern) and _segment_at(pattern, subject, 0)
    if "?" in pattern:
        return glob_matcher(pattern)(subject)
    if pattern[-1] == "*" and pattern.count("*") == 1:
        return subject.startswith(pattern[:-1])
    segments = pattern.split("*")
    first, last = segments[0], segments[-1]
    if len(subject) < len(first) + len(last) or not subject.startswith(first) or not subject.endswith(last):
        return False
    position, end = len(first), len(subject) - len(last)
    for middle in segments[1:-1]:
        if middle:
            found = subject.find(middle, position, end)
            if found < 0:
                return False
            position = found + len(middle)
    return True


def _always(_: str) -> bool:
    return True


def _never(_: str) -> bool:
    return False


@lru_cache(maxsize=8192)
def compile_globs(patterns: tuple[str, ...], ignore_case: bool = False) -> Matcher:
    """One matcher for a list of glob patterns (OR). Callers lower-case the subject when ignore_case."""
    if ignore_case:
        patterns = tuple(p.lower() for p in patterns)
    if "*" in patterns:
        return _always
    exact = frozenset(p for p in patterns if not has_wildcard(p))
    wild = [p for p in patterns if has_wildcard(p)]
    prefixes = tuple(p[:-1] for p in wild if p.endswith("*") and not has_wildcard(p[:-1]))
    rest = [p for p in wild if not (p.endswith("*") and not has_wildcard(p[:-1]))]
    # two stars or more could backtrack in a regex: those get a linear matcher of their own
    linear = tuple(glob_matcher(p) for p in rest if p.count("*") > 1)
    rest = [p for p in rest if p.count("*") <= 1]
    regex = re.compile("(?s:" + "|".join(glob_to_regex(p) for p in rest) + r")\Z") if rest else None
    if not wild:
        if len(exact) == 1:
            (only,) = tuple(exact)
            return only.__eq__
        return exact.__contains__
    if not exact and not regex and not linear:
        return lambda subject: subject.startswith(prefixes)
    fullmatch = regex.match if regex else None

    def matcher(subject: str) -> bool:
        if subject in exact or (prefixes and subject.startswith(prefixes)):
            return True
        if fullmatch is not None and fullmatch(subject) is not None:
            return True
        return any(match(subject) for match in linear)

    return matcher


@lru_cache(maxsize=8192)
def glob_regex(pattern: str) -> re.Pattern[str]:
    return re.compile("(?s:" + glob_to_regex(pattern) + r")\Z")


# -- policy variables --------------------------------------------------------------------------


@dataclass(frozen=True)
class Variable:
    """``${key}`` or ``${key, 'default'}``; the key is stored lower-case (keys are case-insensitive)."""

    key: str
    default: str | None


Part = str | Variable  # a str part is policy text (wildcards active), a Variable is replaced literally


def parse_template(text: str) -> tuple[Part, ...]:
    """Split text into literal parts and variables. ``${*}``, ``${?}``, ``${$}`` become escaped literals."""
    parts: list[Part] = []
    position = 0
    for found in _VARIABLE.finditer(text):
        body = found.group(1)
        if found.start() > position:
            parts.append(text[position : found.start()])
        if body in _LITERAL_ESCAPES:
            parts.append(Variable("", _LITERAL_ESCAPES[body]))
        else:
            parsed = _VARIABLE_BODY.match(body)
            if parsed is None:
                parts.append(found.group(0))
            else:
                parts.append(Variable(parsed.group(1).lower(), parsed.group(2)))
        position = found.end()
    if position < len(text):
        parts.append(text[position:])
    return tuple(parts)


def resolve_variable(variable: Variable, context: Mapping[str, ContextValue]) -> str | None:
    """The literal value of a variable, or None when it cannot be substituted."""
    if not variable.key:
        return variable.default
    value = context.get(variable.key)
    if isinstance(value, str):
        return value
    if value is None:
        return variable.default
    return None  # multi-valued keys cannot be used as variables


Chunk = tuple[str, bool]  # (text, literal): literal text is substituted and never a wildcard
RegexBuilder = Callable[[list[Chunk]], str]


def glob_chunks_to_regex(chunks: list[Chunk]) -> str:
    pieces: list[str | None] = []
    for text, literal in chunks:
        pieces.extend([re.escape(text)] if literal else glob_pieces(text))
    return linear_glob(pieces)


class Template:
    """A pattern containing policy variables; resolved per request, regexes cached per resolution."""

    __slots__ = ("_cache", "builder", "parts")

    def __init__(self, parts: Iterable[Part], builder: RegexBuilder = glob_chunks_to_regex) -> None:
        self.parts = tuple(parts)
        self.builder = builder
        self._cache: dict[tuple[str, ...], re.Pattern[str]] = {}

    def resolve(self, context: Mapping[str, ContextValue]) -> tuple[str, ...] | None:
        values: list[str] = []
        for part in self.parts:
            if isinstance(part, Variable):
                value = resolve_variable(part, context)
                if value is None:
                    return None
                values.append(value)
        return tuple(values)

    def _chunks(self, resolved: tuple[str, ...]) -> list[Chunk]:
        values = iter(resolved)
        return [(next(values), True) if isinstance(p, Variable) else (p, False) for p in self.parts]

    def text(self, context: Mapping[str, ContextValue]) -> str | None:
        """Plain substitution (for equality operators)."""
        resolved = self.resolve(context)
        if resolved is None:
            return None
        return "".join(text for text, _ in self._chunks(resolved))

    def regex(self, context: Mapping[str, ContextValue]) -> re.Pattern[str] | None:
        """Wildcard regex in which substituted values are literal (a ``*`` in a user name is no wildcard)."""
        resolved = self.resolve(context)
        if resolved is None:
            return None
        cached = self._cache.get(resolved)
        if cached is None:
            cached = re.compile("(?s:" + self.builder(self._chunks(resolved)) + r")\Z")
            if len(self._cache) < 4096:
                self._cache[resolved] = cached
        return cached


def compile_resource_patterns(
    patterns: tuple[str, ...], variables: bool
) -> Callable[[str, Mapping[str, ContextValue]], bool]:
    """Resource matcher; variables are honoured only in the resource part (after the fifth colon)."""
    plain: list[str] = []
    templates: list[tuple[str, Template]] = []
    for pattern in patterns:
        head, resource_part = _split_resource_part(pattern)
        if variables and "${" in resource_part:
            templates.append((head, Template(parse_template(resource_part))))
        else:
            plain.append(pattern)
    static = compile_globs(tuple(plain)) if plain else _never
    if not templates:
        return lambda resource, _context: static(resource)
    head_regexes = [(glob_regex(head) if head else None, template) for head, template in templates]

    def matcher(resource: str, context: Mapping[str, ContextValue]) -> bool:
        if static(resource):
            return True
        for head_regex, template in head_regexes:
            if head_regex is None:
                subject = resource
            else:
                resource_head, resource_tail = _split_resource_part(resource)
                if not resource_head or head_regex.match(resource_head) is None:
                    continue
                subject = resource_tail
            regex = template.regex(context)
            if regex is not None and regex.match(subject) is not None:
                return True
        return False

    return matcher


def _split_resource_part(arn: str) -> tuple[str, str]:
    """('arn:p:s:r:a:', 'resource') for an ARN, ('', text) for anything else."""
    parts = arn.split(":", 5)
    if len(parts) != 6:
        return "", arn
    return arn[: len(arn) - len(parts[5])], parts[5]
