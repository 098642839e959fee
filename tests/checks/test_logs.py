"""PASS and FAIL cases for CloudWatch Logs: retention, KMS encryption, resource policies."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.checks.cases import ACCOUNT, Case, Regional, assert_case


def group(name: str = "app", **fields: Any) -> dict[str, Any]:
    record = {"logGroupName": name, "arn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{name}:*",
              "logGroupArn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{name}", "storedBytes": 0}
    record.update(fields)
    return record


def groups(*records: dict[str, Any]) -> dict[str, Any]:
    return {"logs.log_groups": Regional({"us-east-1": list(records), "eu-west-1": []})}


def policies(document: dict[str, Any] | str) -> dict[str, Any]:
    return {"logs.resource_policies": Regional(
        {"us-east-1": [{"policyName": "route53-query-logs", "policyDocument": document}], "eu-west-1": []})}


def statement(principal: Any, **condition: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": principal, "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:*", **condition}]}


RETENTION, KMS, POLICY = "logs.log_group_retention", "logs.log_group_kms_encryption", "logs.resource_policy_not_public"

CASES = [
    Case("pass-one-year", RETENTION, groups(group(retentionInDays=365)), message="365 days"),
    Case("pass-never-expires", RETENTION, groups(group()), message="never expires"),
    Case("fail-thirty-days", RETENTION, groups(group(retentionInDays=30), group("ok", retentionInDays=400)),
         resource="app", message="30 days"),
    Case("pass-kms", KMS, groups(group(kmsKeyId=f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1"))),
    Case("fail-no-kms", KMS, groups(group()), message="no KMS key"),
    Case("pass-service-principal", POLICY, policies(statement(
        {"Service": "route53.amazonaws.com"}, Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}}))),
    Case("pass-star-with-source-account", POLICY, policies(statement(
        "*", Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}}))),
    Case("fail-open-to-all", POLICY, policies(json.dumps(statement({"AWS": "*"}))),
         message="lets any AWS account or anonymous caller logs:CreateLogStream, logs:PutLogEvents"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)
