"""S3 fixes: Block Public Access (bucket and account), Object Ownership, SSE-KMS, versioning,
a lifecycle for noncurrent versions, the TLS-only policy statement. None deletes an object."""

from __future__ import annotations

import json
from typing import Any

from cloudwarden.core.arn import partition_of
from cloudwarden.remediate.model import CannotFix, Plan, Reader, Step, Target, fix, region_of

ALL_BLOCKED = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
               "RestrictPublicBuckets": True}
TLS_SID = "CloudwardenDenyInsecureTransport"
LIFECYCLE_ID = "cloudwarden-noncurrent-to-glacier"


def bucket_region(reader: Reader, bucket: str, hint: str) -> str:
    if hint and hint != "global":
        return hint
    answer = reader.call("s3", "us-east-1", "get_bucket_location", Bucket=bucket) or {}
    return str(answer.get("LocationConstraint") or "us-east-1")


def block_bucket(reader: Reader, bucket: str, region: str) -> Plan | None:
    region = bucket_region(reader, bucket, region)
    answer = reader.call("s3", region, "get_public_access_block", absent=("NoSuchPublicAccessBlockConfiguration",),
                         Bucket=bucket)
    current = (answer or {}).get("PublicAccessBlockConfiguration")
    if current and all(current.get(k) for k in ALL_BLOCKED):
        return None
    undo = (Step("s3", region, "put_public_access_block", {"Bucket": bucket, "PublicAccessBlockConfiguration": current})
            if current else Step("s3", region, "delete_public_access_block", {"Bucket": bucket}))
    return current, [Step("s3", region, "put_public_access_block",
                          {"Bucket": bucket, "PublicAccessBlockConfiguration": ALL_BLOCKED})], [undo]


@fix("s3.bucket_public_access_block", "s3.bucket_no_public_read", "s3.bucket_no_public_write",
     summary="Turn on all four Block Public Access settings of the bucket.",
     risk="high: anonymous and cross-account public access through the policy or ACLs stops (websites served "
          "straight from the bucket break)",
     writes=["s3:PutPublicAccessBlock", "s3:DeletePublicAccessBlock"])
def bucket_block_public(reader: Reader, target: Target) -> Plan | None:
    return block_bucket(reader, target.resource_id, target.region)


@fix("cloudtrail.bucket_not_public",
     summary="Turn on Block Public Access on the trail's log bucket.",
     risk="low: CloudTrail delivery is not public access; public readers of the logs lose access",
     writes=["s3:PutPublicAccessBlock", "s3:DeletePublicAccessBlock"])
def trail_bucket_block_public(reader: Reader, target: Target) -> Plan | None:
    region = region_of(target)
    trails = (reader.call("cloudtrail", region, "describe_trails", trailNameList=[target.resource_arn or
                                                                                  target.resource_id]) or {})
    buckets = [t.get("S3BucketName") for t in trails.get("trailList") or [] if t.get("S3BucketName")]
    if not buckets:
        raise CannotFix(f"trail {target.resource_id} has no S3 bucket")
    return block_bucket(reader, str(buckets[0]), "")


@fix("s3.account_public_access_block",
     summary="Turn on all four Block Public Access settings for the account.",
     risk="high: every public bucket policy and ACL in the account stops working",
     writes=["s3control:PutPublicAccessBlock", "s3control:DeletePublicAccessBlock"])
def account_block_public(reader: Reader, target: Target) -> Plan | None:
    account = target.account_id or target.resource_id
    answer = reader.call("s3control", "us-east-1", "get_public_access_block",
                         absent=("NoSuchPublicAccessBlockConfiguration",), AccountId=account)
    current = (answer or {}).get("PublicAccessBlockConfiguration")
    if current and all(current.get(k) for k in ALL_BLOCKED):
        return None
    undo = (Step("s3control", "us-east-1", "put_public_access_block",
                 {"AccountId": account, "PublicAccessBlockConfiguration": current}) if current
            else Step("s3control", "us-east-1", "delete_public_access_block", {"AccountId": account}))
    return current, [Step("s3control", "us-east-1", "put_public_access_block",
                          {"AccountId": account, "PublicAccessBlockConfiguration": ALL_BLOCKED})], [undo]


@fix("s3.bucket_acls_disabled",
     summary="Set Object Ownership to BucketOwnerEnforced (ACLs no longer grant access).",
     risk="medium: writers that rely on ACL grants (log delivery with ACLs, cross-account uploads) lose access",
     writes=["s3:PutBucketOwnershipControls", "s3:DeleteBucketOwnershipControls"])
