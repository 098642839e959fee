"""PASS, FAIL and UNKNOWN cases for the S3 checks (Block Public Access, public policy/ACL, TLS ...)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudwarden.core.enums import Status
from cloudwarden.inventory.snapshot import Gap
from tests.checks.cases import Case, assert_case, findings_for

B = "data-bucket"
ARN = f"arn:aws:s3:::{B}"
ALL_ON = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
          "RestrictPublicBuckets": True}
ALL_OFF = dict.fromkeys(ALL_ON, False)
OWNER = {"Owner": {"ID": "abc"}, "Grants": [
    {"Grantee": {"Type": "CanonicalUser", "ID": "abc"}, "Permission": "FULL_CONTROL"}]}


def acl_with(uri_group: str, permission: str) -> dict[str, Any]:
    grant = {"Grantee": {"Type": "Group", "URI": f"http://acs.amazonaws.com/groups/global/{uri_group}"},
             "Permission": permission}
    return {"Owner": OWNER["Owner"], "Grants": OWNER["Grants"] + [grant]}


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


PUBLIC_GET = {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
              "Resource": f"{ARN}/*"}
PUBLIC_PUT = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["s3:Put*"], "Resource": f"{ARN}/*"}
VPCE_GET = dict(PUBLIC_GET, Condition={"StringEquals": {"aws:SourceVpce": "vpce-1234"}})
DENY_HTTP = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [ARN, f"{ARN}/*"],
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def s3(account_bpa: Any = None, location: str | None = None, **per_bucket: Any) -> dict[str, Any]:
    """A one-bucket snapshot: per_bucket maps dataset suffixes (policy, acl ...) to the bucket's value."""
    bucket: dict[str, Any] = {"Name": B}
    data: dict[str, Any] = {"s3.buckets": [bucket], "s3.account_public_access_block": account_bpa}
    if location:
        data["s3.bucket_location"] = {B: location}
    else:
        bucket["BucketRegion"] = "eu-west-1"
    defaults = {"policy": None, "acl": OWNER, "public_access_block": None}
    for suffix, value in {**defaults, **per_bucket}.items():
        data[f"s3.bucket_{suffix}"] = {B: value}
    return data


def sse(algorithm: str, key: str | None = None) -> dict[str, Any]:
    default: dict[str, Any] = {"SSEAlgorithm": algorithm}
    if key:
        default["KMSMasterKeyID"] = key
    return {"Rules": [{"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": True}]}


