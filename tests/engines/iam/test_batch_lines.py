"""Request lines through BatchEvaluator (msgspec decoding, each distinct policy text compiled once)
against the standard path (json.loads and evaluate_document): the same output for every line it
takes, and every line that the standard path refuses left to it, so that errors read as before."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloudwarden.engines.iam import Decision, PolicyError, Reason
from cloudwarden.engines.iam.policy import REUSE, compile_policy, compile_shaped
from cloudwarden.engines.iam.requestfile import BatchEvaluator, evaluate_document

from .helpers import ALICE, V, allow, doc
from .test_policy_errors import POLICY_CASES, REQUEST_CASES
from .test_properties import SETTINGS, documents, json_values
from .test_quick_path import KINDS, odd_documents

msgspec = pytest.importorskip("msgspec")

from cloudwarden.engines.iam import shapes  # noqa: E402 - needs msgspec

SHARED = BatchEvaluator(limit=64)  # kept across examples: statements are reused, the cache refills


def _standard(line: dict[str, Any]) -> Any:
    try:
        return evaluate_document(json.loads(json.dumps(line)), "label")
    except PolicyError as error:
        return error.message


def _agrees(line: dict[str, Any], batch: BatchEvaluator = SHARED) -> Any:
    """The fast path's output equals the standard path's, or it leaves the line (None) to it; a
    line that the standard path refuses is always left to it."""
    standard = _standard(line)
    fast = batch.evaluate_line(json.dumps(line), "label")
    if isinstance(standard, str):
        assert fast is None, standard
    elif fast is not None:
        assert fast == json.dumps(standard)  # the same line, character for character
    return standard


contexts = st.dictionaries(
    st.sampled_from(["aws:username", "aws:SourceIp", "aws:TagKeys", "aws:CurrentTime", "aws:PrincipalArn", "k"]),
    st.sampled_from(["alice", "10.1.2.3", "2001:db8::1", "2024-06-01T00:00:00Z", "true", "x*"])
    | st.lists(st.sampled_from(["a", "b"]), max_size=2) | st.integers(0, 5) | st.booleans(),
    max_size=3,
)
bodies = st.fixed_dictionaries(
    {"principal": st.sampled_from([ALICE, "arn:aws:sts::111111111111:assumed-role/app/s", "anonymous",
                                   "ec2.amazonaws.com", "arn:aws:iam::222222222222:root"]),
     "action": st.sampled_from(["s3:GetObject", "sts:AssumeRole", "kms:Decrypt", "iam:PassRole"])},
    optional={"resource": st.sampled_from(["arn:aws:s3:::bucket/alice/x", "*", "arn:aws:kms:eu-west-1:111111111111:key/k"]),
              "resourceAccount": st.just("111111111111"), "context": contexts},
)
policy_docs = documents() | odd_documents
lines = st.fixed_dictionaries(
    {"request": bodies},
    optional={
        "name": st.sampled_from(["n", None, "é \" \\ \n \u2028 😀"]) | st.text(max_size=5),
        "policies": st.fixed_dictionaries({}, optional={
            "identity": st.lists(policy_docs | policy_docs.map(json.dumps), max_size=3),
            "resource": st.none() | documents(with_principal=True) | odd_documents,
            "boundary": policy_docs,
            "session": policy_docs,
            "scps": st.lists(policy_docs | st.lists(policy_docs, max_size=2), max_size=2),
            "rcps": st.lists(documents(with_principal=True) | odd_documents, max_size=1),
        }),
    },
)


@SETTINGS
@given(line=lines)
def test_lines_decide_as_the_standard_path(line: dict[str, Any]) -> None:
    _agrees(line)


@SETTINGS
@given(line=lines | st.fixed_dictionaries({"request": json_values | bodies}, optional={
    "policies": json_values | st.fixed_dictionaries({"identity": json_values})}) | json_values)
def test_lines_the_standard_path_refuses_are_left_to_it(line: Any) -> None:
    _agrees(line) if isinstance(line, dict) else None
    if not isinstance(line, dict):  # not even a request object: never taken
        assert SHARED.evaluate_line(json.dumps(line), "label") is None


@SETTINGS
@given(document=odd_documents | documents() | documents(with_principal=True) | json_values)
def test_shaped_documents_compile_only_where_compile_policy_accepts(document: Any) -> None:
    decode = msgspec.json.Decoder(shapes.PolicyShape).decode
    for kind in KINDS:
        try:
            shaped = compile_shaped(decode(json.dumps(document)), kind, "p")
        except msgspec.ValidationError:
            continue  # refused by its shape: compile_policy decides (and reports) it
        if shaped is None:
            continue
        standard = compile_policy(document, kind, "p")  # raises if the quick checks vouched wrongly
        assert [s.allow for s in standard.statements] == [s.allow for s in shaped.statements]


REQUEST = {"principal": ALICE, "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"}


def _line_with(document: Any, kind: str) -> dict[str, Any]:
    where = {"identity": ("identity", [document]), "resource": ("resource", document),
             "scp": ("scps", [document]), "rcp": ("rcps", [document])}[kind]
    return {"request": REQUEST, "policies": {where[0]: where[1]}}


@pytest.mark.parametrize("name, document, kind, path", POLICY_CASES, ids=[c[0] for c in POLICY_CASES])
def test_malformed_policies_are_left_to_the_standard_path(name: str, document: Any, kind: str, path: str) -> None:
    message = _agrees(_line_with(document, kind), BatchEvaluator())
    assert isinstance(message, str) and path.replace("$", "", 1) in message


@pytest.mark.parametrize("name, data, path", REQUEST_CASES, ids=[c[0] for c in REQUEST_CASES])
def test_malformed_requests_are_left_to_the_standard_path(name: str, data: Any, path: str) -> None:
    assert BatchEvaluator().evaluate_line(json.dumps(data), "label") is None


@pytest.mark.parametrize("text", ["{broken", '{"request": {"principal": NaN}}', "[" * 5000 + "]" * 5000,
                                  '{"request": {"principal": "\\ud800", "action": "s3:GetObject"}}'])
def test_what_msgspec_cannot_read_is_left_to_the_standard_path(text: str) -> None:
    assert BatchEvaluator().evaluate_line(text, "label") is None


def test_null_policies_read_as_the_standard_path_reads_them() -> None:
    assert _agrees({"request": REQUEST, "policies": {"identity": [doc(allow())], "resource": None,
                                                     "boundary": None}})["decision"] == "Allow"
    for key in ("scps", "rcps", "identity"):  # null where a list is due: an error, as before
        assert isinstance(_agrees({"request": REQUEST, "policies": {key: None}}), str)
    assert isinstance(_agrees({"request": REQUEST, "policies": None}), str)


def test_policies_as_stored_by_aws_text_and_url_encoded() -> None:
    text = json.dumps(doc(allow(action="s3:GetObject")))
    line = {"request": REQUEST, "policies": {"identity": [text, text.replace("{", "%7B", 1)]}}
    assert _agrees(line)["decision"] == "Allow"


def test_one_compilation_per_distinct_text_and_place() -> None:
    batch = BatchEvaluator()
    deny = doc({"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
    for number in range(REUSE * 3):  # past REUSE: the statements' matchers compiled, still right
        secure = "true" if number % 2 else "false"
        line = {"name": f"r{number}", "request": {**REQUEST, "context": {"aws:SecureTransport": secure}},
                "policies": {"identity": [doc(allow()), deny], "scps": [[doc(allow())]]}}
        result = _agrees(line, batch)
        assert result["decision"] == ("Allow" if number % 2 else "ExplicitDeny")
    assert len(batch._cache) == 3  # identity[0], identity[1], scps[0][0]
    first = next(iter(batch._cache.values()))
    assert first.statements[0]._action is not None  # reused: compiled matchers


def test_the_cache_starts_again_when_full() -> None:
    batch = BatchEvaluator(limit=4)
    for number in range(10):
        line = {"request": REQUEST, "policies": {"identity": [doc(allow(Sid=f"s{number}"))]}}
        assert _agrees(line, batch)["decision"] == "Allow"
        assert len(batch._cache) <= 4


def test_same_text_in_another_place_is_named_for_that_place() -> None:
    policy = doc(allow(Sid="Same"))
    line = {"request": REQUEST, "policies": {"identity": [doc({"Effect": "Deny", "Action": "iam:*", "Resource": "*"}),
                                                          policy], "boundary": policy}}
    result = _agrees(line)
    assert {(r["layer"], r.get("policy")) for r in result["explain"]} == {("identity", "identity[1]"),
                                                                          ("boundary", "boundary")}


def test_without_msgspec_every_line_takes_the_standard_path(monkeypatch: pytest.MonkeyPatch) -> None:
    from cloudwarden.engines.iam import requestfile

    monkeypatch.setattr(requestfile, "_line_decoder", lambda: None)
    assert BatchEvaluator().evaluate_line(json.dumps({"request": REQUEST}), "label") is None


def test_parsed_principals_are_kept_by_their_role_arn() -> None:
    batch = BatchEvaluator()
    session = "arn:aws:sts::111111111111:assumed-role/app/s"
    trust = doc(allow(Principal={"AWS": "arn:aws:iam::111111111111:role/team/app"}))
    # the role's path known from aws:PrincipalArn (matching, then not), or unknown (the name decides)
    for role_arn, decision in (("arn:aws:iam::111111111111:role/team/app", "Allow"), (["x"], "Allow"),
                            (None, "Allow"), ("arn:aws:iam::111111111111:role/app", "ImplicitDeny"),
                            (["x"], "Allow")):
        context = {} if role_arn is None else {"aws:PrincipalArn": role_arn}
        line = {"request": {"principal": session, "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k",
                            "resourceAccount": "222222222222", "context": context},
                "policies": {"identity": [doc(allow())], "resource": trust}}
        assert _agrees(line, batch)["decision"] == decision


def test_version_and_id_as_the_standard_path_reads_them() -> None:
    for document in ({"Version": "2008-10-17", "Id": {"any": ["thing"]}, "Statement": allow()},
                     {"Version": V, "Statement": [allow(resource="arn:aws:s3:::b/${aws:username}")]},
                     {"Statement": allow(resource="arn:aws:s3:::b/${aws:username}")}):
        _agrees({"request": {**REQUEST, "resource": "arn:aws:s3:::b/alice", "context": {"aws:username": "alice"}},
                 "policies": {"identity": [document]}})


@SETTINGS
@given(texts=st.lists(st.text(max_size=8), min_size=5, max_size=5), statement=st.none() | st.integers(0, 99),
       name=st.text(max_size=8))
def test_output_lines_are_json_dumps_character_for_character(texts: list[str], statement: int | None,
                                                             name: str) -> None:
    layer, policy, sid, effect, detail = texts
    reasons = (Reason(layer, policy, statement, sid or None, effect, detail), Reason("identity"))
    decision = Decision("Allow", reasons)
    assert decision.to_json(name) == json.dumps({"name": name, **decision.to_dict()})
