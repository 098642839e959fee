"""PASS, FAIL and UNKNOWN cases for dynamodb.resource_policy_restricted (decided by the IAM evaluator)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudwarden.core.enums import Status
from tests.checks.cases import ACCOUNT, Case, Regional, assert_case, findings_for
from tests.checks.test_dynamodb import ARN, ONE_REGION, REGION, ddb, table

PARTNER = "444455556666"
MEMBER = "777788889999"


def with_policy(*statements: dict[str, Any], members: list[str] | None = None) -> dict[str, Any]:
    text = json.dumps({"Version": "2012-10-17", "Statement": list(statements)}) if statements else None
    data = {**ddb(table()), "dynamodb.resource_policy": Regional({REGION: {"orders": text}})}
    if members is not None:
        data["organizations.accounts"] = [{"Id": m} for m in members]
    return data


def allow(principal: Any, action: Any = "dynamodb:GetItem", **condition: Any) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": ARN}
    if condition:
        statement["Condition"] = condition
    return statement


CASES = [
    Case("pass-no-policy", "dynamodb.resource_policy_restricted", with_policy(), message="no resource policy"),
    Case("pass-own-role", "dynamodb.resource_policy_restricted",
         with_policy(allow({"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"}, "dynamodb:*")),
         message="admits no one outside"),
    Case("pass-org-member", "dynamodb.resource_policy_restricted",
         with_policy(allow({"AWS": f"arn:aws:iam::{MEMBER}:root"}), members=[ACCOUNT, MEMBER])),
    Case("pass-star-with-org-condition", "dynamodb.resource_policy_restricted",
         with_policy(allow("*", "dynamodb:*", StringEquals={"aws:PrincipalOrgID": "o-abc123"}))),
    Case("fail-public", "dynamodb.resource_policy_restricted", with_policy(allow("*", "dynamodb:*")),
         message="anonymous: dynamodb:GetItem"),
    Case("fail-foreign-account", "dynamodb.resource_policy_restricted",
         with_policy(allow({"AWS": f"arn:aws:iam::{PARTNER}:root"}, ["dynamodb:Scan", "dynamodb:DeleteTable"])),
         message=f"account {PARTNER}: dynamodb:Scan, dynamodb:DeleteTable"),
    Case("fail-member-list-unread", "dynamodb.resource_policy_restricted",
         with_policy(allow({"AWS": f"arn:aws:iam::{MEMBER}:root"})), message=f"account {MEMBER}"),
]
for case in CASES:
    case.regions = ONE_REGION


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)


def test_a_policy_the_evaluator_cannot_read_is_unknown() -> None:
    data = {**ddb(table()), "dynamodb.resource_policy": Regional({REGION: {"orders": "{broken"}})}
    findings = findings_for(Case("unknown-x", "dynamodb.resource_policy_restricted", data, regions=ONE_REGION))
    assert [f.status for f in findings] == [Status.UNKNOWN]
    assert "could not be evaluated" in findings[0].message
