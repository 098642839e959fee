"""PASS, FAIL and UNKNOWN cases for dynamodb/rds/ebs *.in_backup_plan (AWS Backup resource assignments)."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.checks._backup_coverage import selects
from cloudwarden.core.enums import Status
from cloudwarden.inventory.snapshot import Gap
from cloudwarden.inventory.views.backup import Selection
from tests.checks.cases import ACCOUNT, Case, Regional, assert_case, findings_for

REGION = "eu-west-1"
ONE_REGION = (REGION,)
PLAN = {"BackupPlanId": "plan-1", "BackupPlanName": "daily"}
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"
DB_ARN = f"arn:aws:rds:{REGION}:{ACCOUNT}:db:db1"
CLUSTER_ARN = f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:aurora1"


def selection(**fields: Any) -> dict[str, Any]:
    return {"SelectionId": "sel-1", "SelectionName": "all", "IamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/backup",
            **fields}


def backup(*selections: dict[str, Any], plans: bool = True) -> dict[str, Any]:
    return {"backup.plans": Regional({REGION: [PLAN] if plans else []}),
            "backup.selections": Regional({REGION: {"plan-1": list(selections)} if plans else {}}),
            "backup.protected_resources": Regional({REGION: [
                {"ResourceArn": TABLE_ARN, "ResourceType": "DynamoDB", "LastBackupTime": "2026-11-27T03:00:00Z"}]})}


def tables(tags: list[dict[str, str]] | None = None, **more: Any) -> dict[str, Any]:
    data = {"dynamodb.table_names": Regional({REGION: ["orders"]}),
            "dynamodb.tables": Regional({REGION: {"orders": {"TableName": "orders", "TableArn": TABLE_ARN}}}),
            **more}
    if tags is not None:
        data["dynamodb.table_tags"] = Regional({REGION: {"orders": tags}})
    return data


def databases(**more: Any) -> dict[str, Any]:
    db = {"DBInstanceIdentifier": "db1", "DBInstanceArn": DB_ARN, "Engine": "postgres",
          "TagList": [{"Key": "backup", "Value": "daily"}]}
    member = {"DBInstanceIdentifier": "aurora1-a", "DBInstanceArn": DB_ARN + "-a", "DBClusterIdentifier": "aurora1"}
    aurora = {"DBClusterIdentifier": "aurora1", "DBClusterArn": CLUSTER_ARN, "Engine": "aurora-postgresql", "TagList": []}
    return {"rds.db_instances": Regional({REGION: [db, member]}), "rds.db_clusters": Regional({REGION: [aurora]}),
            **more}


def tagged_cluster(**more: Any) -> dict[str, Any]:
    data = databases(**more)
    data["rds.db_clusters"] = Regional({REGION: [{"DBClusterIdentifier": "aurora1", "DBClusterArn": CLUSTER_ARN,
                                                  "TagList": [{"Key": "backup", "Value": "daily"}]}]})
    return data


def volumes(**more: Any) -> dict[str, Any]:
    return {"ec2.volumes": Regional({REGION: [{"VolumeId": "vol-1", "Tags": [{"Key": "backup", "Value": "daily"}]},
                                              {"VolumeId": "vol-2", "Tags": []}]}), **more}


BY_TYPE = selection(Resources=["arn:aws:dynamodb:*:*:table/*", "arn:aws:rds:*:*:db:*", "arn:aws:rds:*:*:cluster:*",
                               "arn:aws:ec2:*:*:volume/*"])
BY_TAG = selection(Resources=["*"], Conditions={"StringEquals": [
    {"ConditionKey": "aws:ResourceTag/backup", "ConditionValue": "daily"}]})
LIST_OF_TAGS = selection(ListOfTags=[{"ConditionType": "StringEquals", "ConditionKey": "backup",
                                      "ConditionValue": "daily"}])
EXCLUDED = selection(Resources=["*"], NotResources=[TABLE_ARN])

CASES = [
    Case("pass-by-arn-pattern", "dynamodb.in_backup_plan", {**tables([]), **backup(BY_TYPE)},
         message="assigned to backup plan daily (assignment all); last recovery point 2026-11-27"),
    Case("pass-by-tag", "dynamodb.in_backup_plan", {**tables([{"Key": "backup", "Value": "daily"}]), **backup(BY_TAG)}),
    Case("fail-tag-differs", "dynamodb.in_backup_plan", {**tables([{"Key": "backup", "Value": "never"}]),
                                                         **backup(BY_TAG)}, message="in no backup plan"),
    Case("fail-excluded", "dynamodb.in_backup_plan", {**tables([]), **backup(EXCLUDED)}),
    Case("fail-no-plan", "dynamodb.in_backup_plan", {**tables([]), **backup(plans=False)},
         message="no backup plan in the region"),
    Case("pass-all-by-type", "rds.in_backup_plan", databases(**backup(BY_TYPE))),
    Case("pass-by-list-of-tags", "rds.in_backup_plan", tagged_cluster(**backup(LIST_OF_TAGS))),
    Case("fail-cluster-untagged", "rds.in_backup_plan", databases(**backup(LIST_OF_TAGS)), resource="aurora1"),
    Case("pass-volumes-by-type", "ebs.volume_in_backup_plan", volumes(**backup(BY_TYPE))),
    Case("pass-tagged-volume", "ebs.volume_in_backup_plan", volumes(**backup(BY_TAG)), resource="vol-1"),
    Case("fail-untagged-volume", "ebs.volume_in_backup_plan", volumes(**backup(BY_TAG)), resource="vol-2"),
]
for case in CASES:
    case.regions = ONE_REGION


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)


def test_a_cluster_member_is_judged_through_its_cluster() -> None:
    findings = findings_for(Case("pass-x", "rds.in_backup_plan", databases(**backup(BY_TYPE)), regions=ONE_REGION))
    assert sorted(f.resource_id for f in findings) == ["aurora1", "db1"]


def test_tag_based_assignment_with_unread_tags_is_unknown() -> None:
    data = {**tables(None), **backup(BY_TAG)}
    gap = Gap("dynamodb.table_tags", "dynamodb", "ListTagsOfResource", REGION, "AccessDenied", "denied",
              "dynamodb:ListTagsOfResource", "orders")
    findings = findings_for(Case("unknown-x", "dynamodb.in_backup_plan", data, gaps=[gap], regions=ONE_REGION))
    assert [f.status for f in findings] == [Status.UNKNOWN]
    assert "tags that decide plan daily" in findings[0].message


def test_selections_moto_cannot_list_are_unknown() -> None:
    data = {**volumes(), **backup(BY_TYPE)}
    data["backup.selections"] = Regional({REGION: {}})
    gap = Gap("backup.selections", "backup", "ListBackupSelections", REGION, "NotImplemented",
              "the endpoint does not implement this operation", "backup:ListBackupSelections", "plan-1")
    findings = findings_for(Case("unknown-x", "ebs.volume_in_backup_plan", data, gaps=[gap], regions=ONE_REGION))
    assert {f.status for f in findings} == {Status.UNKNOWN}
    assert all("does not implement" in f.message for f in findings)


@pytest.mark.parametrize(("chosen", "tags", "expected"), [
    (selection(Resources=["arn:aws:ec2:*:*:volume/*"]), {}, True),
    (selection(Resources=[TABLE_ARN], Conditions={"StringNotEquals": [
        {"ConditionKey": "aws:ResourceTag/env", "ConditionValue": "dev"}]}), {"env": "dev"}, False),
    (selection(Resources=["*"], Conditions={"StringLike": [
        {"ConditionKey": "aws:ResourceTag/env", "ConditionValue": "prod*"}]}), {"env": "prod-eu"}, True),
    (selection(Resources=["*"], Conditions={"StringNotLike": [
        {"ConditionKey": "aws:ResourceTag/env", "ConditionValue": "dev*"}]}), None, None),
    (selection(), {}, True),  # neither resources nor tags: every supported resource
])
def test_selection_semantics(chosen: dict[str, Any], tags: dict[str, str] | None, expected: bool | None) -> None:
    arn = "arn:aws:ec2:eu-west-1:111122223333:volume/vol-1" if "volume" in str(chosen) else TABLE_ARN
    assert selects(Selection.of(chosen), arn, lambda: tags) is expected
