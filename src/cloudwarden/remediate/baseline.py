"""The security baseline as a CloudFormation template (a first part of it).

Resources: a multi-region CloudTrail with log-file validation and KMS encryption, delivered to a
versioned, TLS-only, non-public bucket with a lifecycle to Glacier; GuardDuty; Security Hub;
IAM Access Analyzer; IAM groups for administrators, developers and read-only users. Settings that
CloudFormation has no resource for (account password policy, EBS default encryption, account-level
S3 Block Public Access) are applied through `cloudwarden fix` (`NOT_IN_TEMPLATE`).
"""

from __future__ import annotations

from typing import Any

NOT_IN_TEMPLATE = {
    "iam.password_policy_min_length_14": "no CloudFormation resource for the account password policy",
    "ebs.default_encryption_enabled": "no CloudFormation resource for EBS encryption by default",
    "s3.account_public_access_block": "no CloudFormation resource for account-level Block Public Access",
}


def _sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


def baseline_template() -> dict[str, Any]:
    bucket_arn = {"Fn::GetAtt": ["TrailBucket", "Arn"]}
    key_policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Account", "Effect": "Allow", "Principal": {"AWS": _sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "CloudTrail", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": ["kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "*"}]}
    bucket_policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [bucket_arn, {"Fn::Join": ["", [bucket_arn, "/*"]]}],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "TrailAcl", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:GetBucketAcl", "Resource": bucket_arn},
        {"Sid": "TrailWrite", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": {"Fn::Join": ["", [bucket_arn, "/AWSLogs/", {"Ref": "AWS::AccountId"}, "/*"]]},
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}]}
    resources: dict[str, Any] = {
        "TrailKey": {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": True, "KeyPolicy": key_policy}},
        "TrailBucket": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
                        "Properties": {
                            "VersioningConfiguration": {"Status": "Enabled"},
                            "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                                                               "BlockPublicPolicy": True, "RestrictPublicBuckets": True},
                            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                            "BucketEncryption": {"ServerSideEncryptionConfiguration": [
                                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}, "BucketKeyEnabled": True}]},
                            "LifecycleConfiguration": {"Rules": [{"Id": "to-glacier", "Status": "Enabled",
                                                                  "Transitions": [{"StorageClass": "GLACIER",
                                                                                   "TransitionInDays": {"Ref": "GlacierAfterDays"}}],
                                                                  "NoncurrentVersionTransitions": [
                                                                      {"StorageClass": "GLACIER", "TransitionInDays": 30}]}]}}},
        "TrailBucketPolicy": {"Type": "AWS::S3::BucketPolicy",
                              "Properties": {"Bucket": {"Ref": "TrailBucket"}, "PolicyDocument": bucket_policy}},
        "Trail": {"Type": "AWS::CloudTrail::Trail", "DependsOn": "TrailBucketPolicy", "Properties": {
            "IsLogging": True, "IsMultiRegionTrail": True, "IncludeGlobalServiceEvents": True,
            "EnableLogFileValidation": True, "KMSKeyId": {"Ref": "TrailKey"}, "S3BucketName": {"Ref": "TrailBucket"}}},
        "Detector": {"Type": "AWS::GuardDuty::Detector", "Properties": {"Enable": True}},
        "Hub": {"Type": "AWS::SecurityHub::Hub", "Properties": {"EnableDefaultStandards": True}},
        "Analyzer": {"Type": "AWS::AccessAnalyzer::Analyzer", "Properties": {"Type": "ACCOUNT"}},
        "AdministratorsGroup": {"Type": "AWS::IAM::Group", "Properties": {
            "ManagedPolicyArns": [_sub("arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess")],
            "Policies": [{"PolicyName": "require-mfa", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "Action": "*", "Resource": "*",
                 "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]}}]}},
        "DevelopersGroup": {"Type": "AWS::IAM::Group", "Properties": {
            "ManagedPolicyArns": [_sub("arn:${AWS::Partition}:iam::aws:policy/PowerUserAccess")]}},
        "ReadOnlyGroup": {"Type": "AWS::IAM::Group", "Properties": {
            "ManagedPolicyArns": [_sub("arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess")]}},
    }
    return {"AWSTemplateFormatVersion": "2010-09-09",
            "Description": "cloudwarden security baseline (part): trail, log bucket, GuardDuty, Security Hub, "
                           "Access Analyzer, IAM groups",
            "Parameters": {"GlacierAfterDays": {"Type": "Number", "Default": 90, "MinValue": 1,
                                                "Description": "days before trail logs move to Glacier"}},
            "Resources": resources,
            "Outputs": {"TrailBucketName": {"Value": {"Ref": "TrailBucket"}}}}
