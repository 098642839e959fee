"""The account's trail through the fix path: a multi-region CloudTrail with log-file validation, KMS
encryption and CloudWatch Logs delivery, and the buckets it needs; KMS encryption and CloudWatch Logs
delivery added to an existing trail; access logging for a trail's bucket.

What a fix creates is named ``cloudwarden-*`` and made the way the baseline template makes it
(:mod:`cloudwarden.remediate.baseline`): a versioned, non-public, TLS-only log bucket with a
lifecycle to Glacier, whose server access logs go to a second such bucket; a rotating KMS key
whose policy lets CloudTrail and CloudWatch Logs use it; a KMS-encrypted log group kept a year; a
role CloudTrail writes to the group with. Each part is planned only when missing, so a second run
changes nothing.

Undo stops and removes what the fix made that holds no data (the trail, its delivery role, an
added setting); the buckets, the key and the log group are kept (they hold the logs, or decrypt
them), as the template's ``DeletionPolicy: Retain`` keeps them.
"""

from __future__ import annotations

import json
from typing import Any

from cloudwarden.core.arn import parse_arn
from cloudwarden.remediate.model import CannotFix, Plan, Reader, Step, Target, fix, region_of

TRAIL = "cloudwarden-trail"
KEY_ALIAS = "alias/cloudwarden-trail"
LOG_GROUP = "/cloudwarden/cloudtrail"
LOG_ROLE = "cloudwarden-cloudtrail-to-logs"
RETENTION_DAYS = 365
GLACIER_AFTER_DAYS = 90
BUCKET_WRITES = ["s3:CreateBucket", "s3:PutPublicAccessBlock", "s3:PutBucketOwnershipControls",
                  "s3:PutBucketVersioning", "s3:PutBucketEncryption", "s3:PutBucketLifecycleConfiguration",
                  "s3:PutBucketPolicy", "s3:PutBucketLogging"]
_KEY_WRITES = ["kms:CreateKey", "kms:CreateAlias", "kms:EnableKeyRotation"]
_LOGS_WRITES = ["logs:CreateLogGroup", "logs:PutRetentionPolicy", "iam:CreateRole", "iam:PutRolePolicy",
                "iam:DeleteRolePolicy", "iam:DeleteRole"]


def home_region(reader: Reader) -> str:
    return str(reader.options.get("home_region") or "us-east-1")


def account_of(reader: Reader, target: Target) -> tuple[str, str]:
    """(account id, partition) of the target, asking STS when the finding does not say."""
    arn = parse_arn(target.resource_arn) if target.resource_arn else None
    account = target.account_id or (arn.account if arn else "")
    if not account or not account.isdigit():
        identity = reader.call("sts", home_region(reader), "get_caller_identity") or {}
        account = str(identity.get("Account") or "")
        arn = parse_arn(str(identity.get("Arn") or "")) or arn
    if not account:
        raise CannotFix("the account id is unknown (the findings name none and STS did not answer)")
    return account, (arn.partition if arn else "aws")


def log_bucket_name(account: str, region: str) -> str:
    return f"cloudwarden-logs-{account}-{region}"


def access_log_bucket_name(account: str, region: str) -> str:
    return f"cloudwarden-access-logs-{account}-{region}"


def _bucket_exists(reader: Reader, name: str, region: str) -> bool:
    return reader.call("s3", region, "head_bucket", absent=("404", "NoSuchBucket", "NotFound"), Bucket=name) is not None