def ownership_enforced(reader: Reader, target: Target) -> Plan | None:
    bucket = target.resource_id
    region = bucket_region(reader, bucket, target.region)
    answer = reader.call("s3", region, "get_bucket_ownership_controls", absent=("OwnershipControlsNotFoundError",),
                         Bucket=bucket)
    current = (answer or {}).get("OwnershipControls")
    if current and any(r.get("ObjectOwnership") == "BucketOwnerEnforced" for r in current.get("Rules") or []):
        return None
    undo = (Step("s3", region, "put_bucket_ownership_controls", {"Bucket": bucket, "OwnershipControls": current})
            if current else Step("s3", region, "delete_bucket_ownership_controls", {"Bucket": bucket}))
    return current, [Step("s3", region, "put_bucket_ownership_controls", {
        "Bucket": bucket, "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}})], [undo]


@fix("s3.bucket_kms_encryption",
     summary="Default encryption SSE-KMS (the key given with --kms-key, else aws/s3) with S3 Bucket Keys.",
     risk="low: new objects only; readers need kms:Decrypt on a customer managed key",
     writes=["s3:PutBucketEncryption", "s3:DeleteBucketEncryption"])
def bucket_kms(reader: Reader, target: Target) -> Plan | None:
    bucket = target.resource_id
    region = bucket_region(reader, bucket, target.region)
    answer = reader.call("s3", region, "get_bucket_encryption",
                         absent=("ServerSideEncryptionConfigurationNotFoundError",), Bucket=bucket)
    current = (answer or {}).get("ServerSideEncryptionConfiguration")
    rules = (current or {}).get("Rules") or []
    if any((r.get("ApplyServerSideEncryptionByDefault") or {}).get("SSEAlgorithm", "").startswith("aws:kms")
           for r in rules):
        return None
    default: dict[str, Any] = {"SSEAlgorithm": "aws:kms"}
    if reader.options.get("kms_key"):
        default["KMSMasterKeyID"] = reader.options["kms_key"]
    undo = (Step("s3", region, "put_bucket_encryption", {"Bucket": bucket, "ServerSideEncryptionConfiguration": current})
            if current else Step("s3", region, "delete_bucket_encryption", {"Bucket": bucket}))
    return current, [Step("s3", region, "put_bucket_encryption", {
        "Bucket": bucket, "ServerSideEncryptionConfiguration": {
            "Rules": [{"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": True}]}})], [undo]


@fix("s3.bucket_versioning_enabled",
     summary="Enable versioning.",
     risk="low: storage grows with old versions (see the lifecycle fix); undo can only suspend versioning",
     writes=["s3:PutBucketVersioning"])
def bucket_versioning(reader: Reader, target: Target) -> Plan | None:
    bucket = target.resource_id
    region = bucket_region(reader, bucket, target.region)
    current = reader.call("s3", region, "get_bucket_versioning", Bucket=bucket) or {}
    if current.get("Status") == "Enabled":
        return None
    return current.get("Status"), [Step("s3", region, "put_bucket_versioning", {
        "Bucket": bucket, "VersioningConfiguration": {"Status": "Enabled"}})], [Step(
        "s3", region, "put_bucket_versioning", {"Bucket": bucket, "VersioningConfiguration": {"Status": "Suspended"}})]


@fix("s3.bucket_lifecycle_configured",
     summary="Add a lifecycle rule moving noncurrent versions to Glacier after 30 days (nothing expires).",
     risk="low: old versions cost a retrieval to read back; no object or version is deleted",
     writes=["s3:PutBucketLifecycleConfiguration", "s3:DeleteBucketLifecycle"])
def bucket_lifecycle(reader: Reader, target: Target) -> Plan | None:
    bucket = target.resource_id
    region = bucket_region(reader, bucket, target.region)
    answer = reader.call("s3", region, "get_bucket_lifecycle_configuration",
                         absent=("NoSuchLifecycleConfiguration",), Bucket=bucket)
    rules = list((answer or {}).get("Rules") or [])
    if any(r.get("ID") == LIFECYCLE_ID and r.get("Status") == "Enabled" for r in rules):
        return None
    ours = {"ID": LIFECYCLE_ID, "Status": "Enabled", "Filter": {"Prefix": ""},
            "NoncurrentVersionTransitions": [{"NoncurrentDays": 30, "StorageClass": "GLACIER"}]}
    kept = [r for r in rules if r.get("ID") != LIFECYCLE_ID]
    undo = (Step("s3", region, "put_bucket_lifecycle_configuration",
                 {"Bucket": bucket, "LifecycleConfiguration": {"Rules": rules}}) if rules
            else Step("s3", region, "delete_bucket_lifecycle", {"Bucket": bucket}))
    return rules, [Step("s3", region, "put_bucket_lifecycle_configuration", {
        "Bucket": bucket, "LifecycleConfiguration": {"Rules": [*kept, ours]}})], [undo]


@fix("s3.bucket_ssl_required",
     summary="Add a statement to the bucket policy denying s3:* when aws:SecureTransport is false.",
     risk="low: plain-HTTP clients are refused",
     writes=["s3:PutBucketPolicy", "s3:DeleteBucketPolicy"])
def bucket_tls_only(reader: Reader, target: Target) -> Plan | None:
    bucket = target.resource_id
    region = bucket_region(reader, bucket, target.region)
    answer = reader.call("s3", region, "get_bucket_policy", absent=("NoSuchBucketPolicy",), Bucket=bucket)
    text = (answer or {}).get("Policy")
    document = json.loads(text) if text else {"Version": "2012-10-17", "Statement": []}
    statements = document.get("Statement") or []
    statements = [statements] if isinstance(statements, dict) else list(statements)
    if any(s.get("Sid") == TLS_SID for s in statements):
        return None
    arn = f"arn:{_partition(target)}:s3:::{bucket}"
    statements.append({"Sid": TLS_SID, "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                       "Resource": [arn, f"{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
    new = dict(document, Statement=statements)
    undo = (Step("s3", region, "put_bucket_policy", {"Bucket": bucket, "Policy": text}) if text
            else Step("s3", region, "delete_bucket_policy", {"Bucket": bucket}))
    return text, [Step("s3", region, "put_bucket_policy", {"Bucket": bucket, "Policy": json.dumps(new)})], [undo]


def _partition(target: Target) -> str:
    return partition_of(target.resource_arn)
