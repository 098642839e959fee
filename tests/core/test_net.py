"""One answer to "is this CIDR the internet" and one protocol table, for checks and engines alike."""

from __future__ import annotations

import pytest

from cloudwarden.checks._sg import _protocol
from cloudwarden.core.net import is_internet, is_wide_public_ipv4, protocol_name
from cloudwarden.engines.network.addresses import is_public


@pytest.mark.parametrize(("cidr", "internet"), [
    ("0.0.0.0/0", True), ("::/0", True), ("203.0.113.0/24", True), ("8.8.8.8", True), ("2600::/16", True),
    ("10.0.0.0/8", False), ("198.18.0.0/15", False), ("100.64.0.0/10", False), ("169.254.1.1/32", False),
    ("fd00::/8", False), ("fe80::/10", False), ("not-a-cidr", False),
])
def test_is_internet_and_the_network_engine_agree(cidr: str, internet: bool) -> None:
    assert is_internet(cidr) is internet
    assert is_public(cidr) is internet


def test_wide_public_ranges_exclude_the_same_non_internet_space() -> None:
    assert is_wide_public_ipv4("52.0.0.0/8")
    assert not is_wide_public_ipv4("198.18.0.0/15")
    assert not is_wide_public_ipv4("0.0.0.0/0")
    assert not is_wide_public_ipv4("52.1.2.0/24")


@pytest.mark.parametrize(("raw", "name"), [("-1", "all"), (None, "all"), ("6", "tcp"), ("TCP", "tcp"),
                                           ("58", "icmpv6"), ("50", "50")])
def test_one_protocol_table(raw: object, name: str) -> None:
    assert protocol_name(raw) == name
    assert _protocol(raw) == name
