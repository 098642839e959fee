"""`cloudwarden trail ingest|hunt|timeline` as a user runs them (in process, through cli.main)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cloudwarden.cli import main

DATA = Path(__file__).parents[1] / "engines" / "trail" / "data" / "otrf"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli")
    shutil.copy(DATA / "ec2_proxy_s3_exfiltration.jsonl", root / "events.jsonl")
    assert main(["trail", "ingest", str(root / "events.jsonl"), "--store", str(root / "store")]) == 0
    return root / "store"


def test_ingest_json_reports_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trail", "ingest", str(DATA), "--store", str(tmp_path / "s"), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["events"], report["files_ingested"], report["bad_items"]) == (103, 1, 0)


def test_hunt_json_is_pure_json_with_incidents(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["trail", "hunt", str(store), "--format", "json"]) == 0
    output = json.loads(capsys.readouterr().out)
    detection = output["incidents"][0]["detections"][0]
    assert {"rule_id", "title", "severity", "technique", "event_ids"} <= set(detection)
    assert output["incidents"][0]["severity"] == "high"


def test_hunt_fail_on_high_exits_one(store: Path) -> None:
    assert main(["trail", "hunt", str(store), "--fail-on", "high"]) == 1


def test_timeline_terminal(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["trail", "timeline", str(store), "--access-key", "ASIA5FLZVX4OPVKKVBMX"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "AssumeRole" in lines[0] and "issued ASIA5FLZVX4OPVKKVBMX" in lines[0]
    assert len(lines) == 12


def test_usage_errors_exit_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trail", "hunt", str(tmp_path)]) == 2
    assert "hint:" in capsys.readouterr().err
    assert main(["trail", "hunt", str(tmp_path), "--since", "last tuesday"]) == 2


def test_hunt_json_flags_capped_detections(store: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from cloudwarden.engines.trail import detect

    monkeypatch.setattr(detect, "SAMPLE_MIN", 1)  # keep one event per detection, never more
    monkeypatch.setattr(detect, "SAMPLE_MORE", 10**9)
    capsys.readouterr()
    assert main(["trail", "hunt", str(store), "--format", "json"]) == 0
    detections = [d for i in json.loads(capsys.readouterr().out)["incidents"] for d in i["detections"]]
    assert any(d["event_count"] > 1 for d in detections)
    for detection in detections:
        assert {"rule_id", "title", "severity", "technique"} <= set(detection) and len(detection["event_ids"]) == 1
        assert detection["events_truncated"] == (detection["event_count"] > 1)


@pytest.mark.parametrize("given", ["MordorNginxStack-BankingWAFRole-9S3E0UAE1MM0",
                                   "arn:aws:iam::123456789123:role/MordorNginxStack-BankingWAFRole-9S3E0UAE1MM0"])
def test_timeline_principal_by_name_or_arn(store: Path, capsys: pytest.CaptureFixture[str], given: str) -> None:
    capsys.readouterr()
    assert main(["trail", "timeline", str(store), "--principal", given, "--format", "json"]) == 0
    events = json.loads(capsys.readouterr().out)["events"]
    # the role's 11 session events, plus the AssumeRole calls that opened them
    assert sum("BankingWAFRole" in (e["principal"] or "") for e in events) == 11
    assert {e["event_name"] for e in events if "BankingWAFRole" not in (e["principal"] or "")} == {"AssumeRole"}


def test_timeline_unknown_name_is_an_input_error(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trail", "timeline", str(store), "--principal", "nobody"]) == 2
    assert "no IAM user or role named 'nobody'" in capsys.readouterr().err


def test_ingest_reports_rejected_records(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "app.jsonl"
    source.write_text('{"level": "info", "msg": "not an AWS event"}\n')
    # Nothing stored: exit 2 (tests/cli/test_trail_ingest_skips.py has the per-file report).
    assert main(["trail", "ingest", str(source), "--store", str(tmp_path / "s"), "--format", "json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert (report["events"], report["rejected"], report["files_skipped"]) == (0, 1, 1)


def test_rules_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trail", "rules", "--format", "json"]) == 0
    rules = json.loads(capsys.readouterr().out)["rules"]
    assert len(rules) > 100 and all(r["rule_id"] and r["kind"] for r in rules)
