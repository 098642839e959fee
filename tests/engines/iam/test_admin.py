"""Administrator is decided by evaluating ADMIN_PROBE, not by matching the string "*"."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.engines.iam import PolicySet, compile_policy, evaluate, make_request
from cloudwarden.engines.iam.admin import (
    ADMIN_PROBE,
    is_administrator,
    missing_for_admin,
    probe_for,
    probe_resource_policy,
)

ACCOUNT = "111122223333"
USER = f"arn:aws:iam::{ACCOUNT}:user/alice"


def allows_with(*statements: dict[str, Any]) -> Any:
    policy = compile_policy({"Version": "2012-10-17", "Statement": list(statements)}, "identity", "test")
    trust = compile_policy(probe_resource_policy(ACCOUNT), "resource", "probe trust")

    def allows(action: str, resource: str) -> bool:
        request = make_request(USER, action, resource, ACCOUNT)
        return evaluate(request, PolicySet(identity=(policy,), resource=trust)).allowed

    return allows


CASES = [
    ("pass-star", [{"Effect": "Allow", "Action": "*", "Resource": "*"}], True),
    (
        "pass-notaction-unrelated",
        [{"Effect": "Allow", "NotAction": "gamelift:DeleteFleet", "Resource": "*"}],
        True,
    ),
    (
        "fail-notaction-except-iam-writes",
        [
            {
                "Effect": "Allow",
                "NotAction": ["iam:CreateUser", "iam:AttachUserPolicy", "iam:PutRolePolicy"],
                "Resource": "*",
            }
        ],
        False,
    ),
    ("fail-power-user", [{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}], False),
    ("fail-iam-only", [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}], False),
    (
        "fail-star-with-deny",
        [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:CreateAccessKey", "Resource": "*"},
        ],
        False,
    ),
    ("fail-star-on-one-bucket", [{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b"}], False),
]


@pytest.mark.parametrize(("name", "statements", "expected"), CASES, ids=[c[0] for c in CASES])
def test_is_administrator(name: str, statements: list[dict[str, Any]], expected: bool) -> None:
    assert is_administrator(allows_with(*statements)) is expected


def test_missing_names_the_refused_writes() -> None:
    allows = allows_with({"Effect": "Allow", "NotAction": ["iam:CreateUser", "iam:PutRolePolicy"], "Resource": "*"})
    assert {a for a, _ in missing_for_admin(allows)} == {"iam:CreateUser", "iam:PutRolePolicy"}


def test_probe_covers_iam_writes_and_other_services() -> None:
    actions = {a for a, _ in ADMIN_PROBE}
    for needed in (
        "iam:CreateUser",
        "iam:AttachUserPolicy",
        "iam:PutRolePolicy",
        "iam:CreateAccessKey",
        "iam:PassRole",
        "sts:AssumeRole",
        "s3:GetObject",
        "s3:PutBucketPolicy",
        "ec2:RunInstances",
        "kms:Decrypt",
        "lambda:CreateFunction",
    ):
        assert needed in actions
    assert any(a.startswith("organizations:") for a in actions)


def test_probe_for_moves_resources_to_the_account() -> None:
    probe = probe_for("444455556666", "aws-us-gov")
    assert all(ACCOUNT not in r for _, r in probe)
    assert ("iam:CreateUser", "arn:aws-us-gov:iam::444455556666:user/cloudwarden-probe") in probe
    assert ("ec2:RunInstances", "*") in probe
