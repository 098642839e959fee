"""The rules' SQL in Spark's dialect: one compiler (rules.py, sigma.py, cis.py...), two dialects.

Every rule is compiled once, to DuckDB SQL (``Rule.where``, ``Rule.near``). ``to_spark`` parses
that text with sqlglot and writes it for Spark SQL, after rewriting what sqlglot's generic DuckDB ->
Spark mapping does not carry with DuckDB's meaning:

* DuckDB's JSON values (``json_extract``, ``-> ``, ``try_cast(... AS JSON)``) are JSON text in Spark,
  built through Spark 4's VARIANT (``try_parse_json`` / ``try_variant_get`` / ``to_json``), so a
  string stays quoted as DuckDB's JSON keeps it; ``json_extract_string`` is ``get_json_object``.
* A path ending in ``[*]`` yields a list in DuckDB (``[]`` when there is nothing): here an
  ``array<string>`` of the elements (JSON text for ``json_extract``, text for ``json_extract_string``).
* ``json_type`` answers DuckDB's names (VARCHAR, OBJECT, ARRAY, BIGINT, DOUBLE, BOOLEAN, NULL) from
  ``schema_of_variant``.
* ``len`` of a list is ``size`` (sqlglot reads DuckDB's ``len`` as a string length).

Regular expressions keep their text: both engines search (not anchor) and take ``(?i)``-style flags;
DuckDB's RE2 syntax used by the rules is a subset of Java's. Pure text in, text out.
"""

from __future__ import annotations

import functools
from typing import cast

import sqlglot
from sqlglot import exp

_LIST_MAKERS = (exp.ArrayFilter, exp.RegexpExtractAll, exp.Array, exp.Transform, exp.ArrayConcat, exp.Flatten)
# DuckDB json_type names for Spark's schema_of_variant answers (objects and arrays carry their fields).
_JSON_TYPE = ("CASE WHEN {s} IS NULL THEN NULL WHEN {s} = 'STRING' THEN 'VARCHAR' WHEN {s} LIKE 'OBJECT%' THEN 'OBJECT'"
              " WHEN {s} LIKE 'ARRAY%' THEN 'ARRAY' WHEN {s} = 'VOID' THEN 'NULL' WHEN {s} IN ('TINYINT', 'SMALLINT',"
              " 'INT', 'BIGINT') THEN 'BIGINT' WHEN {s} LIKE 'DECIMAL%' OR {s} IN ('FLOAT', 'DOUBLE') THEN 'DOUBLE'"
              " ELSE {s} END")


class SparkTranslationError(ValueError):
    """Rule SQL that has no Spark form here (a construct the rules did not use when this was written)."""


def _path_parts(path: exp.Expression) -> list[exp.Expression]:
    if not isinstance(path, exp.JSONPath):
        raise SparkTranslationError(f"JSON path {path.sql('duckdb')} is not a constant path")
    parts = list(path.expressions)
    if not parts or not isinstance(parts[0], exp.JSONPathRoot):
        raise SparkTranslationError(f"JSON path {path.sql('duckdb')} does not start at $")
    return parts[1:]


def _spark_path(parts: list[exp.Expression]) -> str:
    """A path both get_json_object and variant_get read: $.key, $['odd key'], $[0]."""
    text = "$"
    for part in parts:
        if isinstance(part, exp.JSONPathKey):
            key = str(part.this)
            if key.isidentifier():
                text += "." + key
            else:
                text += "['" + key.replace("\\", "\\\\").replace("'", "\\'") + "']"
        elif isinstance(part, exp.JSONPathSubscript) and isinstance(part.this, int):
            text += f"[{part.this}]"
        else:
            raise SparkTranslationError(f"JSON path part {part!r} is not supported on Spark")
    return text


def _split_star(path: exp.Expression) -> tuple[list[exp.Expression], bool]:
    """(path parts, whether the path ends in [*]); a [*] elsewhere is refused."""
    parts = _path_parts(path)
    star = bool(parts) and isinstance(parts[-1], exp.JSONPathSubscript) and isinstance(parts[-1].this,
                                                                                         exp.JSONPathWildcard)
    if star:
        parts = parts[:-1]
    if any(isinstance(p, exp.JSONPathSubscript) and not isinstance(p.this, int) for p in parts):
        raise SparkTranslationError(f"JSON path {path.sql('duckdb')}: [*] only at the end is supported on Spark")
    return parts, star


