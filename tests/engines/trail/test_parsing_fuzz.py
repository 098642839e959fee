"""The trail reader's salvage over fuzzed files: never a crash, and every good record counted in."""

from __future__ import annotations

import gzip
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloudwarden.engines.trail import parsing

_DIR = Path(tempfile.mkdtemp(prefix="trail-fuzz-"))
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _write(name: str, data: bytes) -> Path:
    path = _DIR / name
    path.write_bytes(data)
    return path


@SETTINGS
@given(data=st.binary(max_size=2048), gz=st.booleans())
def test_salvage_of_arbitrary_bytes_never_crashes(data: bytes, gz: bool) -> None:
    rescued = parsing.salvage(_write("any.json", gzip.compress(data) if gz else data))
    assert all(isinstance(e, dict) for e in rescued.events)
    assert rescued.bad_items >= 0


@SETTINGS
@given(lines=st.lists(st.one_of(
    st.integers(min_value=0, max_value=10**6).map(lambda n: ("good", json.dumps({"eventID": f"e{n}",
                                                                                "eventName": "GetUser"}))),
    st.text(alphabet='{}[]":,ab\\', min_size=1, max_size=20).filter(lambda t: not _decodes(t) and not t.startswith("[")).map(
        lambda t: ("bad", t))), max_size=30), gz=st.booleans())
def test_json_lines_count_in_equals_kept_plus_bad(lines: list[tuple[str, str]], gz: bool) -> None:
    text = "\n".join(line for _, line in lines).encode()
    rescued = parsing.salvage(_write("lines.json", gzip.compress(text) if gz else text))
    good = sum(1 for kind, _ in lines if kind == "good")
    bad = sum(1 for kind, _ in lines if kind == "bad")
    assert len(rescued.events) == good and rescued.bad_items == bad


def test_half_written_array_is_reported() -> None:
    rescued = parsing.salvage(_write("half.json", b'[{"eventID": "a", "eventName": "GetUser"}, '))
    assert len(rescued.events) == 1 and rescued.bad_items == 1
    assert rescued.error == "truncated JSON: the array is never closed"


def _decodes(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True
