"""`trail ingest` names every file that is not CloudTrail, prints the counts, and fails when nothing was stored."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from cloudwarden.cli import main

DATA = Path(__file__).parents[1] / "engines" / "trail" / "data" / "otrf"
GOOD = DATA / "ec2_proxy_s3_exfiltration.jsonl"  # 103 CloudTrail events, one per line


@pytest.fixture()
def mixed(tmp_path: Path) -> Path:
    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copy(GOOD, logs / "good.jsonl")
    (logs / "app.jsonl").write_text('{"level": "info", "msg": "not an AWS event"}\n{"level": "warn"}\n')
    (logs / "other.json").write_text(json.dumps({"Records": [{"foo": 1}, {"bar": 2}, {"baz": 3}]}))
    (logs / "flow.json.gz").write_bytes(gzip.compress(b'{"version": 2, "action": "ACCEPT"}\n', mtime=0))
    (logs / "notes.json").write_text("hello, not JSON at all\n")
    (logs / "empty.json").write_text("")
    first_three = GOOD.read_text().splitlines()[:3]
    (logs / "mixed.jsonl").write_text("\n".join([*first_three, '{"eventName": "NoSource"}']) + "\n")
    return logs


def _lines(err: str, prefix: str) -> dict[str, str]:
    """{path: reason} of the lines `PREFIX: PATH: REASON` (summary lines without a path are left out)."""
    parts = [line.split(": ", 2) for line in err.splitlines() if line.startswith(prefix)]
    return {p[1]: p[2] for p in parts if len(p) == 3 and p[1].startswith("/")}


def test_each_file_that_is_not_cloudtrail_is_named_with_its_reason(mixed: Path, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trail", "ingest", str(mixed), "--store", str(tmp_path / "store")]) == 0
    captured = capsys.readouterr()
    skipped = {Path(k).name: v for k, v in _lines(captured.err, "skipped: ").items()}
    assert set(skipped) == {"app.jsonl", "other.json", "flow.json.gz", "notes.json", "empty.json"}
    assert skipped["app.jsonl"].startswith("not CloudTrail: none of its 2 record(s) has eventTime")
    assert skipped["other.json"].startswith("not CloudTrail: none of its 3 record(s)")
    assert skipped["flow.json.gz"].startswith("not CloudTrail: none of its 1 record(s)")
    assert "malformed JSON on line 1" in skipped["notes.json"]
    assert skipped["empty.json"].startswith("no records")
    partial = {Path(k).name: v for k, v in _lines(captured.err, "warning: ").items()}
    assert partial["mixed.jsonl"].startswith("1 of 4 records are not CloudTrail events")
    [summary] = [line for line in captured.out.splitlines() if line.startswith("files read")]
    assert "files read: 7, skipped: 5" in summary and "already in the store: 0" in summary
    assert f"events stored: {103 + 3}" in summary


def test_json_report_carries_the_files_and_counts(mixed: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trail", "ingest", str(mixed), "--store", str(tmp_path / "store"), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["files_ingested"], report["files_skipped"], report["events"], report["rejected"]) == (7, 5, 106, 7)
    by_name = {Path(f["path"]).name: f for f in report["not_cloudtrail"]}
    assert by_name["mixed.jsonl"]["records"] == 4 and by_name["mixed.jsonl"]["rejected"] == 1
    assert by_name["other.json"]["rejected"] == 3
    assert "good.jsonl" not in by_name


def test_nothing_stored_exits_two_but_a_rerun_with_nothing_new_exits_zero(
        mixed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    only_bad = tmp_path / "bad"
    only_bad.mkdir()
    shutil.copy(mixed / "app.jsonl", only_bad / "app.jsonl")
    shutil.copy(mixed / "other.json", only_bad / "other.json")
    assert main(["trail", "ingest", str(only_bad), "--store", str(tmp_path / "s1")]) == 2
    captured = capsys.readouterr()
    assert "files read: 2, skipped: 2" in captured.out and "events stored: 0" in captured.out
    assert "cloudwarden: error: no CloudTrail event was stored" in captured.err
    # Stored once, then asked again: nothing new is not an error.
    assert main(["trail", "ingest", str(GOOD), "--store", str(tmp_path / "s2")]) == 0
    assert main(["trail", "ingest", str(GOOD), "--store", str(tmp_path / "s2")]) == 0
    assert "already in the store: 1" in capsys.readouterr().out


def test_a_folder_without_log_files_exits_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "nothing"
    folder.mkdir()
    (folder / "README.txt").write_text("no logs here")
    assert main(["trail", "ingest", str(folder), "--store", str(tmp_path / "s")]) == 2
    assert "no log file" in capsys.readouterr().err
