"""Action, resource and policy-variable matching (spec §4, §5 NotAction/NotResource, §6)."""

from __future__ import annotations

import pytest

from .helpers import OBJECT, A, allow, decide, doc

ALLOW, IMPLICIT, EXPLICIT = "Allow", "ImplicitDeny", "ExplicitDeny"


@pytest.mark.parametrize(
    "name, pattern, expected",
    [
        ("pass-exact", "s3:GetObject", ALLOW),
        ("pass-case-insensitive", "S3:GETOBJECT", ALLOW),
        ("pass-star-suffix", "s3:Get*", ALLOW),
        ("pass-star-middle", "s3:*Object", ALLOW),
        ("pass-star-empty", "s3:GetObject*", ALLOW),
        ("pass-question", "s3:GetObjec?", ALLOW),
        ("fail-question-needs-one", "s3:GetObject?", IMPLICIT),
        ("pass-all", "*", ALLOW),
        ("fail-other-service", "ec2:GetObject", IMPLICIT),
        ("fail-prefix-only", "s3:Get", IMPLICIT),
        ("pass-list", ["ec2:*", "s3:GetObject"], ALLOW),
    ],
)
def test_action_patterns(name: str, pattern: object, expected: str) -> None:
    assert decide(action="s3:GetObject", identity=[doc(allow(action=pattern))]) == expected, name


@pytest.mark.parametrize(
    "name, pattern, resource, expected",
    [
        ("pass-exact", OBJECT, OBJECT, ALLOW),
        ("fail-case-sensitive", "arn:aws:s3:::BUCKET/key.txt", OBJECT, IMPLICIT),
        ("pass-star-crosses-slash", "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b/c", ALLOW),
        ("fail-object-pattern-vs-bucket", "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", IMPLICIT),
        ("pass-star-matches-empty", "arn:aws:s3:::bucket/file*.txt", "arn:aws:s3:::bucket/file.txt", ALLOW),
        (
            "fail-question-needs-one",
            "arn:aws:s3:::bucket/file?.txt",
            "arn:aws:s3:::bucket/file.txt",
            IMPLICIT,
        ),
        ("pass-question", "arn:aws:s3:::bucket/file?.txt", "arn:aws:s3:::bucket/file1.txt", ALLOW),
        (
            "pass-star-runs-across-colons",
            "arn:aws:sqs:us-east-1:*",
            f"arn:aws:sqs:us-east-1:{A}:queue1",
            ALLOW,
        ),
        ("pass-several-stars", "arn:aws:sqs:*:*:q*", f"arn:aws:sqs:eu-west-1:{A}:queue1", ALLOW),
        ("pass-wildcard-resource", "*", "*", ALLOW),
        ("fail-specific-vs-wildcard-only-action", "arn:aws:ec2:*", "*", IMPLICIT),
        ("pass-regex-chars-literal", "arn:aws:s3:::b/a+b(1).txt", "arn:aws:s3:::b/a+b(1).txt", ALLOW),
        ("fail-dot-is-literal", "arn:aws:s3:::b/a.txt", "arn:aws:s3:::b/aXtxt", IMPLICIT),
    ],
)
def test_resource_patterns(name: str, pattern: str, resource: str, expected: str) -> None:
    assert decide(arn=resource, identity=[doc(allow(resource=pattern))]) == expected, name


