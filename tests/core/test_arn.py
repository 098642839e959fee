"""core.arn: the one ARN parser, and core.net.protocol_number (the inverse of protocol_name)."""

from __future__ import annotations

import pytest

from cloudwarden.core.arn import account_of, parse_arn, partition_of
from cloudwarden.core.net import OPEN_TO_ALL, is_internet, protocol_number


def test_resource_keeps_its_colons() -> None:
    arn = parse_arn("arn:aws:logs:eu-west-1:123456789012:log-group:/app/web:*")
    assert arn is not None
    assert (arn.partition, arn.service, arn.region, arn.account) == ("aws", "logs", "eu-west-1", "123456789012")
    assert arn.resource == "log-group:/app/web:*"
    assert str(arn) == "arn:aws:logs:eu-west-1:123456789012:log-group:/app/web:*"


@pytest.mark.parametrize("text", ["", "*", "123456789012", "arn:aws:s3", "urn:aws:s3:::b:c", "arn:aws:iam::1"])
def test_not_an_arn(text: str) -> None:
    assert parse_arn(text) is None
    assert partition_of(text) == "aws"
    assert account_of(text, "fallback") == "fallback"


def test_partition_and_account() -> None:
    assert partition_of("arn:aws-cn:iam::123456789012:role/r") == "aws-cn"
    assert partition_of("arn::s3:::bucket") == "aws"  # an empty partition falls back
    assert account_of("arn:aws:s3:::bucket", "111122223333") == "111122223333"  # S3 ARNs name no account
    assert account_of("arn:aws:sts::123456789012:assumed-role/r/s") == "123456789012"


@pytest.mark.parametrize(("raw", "number"), [("tcp", "6"), ("6", "6"), ("UDP", "17"), ("-1", "-1"),
                                             (None, "-1"), ("all", "-1"), ("icmp", "1"), ("50", "50")])
def test_protocol_number(raw: object, number: str) -> None:
    assert protocol_number(raw) == number


def test_open_to_all_is_internet() -> None:
    assert all(is_internet(cidr) for cidr in OPEN_TO_ALL)