CASES = [
    Case("pass-account-bpa", "s3.account_public_access_block", s3(ALL_ON), message="all four"),
    Case("fail-account-bpa-missing", "s3.account_public_access_block", s3(None), message="not configured"),
    Case("fail-account-bpa-partial", "s3.account_public_access_block",
         s3(dict(ALL_ON, RestrictPublicBuckets=False)), message="RestrictPublicBuckets off"),
    Case("pass-bucket-bpa", "s3.bucket_public_access_block", s3(public_access_block=ALL_ON), resource=B),
    Case("fail-bucket-bpa-off", "s3.bucket_public_access_block", s3(public_access_block=ALL_OFF), resource=B,
         message="BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets off"),
    Case("fail-bucket-bpa-none", "s3.bucket_public_access_block", s3(), message="not configured"),
    # public read
    Case("pass-private", "s3.bucket_no_public_read", s3(ALL_OFF), message="neither"),
    Case("pass-vpce-condition", "s3.bucket_no_public_read", s3(ALL_OFF, policy=policy(VPCE_GET))),
    Case("fail-policy-get", "s3.bucket_no_public_read", s3(ALL_OFF, policy=policy(PUBLIC_GET)),
         message="bucket policy allows s3:GetObject to everyone"),
    Case("fail-policy-wildcard", "s3.bucket_no_public_read",
         s3(None, policy=policy(dict(PUBLIC_GET, Action="s3:*"))),
         # The statement's Resource is bucket/*: object actions only; ListBucket needs the bucket ARN.
         message="allows s3:GetObject, s3:GetObjectVersion to everyone"),
    Case("fail-acl-allusers-read", "s3.bucket_no_public_read", s3(ALL_OFF, acl=acl_with("AllUsers", "READ")),
         message="ACL grants AllUsers:READ"),
    Case("fail-acl-authenticated", "s3.bucket_no_public_read",
         s3(ALL_OFF, acl=acl_with("AuthenticatedUsers", "FULL_CONTROL")), message="AuthenticatedUsers"),
    Case("pass-policy-neutralised-by-account", "s3.bucket_no_public_read",
         s3(ALL_ON, policy=policy(PUBLIC_GET)), message="account-level RestrictPublicBuckets neutralises"),
    Case("pass-acl-neutralised-by-bucket", "s3.bucket_no_public_read",
         s3(None, acl=acl_with("AllUsers", "READ"), public_access_block=ALL_ON),
         message="bucket-level IgnorePublicAcls neutralises"),
    Case("fail-ignore-acls-does-not-cover-policy", "s3.bucket_no_public_read",
         s3(dict(ALL_OFF, IgnorePublicAcls=True), policy=policy(PUBLIC_GET), acl=acl_with("AllUsers", "READ")),
         message="bucket policy allows s3:GetObject to everyone; ACL grants AllUsers:READ, but account-level"),
    Case("fail-region-from-location", "s3.bucket_no_public_read",
         s3(ALL_OFF, location="ap-southeast-2", policy=policy(PUBLIC_GET))),
    # public write
    Case("pass-read-only-is-not-write", "s3.bucket_no_public_write", s3(ALL_OFF, policy=policy(PUBLIC_GET))),
    Case("fail-policy-put", "s3.bucket_no_public_write", s3(ALL_OFF, policy=policy(PUBLIC_PUT)),
         message="s3:PutObject, s3:PutObjectAcl to everyone"),
    Case("fail-acl-write", "s3.bucket_no_public_write", s3(ALL_OFF, acl=acl_with("AllUsers", "WRITE")),
         message="AllUsers:WRITE"),
    Case("pass-write-neutralised", "s3.bucket_no_public_write",
         s3(ALL_OFF, policy=policy(PUBLIC_PUT), public_access_block=ALL_ON), message="neutralises"),
    # ACLs disabled
    Case("pass-owner-enforced", "s3.bucket_acls_disabled",
         s3(ownership_controls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})),
    Case("fail-object-writer", "s3.bucket_acls_disabled",
         s3(ownership_controls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}), message="ObjectWriter"),
    Case("fail-no-ownership", "s3.bucket_acls_disabled", s3(ownership_controls=None), message="ACLs are enabled"),
    # TLS
    Case("pass-deny-http", "s3.bucket_ssl_required", s3(policy=policy(PUBLIC_GET, DENY_HTTP))),
    Case("pass-deny-http-wildcards", "s3.bucket_ssl_required",
         s3(policy=policy(dict(DENY_HTTP, Action="*", Resource=f"{ARN}*",
                               Condition={"Bool": {"aws:SecureTransport": False}})))),
    Case("fail-no-policy", "s3.bucket_ssl_required", s3(), message="no bucket policy"),
    Case("fail-objects-only", "s3.bucket_ssl_required", s3(policy=policy(dict(DENY_HTTP, Resource=f"{ARN}/*"))),
         message="covers only its objects"),
    Case("fail-get-only", "s3.bucket_ssl_required", s3(policy=policy(dict(DENY_HTTP, Action="s3:GetObject"))),
         message="no Deny of s3:*"),
    Case("fail-allow-not-deny", "s3.bucket_ssl_required", s3(policy=policy(dict(DENY_HTTP, Effect="Allow")))),
    # versioning and MFA Delete
    Case("pass-versioned", "s3.bucket_versioning_enabled", s3(versioning={"Status": "Enabled"})),
    Case("fail-suspended", "s3.bucket_versioning_enabled", s3(versioning={"Status": "Suspended"}),
         message="Suspended"),
    Case("fail-never", "s3.bucket_versioning_enabled", s3(versioning={"Status": None, "MFADelete": None}),
         message="never been enabled"),
    Case("pass-mfa-delete", "s3.bucket_mfa_delete", s3(versioning={"Status": "Enabled", "MFADelete": "Enabled"})),
    Case("fail-mfa-delete-off", "s3.bucket_mfa_delete", s3(versioning={"Status": "Enabled", "MFADelete": None}),
         message="MFA Delete is Disabled"),
    # logging
    Case("pass-logging", "s3.bucket_server_access_logging",
         s3(logging={"TargetBucket": "logs", "TargetPrefix": "data/"}), message="s3://logs/data/"),
    Case("fail-logging", "s3.bucket_server_access_logging", s3(logging=None), message="off"),
    # default encryption
    Case("pass-kms", "s3.bucket_kms_encryption", s3(encryption=sse("aws:kms", "arn:aws:kms:eu-west-1:1:key/k")),
         message="aws:kms with arn:aws:kms"),
    Case("pass-kms-default-key", "s3.bucket_kms_encryption", s3(encryption=sse("aws:kms")), message="aws/s3"),
    Case("pass-dsse", "s3.bucket_kms_encryption", s3(encryption=sse("aws:kms:dsse", "k"))),
    Case("fail-sse-s3", "s3.bucket_kms_encryption", s3(encryption=sse("AES256")), message="SSE-S3 (AES256)"),
    # lifecycle
    Case("pass-lifecycle", "s3.bucket_lifecycle_configured",
         s3(lifecycle=[{"ID": "old", "Status": "Enabled", "Expiration": {"Days": 365}}], versioning={})),
    Case("pass-lifecycle-versioned", "s3.bucket_lifecycle_configured",
         s3(lifecycle=[{"Status": "Enabled", "NoncurrentVersionExpiration": {"NoncurrentDays": 30}}],
            versioning={"Status": "Enabled"}), message="noncurrent versions managed"),
    Case("fail-no-lifecycle", "s3.bucket_lifecycle_configured", s3(lifecycle=None, versioning={}),
         message="no enabled lifecycle rule"),
    Case("fail-versioned-without-noncurrent-rule", "s3.bucket_lifecycle_configured",
         s3(lifecycle=[{"Status": "Enabled", "Expiration": {"Days": 365}}], versioning={"Status": "Enabled"}),
         message="none expires or moves noncurrent versions"),
    Case("fail-no-config-means-sse-s3", "s3.bucket_kms_encryption", s3(encryption=None),
         message="S3 applies SSE-S3"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)


