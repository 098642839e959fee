"""The quick path (statements validated without compiling, matched directly until reused) against the
precise path (every matcher compiled up front): the same documents accepted, the same errors, the
same decisions for each of the first uses and after the switch to compiled matchers."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloudwarden.engines.iam import PolicyError, PolicySet, evaluate, load_document
from cloudwarden.engines.iam.operators import parse_address, parse_network
from cloudwarden.engines.iam.policy import REUSE, _compile_precisely, _quick_statements, compile_policy

from .helpers import V
from .test_properties import SETTINGS, documents, json_values, requests

odd_values = st.sampled_from(
    ["10.0.0.0/8", "010.0.0.1", "2001:db8::/129", "fe80::1%eth0", "1::2::3", "x", "", "2025-13-01",
     "1e400", "TRUE", "${aws:username}", "AAA", "*", "a?c", 5, 2.5, True, None, ["x", 3], {"a": 1}]
)
odd_operators = st.sampled_from(
    ["StringEquals", "IpAddress", "NotIpAddressIfExists", "DateLessThan", "NumericEquals", "Bool",
     "BinaryEquals", "Null", "NullIfExists", "ForAnyValue:StringLike", "ForAllValues:Bool",
     "StringLikeIfExistsIfExists", "Foo:StringEquals", "ArnLike", "StringEqualsIgnoreCase"]
)
odd_statements = st.fixed_dictionaries(
    {"Effect": st.sampled_from(["Allow", "Deny", "allow", None])},
    optional={
        "Action": st.sampled_from(["s3:GetObject", "*", "GetObject", ["s3:Get*", 5], [], "s3:\nx", None]),
        "NotAction": st.sampled_from(["iam:*", ["s3:?et*"]]),
        "Resource": st.sampled_from(["*", ["arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::*a*b"], 7]),
        "NotResource": st.just("arn:aws:s3:::b"),
        "Principal": st.sampled_from(["*", {"AWS": "*"}, {"AWS": ["111111111111", 3]}, {"Bad": "x"}]),
        "NotPrincipal": st.just({"AWS": "111111111111"}),
        "Condition": st.dictionaries(odd_operators, st.dictionaries(st.sampled_from(["aws:username", "k"]),
                                                                    odd_values, max_size=2), max_size=2),
        "Sid": st.sampled_from(["s", 1, None]),
    },
)
odd_documents = st.fixed_dictionaries(
    {"Statement": st.lists(odd_statements, max_size=3) | odd_statements},
    optional={"Version": st.sampled_from([V, "2008-10-17", "2020-01-01"]), "Id": st.just("x")},
)
KINDS = ("identity", "resource", "scp", "rcp")


def _outcome(compile: Any, document: Any, kind: str) -> Any:
    try:
        return compile(document, kind)
    except PolicyError as error:
        return error.message
    except (TypeError, AttributeError) as error:  # not JSON-shaped input: both fail alike
        return type(error).__name__


@SETTINGS
@given(document=odd_documents | documents() | documents(with_principal=True) | json_values)
def test_quick_path_accepts_exactly_what_the_precise_path_accepts(document: Any) -> None:
    for kind in KINDS:
        quick = _outcome(lambda d, k: compile_policy(d, k, "p", "$"), document, kind)
        precise = _outcome(lambda d, k: _compile_precisely(load_document(d), k, "p", "$"), document, kind)
        assert isinstance(quick, str) == isinstance(precise, str)
        if isinstance(quick, str):
            assert quick == precise


@SETTINGS
@given(documents=st.lists(documents() | odd_documents, min_size=1, max_size=3), resource=documents(True),
       request_list=st.lists(requests, min_size=1, max_size=REUSE + 3))
def test_quick_statements_decide_as_compiled_ones(documents: list[Any], resource: Any,
                                                  request_list: list[Any]) -> None:
    try:
        precise = PolicySet(identity=tuple(_compile_precisely(d, "identity", f"i{n}", "$")
                                           for n, d in enumerate(documents)),
                            resource=_compile_precisely(resource, "resource", "r", "$"))
    except (PolicyError, TypeError, AttributeError):
        return
    quick = PolicySet(identity=tuple(compile_policy(d, "identity", f"i{n}") for n, d in enumerate(documents)),
                      resource=compile_policy(resource, "resource", "r"))
    for request in request_list:  # the same statements asked again and again: direct, then compiled
        assert evaluate(request, quick) == evaluate(request, precise)


def test_plain_documents_take_the_quick_path() -> None:
    document = {"Version": V, "Statement": [
        {"Effect": "Allow", "Action": ["s3:Get*", "ec2:DescribeInstances"], "Resource": "arn:aws:s3:::b/*",
         "Condition": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]},
                       "Bool": {"aws:SecureTransport": "true"}}},
    ]}
    statements = _quick_statements(document, "identity", "$")
    assert statements is not None and statements[0]._conditions is None  # nothing compiled yet


@pytest.mark.parametrize("value", ["10.0.0.256/8", "2001:db8::/129", "not-an-ip"])
def test_a_bad_range_is_still_an_error_with_its_path(value: str) -> None:
    document = {"Version": V, "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": value}}}]}
    with pytest.raises(PolicyError) as raised:
        compile_policy(document)
    assert raised.value.path == "$.Statement[0].Condition.IpAddress.aws:SourceIp"


def _reference_network(text: str) -> Any:
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    return network.version, int(network.network_address), int(network.netmask)


def _reference_address(text: str) -> Any:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return address.version, int(address)


ip_like = st.text(alphabet="0123456789abcdefABCDEF:./%", max_size=24) | st.builds(
    lambda address, prefix, compress: (address.compressed if compress else address.exploded) + prefix,
    st.ip_addresses(),
    st.sampled_from(["", "/0", "/8", "/24", "/32", "/33", "/64", "/128", "/129", "/08", "/"]),
    st.booleans(),
)


@SETTINGS
@given(text=ip_like)
def test_ranges_and_addresses_read_as_ipaddress_reads_them(text: str) -> None:
    try:
        network = parse_network(text)
    except ValueError:
        network = None
    assert network == _reference_network(text)
    assert parse_address(text) == _reference_address(text)


@pytest.mark.parametrize("patterns, resource, expected", [
    ([""], "arn:aws:s3:::b", False),
    ([""], "x", False),
    (["*"], "arn:aws:s3:::b", True),
    (["arn:aws:s3:::b*"], "arn:aws:s3:::b/k", True),
    (["arn:aws:s3:::b?"], "arn:aws:s3:::b", False),
    (["arn:aws:s3:::*/k"], "arn:aws:s3:::b/k", True),
    (["arn:aws:s3:::b*", "arn:aws:s3:::c"], "arn:aws:s3:::c", True),
])
def test_resources_matched_as_written_as_compiled(patterns: list[str], resource: str, expected: bool) -> None:
    from cloudwarden.engines.iam import make_request

    document = {"Version": V, "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": patterns}]}
    request = make_request("arn:aws:iam::111111111111:user/a", "s3:GetObject", resource, "111111111111")
    quick = PolicySet(identity=(compile_policy(document),))
    precise = PolicySet(identity=(_compile_precisely(document, "identity", "policy", "$"),))
    for _ in range(REUSE + 2):  # as written first, then compiled
        assert (evaluate(request, quick).decision == "Allow") is expected
        assert evaluate(request, quick) == evaluate(request, precise)
