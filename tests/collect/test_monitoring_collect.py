"""The detective-control checks against moto: planted weaknesses FAIL, their compliant twins PASS.

Seeds two trails (one multi-region, logging, validated, KMS-encrypted, sent to CloudWatch Logs;
one single-region, stopped, with a public bucket), CIS metric filters with and without alarms and
subscribers, log groups, an AWS Config recorder, a GuardDuty detector and Security Hub, collects
with the real collector (monitoring and S3 specs only) and runs the checks on the snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from cloudwarden.assess import run_check
from cloudwarden.checks import cloudtrail, cloudwatch, detection_services, logs
from cloudwarden.checks.registry import REGISTRY
from cloudwarden.collect import all_calls, collect_snapshot
from cloudwarden.core.enums import Status
from cloudwarden.core.findings import Finding
from cloudwarden.inventory.snapshot import Snapshot
from tests.helpers import scoped_env

REGION = "us-east-1"
ACCOUNT = "123456789012"
SG_PATTERN = ('{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) '
              '|| ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) '
              '|| ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }')
NACL_PATTERN = ('{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || '
                '($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || '
                '($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }')
ROUTE_PATTERN_INCOMPLETE = '{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) }'
PUBLIC_READ = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
               "Action": "s3:GetObject", "Resource": "arn:aws:s3:::open-trail-logs/*"}]}
DATASET_PREFIXES = ("cloudtrail.", "logs.", "cloudwatch.", "sns.", "config.", "guardduty.", "securityhub.", "s3.")


def _seed_trails(ids: dict[str, str]) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="main-trail-logs")
    s3.create_bucket(Bucket="open-trail-logs")
    s3.put_bucket_policy(Bucket="open-trail-logs", Policy=json.dumps(PUBLIC_READ))
    s3.create_bucket(Bucket="access-logs", ACL="log-delivery-write")
    s3.put_bucket_logging(Bucket="main-trail-logs", BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": "access-logs", "TargetPrefix": "trail/"}})
    key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    logs = boto3.client("logs", region_name=REGION)
    logs.create_log_group(logGroupName="cloudtrail")
    logs.put_retention_policy(logGroupName="cloudtrail", retentionInDays=400)
    logs.create_log_group(logGroupName="short-lived")
    logs.put_retention_policy(logGroupName="short-lived", retentionInDays=7)
    group_arn = logs.describe_log_groups(logGroupNamePrefix="cloudtrail")["logGroups"][0]["arn"]
    trail = boto3.client("cloudtrail", region_name=REGION)
    ids["main"] = trail.create_trail(
        Name="main-trail", S3BucketName="main-trail-logs", IsMultiRegionTrail=True, KmsKeyId=key,
        EnableLogFileValidation=True, CloudWatchLogsLogGroupArn=group_arn,
        CloudWatchLogsRoleArn=f"arn:aws:iam::{ACCOUNT}:role/trail-to-logs")["TrailARN"]
    trail.start_logging(Name="main-trail")
    trail.create_trail(Name="weak-trail", S3BucketName="open-trail-logs")


def _seed_alarms() -> None:
    sns = boto3.client("sns", region_name=REGION)
    heard = sns.create_topic(Name="soc-alerts")["TopicArn"]
    sns.subscribe(TopicArn=heard, Protocol="email", Endpoint="soc@example.com")
    unheard = sns.create_topic(Name="nobody-listens")["TopicArn"]
    logs = boto3.client("logs", region_name=REGION)
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    for name, pattern, topic in (("sg", SG_PATTERN, heard), ("nacl", NACL_PATTERN, unheard),
                                 ("routes", ROUTE_PATTERN_INCOMPLETE, heard)):
        logs.put_metric_filter(logGroupName="cloudtrail", filterName=name, filterPattern=pattern,
                               metricTransformations=[{"metricName": name, "metricNamespace": "CIS",
                                                       "metricValue": "1"}])
        cloudwatch.put_metric_alarm(AlarmName=f"{name}-changes", MetricName=name, Namespace="CIS",
                                    Statistic="Sum", Period=300, EvaluationPeriods=1, Threshold=1,
                                    ComparisonOperator="GreaterThanOrEqualToThreshold", AlarmActions=[topic])
    cloudwatch.put_metric_alarm(AlarmName="silent", MetricName="x", Namespace="Custom", Statistic="Sum",
                                Period=300, EvaluationPeriods=1, Threshold=1,
                                ComparisonOperator="GreaterThanThreshold")


def _seed_services() -> None:
    config = boto3.client("config", region_name=REGION)
    config.put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": f"arn:aws:iam::{ACCOUNT}:role/config-recorder",
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "main-trail-logs"})
    config.start_configuration_recorder(ConfigurationRecorderName="default")
    boto3.client("guardduty", region_name=REGION).create_detector(Enable=True, Features=[
        {"Name": "S3_DATA_EVENTS", "Status": "ENABLED"}, {"Name": "RDS_LOGIN_EVENTS", "Status": "DISABLED"}])
    boto3.client("securityhub", region_name=REGION).enable_security_hub(EnableDefaultStandards=False)


@pytest.fixture(scope="module")
def seeded() -> Iterator[tuple[Snapshot, dict[str, str]]]:
    with scoped_env(dict(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION)):
        with mock_aws():
            ids: dict[str, str] = {}
            _seed_trails(ids)
            _seed_alarms()
            _seed_services()
            calls = [c for c in all_calls() if c.dataset.startswith(DATASET_PREFIXES)]
            yield collect_snapshot(regions=[REGION], calls=calls, workers=8), ids


MODULES = (cloudtrail, cloudwatch, detection_services, logs)  # registers their checks, and only theirs


def findings(snapshot: Snapshot, check_id: str) -> dict[str, Finding]:
    return {f.resource_id: f for f in run_check(REGISTRY[check_id], snapshot)}


def status_of(snapshot: Snapshot, check_id: str, resource: str) -> Status:
    return findings(snapshot, check_id)[resource].status


def test_the_snapshot_holds_trail_status_and_selectors_per_home_region(seeded: Any) -> None:
    snapshot, ids = seeded
    assert snapshot.item("cloudtrail.trail_status", REGION, ids["main"])["IsLogging"] is True
    assert "EventSelectors" in snapshot.item("cloudtrail.event_selectors", REGION, ids["main"])
    assert snapshot.get("securityhub.hub", REGION)["HubArn"]


@pytest.mark.parametrize(("check_id", "good", "bad"), [
    ("cloudtrail.log_file_validation", "main-trail", "weak-trail"),
    ("cloudtrail.kms_encryption", "main-trail", "weak-trail"),
    ("cloudtrail.cloudwatch_logs_integration", "main-trail", "weak-trail"),
    ("cloudtrail.bucket_not_public", "main-trail", "weak-trail"),
    ("cloudtrail.bucket_access_logging", "main-trail", "weak-trail"),
    ("logs.log_group_retention", "cloudtrail", "short-lived"),
    ("cloudwatch.alarms_have_actions", "sg-changes", "silent"),
])
def test_compliant_twin_passes_and_weak_one_fails(seeded: Any, check_id: str, good: str, bad: str) -> None:
    snapshot, _ = seeded
    verdicts = findings(snapshot, check_id)
    assert verdicts[good].status == Status.PASS, verdicts[good].message
    assert verdicts[bad].status == Status.FAIL, verdicts[bad].message


def test_account_wide_trail_verdicts(seeded: Any) -> None:
    snapshot, _ = seeded
    assert status_of(snapshot, "cloudtrail.multi_region_trail_logging", ACCOUNT) == Status.PASS
    assert status_of(snapshot, "cloudtrail.s3_data_events_write", ACCOUNT) == Status.FAIL


def test_cis_pairs_name_the_missing_link(seeded: Any) -> None:
    snapshot, _ = seeded
    complete = findings(snapshot, "cloudwatch.alarm_security_group_changes")[ACCOUNT]
    assert complete.status == Status.PASS and "soc-alerts" in complete.message
    unheard = findings(snapshot, "cloudwatch.alarm_nacl_changes")[ACCOUNT]
    assert unheard.status == Status.FAIL and "confirmed subscriber" in unheard.message
    partial = findings(snapshot, "cloudwatch.alarm_route_table_changes")[ACCOUNT]
    assert partial.status == Status.FAIL and "misses eventName=ReplaceRoute" in partial.message
    absent = findings(snapshot, "cloudwatch.alarm_root_usage")[ACCOUNT]
    assert absent.status == Status.FAIL and "detects root user activity" in absent.message


def test_detection_services(seeded: Any) -> None:
    snapshot, _ = seeded
    assert status_of(snapshot, "config.recorder_all_regions", f"config/{REGION}") == Status.PASS
    assert status_of(snapshot, "config.recorder_all_regions", ACCOUNT) == Status.PASS
    assert status_of(snapshot, "config.recorder_service_linked_role", "default") == Status.FAIL
    assert status_of(snapshot, "guardduty.enabled_all_regions", f"guardduty/{REGION}") == Status.PASS
    detector = snapshot.get("guardduty.detector_ids", REGION)[0]
    assert status_of(snapshot, "guardduty.s3_protection", detector) == Status.PASS
    assert status_of(snapshot, "guardduty.rds_protection", detector) == Status.FAIL
    assert status_of(snapshot, "securityhub.enabled", f"securityhub/{REGION}") == Status.PASS
    # moto does not implement GetEnabledStandards: a gap, reported UNKNOWN, never PASS.
    assert status_of(snapshot, "securityhub.standards_enabled", f"securityhub/{REGION}") == Status.UNKNOWN