def _sql(node: exp.Expression) -> str:
    return node.sql(dialect="spark")


def _literal(text: str) -> str:
    return exp.Literal.string(text).sql(dialect="spark")


def _variant_at(subject: str, parts: list[exp.Expression], as_type: str | None = None) -> str:
    typed = f", '{as_type}'" if as_type else ""
    return f"try_variant_get(try_parse_json({subject}), {_literal(_spark_path(parts))}{typed})"


def _rewrite(node: exp.Expression) -> exp.Expression:
    """One node, its children first; returns the node or its Spark replacement."""
    list_length = isinstance(node, exp.Length) and _is_list(node.this)  # decided on the DuckDB form
    for key, value in list(node.args.items()):
        if isinstance(value, exp.Expression):
            node.set(key, _rewrite(value))
        elif isinstance(value, list):
            node.set(key, [_rewrite(v) if isinstance(v, exp.Expression) else v for v in value])
    if isinstance(node, exp.JSONExtractScalar):  # json_extract_string / ->>
        subject = _sql(node.this)
        if isinstance(node.expression, exp.Array):  # a list of paths: a list of values
            values = [_scalar(subject, _split_star(p if isinstance(p, exp.JSONPath) else _json_path(p)))
                      for p in node.expression.expressions]
            return _parse("array(" + ", ".join(values) + ")")
        return _parse(_scalar(subject, _split_star(_json_path(node.expression))))
    if isinstance(node, exp.JSONExtract):  # json_extract / ->: JSON text
        parts, star = _split_star(_json_path(node.expression))
        subject = _sql(node.this)
        if star:
            return _parse(f"coalesce(transform({_variant_at(subject, parts, 'array<variant>')}, e -> to_json(e)),"
                          " CAST(array() AS array<string>))")
        return _parse(f"to_json({_variant_at(subject, parts)})")
    if isinstance(node, exp.JSONType):
        subject = _sql(node.this)
        parts = _split_star(_json_path(node.expression))[0] if node.expression is not None else []
        return _parse(_JSON_TYPE.format(s=f"schema_of_variant({_variant_at(subject, parts)})"))
    if isinstance(node, exp.TryCast | exp.Cast) and node.to.is_type(exp.DataType.Type.JSON):
        return _parse(f"to_json(try_parse_json({_sql(node.this)}))")
    if list_length:
        return exp.ArraySize(this=node.this)
    return node


def _scalar(subject: str, split: tuple[list[exp.Expression], bool]) -> str:
    parts, star = split
    if star:  # DuckDB: each element as text (objects and arrays as JSON text)
        return (f"coalesce(transform({_variant_at(subject, parts, 'array<variant>')},"
                " e -> get_json_object(to_json(e), '$')), CAST(array() AS array<string>))")
    return f"get_json_object({subject}, {_literal(_spark_path(parts))})"


def _json_path(node: exp.Expression | None) -> exp.Expression:
    if isinstance(node, exp.JSONPath):
        return node
    if isinstance(node, exp.Literal) and node.is_string:
        parsed = sqlglot.parse_one(f"json_extract(x, {node.sql('duckdb')})", read="duckdb").expression
        return parsed
    raise SparkTranslationError(f"JSON path {node.sql('duckdb') if node else None} is not a constant")


def _is_list(node: exp.Expression) -> bool:
    if isinstance(node, _LIST_MAKERS):
        return True
    if isinstance(node, exp.Paren):
        return _is_list(node.this)
    return isinstance(node, exp.JSONExtract | exp.JSONExtractScalar) and _split_star(_json_path(node.expression))[1]


def _parse(spark_sql: str) -> exp.Expression:
    return cast(exp.Expression, sqlglot.parse_one(spark_sql, read="spark"))


@functools.lru_cache(maxsize=4096)
def to_spark(duckdb_sql: str) -> str:
    """The Spark SQL text of a DuckDB boolean or value expression written by the rule compilers."""
    try:
        tree = cast(exp.Expression, sqlglot.parse_one(duckdb_sql, read="duckdb"))
    except sqlglot.errors.ParseError as exc:
        raise SparkTranslationError(f"cannot parse rule SQL: {exc}") from exc
    return _sql(_rewrite(tree))
