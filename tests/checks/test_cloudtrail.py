"""PASS and FAIL cases for the CloudTrail checks: account coverage, trail settings, the trail bucket."""

from __future__ import annotations

from typing import Any

import pytest

from tests.checks.cases import ACCOUNT, Case, Regional, assert_case

TRAIL_ARN = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/main"
GROUP_ARN = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:cloudtrail:*"
BUCKET = "org-trail-logs"
LOGGING = {"IsLogging": True}


def trail(**fields: Any) -> dict[str, Any]:
    record = {"Name": "main", "TrailARN": TRAIL_ARN, "HomeRegion": "us-east-1", "IsMultiRegionTrail": True,
              "IncludeGlobalServiceEvents": True, "S3BucketName": BUCKET, "LogFileValidationEnabled": True,
              "KmsKeyId": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234", "CloudWatchLogsLogGroupArn": GROUP_ARN,
              "HasCustomEventSelectors": False, "HasInsightSelectors": False}
    record.update(fields)
    return record


def trail_data(record: dict[str, Any] | None = None, status: dict[str, Any] | None = None,
               selectors: dict[str, Any] | None = None) -> dict[str, Any]:
    """A snapshot's CloudTrail datasets: the trail in its home region (and shadowed elsewhere)."""
    record = record or trail()
    shadow = [record] if record.get("IsMultiRegionTrail") else []
    arn = record["TrailARN"]
    return {
        "cloudtrail.trails": Regional({"us-east-1": [record], "eu-west-1": shadow}),
        "cloudtrail.trail_status": Regional({"us-east-1": {arn: status or LOGGING}, "eu-west-1": {}}),
        "cloudtrail.event_selectors": Regional({"us-east-1": {arn: selectors or {
            "EventSelectors": [], "AdvancedEventSelectors": []}}, "eu-west-1": {}}),
    }


def bucket_data(policy: Any = None, grants: list[dict[str, Any]] | None = None,
                block: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"s3.buckets": [{"Name": BUCKET}], "s3.bucket_policy": {BUCKET: policy},
            "s3.bucket_acl": {BUCKET: {"Owner": {"ID": "abc"}, "Grants": grants or []}},
            "s3.bucket_public_access_block": {BUCKET: block}, "s3.account_public_access_block": None}


def selectors(classic: list[dict[str, Any]] | None = None,
              advanced: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"EventSelectors": classic or [], "AdvancedEventSelectors": advanced or []}


def s3_objects(read_write: str, values: tuple[str, ...] = ("arn:aws:s3",)) -> dict[str, Any]:
    return {"ReadWriteType": read_write, "IncludeManagementEvents": True,
            "DataResources": [{"Type": "AWS::S3::Object", "Values": list(values)}]}


def advanced(*fields: tuple[str, str, list[str]]) -> dict[str, Any]:
    return {"Name": "sel", "FieldSelectors": [{"Field": f, op: values} for f, op, values in fields]}


PUBLIC_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}]}
SERVICE_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
     "Resource": f"arn:aws:s3:::{BUCKET}/AWSLogs/{ACCOUNT}/*"}]}
ALL_USERS = [{"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
              "Permission": "READ"}]
MANAGEMENT = ("eventCategory", "Equals", ["Management"])
S3_DATA = [("eventCategory", "Equals", ["Data"]), ("resources.type", "Equals", ["AWS::S3::Object"])]

MR = "cloudtrail.multi_region_trail_logging"
CW = "cloudtrail.cloudwatch_logs_integration"
PUBLIC = "cloudtrail.bucket_not_public"
WRITE, READ = "cloudtrail.s3_data_events_write", "cloudtrail.s3_data_events_read"

