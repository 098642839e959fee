"""CloudTrail checks: the account's trail coverage, each trail's settings, and its S3 bucket.

Reads cloudtrail.* datasets and, for the trail's bucket, the per-bucket s3.* datasets (keyed by
bucket name, region "global"). A bucket outside this account's bucket list is UNKNOWN, not PASS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from cloudwarden.checks._trails import (
    ACCOUNT_RESOURCE,
    SELECTORS,
    STATUS,
    TRAILS,
    Coverage,
    Trail,
    bucket_exposure,
    multi_region_trails,
    qualifying_problems,
    status,
    trails,
)
from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import failed, passed, verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.inventory.snapshot import GLOBAL, DataUnavailable
from cloudwarden.inventory.views.cloudtrail import TrailStatus
from cloudwarden.inventory.views.s3 import Bucket, S3View

DOC = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/"
TRAIL = "AWS::CloudTrail::Trail"
BUCKET_DATA = ["s3.buckets", "s3.bucket_policy", "s3.bucket_acl", "s3.bucket_public_access_block",
               "s3.account_public_access_block"]


def _trail_verdict(ok: bool, home: str, trail: Trail, message: str) -> Result:
    return verdict(ok, trail.name, message, home, trail.arn)


@check("cloudtrail.multi_region_trail_logging", resource_type=ACCOUNT_RESOURCE,
       datasets=[TRAILS, STATUS, SELECTORS],
       fix="Create a multi-region trail that records read and write management events, and start logging.",
       cli="aws cloudtrail create-trail --name main --s3-bucket-name BUCKET --is-multi-region-trail "
           "&& aws cloudtrail start-logging --name main",
       doc=DOC + "cloudtrail-create-and-update-a-trail.html")
def multi_region_trail_logging(ctx: CheckContext) -> Iterator[Result]:
    shortfalls: list[str] = []
    missing: DataUnavailable | None = None
    for home, trail in multi_region_trails(ctx):
        try:
            problems = qualifying_problems(ctx, home, trail)
        except DataUnavailable as gap:
            missing = missing or gap
            continue
        if not problems:
            yield passed(ctx.account_id, f"multi-region trail {trail.name} ({home}) is logging read and "
                         "write management events", arn=trail.arn,
                         resource_type=ACCOUNT_RESOURCE)
            return
        shortfalls.append(f"{trail.name}: {', '.join(problems)}")
    if missing is not None:
        raise missing
    yield failed(ctx.account_id, "no multi-region trail is logging read and write management events"
                 + (f" ({'; '.join(shortfalls)})" if shortfalls else ": there is no multi-region trail"),
                 resource_type=ACCOUNT_RESOURCE)


@check("cloudtrail.log_file_validation", resource_type=TRAIL, datasets=[TRAILS],
       fix="Turn on log file integrity validation so CloudTrail writes signed digest files.",
       cli="aws cloudtrail update-trail --name TRAIL --enable-log-file-validation",
       doc=DOC + "cloudtrail-log-file-validation-enabling.html")
def log_file_validation(ctx: CheckContext) -> Iterator[Result]:
    for home, trail in trails(ctx):
        on = trail.log_file_validation
        yield _trail_verdict(on, home, trail, "log file validation is " + ("on" if on else "off"))


@check("cloudtrail.kms_encryption", resource_type=TRAIL, datasets=[TRAILS],
       fix="Encrypt the trail's log files with a customer managed KMS key (SSE-KMS).",
       cli="aws cloudtrail update-trail --name TRAIL --kms-key-id KEY_ARN",
       doc=DOC + "encrypting-cloudtrail-log-files-with-aws-kms.html")
def kms_encryption(ctx: CheckContext) -> Iterator[Result]:
    for home, trail in trails(ctx):
        key = trail.kms_key_id
        message = f"log files encrypted with {key}" if key else "log files use SSE-S3 only, no KMS key"
        yield _trail_verdict(bool(key), home, trail, message)


def _delivery_message(ctx: CheckContext, group: str, trail_status: TrailStatus) -> tuple[bool, str]:
    error = trail_status.delivery_error
    age = ctx.days_since(trail_status.delivery_time)
    if error:
        return False, f"delivery to {group} fails: {error}"
    if age is None:
        return True, f"configured to deliver to {group}; CloudTrail reports no delivery time yet"
    if age >= 1:
        return False, f"configured for {group} but last delivered {age} days ago"
    return True, f"delivering to {group} (last delivery within a day)"


@check("cloudtrail.cloudwatch_logs_integration", resource_type=TRAIL, datasets=[TRAILS, STATUS],
       fix="Send the trail to a CloudWatch Logs log group (with a role CloudTrail can assume).",
       cli="aws cloudtrail update-trail --name TRAIL --cloud-watch-logs-log-group-arn GROUP_ARN "
           "--cloud-watch-logs-role-arn ROLE_ARN",
       doc=DOC + "send-cloudtrail-events-to-cloudwatch-logs.html")
def cloudwatch_logs_integration(ctx: CheckContext) -> Iterator[Result]:
    for home, trail in trails(ctx):
        group = trail.log_group_arn
        if not group:
            yield _trail_verdict(False, home, trail, "not sent to CloudWatch Logs")
            continue
        with ctx.resource(trail.name, home):
            ok, message = _delivery_message(ctx, group, status(ctx, home, trail))
            yield _trail_verdict(ok, home, trail, message)


def _bucket_checks(ctx: CheckContext, judge: Callable[[Bucket], tuple[bool, str]]) -> Iterator[Result]:
    """One verdict per trail on its S3 bucket; another account's bucket is UNKNOWN."""
    own = {b.name: b for b in ctx.view(S3View).buckets()}
    for home, trail in trails(ctx):
        with ctx.resource(trail.name, home):
            bucket = own.get(trail.bucket)
            if bucket is None:
                raise DataUnavailable("s3.buckets", GLOBAL, f"bucket {trail.bucket or '(none)'} is not in this "
                                      "account's bucket list (it may belong to another account)")
            ok, message = judge(bucket)
            yield _trail_verdict(ok, home, trail, message)


