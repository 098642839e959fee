"""Value comparisons behind the condition operators: one factory per operator family.

A factory turns the policy values of one condition into a predicate on a single request value.
Policy values that cannot be parsed (a date that is no date) raise ``ValueError``; request values
that cannot be parsed simply do not match.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import math
import operator
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from cloudwarden.engines.iam.patterns import STAR, Chunk, compile_globs, glob_chunks_to_regex, linear_glob

ValuePredicate = Callable[[str], bool]
Comparison = Callable[[float, float], bool]

_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_EPOCH = re.compile(r"^[+-]?\d+(?:\.\d+)?$")

COMPARISONS: dict[str, Comparison] = {
    "Equals": operator.eq,
    "NotEquals": operator.eq,  # negation is applied by the condition, not here
    "LessThan": operator.lt,
    "LessThanEquals": operator.le,
    "GreaterThan": operator.gt,
    "GreaterThanEquals": operator.ge,
}


def parse_number(text: str) -> float | None:
    if not _NUMBER.match(text):
        return None
    number = float(text)
    return number if math.isfinite(number) else None


def parse_date(text: str) -> float | None:
    """Seconds since the epoch for W3C ISO 8601 text or epoch seconds; None when neither."""
    if _EPOCH.match(text):
        return float(text)
    candidate = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        moment = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _parsed_all(values: Sequence[str], parse: Callable[[str], float | None], what: str) -> list[float]:
    parsed: list[float] = []
    for value in values:
        number = parse(value)
        if number is None:
            raise ValueError(f"{value!r} is not a valid {what}")
        parsed.append(number)
    return parsed


def _ordered(
    values: Sequence[str], parse: Callable[[str], float | None], compare: Comparison, what: str
) -> ValuePredicate:
    limits = _parsed_all(values, parse, what)

    def predicate(request_value: str) -> bool:
        number = parse(request_value)
        return number is not None and any(compare(number, limit) for limit in limits)

    return predicate


def numeric(values: Sequence[str], suffix: str) -> ValuePredicate:
    return _ordered(values, parse_number, COMPARISONS[suffix], "number")


def date(values: Sequence[str], suffix: str) -> ValuePredicate:
    return _ordered(values, parse_date, COMPARISONS[suffix], "date (ISO 8601 or epoch seconds)")


def string_equals(values: Sequence[str]) -> ValuePredicate:
    allowed = frozenset(values)
    return allowed.__contains__


def string_equals_ignore_case(values: Sequence[str]) -> ValuePredicate:
    allowed = frozenset(v.casefold() for v in values)
    return lambda request_value: request_value.casefold() in allowed


def string_like(values: Sequence[str]) -> ValuePredicate:
    return compile_globs(tuple(values))


def boolean(values: Sequence[str]) -> ValuePredicate:
    wanted = set()
    for value in values:
        lowered = value.lower()
        if lowered not in ("true", "false"):
            raise ValueError(f"{value!r} is not true or false")
        wanted.add(lowered)
    return lambda request_value: request_value.lower() in wanted


def b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def binary(values: Sequence[str]) -> ValuePredicate:
    wanted = set()
    for value in values:
        decoded = b64(value)
        if decoded is None:
            raise ValueError(f"{value!r} is not base64")
        wanted.add(decoded)
    return lambda request_value: b64(request_value) in wanted


_IPV4 = re.compile(r"([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})(?:/([0-9]{1,3}))?")
_IPV6 = re.compile(r"([0-9A-Fa-f:]{2,39})(?:/([0-9]{1,3}))?")
_IPV6_SHAPE = re.compile(r"(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){7})|(?:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?::(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?)")

Network = tuple[int, int, int]  # (IP version, network address, netmask) as integers


def quick_network(text: str, address_only: bool) -> Network | None:
    """The common spellings (dotted IPv4, plain hex-and-colons IPv6, an optional /prefix) parsed
    without the ipaddress module; None for anything else, which ipaddress then decides."""
    found = _IPV4.fullmatch(text)
    if found is not None:
        value = 0
        for octet in found.group(1, 2, 3, 4):
            if len(octet) > 1 and octet[0] == "0":
                return None  # leading zeros: ipaddress rejects them, with its own message
            number = int(octet)
            if number > 255:
                return None
            value = value << 8 | number
        bits, full = found.group(5), 32
    else:
        found = _IPV6.fullmatch(text)
        if found is None or _IPV6_SHAPE.fullmatch(found.group(1)) is None:
            return None
        head = found.group(1)
        if head.count("::") > 1 or len([g for g in head.split(":") if g]) > (8 if "::" not in head else 7):
            return None
        from socket import AF_INET6, inet_pton  # here: the socket module is not needed for IPv4 (start-up)

        try:
            value = int.from_bytes(inet_pton(AF_INET6, head), "big")
        except OSError:
            return None
        bits, full = found.group(2), 128
    if bits is None:
        prefix = full
    elif address_only:
        return None
    else:
        prefix = int(bits)
        if prefix > full:
            return None
    mask = ((1 << full) - 1) ^ ((1 << (full - prefix)) - 1)
    return (4 if full == 32 else 6), value & mask, mask


def parse_network(text: str) -> Network:
    """A CIDR range or address as ipaddress.ip_network(text, strict=False) reads it (ValueError if not)."""
    quick = quick_network(text, False)
    if quick is not None:
        return quick
    network = ipaddress.ip_network(text, strict=False)
    return network.version, int(network.network_address), int(network.netmask)


def parse_address(text: str) -> tuple[int, int] | None:
    """(version, integer) of an address as ipaddress.ip_address reads it; None when it is none."""
    quick = quick_network(text, True)
    if quick is not None:
        return quick[0], quick[1]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return address.version, int(address)


def ip_address(values: Sequence[str]) -> ValuePredicate:
    try:
        networks = [parse_network(v.strip()) for v in values]
    except ValueError as error:
        raise ValueError(f"not an IP address or CIDR range ({error})") from None

    def predicate(request_value: str) -> bool:
        address = parse_address(request_value.strip())
        if address is None:
            return False
        version, number = address
        # explicit version test: an IPv4 address is never inside an IPv6 range, nor the reverse
        return any(v == version and number & mask == net for v, net, mask in networks)

    return predicate


def arn_chunks_to_regex(chunks: list[Chunk]) -> str:
    """Regex for an ARN pattern: wildcards stay within their colon-separated segment, except the last.

    A pattern without the six segments of an ARN is matched as a whole-string wildcard pattern.
    """
    text = "".join(t for t, _ in chunks)
    if text.count(":") < 5:
        return glob_chunks_to_regex(chunks)
    out: list[str | None] = []
    colons = 0
    for chunk_text, literal in chunks:
        for char in chunk_text:
            if char == ":" and colons < 5:
                colons += 1
                out.append(":")
            elif literal or char not in "*?":
                out.append(re.escape(char))
            elif colons < 5:
                out.append("[^:]*" if char == "*" else "[^:]")
            else:
                out.append(STAR if char == "*" else ".")
    return linear_glob(out)


def arn_like(values: Sequence[str]) -> ValuePredicate:
    regexes = [re.compile("(?s:" + arn_chunks_to_regex([(v, False)]) + r")\Z") for v in values]
    return lambda request_value: any(r.match(request_value) for r in regexes)
