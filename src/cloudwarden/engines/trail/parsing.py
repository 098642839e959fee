"""Reading CloudTrail files in Python: format sniffing and salvage of damaged files.

The fast path (DuckDB) reads whole batches of files; this module decides which DuckDB reader a file
needs and, when DuckDB refuses a file (truncated gzip, malformed JSON), recovers every event that
can still be decoded, counting what could not. Stdlib only; reads local files, writes nothing.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

GZIP_MAGIC = b"\x1f\x8b"
_SNIFF_BYTES = 4096
_RECORDS_HEAD = re.compile(r'^\s*\{\s*"Records"\s*:\s*\[')
_WHITESPACE_AND_COMMAS = " \t\r\n,"


class FileFormat:
    """How a file's top level is laid out; picks the DuckDB reader."""

    RECORDS = "records"  # CloudTrail's own {"Records": [...]} (one or more such objects)
    ARRAY = "array"  # a bare JSON array of events
    STREAM = "stream"  # JSON Lines or concatenated objects: events, envelopes or Records objects


@dataclass
class Salvage:
    """What could be read from a file DuckDB rejected."""

    events: list[dict[str, Any]] = field(default_factory=list)
    bad_items: int = 0
    error: str = ""


def is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def head_text(path: Path, size: int = _SNIFF_BYTES) -> str:
    """The first ``size`` decoded characters of a plain or gzip file ('' if unreadable)."""
    try:
        if is_gzip(path):
            with gzip.open(path, "rb") as handle:
                raw = handle.read(size)
        else:
            with path.open("rb") as handle:
                raw = handle.read(size)
    except (OSError, EOFError, zlib.error):
        return ""
    return raw.decode("utf-8", errors="replace")


def sniff(path: Path) -> str:
    head = head_text(path).lstrip("\ufeff")
    if _RECORDS_HEAD.match(head):
        return FileFormat.RECORDS
    if head.lstrip().startswith("["):
        return FileFormat.ARRAY
    return FileFormat.STREAM


def unwrap(item: Any) -> list[dict[str, Any]]:
    """The CloudTrail events inside one decoded JSON value (a shipper's envelope or Records)."""
    if isinstance(item, list):
        return [event for element in item for event in unwrap(element)]
    if not isinstance(item, dict):
        return []
    records = item.get("Records")
    if isinstance(records, list):
        return [r for r in records if isinstance(r, dict)]
    detail = item.get("detail")
    if isinstance(detail, dict) and "eventName" in detail:
        return [detail]
    message = item.get("message")
    if "eventName" not in item and isinstance(message, str) and message.lstrip().startswith("{"):
        try:
            return unwrap(json.loads(message))
        except (json.JSONDecodeError, RecursionError):
            return []
    return [item]


_INFLATE_PIECE = 1024


def _readable_text(path: Path) -> tuple[str, str]:
    """All text that can be decoded, and the error that stopped decoding ('' if none)."""
    data = path.read_bytes()
    if not data.startswith(GZIP_MAGIC):
        return data.decode("utf-8", errors="replace"), ""
    chunks: list[bytes] = []
    error = ""
    while data:
        inflater = zlib.decompressobj(wbits=31)
        try:
            # Fed piece by piece, so that what inflated before a damaged byte is kept.
            end = 0
            while end < len(data) and not inflater.eof:
                chunks.append(inflater.decompress(data[end:end + _INFLATE_PIECE]))
                end += _INFLATE_PIECE
        except zlib.error as exc:
            return b"".join(chunks).decode("utf-8", errors="replace"), f"corrupt gzip: {exc}"
        if not inflater.eof:
            error = "truncated gzip"
            break
        data = inflater.unused_data + data[end:]  # concatenated gzip members
    return b"".join(chunks).decode("utf-8", errors="replace"), error


def _values(text: str, start: int) -> Iterator[tuple[Any, int]]:
    """Successive JSON values from ``start``, separated by whitespace or commas.

    Stops at the first value that does not decode; the caller sees where from the last offset.
    """
    decoder = json.JSONDecoder()
    position = start
    length = len(text)
    while True:
        while position < length and text[position] in _WHITESPACE_AND_COMMAS:
            position += 1
        if position >= length or text[position] == "]":
            return
        value, position = decoder.raw_decode(text, position)
        yield value, position


def _salvage_sequence(text: str, start: int, result: Salvage) -> None:
    end = start
    try:
        for value, position in _values(text, start):
            result.events.extend(unwrap(value))
            end = position
        if text[end:].strip(_WHITESPACE_AND_COMMAS)[:1] != "]":
            # Every value decoded, but the array never closes: a half-written file.
            result.bad_items += 1
            result.error = result.error or "truncated JSON: the array is never closed"
    except json.JSONDecodeError as exc:
        result.bad_items += 1
        result.error = result.error or f"malformed JSON at character {exc.pos}"
    except RecursionError:
        result.bad_items += 1
        result.error = result.error or "JSON nested too deeply to decode"


def _salvage_lines(text: str, result: Salvage) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            result.events.extend(unwrap(json.loads(line)))
        except json.JSONDecodeError:
            result.bad_items += 1
            result.error = result.error or f"malformed JSON on line {number}"
        except RecursionError:
            result.bad_items += 1
            result.error = result.error or f"JSON nested too deeply to decode on line {number}"


def salvage(path: Path) -> Salvage:
    """Every event that can be decoded from a damaged file, and a count of what could not."""
    result = Salvage()
    try:
        text, stream_error = _readable_text(path)
    except OSError as exc:
        result.error, result.bad_items = f"unreadable: {exc.strerror}", 1
        return result
    stripped = text.lstrip("\ufeff \t\r\n")
    offset = len(text) - len(stripped)
    match = _RECORDS_HEAD.match(stripped)
    if match:
        _salvage_sequence(text, offset + match.end(), result)
    elif stripped.startswith("["):
        _salvage_sequence(text, offset + 1, result)
    else:
        _salvage_lines(text, result)
    if stream_error:
        # A cut stream usually also cuts the last event: count that loss once, not twice.
        result.bad_items = max(result.bad_items, 1)
        result.error = stream_error
    return result
