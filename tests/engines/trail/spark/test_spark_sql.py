"""The DuckDB -> Spark translation of rule SQL (no JVM: text only) and the missing-Spark errors."""

from __future__ import annotations

import pytest

from cloudwarden.core.errors import InputError
from cloudwarden.engines.trail import spark_session
from cloudwarden.engines.trail.hunt import rule_set
from cloudwarden.engines.trail.spark import conditions_of, to_spark_baseline
from cloudwarden.engines.trail.spark_sql import SparkTranslationError, to_spark


def test_every_rule_condition_translates() -> None:
    conditions = conditions_of(rule_set())
    translated = [to_spark(c) for c in conditions]
    assert len(translated) == len(conditions) > 150
    joined = " ".join(translated).lower()
    for duckdb_only in ("json_extract(", "json_extract_string(", "list_filter(", "regexp_matches(", "json_type(",
                        "lambda "):
        assert duckdb_only not in joined, duckdb_only


def test_json_scalar_is_get_json_object_with_spark_paths() -> None:
    assert to_spark("json_extract_string(request_parameters, '$.a.\"b c\"')") == \
        "GET_JSON_OBJECT(request_parameters, '$.a[\\'b c\\']')"


def test_json_value_keeps_json_text_and_lists_end_in_star() -> None:
    assert to_spark("json_extract(x, '$.Principal')::VARCHAR") == \
        "CAST(TO_JSON(TRY_VARIANT_GET(TRY_PARSE_JSON(x), '$.Principal')) AS STRING)"
    listed = to_spark("len(list_filter(json_extract(x, '$.items[*]'), lambda i: json_extract_string(i, '$.g') = 'all'))")
    assert listed.startswith("SIZE(FILTER(COALESCE(TRANSFORM(TRY_VARIANT_GET(TRY_PARSE_JSON(x), '$.items', 'array<variant>')")
    assert "i -> GET_JSON_OBJECT(i, '$.g') = 'all'" in listed


def test_json_type_answers_duckdb_names() -> None:
    text = to_spark("json_type(x, '$.Statement') = 'OBJECT'")
    assert "SCHEMA_OF_VARIANT" in text and "'OBJECT'" in text and "'VARCHAR'" in text


def test_regexp_group_is_explicit_and_string_length_stays() -> None:
    assert to_spark("regexp_extract(user_arn, '[^/]+$')") == "REGEXP_EXTRACT(user_arn, '[^/]+$', 0)"
    assert to_spark("length(user_name) > 3") == "LENGTH(user_name) > 3"


def test_wildcard_inside_a_path_is_refused() -> None:
    with pytest.raises(SparkTranslationError, match=r"\[\*\] only at the end"):
        to_spark("json_extract(x, '$.a[*].b')")


def test_baseline_summary_writes_the_grouping_mask_per_column() -> None:
    # Spark's grouping_id() takes every grouping column or none (GROUPING_ID_COLUMN_MISMATCH otherwise);
    # run on Spark by test_spark_s3 (baselines computed from an s3:// store's events)
    from cloudwarden.engines.trail.baseline import summary_sql

    text = to_spark_baseline(summary_sql("events"))
    assert "(GROUPING(g0) * 2 + GROUPING(v0) * 1) = 0" in text and "GROUPING SETS" in text
    assert "GROUPING_ID" not in text


def test_missing_pyspark_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real = spark_session.importlib.util.find_spec
    monkeypatch.setattr(spark_session.importlib.util, "find_spec", lambda name: None if name == "pyspark" else real(name))
    with pytest.raises(InputError, match="needs pyspark") as caught:
        spark_session.require_spark()
    assert "cloudwarden[spark]" in (caught.value.hint or "")


def test_missing_java_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(spark_session.shutil, "which", lambda name: None)
    with pytest.raises(InputError, match="Java runtime") as caught:
        spark_session.require_spark()
    assert "JAVA_HOME" in (caught.value.hint or "")
