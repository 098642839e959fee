"""Address ranges: CIDRs as integer intervals, and which part of the address space is 'the internet'.

Pure standard library. Reachability is decided per *segment*: a run of source addresses that every
CIDR in play (routes, NACL entries, security-group rules) treats alike, so a whole segment shares
one verdict at every hop.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from cloudwarden.core.net import INTERNET_V6 as INTERNET_V6_CIDRS
from cloudwarden.core.net import NOT_INTERNET_V4, is_internet


@dataclass(frozen=True)
class Cidr:
    """A parsed CIDR block: its text, IP version, prefix length and inclusive integer bounds."""

    text: str
    version: int
    prefix: int
    low: int
    high: int

    def contains(self, low: int, high: int) -> bool:
        return self.low <= low and high <= self.high


@lru_cache(maxsize=65536)
def parse_cidr(text: str) -> Cidr | None:
    """Parse ``text`` as a CIDR (host bits tolerated); None when it is not one."""
    try:
        network = ipaddress.ip_network(text.strip(), strict=False)
    except (ValueError, AttributeError):
        return None
    low = int(network.network_address)
    return Cidr(str(network), network.version, network.prefixlen, low, low + network.num_addresses - 1)


def any_cidr(version: int) -> str:
    return "0.0.0.0/0" if version == 4 else "::/0"


# One list of non-internet ranges for the whole program (core.net).
_NOT_INTERNET_V4 = NOT_INTERNET_V4
_INTERNET_V6 = INTERNET_V6_CIDRS


def _complement(blocks: Iterable[Cidr], space_high: int) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    start = 0
    for block in sorted(blocks, key=lambda b: b.low):
        if block.low > start:
            out.append((start, block.low - 1))
        start = max(start, block.high + 1)
    if start <= space_high:
        out.append((start, space_high))
    return tuple(out)


def _parsed(texts: Iterable[str]) -> list[Cidr]:
    return [c for c in (parse_cidr(t) for t in texts) if c is not None]


INTERNET_V4 = _complement(_parsed(_NOT_INTERNET_V4), 2**32 - 1)
INTERNET_V6 = tuple((c.low, c.high) for c in _parsed(_INTERNET_V6))


def internet_space(version: int) -> tuple[tuple[int, int], ...]:
    """The public source ranges of one IP version, as sorted inclusive intervals."""
    return INTERNET_V4 if version == 4 else INTERNET_V6


is_public = is_internet  # whether the CIDR holds any internet address: the one test, core.net


def segments(cuts: Iterable[Cidr], version: int) -> list[tuple[int, int]]:
    """Split the internet space of ``version`` at every edge of ``cuts``.

    Each returned interval lies wholly inside or wholly outside every given CIDR, so a single
    address stands for the whole interval when rules are matched.
    """
    edges: set[int] = set()
    for cidr in cuts:
        if cidr.version == version:
            edges.add(cidr.low)
            edges.add(cidr.high + 1)
    ordered = sorted(edges)
    out: list[tuple[int, int]] = []
    for low, high in internet_space(version):
        start = low
        for edge in ordered:
            if edge <= start:
                continue
            if edge > high:
                break
            out.append((start, edge - 1))
            start = edge
        out.append((start, high))
    return out
