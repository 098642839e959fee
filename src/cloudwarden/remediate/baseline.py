"""The security baseline as a CloudFormation template.

Account level (the region the stack is deployed in): a multi-region CloudTrail with log-file
validation and KMS encryption, delivered to a versioned, TLS-only, non-public bucket with a lifecycle
to Glacier, whose server access logs go to a second such bucket; CloudWatch Logs delivery with the
15 CIS metric filters and an alarm on each, notifying an SNS topic; IAM groups for administrators
(through an administrator role they may assume with MFA only), developers and read-only users; the
support role (AWSSupportAccess); the AWS Config service-linked role.

Per region: AWS Config recording all resource types (global ones in the home region only) with a
delivery channel to the log bucket; GuardDuty with its protection plans; Security Hub with explicit
FSBP and CIS standard subscriptions; IAM Access Analyzer.

Without options, one template does both for the region it is deployed in. `regions` wraps the
per-region part in a self-managed StackSet deploying it to this account in every listed region;
`org` makes the trail an organization trail and deploys the per-region part (with the groups and
the support role) to every account of the given OUs through a service-managed StackSet.

The metric filters are the patterns the CIS alarm checks judge filters by
(:mod:`cloudwarden.checks._cis_detections`), so the template and the checks cannot disagree.
Settings CloudFormation has no resource for (account password policy, EBS default encryption,
account-level S3 Block Public Access) are applied through `cloudwarden fix` (`NOT_IN_TEMPLATE`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from cloudwarden.core.errors import UsageError

NOT_IN_TEMPLATE = {
    "iam.password_policy_min_length_14": "no CloudFormation resource for the account password policy",
    "iam.password_policy_complexity": "no CloudFormation resource for the account password policy",
    "iam.password_policy_reuse_24": "no CloudFormation resource for the account password policy",
    "iam.password_policy_max_age_90": "no CloudFormation resource for the account password policy",
    "ebs.default_encryption_enabled": "no CloudFormation resource for EBS encryption by default",
    "s3.account_public_access_block": "no CloudFormation resource for account-level Block Public Access",
}

# The checks the template's resources address (each should PASS once the stack is deployed), and the
# resources that address them. Bucket checks apply to both the trail bucket and the access-log bucket.
ADDRESSED: dict[str, str] = {
    "cloudtrail.multi_region_trail_logging": "Trail",
    "cloudtrail.log_file_validation": "Trail",
    "cloudtrail.kms_encryption": "Trail, TrailKey",
    "cloudtrail.cloudwatch_logs_integration": "Trail, TrailLogGroup, TrailLogRole",
    "cloudtrail.s3_data_events_read": "Trail (RecordS3DataEvents=true)",
    "cloudtrail.s3_data_events_write": "Trail (RecordS3DataEvents=true)",
    "cloudtrail.bucket_not_public": "TrailBucket, TrailBucketPolicy",
    "cloudtrail.bucket_access_logging": "TrailBucket, AccessLogBucket",
    "cloudwatch.alarms_have_actions": "Alarm*, AlarmTopic",
    "config.recorder_all_regions": "ConfigRecorder",
    "config.recorder_service_linked_role": "ConfigRecorder, ConfigServiceLinkedRole",
    "config.delivery_channel_healthy": "ConfigDeliveryChannel",
    "guardduty.enabled_all_regions": "Detector",
    "securityhub.enabled": "Hub",
    "securityhub.standards_enabled": "FsbpStandard, CisStandard",
    "iam.access_analyzer_enabled": "Analyzer",
    "iam.support_role_exists": "SupportRole",
    "kms.cmk_rotation_enabled": "TrailKey",
    "logs.log_group_retention": "TrailLogGroup",
    "logs.log_group_kms_encryption": "TrailLogGroup, TrailKey",
    "s3.bucket_versioning_enabled": "TrailBucket, AccessLogBucket",
    "s3.bucket_public_access_block": "TrailBucket, AccessLogBucket",
    "s3.bucket_acls_disabled": "TrailBucket, AccessLogBucket",
    "s3.bucket_ssl_required": "TrailBucketPolicy, AccessLogBucketPolicy",
    "s3.bucket_lifecycle_configured": "TrailBucket, AccessLogBucket",
    "s3.bucket_no_public_read": "TrailBucket, AccessLogBucket",
    "s3.bucket_no_public_write": "TrailBucket, AccessLogBucket",
}

EMAIL_PARAM = "AlarmEmail"
CIS_VERSIONS = ["1.4.0", "3.0.0", "5.0.0"]
RETENTION_DAYS = [365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
BLOCK_ALL = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
             "RestrictPublicBuckets": True}


def _addressed() -> dict[str, str]:
    from cloudwarden.checks._cis_detections import DETECTIONS
    from cloudwarden.remediate.fixes_detect import FEATURES

    alarms = dict.fromkeys(DETECTIONS, "TrailLogGroup, Filter/Alarm pair, AlarmTopic")
    features = dict.fromkeys(FEATURES, "Detector (Features)")
    return {**ADDRESSED, **alarms, **features}


def addressed_checks() -> dict[str, str]:
    """Every check id the template addresses (CIS alarms and GuardDuty plans included)."""
    return _addressed()


def _sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


def _arn(logical_id: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def _objects(bucket_arn: Any, suffix: Any = "/*") -> dict[str, Any]:
    return {"Fn::Join": ["", [bucket_arn, suffix]]}


def _tls_only(bucket_arn: Any) -> dict[str, Any]:
    return {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [bucket_arn, _objects(bucket_arn)], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def _camel(check_id: str) -> str:
    return "".join(part.capitalize() for part in check_id.split(".", 1)[1].removeprefix("alarm_").split("_"))


def _bucket(encryption: dict[str, Any], logging: dict[str, Any] | None = None) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "VersioningConfiguration": {"Status": "Enabled"},
        "PublicAccessBlockConfiguration": dict(BLOCK_ALL),
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [encryption]},
        "LifecycleConfiguration": {"Rules": [{
            "Id": "to-glacier", "Status": "Enabled",
            "Transitions": [{"StorageClass": "GLACIER", "TransitionInDays": {"Ref": "GlacierAfterDays"}}],
            "NoncurrentVersionTransitions": [{"StorageClass": "GLACIER", "TransitionInDays": 30}]}]}}
    if logging:
        properties["LoggingConfiguration"] = logging
    return {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
            "Properties": properties}


def _account_resources(org: bool) -> dict[str, Any]:
    from cloudwarden.checks._cis_detections import DETECTIONS
    from cloudwarden.remediate.fixes_detect import NAMESPACE, metric_slug

    trail_bucket, log_bucket = _arn("TrailBucket"), _arn("AccessLogBucket")
    key_policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Account", "Effect": "Allow", "Principal": {"AWS": _sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "CloudTrail", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": ["kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "*"},
        {"Sid": "CloudWatchLogs", "Effect": "Allow", "Principal": {"Service": _sub("logs.${AWS::Region}.amazonaws.com")},
         "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
         "Resource": "*", "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": _sub(
             "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*")}}}]}
    writers = {"Service": ["cloudtrail.amazonaws.com", "config.amazonaws.com"]}
    own_logs = _objects(trail_bucket, _sub("/AWSLogs/${AWS::AccountId}/*"))
    statements: list[dict[str, Any]] = [
        _tls_only(trail_bucket),
        {"Sid": "LogDeliveryAcl", "Effect": "Allow", "Principal": writers,
         "Action": ["s3:GetBucketAcl", "s3:ListBucket"], "Resource": trail_bucket,
         "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}},
        {"Sid": "LogDeliveryWrite", "Effect": "Allow", "Principal": writers, "Action": "s3:PutObject",
         "Resource": own_logs, "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                                              "aws:SourceAccount": {"Ref": "AWS::AccountId"}}}}]
    if org:
        statements += [
            {"Sid": "OrganizationTrailWrite", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
             "Action": "s3:PutObject", "Resource": _objects(trail_bucket, _sub("/AWSLogs/${OrganizationId}/*")),
             "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}},
            {"Sid": "OrganizationConfigAcl", "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"},
             "Action": ["s3:GetBucketAcl", "s3:ListBucket"], "Resource": trail_bucket,
             "Condition": {"StringEquals": {"aws:SourceOrgID": {"Ref": "OrganizationId"}}}},
            {"Sid": "OrganizationConfigWrite", "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"},
             "Action": "s3:PutObject", "Resource": _objects(trail_bucket, "/AWSLogs/*/Config/*"),
             "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                            "aws:SourceOrgID": {"Ref": "OrganizationId"}}}}]
    access_log_policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "ServerAccessLogs", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": _objects(log_bucket),
         "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}},
        _tls_only(log_bucket)]}
    trail: dict[str, Any] = {
        "IsLogging": True, "IsMultiRegionTrail": True, "IncludeGlobalServiceEvents": True,
        "EnableLogFileValidation": True, "KMSKeyId": {"Ref": "TrailKey"}, "S3BucketName": {"Ref": "TrailBucket"},
        "CloudWatchLogsLogGroupArn": _arn("TrailLogGroup"), "CloudWatchLogsRoleArn": _arn("TrailLogRole"),
        "EventSelectors": {"Fn::If": ["RecordS3Data", [{
            "ReadWriteType": "All", "IncludeManagementEvents": True,
            "DataResources": [{"Type": "AWS::S3::Object", "Values": [_sub("arn:${AWS::Partition}:s3")]}]}],
            {"Ref": "AWS::NoValue"}]}}
    if org:
        trail["IsOrganizationTrail"] = True
    resources: dict[str, Any] = {
        "TrailKey": {"Type": "AWS::KMS::Key", "Properties": {
            "Description": "cloudwarden baseline: CloudTrail and its CloudWatch Logs group",
            "EnableKeyRotation": True, "KeyPolicy": key_policy}},
        "AccessLogBucket": _bucket({"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}),
        "AccessLogBucketPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
            "Bucket": {"Ref": "AccessLogBucket"},
            "PolicyDocument": access_log_policy}},
        "TrailBucket": {**_bucket({"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}, "BucketKeyEnabled": True},
                                  {"DestinationBucketName": {"Ref": "AccessLogBucket"}, "LogFilePrefix": "trail-bucket/"}),
                        "DependsOn": "AccessLogBucketPolicy"},
        "TrailBucketPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
            "Bucket": {"Ref": "TrailBucket"},
            "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}},
        "TrailLogGroup": {"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
                          "Properties": {"RetentionInDays": {"Ref": "LogRetentionDays"}, "KmsKeyId": _arn("TrailKey")}},
        "TrailLogRole": {"Type": "AWS::IAM::Role", "Properties": {
            "Description": "lets CloudTrail write the trail's events to its CloudWatch Logs group",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "sts:AssumeRole",
                # Only for this account's trails (iam.service_role_confused_deputy).
                "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}}]},
            "Policies": [{"PolicyName": "deliver-to-log-group", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": _arn("TrailLogGroup")}]}}]}},
        "Trail": {"Type": "AWS::CloudTrail::Trail", "DependsOn": "TrailBucketPolicy", "Properties": trail},
        "AlarmTopic": {"Type": "AWS::SNS::Topic", "Properties": {
            "DisplayName": "cloudwarden CIS alarms",
            "Subscription": [{"Protocol": "email", "Endpoint": {"Ref": EMAIL_PARAM}}]}},
    }
    for check_id, detection in DETECTIONS.items():
        name, slug = _camel(check_id), metric_slug(check_id)
        resources[f"Filter{name}"] = {"Type": "AWS::Logs::MetricFilter", "Properties": {
            "LogGroupName": {"Ref": "TrailLogGroup"}, "FilterName": f"cloudwarden-{slug}",
            "FilterPattern": detection.pattern,
            "MetricTransformations": [{"MetricName": slug, "MetricNamespace": NAMESPACE, "MetricValue": "1"}]}}
        resources[f"Alarm{name}"] = {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "AlarmName": _sub(f"${{AWS::StackName}}-{slug}"),
            "AlarmDescription": f"CIS: {detection.label} (cloudwarden baseline)",
            "MetricName": slug, "Namespace": NAMESPACE, "Statistic": "Sum", "Period": 300, "EvaluationPeriods": 1,
            "Threshold": 1, "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching",
            "ActionsEnabled": True, "AlarmActions": [{"Ref": "AlarmTopic"}]}}
    return resources


def _people_resources() -> dict[str, Any]:
    """IAM groups and the support role (one per account)."""
    return {
        # Administrators hold no AdministratorAccess themselves (iam.no_administratoraccess_on_users): the
        # group may assume the administrator role, with MFA only.
        "AdministratorsGroup": {"Type": "AWS::IAM::Group", "Properties": {
            "Policies": [{"PolicyName": "assume-administrator-role-with-mfa", "PolicyDocument": {
                "Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": _arn("AdministratorRole"),
                     "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}}]}},
        "AdministratorRole": {"Type": "AWS::IAM::Role", "Properties": {
            "Description": "administrators, assumed by members of the administrators group with MFA",
            "MaxSessionDuration": 3600,
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"AWS": _sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")},
                "Action": "sts:AssumeRole", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]},
            "ManagedPolicyArns": [_sub("arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess")]}},
        "DevelopersGroup": {"Type": "AWS::IAM::Group", "Properties": {
            "ManagedPolicyArns": [_sub("arn:${AWS::Partition}:iam::aws:policy/PowerUserAccess")]}},
        "ReadOnlyGroup": {"Type": "AWS::IAM::Group", "Properties": {
            "ManagedPolicyArns": [_sub("arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess")]}},
        "SupportRole": {"Type": "AWS::IAM::Role", "Properties": {
            "Description": "incident handling with AWS Support (CIS: a support role with AWSSupportAccess)",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"AWS": _sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")},
                "Action": "sts:AssumeRole", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]},
            "ManagedPolicyArns": [_sub("arn:${AWS::Partition}:iam::aws:policy/AWSSupportAccess")]}},
    }


def _regional_resources(bucket: Any, home: str | None) -> dict[str, Any]:
    """Config, GuardDuty, Security Hub and Access Analyzer for one region; `home` names the condition
    that is true in the home region (None: this template is the home region's)."""
    from cloudwarden.remediate.fixes_detect import protection_plans

    features = protection_plans()  # the same plans the GuardDuty fix enables
    linked_role = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/config.amazonaws.com/"
    slr: dict[str, Any] = {"Type": "AWS::IAM::ServiceLinkedRole", "Condition": "CreateConfigRole",
                           "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
                           "Properties": {"AWSServiceName": "config.amazonaws.com",
                                          "Description": "AWS Config (cloudwarden baseline)"}}
    return {
        "ConfigServiceLinkedRole": slr,
        "ConfigRecorder": {"Type": "AWS::Config::ConfigurationRecorder", "Properties": {
            # Naming the created role makes CloudFormation create it first; otherwise the existing one.
            "RoleARN": {"Fn::If": ["CreateConfigRole", _sub(linked_role + "${ConfigServiceLinkedRole}"),
                                   _sub(linked_role + "AWSServiceRoleForConfig")]},
            "RecordingGroup": {"AllSupported": True,
                               "IncludeGlobalResourceTypes": {"Fn::If": [home, True, False]} if home else True}}},
        "ConfigDeliveryChannel": {"Type": "AWS::Config::DeliveryChannel", "DependsOn": "ConfigRecorder",
                                  "Properties": {"S3BucketName": bucket,
                                                 "ConfigSnapshotDeliveryProperties": {
                                                     "DeliveryFrequency": "TwentyFour_Hours"}}},
        "Detector": {"Type": "AWS::GuardDuty::Detector", "Properties": {
            "Enable": True, "FindingPublishingFrequency": "FIFTEEN_MINUTES", "Features": features}},
        "Hub": {"Type": "AWS::SecurityHub::Hub", "Properties": {
            "EnableDefaultStandards": False, "ControlFindingGenerator": "SECURITY_CONTROL"}},
        "FsbpStandard": {"Type": "AWS::SecurityHub::Standard", "DependsOn": "Hub", "Properties": {
            "StandardsArn": _sub("arn:${AWS::Partition}:securityhub:${AWS::Region}::standards/"
                                 "aws-foundational-security-best-practices/v/1.0.0")}},
        "CisStandard": {"Type": "AWS::SecurityHub::Standard", "DependsOn": "Hub", "Properties": {
            "StandardsArn": _sub("arn:${AWS::Partition}:securityhub:${AWS::Region}::standards/"
                                 "cis-aws-foundations-benchmark/v/${CisStandardVersion}")}},
        "Analyzer": {"Type": "AWS::AccessAnalyzer::Analyzer", "Properties": {"Type": "ACCOUNT"}},
    }


def _shared_parameters() -> dict[str, Any]:
    return {
        "CisStandardVersion": {"Type": "String", "Default": "3.0.0", "AllowedValues": CIS_VERSIONS,
                               "Description": "version of the CIS AWS Foundations standard Security Hub runs"},
        "CreateConfigServiceLinkedRole": {"Type": "String", "Default": "true", "AllowedValues": ["true", "false"],
                                          "Description": "false when AWSServiceRoleForConfig already exists"},
    }


def _account_parameters(org: bool) -> dict[str, Any]:
    parameters: dict[str, Any] = {
        "GlacierAfterDays": {"Type": "Number", "Default": 90, "MinValue": 1,
                             "Description": "days before log objects move to Glacier"},
        "LogRetentionDays": {"Type": "Number", "Default": 365, "AllowedValues": RETENTION_DAYS,
                             "Description": "days the trail's CloudWatch Logs group keeps events"},
        EMAIL_PARAM: {"Type": "String", "AllowedPattern": r"^[^@\s]+@[^@\s]+$",
                                "Description": "address notified by the CIS alarms (confirm the subscription "
                                               "mail SNS sends)"},
        "RecordS3DataEvents": {"Type": "String", "Default": "true", "AllowedValues": ["true", "false"],
                               "Description": "record S3 object-level read and write events (billed per event)"},
    }
    if org:
        parameters["OrganizationId"] = {"Type": "String", "AllowedPattern": "^o-[a-z0-9]{10,32}$",
                                        "Description": "the organization id (o-...), for the organization trail "
                                                       "and the member accounts' Config delivery"}
        parameters["OrganizationalUnitIds"] = {"Type": "CommaDelimitedList",
                                               "Description": "OUs (or the root r-...) whose accounts get the "
                                                              "per-account baseline"}
    return parameters


def _member_template(people: bool) -> dict[str, Any]:
    """The per-region part as a StackSet template (with the groups and support role when `people`)."""
    resources = _regional_resources({"Ref": "LogBucketName"}, "IsHome")
    if people:
        for logical_id, resource in _people_resources().items():
            resources[logical_id] = {**resource, "Condition": "IsHome"}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "cloudwarden security baseline, per region: AWS Config, GuardDuty, Security Hub, "
                       "Access Analyzer" + (" (and, in the home region, IAM groups and the support role)" if people else ""),
        "Parameters": {**_shared_parameters(),
                       "LogBucketName": {"Type": "String", "Description": "bucket Config delivers to"},
                       "HomeRegion": {"Type": "String", "Description": "region that records global resource types"}},
        "Conditions": {"IsHome": {"Fn::Equals": [{"Ref": "AWS::Region"}, {"Ref": "HomeRegion"}]},
                       "CreateConfigRole": {"Fn::And": [{"Condition": "IsHome"}, {"Fn::Equals": [
                           {"Ref": "CreateConfigServiceLinkedRole"}, "true"]}]}},
        "Resources": resources,
    }


