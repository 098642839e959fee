"""Demo account, data-protection and detective parts: S3, RDS, KMS, DynamoDB, CloudTrail, monitoring."""

from __future__ import annotations

from typing import Any

from cloudwarden.demo.plan import PRIMARY, SECONDARY, Plan, policy_json

LOGS_BUCKET = "demo-access-logs"


def _bucket(plan: Plan, name: str, region: str = PRIMARY) -> Any:
    s3 = plan.client("s3", region)
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    return s3


def _tls_only(name: str) -> str:
    return policy_json({"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                        "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}}})


def _harden(s3: Any, name: str, kms_key: str) -> None:
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_policy(Bucket=name, Policy=_tls_only(name))
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_logging(Bucket=name, BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": LOGS_BUCKET, "TargetPrefix": f"{name}/"}})
    s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": kms_key}}]})
    s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})


def s3(plan: Plan) -> None:
    key = plan.client("kms").create_key(Description="demo data key")["KeyMetadata"]["Arn"]
    _bucket(plan, LOGS_BUCKET).put_bucket_acl(Bucket=LOGS_BUCKET, ACL="log-delivery-write")
    private = _bucket(plan, "demo-private-data")
    _harden(private, "demo-private-data", key)
    for check in ("s3.bucket_public_access_block", "s3.bucket_no_public_read", "s3.bucket_ssl_required",
                  "s3.bucket_versioning_enabled", "s3.bucket_server_access_logging", "s3.bucket_kms_encryption",
                  "s3.bucket_no_public_write"):
        plan.good(check, "demo-private-data", "hardened private bucket")

    public = _bucket(plan, "demo-public-website", SECONDARY)
    public.put_bucket_policy(Bucket="demo-public-website", Policy=policy_json(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::demo-public-website/*"}))
    plan.weak("s3.bucket_no_public_read", "demo-public-website", "bucket policy lets anyone read")
    plan.weak("s3.bucket_public_access_block", "demo-public-website", "bucket without Block Public Access")
    plan.weak("s3.bucket_ssl_required", "demo-public-website", "bucket accepts plain HTTP")
    plan.weak("s3.bucket_versioning_enabled", "demo-public-website", "bucket without versioning")
    plan.weak("s3.bucket_server_access_logging", "demo-public-website", "bucket without access logging")
    plan.weak("s3.bucket_kms_encryption", "demo-public-website", "bucket without SSE-KMS default encryption")

    dropbox = _bucket(plan, "demo-upload-dropbox")
    owner = dropbox.get_bucket_acl(Bucket="demo-upload-dropbox")["Owner"]
    everyone = {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}
    dropbox.put_bucket_acl(Bucket="demo-upload-dropbox", AccessControlPolicy={"Owner": owner, "Grants": [
        {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"},
        {"Grantee": everyone, "Permission": "READ"}, {"Grantee": everyone, "Permission": "WRITE"}]})
    plan.weak("s3.bucket_no_public_write", "demo-upload-dropbox", "ACL lets anyone write")
    plan.weak("s3.account_public_access_block", "", "account-level Block Public Access is off")


def detective(plan: Plan) -> None:
    _trails(plan)
    _alarms(plan)
    logs = plan.client("logs")
    logs.create_log_group(logGroupName="/demo/app-short-retention")
    logs.put_retention_policy(logGroupName="/demo/app-short-retention", retentionInDays=7)
    logs.create_log_group(logGroupName="/demo/app-kept")
    logs.put_retention_policy(logGroupName="/demo/app-kept", retentionInDays=400)
    plan.weak("logs.log_group_retention", "/demo/app-short-retention", "log group kept 7 days")
    plan.good("logs.log_group_retention", "/demo/app-kept", "log group kept 400 days")
    plan.client("guardduty", PRIMARY).create_detector(Enable=True)
    plan.good("guardduty.enabled_all_regions", "", "GuardDuty on", region=PRIMARY)
    plan.weak("guardduty.enabled_all_regions", "", "GuardDuty off", region=SECONDARY)
    plan.client("securityhub", PRIMARY).enable_security_hub(EnableDefaultStandards=False)
    plan.good("securityhub.enabled", "", "Security Hub on", region=PRIMARY)
    plan.weak("securityhub.enabled", "", "Security Hub off", region=SECONDARY)
    plan.weak("config.recorder_all_regions", "", "no AWS Config recorder anywhere")


def _trails(plan: Plan) -> None:
    key = plan.client("kms").create_key(Description="demo trail key")["KeyMetadata"]["Arn"]
    trail_bucket = _bucket(plan, "demo-cloudtrail-logs")
    trail_bucket.put_public_access_block(Bucket="demo-cloudtrail-logs", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    trail_bucket.put_bucket_logging(Bucket="demo-cloudtrail-logs", BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": LOGS_BUCKET, "TargetPrefix": "trail/"}})
    logs = plan.client("logs")
    logs.create_log_group(logGroupName="demo-cloudtrail")
    group_arn = f"arn:aws:logs:{PRIMARY}:123456789012:log-group:demo-cloudtrail:*"
    iam = plan.client("iam")
    role = iam.create_role(RoleName="demo-cloudtrail-to-logs", AssumeRolePolicyDocument=policy_json(
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "sts:AssumeRole"}))
    cloudtrail = plan.client("cloudtrail")
    cloudtrail.create_trail(Name="demo-org-trail", S3BucketName="demo-cloudtrail-logs", IsMultiRegionTrail=True,
                            EnableLogFileValidation=True, KmsKeyId=key, CloudWatchLogsLogGroupArn=group_arn,
                            CloudWatchLogsRoleArn=role["Role"]["Arn"], IncludeGlobalServiceEvents=True)
    cloudtrail.start_logging(Name="demo-org-trail")
    plan.good("cloudtrail.multi_region_trail_logging", "", "a multi-region trail is logging")
    plan.good("cloudtrail.log_file_validation", "demo-org-trail", "trail validates log files")
    plan.good("cloudtrail.kms_encryption", "demo-org-trail", "trail encrypted with KMS")
    plan.good("cloudtrail.bucket_not_public", "demo-org-trail", "trail bucket is private")

    legacy_bucket = _bucket(plan, "demo-legacy-trail-logs", SECONDARY)
    legacy_bucket.put_bucket_policy(Bucket="demo-legacy-trail-logs", Policy=policy_json(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::demo-legacy-trail-logs/*"}))
    legacy = plan.client("cloudtrail", SECONDARY)
    legacy.create_trail(Name="demo-legacy-trail", S3BucketName="demo-legacy-trail-logs")
    legacy.start_logging(Name="demo-legacy-trail")
    plan.weak("cloudtrail.log_file_validation", "demo-legacy-trail", "trail without log file validation")
    plan.weak("cloudtrail.kms_encryption", "demo-legacy-trail", "trail without KMS encryption")
    plan.weak("cloudtrail.bucket_not_public", "demo-legacy-trail", "trail logs readable by anyone")


def _alarms(plan: Plan) -> None:
    """One CIS pair done right (root usage); the unauthorized-API-calls pair left out."""
    logs = plan.client("logs")
    logs.put_metric_filter(
        logGroupName="demo-cloudtrail", filterName="root-usage",
        filterPattern='{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
                      '&& $.eventType != "AwsServiceEvent" }',
        metricTransformations=[{"metricName": "RootUsage", "metricNamespace": "CISBenchmark", "metricValue": "1"}])
    sns = plan.client("sns")
    topic = sns.create_topic(Name="demo-security-alerts")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="secops@example.com")
    plan.client("cloudwatch").put_metric_alarm(
        AlarmName="demo-root-usage", MetricName="RootUsage", Namespace="CISBenchmark", Statistic="Sum",
        Period=300, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=[topic])
    plan.good("cloudwatch.alarm_root_usage", "", "root-usage filter, alarm and subscriber in place")
    plan.weak("cloudwatch.alarm_unauthorized_api_calls", "", "no alarm on unauthorized API calls")


def data(plan: Plan) -> None:
    _rds(plan)
    _kms(plan)
    dynamodb = plan.client("dynamodb")
    for name in ("demo-orders-no-pitr", "demo-orders-pitr"):
        dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                              KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    dynamodb.update_continuous_backups(TableName="demo-orders-pitr",
                                       PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    plan.weak("dynamodb.pitr_enabled", "demo-orders-no-pitr", "table without point-in-time recovery")
    plan.good("dynamodb.pitr_enabled", "demo-orders-pitr", "table with point-in-time recovery")


def _rds(plan: Plan) -> None:
    rds = plan.client("rds", SECONDARY)
    common = {"DBInstanceClass": "db.t3.micro", "Engine": "postgres", "MasterUsername": "app",
              "MasterUserPassword": "not-a-real-secret-1", "AllocatedStorage": 20}
    rds.create_db_instance(DBInstanceIdentifier="demo-db-exposed", PubliclyAccessible=True, StorageEncrypted=False,
                           BackupRetentionPeriod=0, DeletionProtection=False, **common)
    rds.create_db_instance(DBInstanceIdentifier="demo-db-private", PubliclyAccessible=False, StorageEncrypted=True,
                           BackupRetentionPeriod=14, DeletionProtection=True, **common)
    for check, what in (("rds.instance_not_public", "publicly accessible database"),
                        ("rds.instance_storage_encrypted", "unencrypted database storage"),
                        ("rds.automatic_backups", "database without automated backups"),
                        ("rds.deletion_protection", "database without deletion protection")):
        plan.weak(check, "demo-db-exposed", what, region=SECONDARY)
        plan.good(check, "demo-db-private", "private, encrypted, backed-up database", region=SECONDARY)


def _kms(plan: Plan) -> None:
    kms = plan.client("kms")
    rotated = kms.create_key(Description="demo rotated key")["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=rotated)
    stale = kms.create_key(Description="demo unrotated key")["KeyMetadata"]["KeyId"]
    doomed = kms.create_key(Description="demo key scheduled for deletion")["KeyMetadata"]["KeyId"]
    kms.schedule_key_deletion(KeyId=doomed, PendingWindowInDays=7)
    plan.good("kms.cmk_rotation_enabled", rotated, "customer key with rotation")
    plan.weak("kms.cmk_rotation_enabled", stale, "customer key without rotation")
    plan.weak("kms.cmk_not_pending_deletion", doomed, "customer key pending deletion")
    plan.good("kms.cmk_not_pending_deletion", rotated, "customer key in use")
