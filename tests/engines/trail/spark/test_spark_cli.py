"""`cloudwarden trail ingest|hunt --engine spark` as a user runs them (in process, on the shared session)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cloudwarden.cli import main

pytestmark = pytest.mark.xdist_group("spark")

OTRF = Path(__file__).parents[1] / "data" / "otrf"


def test_ingest_then_hunt_on_spark_match_duckdb(spark: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trail", "ingest", str(OTRF), "--store", str(tmp_path / "s"), "--engine", "spark",
                 "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["events"], report["files_ingested"], report["bad_items"]) == (103, 1, 0)
    assert main(["trail", "hunt", "--store", str(tmp_path / "s"), "--engine", "spark", "--format", "json"]) == 0
    on_spark = json.loads(capsys.readouterr().out)
    assert main(["trail", "hunt", str(tmp_path / "s"), "--format", "json"]) == 0
    on_duckdb = json.loads(capsys.readouterr().out)
    assert on_spark["events_scanned"] == on_duckdb["events_scanned"] == 103
    assert on_spark["incidents"] and on_spark["incidents"][0]["severity"] == "high"

    def pairs(output: dict[str, Any]) -> set[tuple[str, str]]:
        return {(d["rule_id"], e) for i in output["incidents"] for d in i["detections"] for e in d["event_ids"]}

    assert pairs(on_spark) == pairs(on_duckdb)


def test_master_without_spark_engine_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trail", "hunt", str(tmp_path), "--master", "local[2]"]) == 2
    assert "--master needs --engine spark" in capsys.readouterr().err


def test_duckdb_engine_refuses_an_s3_store(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trail", "hunt", "--store", "s3://bucket/trail-store"]) == 2
    assert "--engine spark" in capsys.readouterr().err


def test_store_given_twice_or_not_at_all(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trail", "hunt"]) == 2
    assert main(["trail", "hunt", str(tmp_path), "--store", str(tmp_path)]) == 2
    assert "give the store once" in capsys.readouterr().err


def test_duckdb_engine_refuses_to_ingest_into_an_s3_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trail", "ingest", str(OTRF), "--store", "s3://bucket/trail-store"]) == 2
    assert "--engine spark" in capsys.readouterr().err
