"""PASS, FAIL and UNKNOWN cases for the DynamoDB table checks."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.core.enums import Status
from cloudwarden.inventory.snapshot import Gap
from tests.checks.cases import Case, Regional, assert_case, findings_for

REGION = "us-east-1"
ONE_REGION = (REGION,)
ARN = f"arn:aws:dynamodb:{REGION}:111122223333:table/orders"
CMK = {"Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": "arn:aws:kms:us-east-1:111122223333:key/k1"}


def table(**fields: Any) -> dict[str, Any]:
    return {"TableName": "orders", "TableArn": ARN, "DeletionProtectionEnabled": True, **fields}


def ddb(described: dict[str, Any], pitr: str = "ENABLED") -> dict[str, Any]:
    backups = {"ContinuousBackupsStatus": "ENABLED",
               "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": pitr}}
    return {"dynamodb.table_names": Regional({REGION: ["orders"]}),
            "dynamodb.tables": Regional({REGION: {"orders": described}}),
            "dynamodb.continuous_backups": Regional({REGION: {"orders": backups}})}


CASES = [
    Case("pass-pitr", "dynamodb.pitr_enabled", ddb(table())),
    Case("fail-pitr", "dynamodb.pitr_enabled", ddb(table(), pitr="DISABLED"), message="DISABLED"),
    Case("pass-deletion-protection", "dynamodb.deletion_protection", ddb(table())),
    Case("fail-deletion-protection", "dynamodb.deletion_protection", ddb(table(DeletionProtectionEnabled=False)),
         message="off"),
    Case("pass-kms", "dynamodb.kms_cmk_encryption", ddb(table(SSEDescription=CMK)), message="key/k1"),
    Case("fail-aws-owned-key", "dynamodb.kms_cmk_encryption", ddb(table()), message="AWS owned key"),
]
for case in CASES:
    case.regions = ONE_REGION


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)


def test_finding_carries_the_table_arn() -> None:
    findings = findings_for(Case("pass-x", "dynamodb.deletion_protection", ddb(table()), regions=ONE_REGION))
    assert [(f.resource_id, f.resource_arn) for f in findings] == [("orders", ARN)]


def test_table_that_could_not_be_described_is_unknown() -> None:
    data = ddb(table())
    data["dynamodb.tables"] = Regional({REGION: {}})
    gap = Gap("dynamodb.tables", "dynamodb", "DescribeTable", REGION, "AccessDeniedException", "denied",
              "dynamodb:DescribeTable", "orders")
    findings = findings_for(Case("unknown-x", "dynamodb.deletion_protection", data, gaps=[gap],
                                 regions=ONE_REGION))
    assert [(f.resource_id, f.status) for f in findings] == [("orders", Status.UNKNOWN)]