@check("cloudtrail.bucket_not_public", resource_type=TRAIL, datasets=[TRAILS, *BUCKET_DATA],
       fix="Remove public grants from the trail bucket's policy and ACL and turn on Block Public Access.",
       cli="aws s3api put-public-access-block --bucket BUCKET --public-access-block-configuration "
           "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
       doc=DOC + "create-s3-bucket-policy-for-cloudtrail.html")
def bucket_not_public(ctx: CheckContext) -> Iterator[Result]:
    def judge(bucket: Bucket) -> tuple[bool, str]:
        exposure = bucket_exposure(ctx, bucket)
        return not exposure, f"bucket {bucket.name}: " + ("; ".join(exposure) if exposure else "not public")
    yield from _bucket_checks(ctx, judge)


@check("cloudtrail.bucket_access_logging", resource_type=TRAIL,
       datasets=[TRAILS, "s3.buckets", "s3.bucket_logging"],
       fix="Enable S3 server access logging on the trail bucket, to a separate bucket.",
       cli="aws s3api put-bucket-logging --bucket BUCKET --bucket-logging-status "
           "'{\"LoggingEnabled\":{\"TargetBucket\":\"LOG_BUCKET\",\"TargetPrefix\":\"cloudtrail/\"}}'",
       doc="https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html")
def bucket_access_logging(ctx: CheckContext) -> Iterator[Result]:
    def judge(bucket: Bucket) -> tuple[bool, str]:
        target = bucket.logging.get().target_bucket
        return bool(target), (f"bucket {bucket.name} logs access to {target}" if target
                              else f"bucket {bucket.name} has no server access logging")
    yield from _bucket_checks(ctx, judge)


@check("cloudtrail.bucket_mfa_delete", resource_type=TRAIL,
       datasets=[TRAILS, "s3.buckets", "s3.bucket_versioning"],
       fix="Enable versioning with MFA Delete on the trail bucket (root credentials and an MFA code needed).",
       cli="aws s3api put-bucket-versioning --bucket BUCKET --versioning-configuration "
           "Status=Enabled,MFADelete=Enabled --mfa 'SERIAL CODE'",
       doc="https://docs.aws.amazon.com/AmazonS3/latest/userguide/MultiFactorAuthenticationDelete.html")
