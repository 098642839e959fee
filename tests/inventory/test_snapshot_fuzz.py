"""The snapshot loader over damaged files: a Snapshot or a clear InputError naming the file, never a crash."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloudwarden.core.errors import InputError
from cloudwarden.inventory.snapshot import Snapshot, load_snapshot, save_snapshot

_DIR = Path(tempfile.mkdtemp(prefix="snapshot-fuzz-"))
GOOD = save_snapshot(Snapshot("123456789012", "2026-12-01T00:00:00+00:00", ["us-east-1"]),
                     _DIR / "good.snapshot").read_bytes()


def _load(data: bytes) -> None:
    path = _DIR / "case.snapshot"
    path.write_bytes(data)
    try:
        assert isinstance(load_snapshot(path), Snapshot)
    except InputError as error:
        assert str(path) in error.message


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.integers(min_value=0, max_value=len(GOOD)), flips=st.lists(
    st.tuples(st.integers(min_value=0, max_value=len(GOOD) - 1), st.integers(min_value=0, max_value=7)),
    max_size=3))
def test_truncated_or_bit_flipped_snapshot(cut: int, flips: list[tuple[int, int]]) -> None:
    data = bytearray(GOOD)
    for index, bit in flips:
        data[index] ^= 1 << bit
    _load(bytes(data[:cut]) if cut < len(GOOD) else bytes(data))


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=512))
def test_arbitrary_bytes(data: bytes) -> None:
    _load(data)


@pytest.mark.parametrize("payload", [
    gzip.compress(b'{"account_id": "\xff\xfe"}', mtime=0),  # invalid UTF-8 inside the gzip
    gzip.compress(b"[" * 100_000, mtime=0),  # nested deeper than the decoder recurses
    b"[" * 100_000,
    gzip.compress(b'{"account_id": 5, "regions": "us-east-1"}', mtime=0),  # wrong types
    b"",
])
def test_hostile_snapshot_is_an_input_error(payload: bytes) -> None:
    path = _DIR / "hostile.snapshot"
    path.write_bytes(payload)
    with pytest.raises(InputError) as caught:
        load_snapshot(path)
    assert str(path) in caught.value.message
