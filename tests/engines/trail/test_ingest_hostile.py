"""Hostile trail files: each reported with its file and reason, the good events of the rest kept."""

from __future__ import annotations

import gzip
import importlib
import json
import os
from pathlib import Path

from cloudwarden.engines.trail import parsing
from cloudwarden.engines.trail.ingest import ingest
from cloudwarden.engines.trail.store import Store, connect

from .conftest import event, write_records


def _ids(store_dir: Path) -> list[str]:
    connection = connect()
    Store.open(store_dir).attach(connection)
    rows = connection.execute("SELECT event_id FROM events ORDER BY event_id").fetchall()
    connection.close()
    return [row[0] for row in rows]


def _events(count: int, prefix: str) -> list[dict]:
    return [event("GetUser", eventID=f"{prefix}-{n}") for n in range(count)]


def test_fail_hostile_files_are_each_reported_and_the_good_events_kept(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    write_records(src / "fine.json.gz", _events(7, "fine"))
    (src / "nested.json").write_text("[" * 200_000)  # deeper than any JSON decoder recurses
    (src / "nested-lines.json").write_text("{}\n" + "[" * 200_000 + "\n")
    (src / "empty.json").write_bytes(b"")
    (src / "binary.json").write_bytes(os.urandom(4096))
    cut = json.dumps({"Records": _events(20, "cut")})
    (src / "cut.json").write_text(cut[: len(cut) - 200])
    report = ingest([str(src)], tmp_path / "store")
    problems = {Path(p.path).name: p for p in report.problems}
    assert problems["nested.json"].error == "JSON nested too deeply to decode"
    assert problems["nested-lines.json"].error.startswith("JSON nested too deeply to decode on line 2")
    assert "binary.json" in problems and problems["binary.json"].bad_items >= 1
    assert problems["cut.json"].bad_items == 1 and 0 < problems["cut.json"].events_kept < 20
    ids = _ids(tmp_path / "store")
    assert len([i for i in ids if i.startswith("fine")]) == 7
    assert len(ids) == report.events == 7 + problems["cut.json"].events_kept
    # A re-run stores nothing twice.
    again = ingest([str(src)], tmp_path / "store")
    assert again.events == 0 and len(_ids(tmp_path / "store")) == len(ids)


def test_fail_bit_flip_in_gzip_salvage_keeps_what_inflated_before_the_damage(tmp_path: Path) -> None:
    # DuckDB takes some flipped streams whole; salvage is the path for those it refuses. Here
    # zlib's own check fails on the flipped byte, and the records inflated before it are kept.
    records = [dict(e, requestID=os.urandom(24).hex()) for e in _events(400, "flip")]  # hard to compress
    data = bytearray(gzip.compress(json.dumps({"Records": records}).encode()))
    data[len(data) * 3 // 4] ^= 0x10
    path = tmp_path / "flip.json.gz"
    path.write_bytes(bytes(data))
    rescued = parsing.salvage(path)
    assert rescued.error.startswith("corrupt gzip") or rescued.error == "truncated gzip"
    assert rescued.bad_items >= 1
    ids = [e["eventID"] for e in rescued.events]
    assert len(ids) > 100 and ids[0] == "flip-0"  # the records ahead of the damage, not none


def _flipped_but_inflatable(records: list[dict]) -> bytes:
    """A gzip with one bit flipped where the deflate stream still decodes: only the CRC-32 tells."""
    raw = gzip.compress(json.dumps({"Records": records}).encode())
    original = gzip.decompress(raw)
    for position in range(len(raw) // 2, len(raw) - 8):
        data = bytearray(raw)
        data[position] ^= 0x01
        inflater = __import__("zlib").decompressobj(wbits=-15)
        try:
            inflated = inflater.decompress(bytes(data[10:]))
        except Exception:  # noqa: BLE001 - this flip breaks the stream; try the next byte
            continue
        if inflated != original and inflated[:len(original)] != original:
            return bytes(data)
    raise AssertionError("no silently-decodable flip found")


def test_fail_a_flip_duckdb_would_take_whole_is_caught_by_the_checksum(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    records = _events(300, "sum")
    (src / "altered.json.gz").write_bytes(_flipped_but_inflatable(records))
    write_records(src / "fine.json.gz", _events(5, "fine"))
    assert "checksum mismatch" in parsing.gzip_damage(src / "altered.json.gz")
    assert parsing.gzip_damage(src / "fine.json.gz") == ""
    report = ingest([str(src)], tmp_path / "store")
    problems = {Path(p.path).name: p for p in report.problems}
    assert "checksum mismatch" in problems["altered.json.gz"].error, problems
    assert "may be altered" in problems["altered.json.gz"].error
    assert len([i for i in _ids(tmp_path / "store") if i.startswith("fine")]) == 5


def test_fail_a_damaged_gzip_member_costs_only_that_member(tmp_path: Path) -> None:
    first = gzip.compress(json.dumps({"Records": _events(50, "one")}).encode())
    second = bytearray(gzip.compress(json.dumps({"Records": [
        dict(e, requestID=os.urandom(24).hex()) for e in _events(200, "two")]}).encode()))
    second[len(second) // 3] ^= 0x40
    third = gzip.compress(json.dumps({"Records": _events(60, "three")}).encode())
    path = tmp_path / "members.json.gz"
    path.write_bytes(first + bytes(second) + third)
    assert parsing.gzip_damage(path).startswith("corrupt gzip (member 2)")
    rescued = parsing.salvage(path)
    ids = [e["eventID"] for e in rescued.events]
    assert sum(i.startswith("one-") for i in ids) == 50
    assert sum(i.startswith("three-") for i in ids) == 60  # read on after the damaged member
    assert rescued.bad_items >= 1 and rescued.error.startswith("gzip member 2: corrupt gzip")


def test_gzip_damage_accepts_members_and_padding_and_names_a_cut(tmp_path: Path) -> None:
    member = gzip.compress(b'{"Records": []}')
    path = tmp_path / "f.gz"
    for data, expected in ((member, ""), (member * 3, ""), (member + b"\0" * 16, ""),
                           (member[:-4], "truncated gzip (member 1 never ends)"),
                           (member + member[:9], "truncated gzip (member 2 never ends)")):
        path.write_bytes(data)
        assert parsing.gzip_damage(path) == expected, data


def test_pass_a_large_records_file_is_read_event_by_event(tmp_path: Path, monkeypatch) -> None:
    ingest_module = importlib.import_module("cloudwarden.engines.trail.ingest")

    # Lower the threshold so that a small file takes the streaming path a 1 GB file takes.
    monkeypatch.setattr(ingest_module, "SPLIT_BYTES", 1)
    src = tmp_path / "src"
    src.mkdir()
    big = dict(event("PutObject", eventID="big"), requestParameters={"blob": "z" * 3_000_000})
    write_records(src / "many.json.gz", [*_events(500, "many"), big])
    (src / "plain.json").write_text(json.dumps({"Records": _events(30, "plain")}, indent=2) + "\n")
    write_records(src / "small.json.gz", _events(4, "small"))
    report = ingest([str(src)], tmp_path / "store")
    assert report.problems == []
    ids = _ids(tmp_path / "store")
    assert len(ids) == report.events == 535 and "big" in ids
    assert not list((tmp_path / "store").rglob("*.inflated"))  # the rewritten arrays are gone


def test_fail_a_large_records_file_cut_short_or_flipped_is_salvaged(tmp_path: Path, monkeypatch) -> None:
    ingest_module = importlib.import_module("cloudwarden.engines.trail.ingest")

    monkeypatch.setattr(ingest_module, "SPLIT_BYTES", 1)
    src = tmp_path / "src"
    src.mkdir()
    whole = gzip.compress(json.dumps({"Records": [
        dict(e, requestID=os.urandom(24).hex()) for e in _events(300, "cut")]}).encode())
    (src / "cut.json.gz").write_bytes(whole[: len(whole) * 2 // 3])
    (src / "sum.json.gz").write_bytes(_flipped_but_inflatable(_events(300, "sum")))
    report = ingest([str(src)], tmp_path / "store")
    problems = {Path(p.path).name: p for p in report.problems}
    assert problems["cut.json.gz"].error == "truncated gzip" and problems["cut.json.gz"].events_kept > 50
    assert "checksum mismatch" in problems["sum.json.gz"].error


def test_records_as_array_cuts_between_events_only(tmp_path: Path) -> None:
    tricky = [dict(e, requestParameters={"note": '},{"eventVersion": "x"} }, {"eventVersion":'}) for e in
              _events(3000, "part")]
    source = write_records(tmp_path / "in.json.gz", tricky)
    parts = parsing.records_as_array(source, tmp_path / "parts", part_bytes=200_000)
    assert len(parts) > 5
    decoded = [event for part in parts for event in json.loads(part.read_text())]
    assert [e["eventID"] for e in decoded] == [e["eventID"] for e in tricky]
    assert decoded[17]["requestParameters"] == tricky[17]["requestParameters"]
    (tmp_path / "two.json").write_text(json.dumps({"Records": tricky[:2]}) + json.dumps({"Records": tricky[:2]}))
    assert parsing.records_as_array(tmp_path / "two.json", tmp_path / "p2") == []  # not one object