def bucket_mfa_delete(ctx: CheckContext) -> Iterator[Result]:
    def judge(bucket: Bucket) -> tuple[bool, str]:
        versioning = bucket.versioning.get()
        state = f"versioning {versioning.status or 'off'}, MFA Delete {versioning.mfa_delete or 'off'}"
        ok = versioning.enabled and versioning.mfa_delete == "Enabled"
        return ok, f"bucket {bucket.name}: {state}"
    yield from _bucket_checks(ctx, judge)


def _s3_data_events(ctx: CheckContext, wanted: Callable[[Coverage], bool], kind: str) -> Iterator[Result]:
    """Account-wide: some multi-region, logging trail records `kind` S3 object events for all buckets."""
    seen: list[str] = []
    missing: DataUnavailable | None = None
    for home, trail in multi_region_trails(ctx):
        try:
            logging = status(ctx, home, trail).is_logging
            coverage = trail.selectors.get().s3_data(ctx.partition)
        except DataUnavailable as gap:
            missing = missing or gap
            continue
        if logging and wanted(coverage):
            yield passed(ctx.account_id, f"multi-region trail {trail.name} records {kind} S3 object "
                         "events for all buckets", arn=trail.arn, resource_type=ACCOUNT_RESOURCE)
            return
        seen.append(f"{trail.name}: {coverage.describe('S3 object events for all buckets')}"
                    + ("" if logging else ", not logging"))
    if missing is not None:
        raise missing
    yield failed(ctx.account_id, f"no logging multi-region trail records {kind} S3 object events for all "
                 "buckets" + (f" ({'; '.join(seen)})" if seen else ""), resource_type=ACCOUNT_RESOURCE)


_DATA_EVENTS_CLI = ("aws cloudtrail put-event-selectors --trail-name TRAIL --event-selectors "
                    "'[{\"ReadWriteType\":\"All\",\"IncludeManagementEvents\":true,"
                    "\"DataResources\":[{\"Type\":\"AWS::S3::Object\",\"Values\":[\"arn:aws:s3\"]}]}]'")


@check("cloudtrail.s3_data_events_write", resource_type=ACCOUNT_RESOURCE,
       datasets=[TRAILS, STATUS, SELECTORS],
       fix="Add an S3 data-event selector (write or all) for all buckets to a multi-region trail.",
       cli=_DATA_EVENTS_CLI, doc=DOC + "logging-data-events-with-cloudtrail.html")
def s3_data_events_write(ctx: CheckContext) -> Iterator[Result]:
    yield from _s3_data_events(ctx, lambda c: c.write, "write")


@check("cloudtrail.s3_data_events_read", resource_type=ACCOUNT_RESOURCE,
       datasets=[TRAILS, STATUS, SELECTORS],
       fix="Add an S3 data-event selector (read or all) for all buckets to a multi-region trail.",
       cli=_DATA_EVENTS_CLI, doc=DOC + "logging-data-events-with-cloudtrail.html")
def s3_data_events_read(ctx: CheckContext) -> Iterator[Result]:
    yield from _s3_data_events(ctx, lambda c: c.read, "read")


@check("cloudtrail.insights_enabled", resource_type=ACCOUNT_RESOURCE, datasets=[TRAILS],
       fix="Enable CloudTrail Insights (API call rate and error rate) on a trail.",
       cli="aws cloudtrail put-insight-selectors --trail-name TRAIL --insight-selectors "
           "'[{\"InsightType\":\"ApiCallRateInsight\"},{\"InsightType\":\"ApiErrorRateInsight\"}]'",
       doc=DOC + "logging-insights-events-with-cloudtrail.html")
def insights_enabled(ctx: CheckContext) -> Iterator[Result]:
    names = []
    for _home, trail in trails(ctx):
        names.append(trail.name)
        if trail.insight_selectors:
            yield passed(ctx.account_id, f"trail {trail.name} has Insights selectors",
                         arn=trail.arn, resource_type=ACCOUNT_RESOURCE)
            return
    if not ctx.skipped:  # a trail in an unreadable region might have Insights: UNKNOWN, not FAIL
        yield failed(ctx.account_id, "no trail has CloudTrail Insights enabled"
                     + (f" (trails: {', '.join(names)})" if names else " (no trails)"),
                     resource_type=ACCOUNT_RESOURCE)
