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


def inflated_size(path: Path, inflation: int) -> int:
    """The size ``path`` inflates to: a gzip's own trailer (ISIZE) where it is plausible, else an estimate.

    ISIZE is the last member's size modulo 4 GiB; when it is smaller than the compressed file (a
    wrapped size, or several members) the file's size times ``inflation`` stands in for it.
    """
    size = path.stat().st_size
    if not is_gzip(path) or size < 18:
        return size
    with path.open("rb") as handle:
        handle.seek(-4, 2)
        trailer = int.from_bytes(handle.read(4), "little")
    return trailer if trailer >= size else size * inflation


class DamagedGzip(ValueError):
    """A gzip file whose deflate stream or CRC-32/size trailer does not check out."""


_VERIFY_PIECE = 1 << 18
_VERIFY_OUT = 1 << 22


def gzip_damage(path: Path) -> str:
    """'' if every gzip member of ``path`` inflates and matches its CRC-32 and size; else the damage.

    DuckDB's gzip reader does not check the trailer, so a flipped bit that leaves the deflate stream
    decodable would be stored as altered events without a word; this reads the file once more
    (zlib, which releases the GIL, so the ingest workers verify side by side) in bounded memory.
    """
    member = 1
    inflater = zlib.decompressobj(wbits=31)
    buffer = b""
    with path.open("rb") as handle:
        while True:
            if not buffer:
                buffer = handle.read(_VERIFY_PIECE)
                if not buffer:
                    break
            if inflater.eof:
                if not buffer.strip(b"\x00"):  # zero padding after the last member, as tape tools write
                    buffer = b""
                    continue
                member += 1
                inflater = zlib.decompressobj(wbits=31)
            try:
                inflater.decompress(buffer, _VERIFY_OUT)
                while inflater.unconsumed_tail and not inflater.eof:
                    inflater.decompress(inflater.unconsumed_tail, _VERIFY_OUT)
            except zlib.error as exc:
                kind = "checksum mismatch" if "incorrect" in str(exc) else "corrupt deflate data"
                return f"corrupt gzip (member {member}): {kind} ({exc})"
            buffer = inflater.unused_data if inflater.eof else b""
    return "" if inflater.eof else f"truncated gzip (member {member} never ends)"


_RECORDS_HEAD_BYTES = re.compile(rb'^(?:\xef\xbb\xbf)?\s*\{\s*"Records"\s*:\s*\[')
# Between two events of a Records array. Unambiguous in valid JSON: a quote right after the brace
# cannot sit inside a string (it would end it, and `eventVersion":` cannot follow a string's end).
# CloudTrail writes eventVersion first; a file written otherwise is simply not cut into parts.
_EVENT_BOUNDARY = re.compile(rb'\}\s*,\s*(\{\s*"eventVersion"\s*:)')
# A second Records object after the first (unambiguous the same way): such files take the ordinary path.
_NEXT_OBJECT = re.compile(rb'\]\s*\}\s*,?\s*\{\s*"Records"\s*:')
_SPLIT_PIECE = 1 << 20
_TAIL = 256


def records_as_array(path: Path, folder: Path, part_bytes: int = 64 << 20) -> list[Path]:
    """The events of a one-object ``{"Records": [...]}`` file as bare JSON arrays in ``folder``, streaming.

    DuckDB reads a bare array element by element, while a Records object is one JSON value that it
    must hold whole (with a buffer twice the largest object allowed): an 11 MB gzip of 150,000 events
    took 1.3 GB that way. The arrays are cut into parts of about ``part_bytes`` between two events,
    so that each part is one bounded COPY. Memory here is one piece, whatever the file's size.
    An empty list if the file is not exactly one such object (the caller then reads it as it is);
    a gzip that fails its CRC-32/size check, or ends early, raises DamagedGzip.
    """
    opener = gzip.open if is_gzip(path) else open
    parts: list[Path] = []
    try:
        with opener(path, "rb") as source:
            head = source.read(_SPLIT_PIECE)
            match = _RECORDS_HEAD_BYTES.match(head)
            if not match:
                return []
            folder.mkdir(parents=True, exist_ok=True)
            parts.append(folder / f"{path.name}.0.json")
            out = parts[-1].open("wb")
            try:
                pending, written, piece = head[match.end() - 1:], 0, source.read(_SPLIT_PIECE)
                while piece or len(pending) > _TAIL:
                    pending += piece
                    if _NEXT_OBJECT.search(pending):
                        return []
                    cut = _EVENT_BOUNDARY.search(pending) if written + len(pending) > part_bytes else None
                    if cut and cut.start() < len(pending) - _TAIL:
                        out.write(pending[:cut.start() + 1] + b"]")
                        out.close()
                        parts.append(folder / f"{path.name}.{len(parts)}.json")
                        out = parts[-1].open("wb")
                        out.write(b"[")
                        pending, written = pending[cut.start(1):], 1
                    else:
                        out.write(pending[:-_TAIL])
                        written += len(pending) - _TAIL
                        pending = pending[-_TAIL:]
                    piece = source.read(_SPLIT_PIECE) if piece else b""
                end = pending.rstrip()
                if not end.endswith(b"}") or not end[:-1].rstrip().endswith(b"]"):
                    return []  # cut short, or more than the Records key: the ordinary path decides
                out.write(end[:-1].rstrip())
            finally:
                out.close()
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise DamagedGzip(f"{path}: corrupt gzip: {exc}") from None
    return parts


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