def test_finding_carries_the_bucket_region_and_arn() -> None:
    located = findings_for(Case("fail-x", "s3.bucket_no_public_read",
                                s3(ALL_OFF, location="ap-southeast-2", policy=policy(PUBLIC_GET))))
    listed = findings_for(Case("fail-x", "s3.bucket_no_public_read", s3(ALL_OFF, policy=policy(PUBLIC_GET))))
    assert [(f.region, f.resource_arn) for f in located] == [("ap-southeast-2", ARN)]
    assert [f.region for f in listed] == ["eu-west-1"]


def test_unencrypted_is_never_said_of_a_bucket_without_configuration() -> None:
    findings = findings_for(Case("fail-x", "s3.bucket_kms_encryption", s3(encryption=None)))
    assert findings and all("unencrypted" not in f.message.lower() for f in findings)


def test_unversioned_bucket_is_out_of_scope_for_mfa_delete() -> None:
    assert findings_for(Case("fail-x", "s3.bucket_mfa_delete", s3(versioning={"Status": None}))) == []


def test_policy_gap_makes_the_bucket_unknown_not_pass() -> None:
    data = s3(ALL_ON)
    del data["s3.bucket_policy"][B]
    gap = Gap("s3.bucket_policy", "s3", "GetBucketPolicy", "global", "AccessDenied", "denied",
              "s3:GetBucketPolicy", B)
    findings = findings_for(Case("unknown-x", "s3.bucket_no_public_read", data, gaps=[gap]))
    assert [f.status for f in findings] == [Status.UNKNOWN]
    assert "grant s3:GetBucketPolicy" in findings[0].message


def test_public_policy_with_account_setting_unreadable_is_unknown() -> None:
    data = s3(policy=policy(PUBLIC_GET))
    del data["s3.account_public_access_block"]
    findings = findings_for(Case("unknown-x", "s3.bucket_no_public_read", data))
    assert [f.status for f in findings] == [Status.UNKNOWN]


def test_bucket_level_block_suffices_when_account_setting_is_unreadable() -> None:
    data = s3(policy=policy(PUBLIC_GET), public_access_block=ALL_ON)
    del data["s3.account_public_access_block"]
    findings = findings_for(Case("pass-x", "s3.bucket_no_public_read", data))
    assert [f.status for f in findings] == [Status.PASS]
