"""The evaluation logic (spec §2, §3, §8): layers, same and cross account, trust and key policies,
root, anonymous and service principals, Principal / NotPrincipal."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.engines.iam import evaluate, make_request

from .helpers import ALICE, BOB_B, BUCKET, OBJECT, ROLE, SESSION, A, B, allow, decide, deny, doc, policies

ALLOW, IMPLICIT, EXPLICIT = "Allow", "ImplicitDeny", "ExplicitDeny"
EVERYTHING = doc(allow())
S3_READ = doc(allow("s3:GetObject", "arn:aws:s3:::bucket/*"))


def rbp(principal: Any, effect: str = "Allow", action: Any = "s3:GetObject", **extra: Any) -> dict[str, Any]:
    key = "NotPrincipal" if extra.pop("not_principal", False) else "Principal"
    return doc(
        {"Effect": effect, key: principal, "Action": action, "Resource": "arn:aws:s3:::bucket/*", **extra}
    )


LAYER_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("fail-nothing-applies", {}, IMPLICIT),
    ("pass-identity-allow", {"identity": [S3_READ]}, ALLOW),
    ("fail-identity-deny-wins", {"identity": [EVERYTHING, doc(deny("s3:Get*"))]}, EXPLICIT),
    ("fail-deny-in-another-policy-wins", {"identity": [S3_READ, doc(deny())]}, EXPLICIT),
    ("fail-boundary-gives-no-allow", {"identity": [S3_READ], "boundary": doc(allow("ec2:*"))}, IMPLICIT),
    ("pass-boundary-allows", {"identity": [S3_READ], "boundary": doc(allow("s3:*"))}, ALLOW),
    ("fail-boundary-alone-grants-nothing", {"boundary": EVERYTHING}, IMPLICIT),
    ("fail-boundary-deny", {"identity": [S3_READ], "boundary": doc(allow(), deny("s3:*"))}, EXPLICIT),
    ("fail-session-gives-no-allow", {"identity": [S3_READ], "session": doc(allow("ec2:*"))}, IMPLICIT),
    ("pass-session-allows", {"identity": [S3_READ], "session": EVERYTHING}, ALLOW),
    ("fail-session-deny", {"identity": [S3_READ], "session": doc(deny())}, EXPLICIT),
    (
        "pass-scps-every-level-allows",
        {"identity": [S3_READ], "scps": [EVERYTHING, doc(allow("s3:*"))]},
        ALLOW,
    ),
    (
        "fail-scp-level-without-allow",
        {"identity": [S3_READ], "scps": [EVERYTHING, doc(allow("ec2:*"))]},
        IMPLICIT,
    ),
    (
        "pass-scp-any-policy-of-a-level",
        {"identity": [S3_READ], "scps": [[doc(allow("ec2:*")), EVERYTHING]]},
        ALLOW,
    ),
    ("fail-scp-deny", {"identity": [S3_READ], "scps": [[EVERYTHING, doc(deny("s3:*"))]]}, EXPLICIT),
    ("pass-scps-empty-list-no-levels", {"identity": [S3_READ], "scps": []}, ALLOW),
    ("fail-scp-alone-grants-nothing", {"scps": [EVERYTHING]}, IMPLICIT),
    (
        "pass-rcp-full-access-implicit",
        {"identity": [S3_READ], "rcps": [doc(deny("ec2:*", Principal="*"))]},
        ALLOW,
    ),
    ("fail-rcp-deny", {"identity": [S3_READ], "rcps": [doc(deny("s3:*", Principal="*"))]}, EXPLICIT),
    ("fail-resource-policy-deny", {"identity": [S3_READ], "resource": rbp("*", "Deny")}, EXPLICIT),
]


@pytest.mark.parametrize("name, kwargs, expected", LAYER_CASES, ids=[c[0] for c in LAYER_CASES])
def test_layers(name: str, kwargs: dict[str, Any], expected: str) -> None:
    assert decide(**kwargs) == expected


SAME_ACCOUNT_CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ("pass-rbp-names-user-no-identity-needed", ALICE, {"resource": rbp({"AWS": ALICE})}, ALLOW),
    (
        "pass-rbp-names-user-boundary-implicit-deny-ignored",
        ALICE,
        {"resource": rbp({"AWS": ALICE}), "boundary": doc(allow("ec2:*"))},
        ALLOW,
    ),
    (
        "fail-rbp-names-user-boundary-explicit-deny",
        ALICE,
        {"resource": rbp({"AWS": ALICE}), "boundary": doc(deny("s3:*"))},
        EXPLICIT,
    ),
    (
        "fail-rbp-names-user-scp-still-applies",
        ALICE,
        {"resource": rbp({"AWS": ALICE}), "scps": [doc(allow("ec2:*"))]},
        IMPLICIT,
    ),
    ("pass-rbp-names-role-no-identity-needed", SESSION, {"resource": rbp({"AWS": ROLE})}, ALLOW),
    (
        "fail-rbp-names-role-boundary-limits",
        SESSION,
        {"resource": rbp({"AWS": ROLE}), "boundary": doc(allow("ec2:*"))},
        IMPLICIT,
    ),
    (
        "fail-rbp-names-role-session-policy-limits",
        SESSION,
        {"resource": rbp({"AWS": ROLE}), "session": doc(allow("ec2:*"))},
        IMPLICIT,
    ),
    (
        "pass-rbp-names-role-boundary-allows",
        SESSION,
        {"resource": rbp({"AWS": ROLE}), "boundary": doc(allow("s3:*"))},
        ALLOW,
    ),
    (
        "pass-rbp-names-session-not-limited-by-boundary",
        SESSION,
        {"resource": rbp({"AWS": SESSION}), "boundary": doc(allow("ec2:*")), "session": doc(allow("ec2:*"))},
        ALLOW,
    ),
    (
        "fail-rbp-names-other-session",
        SESSION,
        {"resource": rbp({"AWS": f"arn:aws:sts::{A}:assumed-role/app/s2"})},
        IMPLICIT,
    ),
    ("fail-rbp-names-account-identity-still-needed", ALICE, {"resource": rbp({"AWS": A})}, IMPLICIT),
    (
        "pass-rbp-names-account-with-identity",
        ALICE,
        {"resource": rbp({"AWS": f"arn:aws:iam::{A}:root"}), "identity": [S3_READ]},
        ALLOW,
    ),
    (
        "pass-identity-alone-same-account",
        ALICE,
        {"identity": [S3_READ], "resource": rbp({"AWS": BOB_B})},
        ALLOW,
    ),
    (
        "fail-partial-wildcard-principal-matches-nothing",
        ALICE,
        {"resource": rbp({"AWS": f"arn:aws:iam::{A}:user/al*"})},
        IMPLICIT,
    ),
    (
        "fail-principal-arns-case-sensitive",
        ALICE,
        {"resource": rbp({"AWS": f"arn:aws:iam::{A}:user/Alice"})},
        IMPLICIT,
    ),
    ("pass-principal-star", ALICE, {"resource": rbp("*")}, ALLOW),
    ("pass-principal-aws-star", ALICE, {"resource": rbp({"AWS": ["*"]})}, ALLOW),
]


@pytest.mark.parametrize(
    "name, principal, kwargs, expected", SAME_ACCOUNT_CASES, ids=[c[0] for c in SAME_ACCOUNT_CASES]
)
def test_resource_policy_same_account(
    name: str, principal: str, kwargs: dict[str, Any], expected: str
) -> None:
    assert decide(principal=principal, **kwargs) == expected


CROSS_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("fail-identity-without-rbp", {"identity": [S3_READ]}, IMPLICIT),
    ("fail-rbp-without-identity", {"resource": rbp({"AWS": BOB_B})}, IMPLICIT),
    ("pass-both-allow", {"identity": [S3_READ], "resource": rbp({"AWS": BOB_B})}, ALLOW),
    ("pass-rbp-names-account", {"identity": [S3_READ], "resource": rbp({"AWS": B})}, ALLOW),
    (
        "fail-rbp-names-other-account",
        {"identity": [S3_READ], "resource": rbp({"AWS": "333333333333"})},
        IMPLICIT,
    ),
    (
        "fail-boundary-of-principal-account",
        {"identity": [S3_READ], "resource": rbp({"AWS": BOB_B}), "boundary": doc(allow("ec2:*"))},
        IMPLICIT,
    ),
    (
        "fail-scp-of-principal-account",
        {"identity": [S3_READ], "resource": rbp({"AWS": BOB_B}), "scps": [doc(allow("ec2:*"))]},
        IMPLICIT,
    ),
    (
        "fail-rbp-explicit-deny",
        {
            "identity": [S3_READ],
            "resource": doc(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": B},
                    "Action": "s3:*",
                    "Resource": "arn:aws:s3:::bucket/*",
                },
                {"Effect": "Deny", "Principal": {"AWS": BOB_B}, "Action": "s3:*", "Resource": "*"},
            ),
        },
        EXPLICIT,
    ),
    (
        "fail-rcp-of-resource-account",
        {
            "identity": [S3_READ],
            "resource": rbp("*"),
            "rcps": [
                doc(
                    deny(
                        "s3:*",
                        Principal="*",
                        Condition={"StringNotEqualsIfExists": {"aws:PrincipalAccount": A}},
                    )
                )
            ],
        },
        EXPLICIT,
    ),
]


@pytest.mark.parametrize("name, kwargs, expected", CROSS_CASES, ids=[c[0] for c in CROSS_CASES])
def test_cross_account(name: str, kwargs: dict[str, Any], expected: str) -> None:
    context = {"aws:PrincipalAccount": B}
    assert decide(principal=BOB_B, account=A, context=context, **kwargs) == expected


def trust(principal: Any, **extra: Any) -> dict[str, Any]:
    return doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra})


TARGET_ROLE = f"arn:aws:iam::{A}:role/target"
TRUST_CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ("pass-trust-names-user", ALICE, {"resource": trust({"AWS": ALICE})}, ALLOW),
    ("fail-trust-names-account-identity-needed", ALICE, {"resource": trust({"AWS": A})}, IMPLICIT),
    (
        "pass-trust-names-account-with-identity",
        ALICE,
        {"resource": trust({"AWS": A}), "identity": [doc(allow("sts:AssumeRole", TARGET_ROLE))]},
        ALLOW,
    ),
    ("fail-identity-without-trust", ALICE, {"identity": [EVERYTHING]}, IMPLICIT),
    (
        "fail-identity-with-trust-for-someone-else",
        ALICE,
        {"identity": [EVERYTHING], "resource": trust({"AWS": ROLE})},
        IMPLICIT,
    ),
    ("fail-cross-account-trust-only", BOB_B, {"resource": trust({"AWS": BOB_B})}, IMPLICIT),
    ("pass-cross-account-both", BOB_B, {"resource": trust({"AWS": B}), "identity": [EVERYTHING]}, ALLOW),
    (
        "pass-service-principal",
        "ec2.amazonaws.com",
        {"resource": trust({"Service": "ec2.amazonaws.com"})},
        ALLOW,
    ),
    (
        "fail-other-service",
        "lambda.amazonaws.com",
        {"resource": trust({"Service": "ec2.amazonaws.com"})},
        IMPLICIT,
    ),
    (
        "fail-trust-condition",
        ALICE,
        {"resource": trust({"AWS": ALICE}, Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})},
        IMPLICIT,
    ),
    (
        "fail-trust-deny",
        ALICE,
        {
            "resource": doc(
                {"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "sts:AssumeRole"},
                {"Effect": "Deny", "Principal": "*", "Action": "sts:*"},
            )
        },
        EXPLICIT,
    ),
]


@pytest.mark.parametrize("name, principal, kwargs, expected", TRUST_CASES, ids=[c[0] for c in TRUST_CASES])
def test_role_trust(name: str, principal: str, kwargs: dict[str, Any], expected: str) -> None:
    assert decide(principal=principal, action="sts:AssumeRole", arn=TARGET_ROLE, **kwargs) == expected


def test_web_identity_trust_with_condition() -> None:
    policy = doc(
        {
            "Effect": "Allow",
            "Principal": {"Federated": "cognito-identity.amazonaws.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": "pool-1"}},
        }
    )
    for aud, expected in (("pool-1", ALLOW), ("pool-2", IMPLICIT)):
        decision = decide(
            "cognito-identity.amazonaws.com",
            "sts:AssumeRoleWithWebIdentity",
            TARGET_ROLE,
            context={"cognito-identity.amazonaws.com:aud": aud},
            resource=policy,
        )
        assert decision == expected


KEY = f"arn:aws:kms:eu-west-1:{A}:key/1234abcd"
KMS_CASES: list[tuple[str, str, str, dict[str, Any], str]] = [
    (
        "fail-identity-without-key-policy-allow",
        "kms:Decrypt",
        KEY,
        {
            "identity": [EVERYTHING],
            "resource": doc(
                {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:*", "Resource": "*"}
            ),
        },
        IMPLICIT,
    ),
    ("fail-no-key-policy", "kms:Decrypt", KEY, {"identity": [EVERYTHING]}, IMPLICIT),
    (
        "pass-key-policy-enables-iam",
        "kms:Decrypt",
        KEY,
        {
            "identity": [EVERYTHING],
            "resource": doc(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{A}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ),
        },
        ALLOW,
    ),
    (
        "fail-key-policy-enables-iam-but-no-identity",
        "kms:Decrypt",
        KEY,
        {"resource": doc({"Effect": "Allow", "Principal": {"AWS": A}, "Action": "kms:*", "Resource": "*"})},
        IMPLICIT,
    ),
    (
        "pass-key-policy-names-user",
        "kms:Decrypt",
        KEY,
        {
            "resource": doc(
                {"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "kms:Decrypt", "Resource": "*"}
            )
        },
        ALLOW,
    ),
    ("pass-non-key-action-identity-only", "kms:CreateKey", "*", {"identity": [EVERYTHING]}, ALLOW),
]


@pytest.mark.parametrize("name, action, resource, kwargs, expected", KMS_CASES, ids=[c[0] for c in KMS_CASES])
def test_kms_key_policy(name: str, action: str, resource: str, kwargs: dict[str, Any], expected: str) -> None:
    assert decide(action=action, arn=resource, **kwargs) == expected


ROOT = f"arn:aws:iam::{A}:root"
SPECIAL_CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ("pass-root-allowed-by-default", ROOT, {}, ALLOW),
    ("pass-root-ignores-identity-denies", ROOT, {"identity": [doc(deny())]}, ALLOW),
    ("fail-root-scp-deny", ROOT, {"scps": [[EVERYTHING, doc(deny("s3:*"))]]}, EXPLICIT),
    ("fail-root-scp-level-without-allow", ROOT, {"scps": [doc(allow("ec2:*"))]}, IMPLICIT),
    ("fail-root-rcp-deny", ROOT, {"rcps": [doc(deny("s3:*", Principal="*"))]}, EXPLICIT),
    ("fail-root-rbp-deny", ROOT, {"resource": rbp("*", "Deny")}, EXPLICIT),
    ("fail-root-other-account-without-rbp", f"arn:aws:iam::{B}:root", {}, IMPLICIT),
    ("pass-root-other-account-with-rbp", f"arn:aws:iam::{B}:root", {"resource": rbp({"AWS": B})}, ALLOW),
    ("pass-anonymous-public-rbp", "anonymous", {"resource": rbp("*")}, ALLOW),
    ("pass-anonymous-aws-star", "anonymous", {"resource": rbp({"AWS": "*"})}, ALLOW),
    ("fail-anonymous-rbp-names-account", "anonymous", {"resource": rbp({"AWS": A})}, IMPLICIT),
    ("fail-anonymous-identity-ignored", "anonymous", {"identity": [EVERYTHING]}, IMPLICIT),
    (
        "pass-anonymous-not-governed-by-scps",
        "anonymous",
        {"resource": rbp("*"), "scps": [doc(allow("ec2:*"))]},
        ALLOW,
    ),
    (
        "fail-anonymous-rcp-deny",
        "anonymous",
        {"resource": rbp("*"), "rcps": [doc(deny("s3:*", Principal="*"))]},
        EXPLICIT,
    ),
    (
        "pass-service-principal-named",
        "cloudtrail.amazonaws.com",
        {"resource": rbp({"Service": "cloudtrail.amazonaws.com"})},
        ALLOW,
    ),
    (
        "fail-service-principal-not-named",
        "config.amazonaws.com",
        {"resource": rbp({"Service": "cloudtrail.amazonaws.com"})},
        IMPLICIT,
    ),
    (
        "pass-service-linked-role-exempt-from-scps",
        f"arn:aws:iam::{A}:role/aws-service-role/x.amazonaws.com/AWSRole",
        {"identity": [EVERYTHING], "scps": [doc(deny())]},
        ALLOW,
    ),
    (
        "pass-service-linked-role-exempt-from-rcps",
        f"arn:aws:iam::{A}:role/aws-service-role/x.amazonaws.com/AWSRole",
        {"identity": [EVERYTHING], "rcps": [doc(deny(Principal="*"))]},
        ALLOW,
    ),
    (
        "fail-federated-user-session-policy",
        f"arn:aws:sts::{A}:federated-user/carol",
        {"identity": [EVERYTHING], "session": doc(allow("ec2:*"))},
        IMPLICIT,
    ),
]


@pytest.mark.parametrize(
    "name, principal, kwargs, expected", SPECIAL_CASES, ids=[c[0] for c in SPECIAL_CASES]
)
def test_special_principals(name: str, principal: str, kwargs: dict[str, Any], expected: str) -> None:
    assert decide(principal=principal, **kwargs) == expected


BOB_A = f"arn:aws:iam::{A}:user/bob"
NOT_PRINCIPAL_CASES: list[tuple[str, str, list[str], dict[str, Any], str]] = [
    ("pass-listed-user-with-account-spared", BOB_A, [BOB_A, ROOT], {}, ALLOW),
    ("fail-other-user-of-listed-account-denied", ALICE, [BOB_A, ROOT], {}, EXPLICIT),
    ("fail-user-listed-without-account-denied", BOB_A, [BOB_A], {}, EXPLICIT),
    ("pass-session-with-account-role-session-spared", SESSION, [ROOT, ROLE, SESSION], {}, ALLOW),
    ("fail-session-without-role-denied", SESSION, [ROOT, SESSION], {}, EXPLICIT),
    ("fail-boundary-always-denied", BOB_A, [BOB_A, ROOT], {"boundary": EVERYTHING}, EXPLICIT),
    ("fail-anonymous-denied", "anonymous", [BOB_A, ROOT], {}, EXPLICIT),
    ("pass-root-spared-by-account", ROOT, [ROOT], {}, ALLOW),
]


@pytest.mark.parametrize(
    "name, principal, listed, kwargs, expected", NOT_PRINCIPAL_CASES, ids=[c[0] for c in NOT_PRINCIPAL_CASES]
)
def test_not_principal_deny(
    name: str, principal: str, listed: list[str], kwargs: dict[str, Any], expected: str
) -> None:
    policy = doc(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::bucket/*"},
        {"Effect": "Deny", "NotPrincipal": {"AWS": listed}, "Action": "s3:*", "Resource": "*"},
    )
    assert decide(principal=principal, resource=policy, **kwargs) == expected


def test_role_arn_with_path_matches_session_via_principal_arn() -> None:
    with_path = f"arn:aws:iam::{A}:role/team/app"
    policy = rbp({"AWS": with_path})
    context = {"aws:PrincipalArn": with_path}
    request = make_request(SESSION, "s3:GetObject", OBJECT, A, context)
    assert evaluate(request, policies(resource=policy)).decision == ALLOW
    other_path = make_request(
        SESSION, "s3:GetObject", OBJECT, A, {"aws:PrincipalArn": f"arn:aws:iam::{A}:role/x/app"}
    )
    assert evaluate(other_path, policies(resource=policy)).decision == IMPLICIT


def test_s3_bucket_arn_needs_resource_account() -> None:
    request = make_request(BOB_B, "s3:ListBucket", BUCKET, A)
    assert request.resource_account == A
    defaulted = make_request(ALICE, "s3:ListBucket", BUCKET)
    assert defaulted.resource_account == A  # no account in the ARN: the principal's account


def test_explain_names_the_deciding_statements() -> None:
    denied = evaluate(
        make_request(ALICE, "s3:GetObject", OBJECT, A),
        policies(identity=[EVERYTHING, doc(deny("s3:*", Sid="NoS3"))], scps=[EVERYTHING]),
    )
    assert denied.decision == EXPLICIT
    assert [r.to_dict() for r in denied.explain] == [
        {"layer": "identity", "policy": "identity[1]", "statement": 0, "sid": "NoS3", "effect": "Deny"}
    ]
    allowed = evaluate(
        make_request(ALICE, "s3:GetObject", OBJECT, A), policies(identity=[S3_READ], scps=[EVERYTHING])
    )
    assert [(r.layer, r.policy, r.statement) for r in allowed.explain] == [
        ("scp", "scp0", 0),
        ("identity", "identity[0]", 0),
    ]
    implicit = evaluate(make_request(ALICE, "s3:GetObject", OBJECT, A), policies(boundary=EVERYTHING))
    assert [r.layer for r in implicit.explain] == ["identity"]
