"""PASS and FAIL cases for dynamodb.capacity_autoscaling."""

from __future__ import annotations

from typing import Any

import pytest

from tests.checks.cases import Case, Regional, assert_case
from tests.checks.test_dynamodb import ONE_REGION, REGION, ddb, table


def target(dimension: str) -> dict[str, Any]:
    return {"ServiceNamespace": "dynamodb", "ResourceId": "table/orders",
            "ScalableDimension": f"dynamodb:table:{dimension}CapacityUnits", "MinCapacity": 5, "MaxCapacity": 100}


def scaled(described: dict[str, Any], *targets: dict[str, Any]) -> dict[str, Any]:
    return {**ddb(described), "autoscaling.dynamodb_targets": Regional({REGION: list(targets)})}


CASES = [
    Case("pass-on-demand", "dynamodb.capacity_autoscaling",
         scaled(table(BillingModeSummary={"BillingMode": "PAY_PER_REQUEST"})), regions=ONE_REGION, message="on-demand"),
    Case("pass-autoscaled", "dynamodb.capacity_autoscaling", scaled(table(), target("Read"), target("Write")),
         regions=ONE_REGION),
    Case("fail-write-not-scaled", "dynamodb.capacity_autoscaling", scaled(table(), target("Read")),
         regions=ONE_REGION, message="without auto scaling of WriteCapacityUnits"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)
