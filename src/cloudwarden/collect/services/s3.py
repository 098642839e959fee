"""S3 bucket reads. Buckets are global in the snapshot; each bucket's calls go to its own region."""

from __future__ import annotations

from typing import Any

from cloudwarden.collect.spec import Call
from cloudwarden.inventory.snapshot import GLOBAL, DataUnavailable, Snapshot


def _bucket(item: Any) -> dict[str, str]:
    return {"Bucket": item["Name"]}


def _name(item: Any) -> str:
    return str(item["Name"])


def bucket_region(item: Any, snapshot: Snapshot) -> str:
    if item.get("BucketRegion"):
        return str(item["BucketRegion"])
    try:
        return str(snapshot.item("s3.bucket_location", GLOBAL, item["Name"]))
    except DataUnavailable:
        return "us-east-1"


def _location(value: Any) -> str:
    # GetBucketLocation answers None (or "") for us-east-1 and "EU" for the oldest eu-west-1 buckets.
    if not value:
        return "us-east-1"
    return "eu-west-1" if value == "EU" else str(value)


def per_bucket(dataset: str, operation: str, key: str | tuple[str, ...] | None,
                absent: tuple[str, ...] = ()) -> Call:
    return Call(dataset, "s3", operation, key, scope="global", per="s3.buckets",
                after=("s3.bucket_location",), per_params=_bucket, per_key=_name,
                per_region=bucket_region, absent_codes=absent)


SPECS = [
    Call("s3.buckets", "s3", "list_buckets", "Buckets", scope="global"),
    # Where ListBuckets does not say the region (older endpoints, moto), ask each bucket.
    Call("s3.bucket_location", "s3", "get_bucket_location", "LocationConstraint", scope="global",
         per="s3.buckets", per_params=_bucket, per_key=_name,
         per_filter=lambda item, _region: not item.get("BucketRegion"), transform=_location),
    per_bucket("s3.bucket_policy", "get_bucket_policy", "Policy", ("NoSuchBucketPolicy",)),
    per_bucket("s3.bucket_acl", "get_bucket_acl", ("Owner", "Grants")),
    per_bucket("s3.bucket_public_access_block", "get_public_access_block",
                "PublicAccessBlockConfiguration", ("NoSuchPublicAccessBlockConfiguration",)),
    per_bucket("s3.bucket_encryption", "get_bucket_encryption", "ServerSideEncryptionConfiguration",
                ("ServerSideEncryptionConfigurationNotFoundError",)),
    per_bucket("s3.bucket_versioning", "get_bucket_versioning", ("Status", "MFADelete")),
    per_bucket("s3.bucket_logging", "get_bucket_logging", "LoggingEnabled"),
    per_bucket("s3.bucket_lifecycle", "get_bucket_lifecycle_configuration", "Rules",
                ("NoSuchLifecycleConfiguration",)),
    per_bucket("s3.bucket_ownership_controls", "get_bucket_ownership_controls", "OwnershipControls",
                ("OwnershipControlsNotFoundError",)),
]
