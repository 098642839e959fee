"""Property tests: evaluation never crashes on arbitrary input, and a Deny never turns into an Allow."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloudwarden.engines.iam import PolicyError, compile_policy, evaluate, make_request
from cloudwarden.engines.iam.requestfile import evaluate_document

from .helpers import ALICE, BOB_B, SESSION, A, B, V, policies

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=12,
)

# Policy-shaped fragments, so that most generated documents get past validation and into evaluation.
words = st.sampled_from(
    ["*", "s3:*", "s3:Get*", "S3:GetObject", "iam:?assRole", "ec2:Describe*", "sts:AssumeRole"]
)
arns = st.sampled_from(
    [
        "*",
        "arn:aws:s3:::bucket/*",
        "arn:aws:s3:::bucket",
        "arn:aws:s3:::b/${aws:username}/*",
        "arn:aws:iam::111111111111:role/*",
        "arn:aws:s3:::*",
        "arn:aws:kms:*:*:key/*",
    ]
)
principals = st.sampled_from(
    [
        "*",
        {"AWS": "*"},
        {"AWS": A},
        {"AWS": ALICE},
        {"AWS": [BOB_B, B]},
        {"Service": "ec2.amazonaws.com"},
        {"AWS": "arn:aws:iam::111111111111:role/app"},
    ]
)
VALID_VALUES = {
    "StringEquals": ["x", "${aws:username}"],
    "StringNotLike": ["x*", "a?c"],
    "ForAllValues:StringLike": ["x*"],
    "NumericLessThan": ["10", "2.5"],
    "DateGreaterThan": ["2025-01-01", "1700000000"],
    "Bool": ["true", "false"],
    "IpAddress": ["10.0.0.0/8", "2001:db8::/32"],
    "NotIpAddress": ["192.0.2.1"],
    "ArnLike": ["arn:aws:*:*:*:*"],
    "Null": ["true", "false"],
    "StringEqualsIfExists": ["x"],
    "ForAnyValue:StringNotEquals": ["x", "y"],
    "BinaryEquals": ["AAAA"],
}
condition_keys = st.sampled_from(["aws:username", "aws:SourceIp", "aws:TagKeys", "aws:CurrentTime", "k:n"])
condition_values = st.sampled_from(sorted({v for values in VALID_VALUES.values() for v in values}))
condition_block = st.sampled_from(sorted(VALID_VALUES)).flatmap(
    lambda op: st.dictionaries(condition_keys, st.sampled_from(VALID_VALUES[op]), min_size=1, max_size=2).map(
        lambda keys: {op: keys}
    )
)
conditions = st.lists(condition_block, max_size=2).map(
    lambda blocks: {k: v for b in blocks for k, v in b.items()}
)


@st.composite
def statements(draw: Any, effect: str | None = None, with_principal: bool = False) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": effect or draw(st.sampled_from(["Allow", "Deny"]))}
    statement[draw(st.sampled_from(["Action", "NotAction"]))] = draw(st.lists(words, min_size=1, max_size=3))
    statement[draw(st.sampled_from(["Resource", "NotResource"]))] = draw(
        st.lists(arns, min_size=1, max_size=2)
    )
    if with_principal:
        statement["Principal"] = draw(principals)
    if draw(st.booleans()):
        statement["Condition"] = draw(conditions)
    return statement


def documents(with_principal: bool = False) -> Any:
    return st.builds(
        lambda s: {"Version": V, "Statement": s},
        st.lists(statements(with_principal=with_principal), min_size=1, max_size=3),
    )


contexts = st.dictionaries(
    condition_keys, st.one_of(condition_values, st.lists(condition_values, max_size=2)), max_size=3
)
requests = st.builds(
    make_request,
    principal=st.sampled_from(
        [ALICE, BOB_B, SESSION, "anonymous", f"arn:aws:iam::{A}:root", "ec2.amazonaws.com"]
    ),
    action=st.sampled_from(
        ["s3:GetObject", "sts:AssumeRole", "kms:Decrypt", "iam:PassRole", "ec2:DescribeInstances"]
    ),
    resource=st.sampled_from(
        [
            "arn:aws:s3:::bucket/alice/x",
            "arn:aws:s3:::bucket",
            "*",
            "arn:aws:kms:eu-west-1:111111111111:key/k",
            "arn:aws:iam::111111111111:role/app",
        ]
    ),
    resource_account=st.just(A),
    context=contexts,
)


@SETTINGS
@given(document=json_values | documents())
def test_compile_never_crashes(document: Any) -> None:
    for kind in ("identity", "resource", "scp"):
        try:
            compiled = compile_policy(document, kind)
        except PolicyError:
            continue
        decision = evaluate(
            make_request(ALICE, "s3:GetObject", "arn:aws:s3:::bucket/x", A),
            policies(identity=[document]) if kind == "identity" else policies(),
        )
        assert decision.decision in ("Allow", "ExplicitDeny", "ImplicitDeny")
        assert compiled.kind == kind


@SETTINGS
@given(
    data=json_values
    | st.fixed_dictionaries(
        {
            "request": st.fixed_dictionaries(
                {"principal": st.sampled_from([ALICE, "x", 5]), "action": json_values}
            ),
            "policies": st.fixed_dictionaries({"identity": st.lists(json_values | documents(), max_size=2)}),
        }
    )
)
def test_request_documents_decide_or_raise_input_error(data: Any) -> None:
    try:
        result = evaluate_document(data, "generated")
    except PolicyError:
        return
    assert result["decision"] in ("Allow", "ExplicitDeny", "ImplicitDeny")


@SETTINGS
@given(
    identity=st.lists(documents(), max_size=2),
    resource=st.none() | documents(with_principal=True),
    scp=st.none() | documents(),
    extra=statements(effect="Deny"),
    target=st.sampled_from(["identity", "scp"]),
    request=requests,
)
def test_adding_a_deny_never_allows(
    identity: list[Any], resource: Any, scp: Any, extra: dict[str, Any], target: str, request: Any
) -> None:
    scps = [scp] if scp is not None else None
    before = evaluate(request, policies(identity=identity, resource=resource, scps=scps)).decision
    if target == "identity":
        identity = [*identity, {"Version": V, "Statement": [extra]}]
    else:
        scps = [
            *(scps or [{"Version": V, "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}])
        ]
        scps[-1] = {"Version": V, "Statement": [*scps[-1]["Statement"], extra]}
    after = evaluate(request, policies(identity=identity, resource=resource, scps=scps)).decision
    assert after in (before, "ExplicitDeny")
    if before != "Allow":
        assert after != "Allow"


@SETTINGS
@given(
    resource=documents(with_principal=True),
    extra=statements(effect="Deny", with_principal=True),
    request=requests,
    identity=st.lists(documents(), max_size=2),
)
def test_adding_a_resource_policy_deny_never_allows(
    resource: Any, extra: dict[str, Any], request: Any, identity: list[Any]
) -> None:
    before = evaluate(request, policies(identity=identity, resource=resource)).decision
    widened = {"Version": V, "Statement": [*resource["Statement"], extra]}
    after = evaluate(request, policies(identity=identity, resource=widened)).decision
    assert after in (before, "ExplicitDeny")