def _stack_set(regions: list[str] | None, org: bool, people: bool) -> dict[str, Any]:
    region_list: Any = list(regions) if regions else [{"Ref": "AWS::Region"}]
    member = _member_template(people)
    properties: dict[str, Any] = {
        "StackSetName": _sub("${AWS::StackName}-" + ("members" if org else "regions")),
        "Description": member["Description"],
        "PermissionModel": "SERVICE_MANAGED" if org else "SELF_MANAGED",
        "Capabilities": ["CAPABILITY_IAM"],
        "OperationPreferences": {"RegionConcurrencyType": "SEQUENTIAL", "RegionOrder": region_list,
                                 "MaxConcurrentPercentage": 100 if org else None, "FailureToleranceCount": 0},
        "Parameters": [
            {"ParameterKey": "LogBucketName", "ParameterValue": {"Ref": "TrailBucket"}},
            {"ParameterKey": "HomeRegion", "ParameterValue": regions[0] if regions else {"Ref": "AWS::Region"}},
            {"ParameterKey": "CisStandardVersion", "ParameterValue": {"Ref": "CisStandardVersion"}},
            {"ParameterKey": "CreateConfigServiceLinkedRole",
             "ParameterValue": {"Ref": "CreateConfigServiceLinkedRole"}}],
        "StackInstancesGroup": [{"Regions": region_list, "DeploymentTargets": (
            {"OrganizationalUnitIds": {"Ref": "OrganizationalUnitIds"}} if org
            else {"Accounts": [{"Ref": "AWS::AccountId"}]})}],
        "TemplateBody": json.dumps(member, separators=(",", ":")),
    }
    if not org:
        del properties["OperationPreferences"]["MaxConcurrentPercentage"]
        properties["OperationPreferences"]["MaxConcurrentCount"] = 1
    else:
        properties["AutoDeployment"] = {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    return {"Type": "AWS::CloudFormation::StackSet", "DependsOn": "TrailBucketPolicy", "Properties": properties}


def check_regions(regions: list[str] | None) -> list[str] | None:
    """The region list of --regions, validated (a clear error names a bad one)."""
    if not regions:
        return None
    names = [r.strip() for item in regions for r in item.split(",") if r.strip()]
    for name in names:
        if not _REGION.match(name):
            raise UsageError(f"--regions: {name!r} is not a region name", hint="e.g. --regions us-east-1,eu-west-1")
    return list(dict.fromkeys(names))


def baseline_template(regions: list[str] | None = None, org: bool = False) -> dict[str, Any]:
    """The baseline template; see the module text for what `regions` and `org` change."""
    regions = check_regions(regions)
    resources = _account_resources(org)
    conditions: dict[str, Any] = {"RecordS3Data": {"Fn::Equals": [{"Ref": "RecordS3DataEvents"}, "true"]}}
    if regions and not org:
        # The per-region part runs in every listed region through the StackSet, the home region included.
        resources.update(_people_resources())
        resources["RegionalBaseline"] = _stack_set(regions, org=False, people=False)
        what = f"account level here, per-region part in {', '.join(regions)} through a StackSet"
    else:
        resources.update(_people_resources())
        resources.update(_regional_resources({"Ref": "TrailBucket"}, None))
        conditions["CreateConfigRole"] = {"Fn::Equals": [{"Ref": "CreateConfigServiceLinkedRole"}, "true"]}
        what = "trail, log buckets, CIS alarms, Config, GuardDuty, Security Hub, Access Analyzer, IAM groups, support role"
        if org:
            resources["MemberBaseline"] = _stack_set(regions, org=True, people=True)
            what += "; member accounts through a service-managed StackSet"
    template: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"cloudwarden security baseline: {what}",
        "Parameters": {**_account_parameters(org), **_shared_parameters()},
        "Conditions": conditions,
        "Resources": resources,
        "Outputs": {"TrailBucketName": {"Value": {"Ref": "TrailBucket"}},
                    "AccessLogBucketName": {"Value": {"Ref": "AccessLogBucket"}},
                    "AlarmTopicArn": {"Value": {"Ref": "AlarmTopic"}}},
    }
    if regions and not org:
        template["Rules"] = {"HomeRegion": {"Assertions": [{
            "Assert": {"Fn::Equals": [{"Ref": "AWS::Region"}, regions[0]]},
            "AssertDescription": f"deploy this stack in {regions[0]}, the first of --regions (its home region)"}]}}
    return template