CASES = [
    Case("pass-default-selectors", MR, trail_data(), message="multi-region trail main"),
    Case("pass-advanced-management", MR, trail_data(
        trail(HasCustomEventSelectors=True), selectors=selectors(advanced=[advanced(MANAGEMENT)]))),
    Case("fail-not-logging", MR, trail_data(status={"IsLogging": False}), message="main: not logging"),
    Case("fail-single-region", MR, trail_data(trail(IsMultiRegionTrail=False)),
         message="there is no multi-region trail"),
    Case("fail-write-only", MR, trail_data(trail(HasCustomEventSelectors=True), selectors=selectors(
        [{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}])),
         message="only write management events"),
    Case("fail-advanced-read-only", MR, trail_data(trail(HasCustomEventSelectors=True), selectors=selectors(
        advanced=[advanced(MANAGEMENT, ("readOnly", "Equals", ["true"]))])), message="only read"),
    Case("unknown-status-missing", MR, {**trail_data(), "cloudtrail.trail_status": Regional(
        {"us-east-1": {}, "eu-west-1": {}})}, message="not evaluated"),
    Case("pass-validation", "cloudtrail.log_file_validation", trail_data()),
    Case("fail-no-validation", "cloudtrail.log_file_validation",
         trail_data(trail(LogFileValidationEnabled=False)), resource="main", message="off"),
    Case("pass-kms", "cloudtrail.kms_encryption", trail_data(), message="encrypted with arn:aws:kms"),
    Case("fail-sse-s3", "cloudtrail.kms_encryption", trail_data(trail(KmsKeyId=None)), message="no KMS key"),
    Case("pass-delivering", CW, trail_data(status={"IsLogging": True,
         "LatestCloudWatchLogsDeliveryTime": "2026-11-28T09:30:00+00:00"}), message="last delivery within a day"),
    Case("pass-configured-no-time", CW, trail_data(), message="no delivery time yet"),
    Case("fail-stale-delivery", CW, trail_data(status={"IsLogging": True,
         "LatestCloudWatchLogsDeliveryTime": "2026-11-23T09:30:00+00:00"}), message="last delivered 5 days ago"),
    Case("fail-delivery-error", CW, trail_data(status={
        "LatestCloudWatchLogsDeliveryError": "AccessDenied"}), message="fails: AccessDenied"),
    Case("fail-not-sent", CW, trail_data(trail(CloudWatchLogsLogGroupArn=None)), message="not sent"),
    Case("pass-private-bucket", PUBLIC, {**trail_data(), **bucket_data(SERVICE_POLICY)}, message="not public"),
    Case("fail-public-policy", PUBLIC, {**trail_data(), **bucket_data(PUBLIC_POLICY)},
         message="bucket policy allows s3:GetObject to everyone"),
    Case("fail-public-acl", PUBLIC, {**trail_data(), **bucket_data(grants=ALL_USERS)},
         message="ACL grants AllUsers:READ"),
    Case("pass-blocked-by-bpa", PUBLIC, {**trail_data(), **bucket_data(
        PUBLIC_POLICY, ALL_USERS, {"RestrictPublicBuckets": True, "IgnorePublicAcls": True})}),
    Case("pass-blocked-by-account-bpa", PUBLIC, {**trail_data(), **bucket_data(PUBLIC_POLICY),
         "s3.account_public_access_block": {"RestrictPublicBuckets": True}}),
    Case("unknown-foreign-bucket", PUBLIC, {**trail_data(), **bucket_data(), "s3.buckets": []},
         message="may belong to another account"),
    # A public policy: account Block Public Access decides, so unread it is UNKNOWN (a private bucket
    # is private whatever it says: the OPEN entry of test_gaps_meta).
    Case("unknown-account-bpa-unread", PUBLIC, {k: v for k, v in {**trail_data(), **bucket_data(PUBLIC_POLICY)}.items()
                                                if k != "s3.account_public_access_block"},
         message="s3.account_public_access_block"),
    Case("pass-access-logging", "cloudtrail.bucket_access_logging",
         {**trail_data(), "s3.buckets": [{"Name": BUCKET}],
         "s3.bucket_logging": {BUCKET: {"TargetBucket": "access-logs", "TargetPrefix": "ct/"}}},
        message="logs access to access-logs"),
    Case("fail-no-access-logging", "cloudtrail.bucket_access_logging",
         {**trail_data(), "s3.buckets": [{"Name": BUCKET}], "s3.bucket_logging": {BUCKET: None}},
         message="no server access logging"),
    Case("pass-mfa-delete", "cloudtrail.bucket_mfa_delete", {**trail_data(), "s3.buckets": [{"Name": BUCKET}],
         "s3.bucket_versioning": {BUCKET: {"Status": "Enabled", "MFADelete": "Enabled"}}}),
    Case("fail-versioning-only", "cloudtrail.bucket_mfa_delete", {**trail_data(), "s3.buckets": [{"Name": BUCKET}],
         "s3.bucket_versioning": {BUCKET: {"Status": "Enabled"}}}, message="MFA Delete off"),
    Case("pass-write-classic", WRITE, trail_data(selectors=selectors([s3_objects("WriteOnly")]))),
    Case("pass-write-advanced", WRITE, trail_data(selectors=selectors(advanced=[advanced(
        *S3_DATA, ("readOnly", "Equals", ["false"]))]))),
    Case("fail-no-data-events", WRITE, trail_data(), message="no S3 object events"),
    Case("fail-one-bucket-only", WRITE, trail_data(selectors=selectors(
        [s3_objects("All", (f"arn:aws:s3:::{BUCKET}/",))]))),
    Case("fail-data-events-not-logging", WRITE, trail_data(
        status={"IsLogging": False}, selectors=selectors([s3_objects("All")])), message="not logging"),
    Case("pass-read-all", READ, trail_data(selectors=selectors([s3_objects("All", ("arn:aws:s3:::",))]))),
    Case("fail-read-write-only", READ, trail_data(selectors=selectors([s3_objects("WriteOnly")])),
         message="only write S3 object events"),
    Case("pass-insights", "cloudtrail.insights_enabled", trail_data(trail(HasInsightSelectors=True))),
    Case("fail-no-insights", "cloudtrail.insights_enabled", trail_data(), message="no trail has"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)
