"""IP facts shared by every layer (standard library only): what is "the internet", protocol names.

Stable API:

    NOT_INTERNET_V4      the one list of IPv4 ranges that are never internet sources
    INTERNET_V6          IPv6 space routed on the internet (global unicast)
    OPEN_TO_ALL          ("0.0.0.0/0", "::/0"): a rule source that is every address
    is_internet(cidr)    True when the CIDR holds at least one internet address (False if unparsable)
    is_wide_public_ipv4(cidr, longest=23)  a public IPv4 range /1../longest wholly outside NOT_INTERNET_V4
    PROTOCOL_NAMES       IP protocol number (as AWS writes it) -> name; "-1" is all traffic
    protocol_name(raw)   "6" -> "tcp", "-1"/None -> "all", "TCP" -> "tcp", unknown numbers unchanged
    protocol_number(raw) the inverse, as AWS writes it: "tcp"/"6" -> "6", "all"/"-1"/None -> "-1"
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

# Private, shared (CGNAT), loopback, link-local, benchmarking, "this network", multicast and reserved
# space. Documentation ranges (203.0.113.0/24 ...) stay public on purpose: examples use them as
# stand-ins for internet addresses.
NOT_INTERNET_V4: tuple[str, ...] = (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/3",
)
INTERNET_V6: tuple[str, ...] = ("2000::/3",)
OPEN_TO_ALL: tuple[str, ...] = ("0.0.0.0/0", "::/0")  # a source of every address, IPv4 and IPv6

PROTOCOL_NAMES: dict[str, str] = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}

_NOT_V4 = tuple(ipaddress.IPv4Network(n) for n in NOT_INTERNET_V4)
_V6 = tuple(ipaddress.IPv6Network(n) for n in INTERNET_V6)


def protocol_name(raw: object) -> str:
    text = str(raw if raw is not None else "-1").lower()
    return PROTOCOL_NAMES.get(text, text)


_NUMBERS: dict[str, str] = {name: number for number, name in PROTOCOL_NAMES.items()}


def protocol_number(raw: object) -> str:
    return _NUMBERS.get(protocol_name(raw), str(raw).lower())


def _network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(str(cidr).strip(), strict=False)
    except ValueError:
        return None


@lru_cache(maxsize=65536)
def is_internet(cidr: str) -> bool:
    """Whether the CIDR (or address) holds any internet address."""
    network = _network(cidr)
    if network is None:
        return False
    if isinstance(network, ipaddress.IPv6Network):
        return any(network.overlaps(space) for space in _V6)
    return not any(network.subnet_of(blocked) for blocked in _NOT_V4)


def is_wide_public_ipv4(cidr: str, longest: int = 23) -> bool:
    """A public IPv4 range with a prefix from /1 to /`longest` (0.0.0.0/0 is judged elsewhere)."""
    network = _network(cidr)
    if not isinstance(network, ipaddress.IPv4Network) or not 1 <= network.prefixlen <= longest:
        return False
    return not any(network.subnet_of(blocked) for blocked in _NOT_V4)
