"""Malformed policies and requests raise PolicyError (an InputError) naming the JSON path."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.core.errors import InputError
from cloudwarden.engines.iam import PolicyError, compile_policy, load_document, make_request
from cloudwarden.engines.iam.requestfile import load_request

from .helpers import ALICE, V, allow, doc

POLICY_CASES: list[tuple[str, Any, str, str]] = [
    ("not-an-object", ["x"], "identity", "$"),
    ("invalid-json-text", "{nope", "identity", "$"),
    ("no-statement", {"Version": V}, "identity", "$"),
    ("unknown-top-level", {"Version": V, "Statement": [], "Extra": 1}, "identity", "$"),
    ("bad-version", {"Version": "2020-01-01", "Statement": []}, "identity", "$.Version"),
    ("statement-not-object", doc("x"), "identity", "$.Statement[0]"),
    (
        "bad-effect",
        doc({"Effect": "allow", "Action": "*", "Resource": "*"}),
        "identity",
        "$.Statement[0].Effect",
    ),
    ("no-action", doc({"Effect": "Allow", "Resource": "*"}), "identity", "$.Statement[0]"),
    ("action-and-notaction", doc(allow(NotAction="s3:*")), "identity", "$.Statement[0]"),
    (
        "action-not-service-form",
        doc(allow(action=["s3:Get", "GetObject"])),
        "identity",
        "$.Statement[0].Action[1]",
    ),
    ("action-not-string", doc(allow(action=5)), "identity", "$.Statement[0].Action"),
    ("identity-without-resource", doc({"Effect": "Allow", "Action": "*"}), "identity", "$.Statement[0]"),
    ("principal-in-identity", doc(allow(Principal="*")), "identity", "$.Statement[0].Principal"),
    ("principal-in-scp", doc(allow(Principal="*")), "scp", "$.Statement[0].Principal"),
    ("resource-policy-without-principal", doc(allow()), "resource", "$.Statement[0]"),
    (
        "notprincipal-with-allow",
        doc(allow(NotPrincipal={"AWS": ALICE})),
        "resource",
        "$.Statement[0].NotPrincipal",
    ),
    ("rcp-principal-not-star", doc(allow(Principal={"AWS": ALICE})), "rcp", "$.Statement[0].Principal"),
    (
        "unknown-principal-type",
        doc(allow(Principal={"Aws": "*"})),
        "resource",
        "$.Statement[0].Principal.Aws",
    ),
    (
        "principal-entry-not-string",
        doc(allow(Principal={"AWS": [ALICE, 3]})),
        "resource",
        "$.Statement[0].Principal.AWS[1]",
    ),
    ("unknown-statement-element", doc(allow(Actions="s3:*")), "identity", "$.Statement[0]"),
    ("sid-not-string", doc(allow(Sid=1)), "identity", "$.Statement[0].Sid"),
    (
        "single-statement-object-path",
        {"Version": V, "Statement": {"Effect": "Maybe"}},
        "identity",
        "$.Statement.Effect",
    ),
]


@pytest.mark.parametrize("name, document, kind, path", POLICY_CASES, ids=[c[0] for c in POLICY_CASES])
def test_malformed_policy(name: str, document: Any, kind: str, path: str) -> None:
    with pytest.raises(PolicyError) as raised:
        compile_policy(document, kind)
    assert raised.value.path == path
    assert isinstance(raised.value, InputError)
    assert raised.value.message.startswith(path)
    assert raised.value.hint


def test_documents_as_stored_by_aws() -> None:
    encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D"
    assert load_document(encoded) == {"Version": V, "Statement": []}
    assert load_document('{"Statement": []}') == {"Statement": []}
    assert compile_policy(encoded).version == V


def test_trust_policies_need_no_resource() -> None:
    compiled = compile_policy(
        doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}),
        "resource",
    )
    assert len(compiled.allows) == 1


REQUEST_CASES: list[tuple[str, Any, str]] = [
    ("not-object", [], "$"),
    ("unknown-top-key", {"request": {}, "polices": {}}, "$"),
    ("no-request", {"policies": {}}, "$"),
    ("missing-action", {"request": {"principal": ALICE}}, "$.request"),
    ("bad-principal", {"request": {"principal": "alice", "action": "s3:GetObject"}}, "$.request.principal"),
    ("bad-action", {"request": {"principal": ALICE, "action": "GetObject"}}, "$.request.action"),
    (
        "bad-context-value",
        {"request": {"principal": ALICE, "action": "s3:GetObject", "context": {"k": {"a": 1}}}},
        "$.request.context.k",
    ),
    (
        "identity-not-list",
        {
            "request": {"principal": ALICE, "action": "s3:GetObject"},
            "policies": {"identity": {"Statement": []}},
        },
        "$.policies.identity",
    ),
    (
        "nested-policy-path",
        {
            "request": {"principal": ALICE, "action": "s3:GetObject"},
            "policies": {
                "scps": [
                    {"Statement": []},
                    [
                        {"Statement": []},
                        {"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"Bogus": {}}}]},
                    ],
                ]
            },
        },
        "$.policies.scps[1][1].Statement[0].Condition.Bogus",
    ),
    (
        "unknown-policy-key",
        {"request": {"principal": ALICE, "action": "s3:GetObject"}, "policies": {"idenity": []}},
        "$.policies",
    ),
]


@pytest.mark.parametrize("name, data, path", REQUEST_CASES, ids=[c[0] for c in REQUEST_CASES])
def test_malformed_request(name: str, data: Any, path: str) -> None:
    with pytest.raises(PolicyError) as raised:
        load_request(data)
    assert raised.value.path == path


def test_context_values_normalised() -> None:
    request = make_request(
        ALICE, "s3:GetObject", context={"AWS:SecureTransport": True, "k:N": 5, "K:L": ["a", 1]}
    )
    assert dict(request.context) == {"aws:securetransport": "true", "k:n": "5", "k:l": ["a", "1"]}