@pytest.mark.parametrize(
    "name, statement, action, resource, expected",
    [
        (
            "pass-notaction-grants-the-rest",
            {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
            "s3:GetObject",
            OBJECT,
            ALLOW,
        ),
        (
            "fail-notaction-excludes",
            {"Effect": "Allow", "NotAction": "IAM:*", "Resource": "*"},
            "iam:CreateUser",
            "*",
            IMPLICIT,
        ),
        (
            "pass-notresource",
            {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"},
            "s3:GetObject",
            OBJECT,
            ALLOW,
        ),
        (
            "fail-notresource-excludes",
            {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::bucket/*"},
            "s3:GetObject",
            OBJECT,
            IMPLICIT,
        ),
        (
            "pass-notaction-and-notresource",
            {"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:x"},
            "s3:GetObject",
            OBJECT,
            ALLOW,
        ),
    ],
)
def test_not_action_not_resource(
    name: str, statement: dict, action: str, resource: str, expected: str
) -> None:
    assert decide(action=action, arn=resource, identity=[doc(statement)]) == expected, name


def test_deny_notaction_denies_everything_else() -> None:
    identity = [doc(allow(), {"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*"})]
    assert decide(action="s3:GetObject", identity=identity) == EXPLICIT
    assert decide(action="iam:ListUsers", arn="*", identity=identity) == ALLOW


def test_deny_notresource_denies_everywhere_else() -> None:
    identity = [doc(allow(), {"Effect": "Deny", "Action": "*", "NotResource": "arn:aws:s3:::bucket/*"})]
    assert decide(arn=OBJECT, identity=identity) == ALLOW
    assert decide(arn="arn:aws:s3:::other/x", identity=identity) == EXPLICIT


HOME = "arn:aws:s3:::bucket/home/${aws:username}/*"


@pytest.mark.parametrize(
    "name, pattern, resource, context, version, expected",
    [
        (
            "pass-username",
            HOME,
            "arn:aws:s3:::bucket/home/alice/f",
            {"aws:username": "alice"},
            "2012-10-17",
            ALLOW,
        ),
        (
            "fail-other-user",
            HOME,
            "arn:aws:s3:::bucket/home/bob/f",
            {"aws:username": "alice"},
            "2012-10-17",
            IMPLICIT,
        ),
        ("fail-key-missing", HOME, "arn:aws:s3:::bucket/home/alice/f", {}, "2012-10-17", IMPLICIT),
        (
            "pass-key-case-insensitive",
            "arn:aws:s3:::bucket/home/${AWS:UserName}/*",
            "arn:aws:s3:::bucket/home/alice/f",
            {"aws:username": "alice"},
            "2012-10-17",
            ALLOW,
        ),
        (
            "pass-default-used",
            "arn:aws:s3:::bucket/home/${aws:username, 'shared'}/*",
            "arn:aws:s3:::bucket/home/shared/f",
            {},
            "2012-10-17",
            ALLOW,
        ),
        (
            "fail-default-case-sensitive",
            "arn:aws:s3:::bucket/home/${aws:username, 'Shared'}/*",
            "arn:aws:s3:::bucket/home/shared/f",
            {},
            "2012-10-17",
            IMPLICIT,
        ),
        (
            "pass-default-ignored-when-present",
            "arn:aws:s3:::bucket/home/${aws:username,'shared'}/*",
            "arn:aws:s3:::bucket/home/alice/f",
            {"aws:username": "alice"},
            "2012-10-17",
            ALLOW,
        ),
        (
            "fail-substituted-star-is-literal",
            HOME,
            "arn:aws:s3:::bucket/home/alice/f",
            {"aws:username": "*"},
            "2012-10-17",
            IMPLICIT,
        ),
        (
            "pass-substituted-star-literal-match",
            HOME,
            "arn:aws:s3:::bucket/home/*/f",
            {"aws:username": "*"},
            "2012-10-17",
            ALLOW,
        ),
        (
            "fail-multi-valued-key",
            HOME,
            "arn:aws:s3:::bucket/home/alice/f",
            {"aws:username": ["alice"]},
            "2012-10-17",
            IMPLICIT,
        ),
        ("pass-escaped-star", "arn:aws:s3:::bucket/${*}", "arn:aws:s3:::bucket/*", {}, "2012-10-17", ALLOW),
        ("fail-escaped-star-not-wildcard", "arn:aws:s3:::bucket/${*}", OBJECT, {}, "2012-10-17", IMPLICIT),
        (
            "pass-escaped-question-and-dollar",
            "arn:aws:s3:::bucket/${?}${$}",
            "arn:aws:s3:::bucket/?$",
            {},
            "2012-10-17",
            ALLOW,
        ),
        (
            "pass-version-2008-literal",
            HOME,
            "arn:aws:s3:::bucket/home/${aws:username}/f",
            {"aws:username": "alice"},
            "2008-10-17",
            ALLOW,
        ),
        (
            "fail-version-2008-no-substitution",
            HOME,
            "arn:aws:s3:::bucket/home/alice/f",
            {"aws:username": "alice"},
            "2008-10-17",
            IMPLICIT,
        ),
        (
            "fail-no-version-no-substitution",
            HOME,
            "arn:aws:s3:::bucket/home/alice/f",
            {"aws:username": "alice"},
            None,
            IMPLICIT,
        ),
        (
            "pass-tag-variable",
            "arn:aws:s3:::bucket/${aws:PrincipalTag/team}/*",
            "arn:aws:s3:::bucket/blue/x",
            {"aws:PrincipalTag/team": "blue"},
            "2012-10-17",
            ALLOW,
        ),
        (
            "pass-no-slash-resource-part",
            f"arn:aws:sqs:us-east-1:{A}:${{aws:username}}-queue",
            f"arn:aws:sqs:us-east-1:{A}:alice-queue",
            {"aws:username": "alice"},
            "2012-10-17",
            ALLOW,
        ),
        (
            "pass-variable-is-whole-resource-part",
            "arn:aws:s3:::${aws:username}",
            "arn:aws:s3:::alice",
            {"aws:username": "alice"},
            "2012-10-17",
            ALLOW,
        ),
        (
            "fail-variable-outside-resource-part",
            f"arn:aws:sqs:${{aws:RequestedRegion}}:{A}:q",
            f"arn:aws:sqs:eu-west-1:{A}:q",
            {"aws:RequestedRegion": "eu-west-1"},
            "2012-10-17",
            IMPLICIT,
        ),
    ],
)
def test_policy_variables(
    name: str, pattern: str, resource: str, context: dict, version: str | None, expected: str
) -> None:
    identity = [doc(allow(resource=pattern), version=version)]
    assert decide(arn=resource, context=context, identity=identity) == expected, name


def test_variables_are_not_substituted_in_actions() -> None:
    identity = [doc(allow(action="s3:${aws:username}"))]
    assert decide(action="s3:GetObject", context={"aws:username": "GetObject"}, identity=identity) == IMPLICIT