_MEMBER_HEAD = b"\x1f\x8b\x08"


def _inflate_member(data: bytes, start: int) -> tuple[bytes, int, str]:
    """One gzip member from ``start``: what inflated, where the next member starts, and the damage."""
    inflater = zlib.decompressobj(wbits=31)
    chunks: list[bytes] = []
    end = start
    try:
        # Fed piece by piece, so that what inflated before a damaged byte is kept.
        while end < len(data) and not inflater.eof:
            chunks.append(inflater.decompress(data[end:end + _INFLATE_PIECE]))
            end += _INFLATE_PIECE
    except zlib.error as exc:
        kind = "checksum mismatch, the events kept from it may be altered" if "incorrect" in str(exc) \
            else "corrupt deflate data"
        following = data.find(_MEMBER_HEAD, start + 1)
        return b"".join(chunks), following if following > 0 else len(data), f"corrupt gzip: {kind} ({exc})"
    if not inflater.eof:
        return b"".join(chunks), len(data), "truncated gzip"
    return b"".join(chunks), min(end, len(data)) - len(inflater.unused_data), ""


def _readable_members(path: Path) -> list[tuple[str, str]]:
    """The file's decodable text in segments, each with the error that ended it ('' if none).

    Undamaged gzip members run together into one segment (a record may span members, as block-
    compressed streams write them); a damaged member ends its segment, and reading resumes at the
    next gzip header, so one bad member does not cost the members after it.
    """
    data = path.read_bytes()
    if not data.startswith(GZIP_MAGIC):
        return [(data.decode("utf-8", errors="replace"), "")]
    segments: list[tuple[bytes, int, str]] = []
    pieces: list[bytes] = []
    position = members = 0
    while position < len(data) and data[position:].strip(b"\x00"):
        raw, position, error = _inflate_member(data, position)
        members += 1
        pieces.append(raw)
        if error:
            segments.append((b"".join(pieces), members, error))
            pieces = []
    if pieces or not segments:
        segments.append((b"".join(pieces), members, ""))
    # The damaged member's number, where there is more than one.
    return [(raw.decode("utf-8", errors="replace"),
             f"gzip member {number}: {error}" if error and members > 1 else error)
            for raw, number, error in segments]


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
        members = _readable_members(path)
    except OSError as exc:
        result.error, result.bad_items = f"unreadable: {exc.strerror}", 1
        return result
    errors = []
    for text, stream_error in members:
        part = Salvage()
        _salvage_text(text, part)
        if stream_error:
            # A cut stream usually also cuts the last event: count that loss once, not twice.
            part.bad_items = max(part.bad_items, 1)
            part.error = stream_error
        result.events.extend(part.events)
        result.bad_items += part.bad_items
        if part.error:
            errors.append(part.error)
    result.error = "; ".join(errors[:3]) + (f"; and {len(errors) - 3} more" if len(errors) > 3 else "")
    return result


def _salvage_text(text: str, result: Salvage) -> None:
    stripped = text.lstrip("\ufeff \t\r\n")
    offset = len(text) - len(stripped)
    match = _RECORDS_HEAD.match(stripped)
    if match:
        _salvage_sequence(text, offset + match.end(), result)
    elif stripped.startswith("["):
        _salvage_sequence(text, offset + 1, result)
    elif stripped:
        _salvage_lines(text, result)