def _tls_only(arn: str) -> dict[str, Any]:
    from cloudwarden.remediate.fixes_s3 import TLS_SID

    return {"Sid": TLS_SID, "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [arn, f"{arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def _new_bucket(region: str, name: str, encryption: dict[str, Any], policy: dict[str, Any],
                logs_to: str | None = None) -> list[Step]:
    """The calls that make a bucket the way the baseline template makes its log buckets."""
    create: dict[str, Any] = {"Bucket": name}
    if region != "us-east-1":
        create["CreateBucketConfiguration"] = {"LocationConstraint": region}
    from cloudwarden.remediate.fixes_s3 import ALL_BLOCKED

    steps = [
        Step("s3", region, "create_bucket", create),
        Step("s3", region, "put_public_access_block", {"Bucket": name, "PublicAccessBlockConfiguration": ALL_BLOCKED}),
        Step("s3", region, "put_bucket_ownership_controls", {
            "Bucket": name, "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}}),
        Step("s3", region, "put_bucket_versioning", {"Bucket": name, "VersioningConfiguration": {"Status": "Enabled"}}),
        Step("s3", region, "put_bucket_encryption", {"Bucket": name, "ServerSideEncryptionConfiguration": {
            "Rules": [encryption]}}),
        Step("s3", region, "put_bucket_lifecycle_configuration", {"Bucket": name, "LifecycleConfiguration": {"Rules": [{
            "ID": "to-glacier", "Status": "Enabled", "Filter": {"Prefix": ""},
            "Transitions": [{"Days": GLACIER_AFTER_DAYS, "StorageClass": "GLACIER"}],
            "NoncurrentVersionTransitions": [{"NoncurrentDays": 30, "StorageClass": "GLACIER"}]}]}}),
        Step("s3", region, "put_bucket_policy", {"Bucket": name, "Policy": json.dumps(policy, sort_keys=True)}),
    ]
    if logs_to:
        steps.append(Step("s3", region, "put_bucket_logging", {"Bucket": name, "BucketLoggingStatus": {
            "LoggingEnabled": {"TargetBucket": logs_to, "TargetPrefix": f"{name}/"}}}))
    return steps


def access_log_bucket_steps(reader: Reader, account: str, partition: str, region: str) -> tuple[str, list[Step]]:
    """The access-log bucket (SSE-S3: S3 server access logging cannot write to SSE-KMS), made if missing."""
    name = access_log_bucket_name(account, region)
    if _bucket_exists(reader, name, region):
        return name, []
    arn = f"arn:{partition}:s3:::{name}"
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "ServerAccessLogs", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": f"{arn}/*", "Condition": {"StringEquals": {"aws:SourceAccount": account}}},
        _tls_only(arn)]}
    return name, _new_bucket(region, name, {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}, policy)


def log_bucket_steps(reader: Reader, account: str, partition: str) -> tuple[str, list[Step]]:
    """The log bucket CloudTrail and AWS Config deliver to (in the home region), with its access-log
    bucket; both made if missing."""
    region = home_region(reader)
    name = log_bucket_name(account, region)
    if _bucket_exists(reader, name, region):
        return name, []
    access, steps = access_log_bucket_steps(reader, account, partition, region)
    arn = f"arn:{partition}:s3:::{name}"
    writers = {"Service": ["cloudtrail.amazonaws.com", "config.amazonaws.com"]}
    policy = {"Version": "2012-10-17", "Statement": [
        _tls_only(arn),
        {"Sid": "LogDeliveryAcl", "Effect": "Allow", "Principal": writers, "Action": ["s3:GetBucketAcl", "s3:ListBucket"],
         "Resource": arn, "Condition": {"StringEquals": {"aws:SourceAccount": account}}},
        {"Sid": "LogDeliveryWrite", "Effect": "Allow", "Principal": writers, "Action": "s3:PutObject",
         "Resource": f"{arn}/AWSLogs/{account}/*", "Condition": {"StringEquals": {
             "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": account}}}]}
    encryption = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}, "BucketKeyEnabled": True}
    return name, steps + _new_bucket(region, name, encryption, policy, logs_to=access)


def trail_key_steps(reader: Reader, account: str, partition: str, region: str,
                    first_step: int) -> tuple[Any, list[Step]]:
    """The key CloudTrail and the log group encrypt with: the existing ``alias/cloudwarden-trail`` key,
    or the calls that make it. Returns (the key ARN or a placeholder for it, steps); `first_step` is
    the index the first of those steps will have in the change."""
    existing = reader.call("kms", region, "describe_key", absent=("NotFoundException",), KeyId=KEY_ALIAS)
    if existing:
        return str(existing["KeyMetadata"]["Arn"]), []
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Account", "Effect": "Allow", "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "CloudTrail", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": ["kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "*",
         "Condition": {"StringEquals": {"aws:SourceAccount": account}}},
        {"Sid": "CloudWatchLogs", "Effect": "Allow", "Principal": {"Service": f"logs.{region}.amazonaws.com"},
         "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
         "Resource": "*", "Condition": {"ArnLike": {
             "kms:EncryptionContext:aws:logs:arn": f"arn:{partition}:logs:{region}:{account}:log-group:*"}}}]}
    key_id = {"$from_step": first_step, "$path": "KeyMetadata.KeyId"}
    steps = [Step("kms", region, "create_key", {"Description": "cloudwarden: CloudTrail and its CloudWatch Logs group",
                                                 "Policy": json.dumps(policy, sort_keys=True)}),
             Step("kms", region, "enable_key_rotation", {"KeyId": key_id}),
             Step("kms", region, "create_alias", {"AliasName": KEY_ALIAS, "TargetKeyId": key_id})]
    return {"$from_step": first_step, "$path": "KeyMetadata.Arn"}, steps


def log_delivery_steps(reader: Reader, account: str, partition: str, region: str,
                       key_arn: Any) -> tuple[str, str, list[Step], list[Step]]:
    """The log group (KMS, a year's retention) and the role CloudTrail writes to it with; made if
    missing. Returns (group ARN for the trail, role ARN, steps, undo)."""
    group_arn = f"arn:{partition}:logs:{region}:{account}:log-group:{LOG_GROUP}"
    role_arn = f"arn:{partition}:iam::{account}:role/{LOG_ROLE}"
    steps: list[Step] = []
    undo: list[Step] = []
    groups = reader.call("logs", region, "describe_log_groups", logGroupNamePrefix=LOG_GROUP) or {}
    if not any(g.get("logGroupName") == LOG_GROUP for g in groups.get("logGroups") or []):
        steps += [Step("logs", region, "create_log_group", {"logGroupName": LOG_GROUP, "kmsKeyId": key_arn}),
                  Step("logs", region, "put_retention_policy", {"logGroupName": LOG_GROUP,
                                                                "retentionInDays": RETENTION_DAYS})]
    if reader.call("iam", "us-east-1", "get_role", absent=("NoSuchEntity",), RoleName=LOG_ROLE) is None:
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                 "Principal": {"Service": "cloudtrail.amazonaws.com"},
                 "Condition": {"StringEquals": {"aws:SourceAccount": account}}}]}
        deliver = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                   "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": f"{group_arn}:*"}]}
        steps += [Step("iam", "us-east-1", "create_role", {
                      "RoleName": LOG_ROLE, "AssumeRolePolicyDocument": json.dumps(trust, sort_keys=True),
                      "Description": "created by cloudwarden fix: CloudTrail delivers to CloudWatch Logs"}),
                  Step("iam", "us-east-1", "put_role_policy", {"RoleName": LOG_ROLE, "PolicyName": "deliver-to-log-group",
                                                                "PolicyDocument": json.dumps(deliver, sort_keys=True)})]
        undo += [Step("iam", "us-east-1", "delete_role_policy", {"RoleName": LOG_ROLE, "PolicyName": "deliver-to-log-group"}),
                 Step("iam", "us-east-1", "delete_role", {"RoleName": LOG_ROLE})]
    return f"{group_arn}:*", role_arn, steps, undo


def _trails(reader: Reader) -> list[dict[str, Any]]:
    answer = reader.call("cloudtrail", home_region(reader), "describe_trails", includeShadowTrails=True) or {}
    return list(answer.get("trailList") or [])


@fix("cloudtrail.multi_region_trail_logging",
     summary="Start the multi-region trail that is stopped; with none, create cloudwarden-trail: multi-region, "
             "log-file validation, KMS-encrypted (a rotating key), delivered to a versioned, TLS-only, non-public, "
             "access-logged bucket with a lifecycle to Glacier, and to a KMS-encrypted CloudWatch Logs group. "
             "Undo stops and removes the trail and its delivery role; the buckets, key and log group are kept.",
     risk="low: CloudTrail, S3, KMS and CloudWatch Logs charges; nothing existing changes",
     writes=[*BUCKET_WRITES, *_KEY_WRITES, *_LOGS_WRITES, "cloudtrail:CreateTrail", "cloudtrail:StartLogging",
             "cloudtrail:StopLogging", "cloudtrail:DeleteTrail"])
def multi_region_trail(reader: Reader, target: Target) -> Plan | None:
    multi = [t for t in _trails(reader) if t.get("IsMultiRegionTrail")]
    for trail in sorted(multi, key=lambda t: str(t["TrailARN"])):
        region = str(trail.get("HomeRegion") or home_region(reader))
        status = reader.call("cloudtrail", region, "get_trail_status", Name=trail["TrailARN"]) or {}
        if status.get("IsLogging"):
            # Logging, yet the check fails: it is about the trail's event selectors, not the trail.
            selectors = reader.call("cloudtrail", region, "get_event_selectors", TrailName=trail["TrailARN"]) or {}
            if selectors.get("AdvancedEventSelectors") or any(
                    s.get("IncludeManagementEvents") is False or s.get("ReadWriteType") != "All"
                    for s in selectors.get("EventSelectors") or []):
                raise CannotFix(f"trail {trail['Name']} logs, but not every read and write management event; "
                                "widen its event selectors by hand")
            return None
    if multi:
        trail = sorted(multi, key=lambda t: str(t["TrailARN"]))[0]
        region = str(trail.get("HomeRegion") or home_region(reader))
        return {"trail": trail["Name"], "IsLogging": False}, \
            [Step("cloudtrail", region, "start_logging", {"Name": trail["TrailARN"]})], \
            [Step("cloudtrail", region, "stop_logging", {"Name": trail["TrailARN"]})]
    if any(t.get("Name") == TRAIL for t in _trails(reader)):
        # Its undo would delete that trail: one the fix did not make is left to the owner.
        raise CannotFix(f"a trail named {TRAIL} exists and is not multi-region; make it multi-region "
                        "(aws cloudtrail update-trail --is-multi-region-trail) or rename it")
    account, partition = account_of(reader, target)
    region = home_region(reader)
    bucket, steps = log_bucket_steps(reader, account, partition)
    key_arn, key_steps = trail_key_steps(reader, account, partition, region, len(steps))
    steps += key_steps
    group_arn, role_arn, delivery, undo = log_delivery_steps(reader, account, partition, region, key_arn)
    steps += delivery
    steps += [Step("cloudtrail", region, "create_trail", {
                  "Name": TRAIL, "S3BucketName": bucket, "IsMultiRegionTrail": True, "IncludeGlobalServiceEvents": True,
                  "EnableLogFileValidation": True, "KmsKeyId": key_arn, "CloudWatchLogsLogGroupArn": group_arn,
                  "CloudWatchLogsRoleArn": role_arn}),
              Step("cloudtrail", region, "start_logging", {"Name": TRAIL})]
    undo = [Step("cloudtrail", region, "stop_logging", {"Name": TRAIL}),
            Step("cloudtrail", region, "delete_trail", {"Name": TRAIL}), *undo]
    return {"multi_region_trail": None}, steps, undo


def _trail_of(reader: Reader, target: Target) -> tuple[dict[str, Any], str]:
    name = target.resource_arn or target.resource_id
    answer = reader.call("cloudtrail", region_of(target, home_region(reader)), "describe_trails",
                         trailNameList=[name]) or {}
    trails = answer.get("trailList") or []
    if not trails:
        raise CannotFix(f"trail {target.resource_id} no longer exists")
    trail = trails[0]
    return trail, str(trail.get("HomeRegion") or region_of(target, home_region(reader)))


@fix("cloudtrail.kms_encryption",
     summary="Encrypt the trail's log files with the rotating key alias/cloudwarden-trail (made if missing; its "
             "policy lets CloudTrail use it). Undo returns the trail to SSE-S3; the key is kept.",
     risk="medium: readers of the log files need kms:Decrypt on the key",
     writes=[*_KEY_WRITES, "cloudtrail:UpdateTrail"])
def trail_kms(reader: Reader, target: Target) -> Plan | None:
    trail, region = _trail_of(reader, target)
    if trail.get("KmsKeyId"):
        return None
    account, partition = account_of(reader, target)
    key_arn, steps = trail_key_steps(reader, account, partition, region, 0)
    steps.append(Step("cloudtrail", region, "update_trail", {"Name": trail["TrailARN"], "KmsKeyId": key_arn}))
    return {"KmsKeyId": None}, steps, [Step("cloudtrail", region, "update_trail",
                                            {"Name": trail["TrailARN"], "KmsKeyId": ""})]


@fix("cloudtrail.cloudwatch_logs_integration",
     summary=f"Deliver the trail's events to the CloudWatch Logs group {LOG_GROUP} (KMS-encrypted, kept a year) "
             "through a role for CloudTrail; both made if missing. Undo stops the delivery and removes the role.",
     risk="low: CloudWatch Logs ingestion and storage charges",
     writes=[*_KEY_WRITES, *_LOGS_WRITES, "cloudtrail:UpdateTrail"])
def trail_to_logs(reader: Reader, target: Target) -> Plan | None:
    trail, region = _trail_of(reader, target)
    if trail.get("CloudWatchLogsLogGroupArn"):
        status = reader.call("cloudtrail", region, "get_trail_status", Name=trail["TrailARN"]) or {}
        if status.get("LatestCloudWatchLogsDeliveryError"):
            # Configured, but delivery fails: the group or role needs repair, not a setting to add.
            raise CannotFix(f"trail {trail['Name']} delivers to a log group already, and delivery fails: "
                            f"{status['LatestCloudWatchLogsDeliveryError']}")
        return None
    account, partition = account_of(reader, target)
    key_arn, steps = trail_key_steps(reader, account, partition, region, 0)
    group_arn, role_arn, delivery, undo = log_delivery_steps(reader, account, partition, region, key_arn)
    steps += [*delivery, Step("cloudtrail", region, "update_trail", {
        "Name": trail["TrailARN"], "CloudWatchLogsLogGroupArn": group_arn, "CloudWatchLogsRoleArn": role_arn})]
    undo = [Step("cloudtrail", region, "update_trail", {"Name": trail["TrailARN"], "CloudWatchLogsLogGroupArn": "",
                                                        "CloudWatchLogsRoleArn": ""}), *undo]
    return {"CloudWatchLogsLogGroupArn": None}, steps, undo


@fix("cloudtrail.bucket_access_logging",
     summary="Turn on server access logging for the trail's bucket, into a cloudwarden-access-logs bucket "
             "(made if missing: versioned, TLS-only, non-public, lifecycle to Glacier). Undo turns the logging "
             "off; the access-log bucket is kept.",
     risk="low: S3 storage for the access logs",
     writes=[*BUCKET_WRITES])
def trail_bucket_logging(reader: Reader, target: Target) -> Plan | None:
    from cloudwarden.remediate.fixes_s3 import bucket_region

    trail, _ = _trail_of(reader, target)
    bucket = str(trail.get("S3BucketName") or "")
    if not bucket:
        raise CannotFix(f"trail {target.resource_id} names no bucket")
    region = bucket_region(reader, bucket, "")
    current = reader.call("s3", region, "get_bucket_logging", absent=("NoSuchBucket",), Bucket=bucket)
    if current is None:
        raise CannotFix(f"the trail's bucket {bucket} does not exist (or is in another account)")
    if current.get("LoggingEnabled"):
        return None
    account, partition = account_of(reader, target)
    access, steps = access_log_bucket_steps(reader, account, partition, region)
    steps.append(Step("s3", region, "put_bucket_logging", {"Bucket": bucket, "BucketLoggingStatus": {
        "LoggingEnabled": {"TargetBucket": access, "TargetPrefix": f"{bucket}/"}}}))
    return {"LoggingEnabled": None}, steps, [Step("s3", region, "put_bucket_logging",
                                                  {"Bucket": bucket, "BucketLoggingStatus": {}})]
