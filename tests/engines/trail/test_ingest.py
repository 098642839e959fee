"""Ingest: every accepted format, damaged files, incremental re-ingest, partitions, and S3 (moto)."""

from __future__ import annotations

import gzip
import importlib
import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from cloudwarden.core.errors import InputError
from cloudwarden.engines.trail.ingest import ingest
from cloudwarden.engines.trail.store import Store, connect

from .conftest import ACCOUNT, event, write_records

# the module, not the function of the same name that the package exports
ingest_module = importlib.import_module("cloudwarden.engines.trail.ingest")

LAYOUT = f"AWSLogs/{ACCOUNT}/CloudTrail/us-east-1/2024/05/01"


def _ids(store_dir: Path) -> list[str]:
    connection = connect()
    Store.open(store_dir).attach(connection)
    rows = connection.execute("SELECT event_id FROM events ORDER BY event_id").fetchall()
    connection.close()
    return [row[0] for row in rows]


def _events(count: int, prefix: str) -> list[dict]:
    return [event("GetUser", eventID=f"{prefix}-{n}") for n in range(count)]


def test_pass_every_format_is_read(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write_records(src / LAYOUT / "a.json.gz", _events(3, "records"))
    (src / "plain.json").write_text(json.dumps({"Records": _events(2, "plain")}))
    (src / "lines.jsonl").write_text("\n".join(json.dumps(e) for e in _events(2, "jsonl")) + "\n")
    envelope = [{"@timestamp": "2024-05-01T10:00:00Z", "@version": "1", **e} for e in _events(2, "logstash")]
    for item in envelope:
        item.pop("eventTime")
    (src / "shipper.ndjson").write_text("\n".join(json.dumps(e) for e in envelope))
    bridge = [{"detail-type": "AWS API Call via CloudTrail", "detail": e} for e in _events(2, "bridge")]
    with gzip.open(src / "bridge.jsonl.gz", "wt") as handle:
        handle.write("\n".join(json.dumps(e) for e in bridge))
    (src / "array.json").write_text(json.dumps(_events(2, "array")))
    report = ingest([str(src)], tmp_path / "store")
    assert report.events == 13 and not report.problems
    ids = _ids(tmp_path / "store")
    assert {i.split("-")[0] for i in ids} == {"records", "plain", "jsonl", "logstash", "bridge", "array"}


def test_pass_store_is_partitioned_by_account_region_day(tmp_path: Path) -> None:
    write_records(tmp_path / "src" / "a.json.gz", _events(2, "p"))
    ingest([str(tmp_path / "src")], tmp_path / "store")
    folders = {p.parent.relative_to(tmp_path / "store" / "events").as_posix()
               for p in (tmp_path / "store" / "events").rglob("*.parquet")}
    assert folders == {f"account={ACCOUNT}/region=us-east-1/day=2024-05-01"}


def test_pass_second_ingest_adds_only_new_files(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write_records(src / LAYOUT / "one.json.gz", _events(4, "one"))
    first = ingest([str(src)], tmp_path / "store")
    write_records(src / LAYOUT / "two.json.gz", _events(3, "two"))
    second = ingest([str(src)], tmp_path / "store")
    assert (first.events, second.events) == (4, 3)
    assert (second.files_ingested, second.files_already_ingested) == (1, 1)
    assert len(_ids(tmp_path / "store")) == 7


def test_fail_truncated_gzip_is_reported_and_good_events_kept(tmp_path: Path) -> None:
    data = gzip.compress(json.dumps({"Records": _events(200, "cut")}).encode())
    bad = tmp_path / "src" / "cut.json.gz"
    bad.parent.mkdir()
    bad.write_bytes(data[: len(data) // 2])
    write_records(tmp_path / "src" / "fine.json.gz", _events(5, "fine"))
    report = ingest([str(tmp_path / "src")], tmp_path / "store")
    assert [p.path for p in report.problems] == [str(bad.resolve())]
    problem = report.problems[0]
    assert problem.error == "truncated gzip" and problem.bad_items == 1
    assert 0 < problem.events_kept < 200
    ids = _ids(tmp_path / "store")
    assert len(ids) == 5 + problem.events_kept
    assert sorted(i for i in ids if i.startswith("cut"))[0] == "cut-0"


def test_fail_damage_among_concurrent_batches_keeps_every_good_event(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest_module, "BATCH_FILES", 2)
    src = tmp_path / "src" / LAYOUT
    for n in range(7):
        write_records(src / f"f{n}.json.gz", _events(3, f"f{n}"))
    data = gzip.compress(json.dumps({"Records": _events(200, "cut")}).encode())
    bad = src / "f3b.json.gz"
    bad.write_bytes(data[: len(data) // 2])
    seen: list[tuple[int, int]] = []
    report = ingest([str(tmp_path / "src")], tmp_path / "store", progress=lambda d, t, e: seen.append((d, t)))
    assert [p.path for p in report.problems] == [str(bad.resolve())]
    kept = report.problems[0].events_kept
    assert report.events == 21 + kept and len(_ids(tmp_path / "store")) == 21 + kept
    assert report.files_ingested == 8 and seen[-1] == (8, 8) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    manifest = Store.open(tmp_path / "store").manifest["files"]
    assert len(manifest) == 8 and manifest[str(bad.resolve())]["error"] == "truncated gzip"
    assert not any((tmp_path / "store" / ".staging").iterdir())
    again = ingest([str(tmp_path / "src")], tmp_path / "store")
    assert (again.events, again.files_already_ingested) == (0, 8)


def test_fail_malformed_lines_are_counted_and_the_rest_kept(tmp_path: Path) -> None:
    lines = [json.dumps(e) for e in _events(4, "ok")]
    lines[1:1] = ["{not json", '{"eventName": "Half"']
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "mixed.jsonl").write_text("\n".join(lines) + "\n")
    report = ingest([str(tmp_path / "src")], tmp_path / "store")
    assert report.bad_items == 2 and report.events == 4
    assert "line 2" in report.problems[0].error


def test_fail_missing_source_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        ingest([str(tmp_path / "nowhere")], tmp_path / "store")
    assert raised.value.hint


@mock_aws
def test_pass_s3_source_lists_downloads_and_skips_digests(tmp_path: Path) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="trail-bucket")
    body = gzip.compress(json.dumps({"Records": _events(3, "s3")}).encode())
    s3.put_object(Bucket="trail-bucket", Key=f"org/{LAYOUT}/x.json.gz", Body=body)
    s3.put_object(Bucket="trail-bucket", Key=f"org/AWSLogs/{ACCOUNT}/CloudTrail-Digest/d.json.gz", Body=b"{}")
    first = ingest(["s3://trail-bucket/org/"], tmp_path / "store", s3_client=s3)
    again = ingest(["s3://trail-bucket/org/"], tmp_path / "store", s3_client=s3)
    assert (first.files_found, first.events) == (1, 3)
    assert (again.events, again.files_already_ingested) == (0, 1)
    assert "s3://trail-bucket/org/" + LAYOUT + "/x.json.gz" in Store.open(tmp_path / "store").manifest["files"]
