"""Event-name guards: the part of a rule's SQL condition that depends on ``event_name`` alone.

Most rules name the API calls they are about. ``guard(where)`` returns a SQL boolean over
``event_name`` only that is true whenever ``where`` is (``where`` implies the guard), or None when
no such part exists. detect.py evaluates the guard over the store's distinct event names, so a rule
whose events never occur is skipped without reading the store, and the others get an
``event_name IN (...)`` filter the Parquet reader applies before reading other columns.

The guard is built from the rule's own SQL text (AND keeps the conjuncts that have a guard; OR
needs one for every disjunct; anything else that names another column has none), so its meaning is
DuckDB's, not a re-implementation. Pure text functions; no I/O.
"""

from __future__ import annotations

import re

from cloudwarden.engines.trail.schema import ALL_COLUMNS, PARTITION_COLUMNS

GUARD_COLUMN = "event_name"
_COLUMNS = frozenset(ALL_COLUMNS) | frozenset(PARTITION_COLUMNS)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


_STRING = re.compile(r"'(?:[^']|'')*'")


def _strip_strings(sql: str) -> str:
    """``sql`` with the content of every string literal blanked (quotes kept, '' escapes handled)."""
    blank, literals = _STRING.subn(lambda match: "'" + " " * (len(match.group(0)) - 2) + "'", sql)
    if blank.count("'") != 2 * literals:
        raise ValueError("unterminated string literal")
    return blank


def _columns(blank: str) -> set[str]:
    """Store columns named in (string-blanked) SQL text; quoted identifiers count as unknown."""
    if '"' in blank:
        return {"?"}
    names = {match.group(0) for match in _IDENTIFIER.finditer(blank)}
    return {name for name in names if name in _COLUMNS}


def _split(sql: str, blank: str, keyword: str) -> list[str]:
    """Top-level operands of ``keyword`` (AND/OR) in ``sql``; one item when there is none."""
    parts = []
    depth = 0
    start = 0
    token = f" {keyword} "
    index = 0
    while index < len(blank):
        char = blank[index]
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0 and blank.startswith(token, index):
            parts.append(sql[start:index])
            index += len(token)
            start = index
            continue
        index += 1
    parts.append(sql[start:])
    return parts


def _unwrap(sql: str) -> str:
    """``sql`` without outer whitespace and without parentheses that enclose all of it."""
    sql = sql.strip()
    while sql.startswith("(") and sql.endswith(")"):
        blank = _strip_strings(sql)
        depth = 0
        for index, char in enumerate(blank):
            depth += char == "("
            depth -= char == ")"
            if depth == 0 and index < len(blank) - 1:
                return sql
        sql = sql[1:-1].strip()
    return sql


def guard(where: str) -> str | None:
    """A SQL condition over ``event_name`` alone implied by ``where``, or None."""
    try:
        return _guard(where)
    except ValueError:
        return None


def _guard(where: str) -> str | None:
    sql = _unwrap(where)
    blank = _strip_strings(sql)
    columns = _columns(blank)
    if columns == {GUARD_COLUMN}:
        return f"({sql})"
    if GUARD_COLUMN not in columns:
        return None
    disjuncts = _split(sql, blank, "OR")
    if len(disjuncts) > 1:
        either = [g for g in (_guard(part) for part in disjuncts) if g is not None]
        return "(" + " OR ".join(either) + ")" if len(either) == len(disjuncts) else None
    conjuncts = _split(sql, blank, "AND")
    if len(conjuncts) > 1:
        guards = [g for g in (_guard(part) for part in conjuncts) if g is not None]
        return "(" + " AND ".join(guards) + ")" if guards else None
    return None
