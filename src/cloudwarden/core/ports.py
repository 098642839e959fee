"""Port sets as sorted interval lists (standard library only), shared by the inventory views and the
network engine.

Stable API:

    PortSet.of(low, high) / PortSet.from_ranges(...)   immutable merged ranges; & | - complement count
    EMPTY, ALL_PORTS, EPHEMERAL_PORTS, MAX_PORT, EPHEMERAL
    ports_from_aws(protocol, low, high)   the ports of an AWS rule (all protocols / no bounds / -1: every port)

A :class:`PortSet` holds disjoint, non-adjacent, inclusive ranges, so asking about all 65,536 ports
costs a handful of tuple comparisons rather than a 65,536-element set.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

MAX_PORT = 65535
EPHEMERAL = (1024, MAX_PORT)


@dataclass(frozen=True)
class PortSet:
    """An immutable set of ports 0-65535 kept as merged, sorted ``(low, high)`` ranges."""

    ranges: tuple[tuple[int, int], ...] = ()

    @classmethod
    def of(cls, low: int, high: int | None = None) -> PortSet:
        high = low if high is None else high
        low, high = max(0, low), min(MAX_PORT, high)
        return cls(((low, high),)) if low <= high else EMPTY

    @classmethod
    def from_ranges(cls, ranges: Iterable[tuple[int, int]]) -> PortSet:
        merged: list[list[int]] = []
        for low, high in sorted((max(0, lo), min(MAX_PORT, hi)) for lo, hi in ranges):
            if low > high:
                continue
            if merged and low <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], high)
            else:
                merged.append([low, high])
        return cls(tuple((lo, hi) for lo, hi in merged))

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(self.ranges)

    def __contains__(self, port: object) -> bool:
        return isinstance(port, int) and any(lo <= port <= hi for lo, hi in self.ranges)

    def __or__(self, other: PortSet) -> PortSet:
        if not other.ranges:
            return self
        if not self.ranges:
            return other
        return PortSet.from_ranges(self.ranges + other.ranges)

    def __and__(self, other: PortSet) -> PortSet:
        out: list[tuple[int, int]] = []
        mine, theirs = self.ranges, other.ranges
        i = j = 0
        while i < len(mine) and j < len(theirs):
            low = max(mine[i][0], theirs[j][0])
            high = min(mine[i][1], theirs[j][1])
            if low <= high:
                out.append((low, high))
            if mine[i][1] < theirs[j][1]:
                i += 1
            else:
                j += 1
        return PortSet(tuple(out))

    def __sub__(self, other: PortSet) -> PortSet:
        if not other.ranges or not self.ranges:
            return self
        return self & other.complement()

    def complement(self) -> PortSet:
        out: list[tuple[int, int]] = []
        start = 0
        for low, high in self.ranges:
            if low > start:
                out.append((start, low - 1))
            start = high + 1
        if start <= MAX_PORT:
            out.append((start, MAX_PORT))
        return PortSet(tuple(out))

    def count(self) -> int:
        return sum(high - low + 1 for low, high in self.ranges)

    def is_all(self) -> bool:
        return self.ranges == ((0, MAX_PORT),)

    def __str__(self) -> str:
        if not self.ranges:
            return "no ports"
        if self.is_all():
            return "all ports"
        return ", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in self.ranges)


EMPTY = PortSet()
ALL_PORTS = PortSet(((0, MAX_PORT),))
EPHEMERAL_PORTS = PortSet((EPHEMERAL,))


def ports_from_aws(protocol: str, low: int | None, high: int | None) -> PortSet:
    """Ports of an AWS rule; 'all protocols' and missing bounds mean every port."""
    if protocol in ("-1", "all") or low is None or high is None:
        return ALL_PORTS
    if low == -1 and high == -1:
        return ALL_PORTS
    return PortSet.of(low, high)
