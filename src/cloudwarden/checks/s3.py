"""S3: Block Public Access, public policies and ACLs, TLS, versioning, logging, default encryption.

S3 datasets live under the "global" region of the snapshot; each finding carries the bucket's own
region (ListBuckets' BucketRegion, else GetBucketLocation's answer).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from cloudwarden.checks._public import (
    ACL_READ,
    ACL_WRITE,
    S3_READ_ACTIONS,
    S3_WRITE_ACTIONS,
    actions_granted,
    matches_any,
    public_acl_grants,
    public_actions,
)
from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import as_list, is_public_principal, statements, verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.inventory.snapshot import DataUnavailable
from cloudwarden.inventory.views.s3 import (
    ACCOUNT_BPA,
    ACL,
    BUCKET_BPA,
    BUCKETS,
    ENCRYPTION,
    LIFECYCLE,
    LOCATION,
    LOGGING,
    OWNERSHIP,
    POLICY,
    VERSIONING,
    AccessLogging,
    Bucket,
    DefaultEncryption,
    PublicAccessBlock,
    S3View,
    Versioning,
)

S3_DOC = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
BUCKET = "AWS::S3::Bucket"
ALL_ON = ("BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,"
          "RestrictPublicBuckets=true")


def buckets(ctx: CheckContext) -> Iterator[Bucket]:
    """Every bucket of the account (raises DataUnavailable when the bucket list was not read)."""
    yield from ctx.view(S3View).buckets()


def per_bucket(ctx: CheckContext, judge: Callable[[Bucket], tuple[bool, str] | None]) -> Iterator[Result]:
    """One verdict per bucket from `judge(bucket)`; None skips the bucket, missing data is UNKNOWN."""
    for bucket in buckets(ctx):
        with ctx.resource(bucket.name, bucket.region):
            outcome = judge(bucket)
            if outcome is not None:
                yield verdict(outcome[0], bucket.name, outcome[1], bucket.region, bucket.arn)


# -- Block Public Access --

def _blocked_by(ctx: CheckContext, bucket: Bucket, setting: str) -> str:
    """'bucket' or 'account' when that level's `setting` is on, '' when neither is."""
    missing: DataUnavailable | None = None
    for level, read in (("bucket", lambda: bucket.public_access_block.get()),
                        ("account", lambda: ctx.view(S3View).account_public_access_block())):
        try:
            if read().on(setting):
                return level
        except DataUnavailable as gap:
            missing = missing or gap
    if missing is not None:
        raise missing
    return ""


def _block_message(config: PublicAccessBlock, what: str) -> tuple[bool, str]:
    if not config.configured:
        return False, f"{what} Block Public Access is not configured"
    off = config.off
    return not off, f"{what} Block Public Access has {', '.join(off)} off" if off else \
        f"{what} Block Public Access has all four settings on"


@check("s3.account_public_access_block", resource_type="AWS::S3::AccountPublicAccessBlock",
       datasets=[ACCOUNT_BPA], fix="Turn on all four Block Public Access settings for the account.",
       cli=f"aws s3control put-public-access-block --account-id <ACCOUNT_ID> "
           f"--public-access-block-configuration {ALL_ON}",
       doc=S3_DOC + "configuring-block-public-access-account.html")
def account_public_access_block(ctx: CheckContext) -> Iterator[Result]:
    ok, message = _block_message(ctx.view(S3View).account_public_access_block(), "account-level")
    # The account-level setting has no ARN of its own; the account id names it.
    yield verdict(ok, ctx.account_id, message, resource_type="AWS::S3::AccountPublicAccessBlock")


@check("s3.bucket_public_access_block", resource_type=BUCKET, datasets=[BUCKETS, LOCATION, BUCKET_BPA], optional=[LOCATION],
       fix="Turn on all four Block Public Access settings on the bucket.",
       cli=f"aws s3api put-public-access-block --bucket <BUCKET> --public-access-block-configuration {ALL_ON}",
       doc=S3_DOC + "configuring-block-public-access-bucket.html")
def bucket_public_access_block(ctx: CheckContext) -> Iterator[Result]:
    yield from per_bucket(ctx, lambda b: _block_message(b.public_access_block.get(), "bucket-level"))


# -- public policies and ACLs --

def _exposure(ctx: CheckContext, bucket: Bucket, actions: tuple[str, ...],
              permissions: tuple[str, ...]) -> tuple[bool, str]:
    """(not exposed, evidence) from the bucket policy, the ACL and Block Public Access."""
    channels = [
        (public_actions(bucket.policy.get(), actions, bucket.arn, ctx.account_id, POLICY),
         "bucket policy allows {} to everyone", "RestrictPublicBuckets"),
        (public_acl_grants(bucket.acl.get(), permissions), "ACL grants {}", "IgnorePublicAcls"),
    ]
    exposed, notes = False, []
    for hits, evidence, setting in channels:
        if not hits:
            continue
        text = evidence.format(", ".join(hits))
        level = _blocked_by(ctx, bucket, setting)
        if level:
            notes.append(f"{text}, but {level}-level {setting} neutralises it")
        else:
            exposed = True
            notes.append(text)
    if not notes:
        return True, "neither the bucket policy nor the ACL grants this to everyone"
    return not exposed, "; ".join(notes)


PUBLIC_FIX_CLI = f"aws s3api put-public-access-block --bucket <BUCKET> --public-access-block-configuration {ALL_ON}"
PUBLIC_DATASETS = [BUCKETS, LOCATION, POLICY, ACL, BUCKET_BPA, ACCOUNT_BPA]


@check("s3.bucket_no_public_read", resource_type=BUCKET, datasets=PUBLIC_DATASETS, optional=[LOCATION],
       fix="Remove the public statement or grant, and turn on Block Public Access.",
       cli=PUBLIC_FIX_CLI, doc=S3_DOC + "access-control-block-public-access.html")
def bucket_no_public_read(ctx: CheckContext) -> Iterator[Result]:
    yield from per_bucket(ctx, lambda bucket: _exposure(ctx, bucket, S3_READ_ACTIONS, ACL_READ))


@check("s3.bucket_no_public_write", resource_type=BUCKET, datasets=PUBLIC_DATASETS, optional=[LOCATION],
       fix="Remove the public write statement or grant, and turn on Block Public Access.",
       cli=PUBLIC_FIX_CLI, doc=S3_DOC + "access-control-block-public-access.html")
def bucket_no_public_write(ctx: CheckContext) -> Iterator[Result]:
    yield from per_bucket(ctx, lambda bucket: _exposure(ctx, bucket, S3_WRITE_ACTIONS, ACL_WRITE))


def _ownership(settings: tuple[str, ...]) -> tuple[bool, str]:
    if not settings:
        return False, "no Object Ownership setting: ACLs are enabled"
    ok = "BucketOwnerEnforced" in settings
    return ok, f"Object Ownership is {', '.join(settings)}" + ("" if ok else ": ACLs are enabled")


@check("s3.bucket_acls_disabled", resource_type=BUCKET,
       datasets=[BUCKETS, LOCATION, OWNERSHIP], optional=[LOCATION],
       fix="Set Object Ownership to BucketOwnerEnforced after moving any ACL grants into the policy.",
       cli="aws s3api put-bucket-ownership-controls --bucket <BUCKET> "
           "--ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'",
       doc=S3_DOC + "about-object-ownership.html")
def bucket_acls_disabled(ctx: CheckContext) -> Iterator[Result]:
    yield from per_bucket(ctx, lambda b: _ownership(b.ownership.get()))


# -- TLS --

def _insecure_transport_condition(statement: dict[str, Any]) -> bool:
    for operator in ("Bool", "BoolIfExists"):
        keys = (statement.get("Condition") or {}).get(operator) or {}
        for key, values in keys.items() if isinstance(keys, dict) else ():
            if key.lower() == "aws:securetransport" and any(str(v).lower() == "false"
                                                             for v in as_list(values)):
                return True
    return False


def _tls_deny_covers(document: Any, bucket_arn: str) -> set[str]:
    """Which of the bucket and its objects an all-S3 Deny on plain HTTP covers."""
    targets = {bucket_arn: "the bucket", f"{bucket_arn}/*": "its objects"}
    covered: set[str] = set()
    for statement in statements(document):
        if (statement.get("Effect") == "Deny" and is_public_principal(statement.get("Principal"))
                and actions_granted(statement, ("s3:*",)) and _insecure_transport_condition(statement)):
            patterns = as_list(statement.get("Resource"))
            covered.update(label for target, label in targets.items()
                           if matches_any(target, patterns))
    return covered


def _ssl_required(bucket: Bucket) -> tuple[bool, str]:
    document = bucket.policy.get()
    if document is None:
        return False, "no bucket policy, so plain-HTTP requests are not denied"
    covered = _tls_deny_covers(document, bucket.arn)
    if len(covered) == 2:
        return True, "the bucket policy denies s3:* when aws:SecureTransport is false"
    if covered:
        return False, f"the aws:SecureTransport deny covers only {covered.pop()}"
    return False, "the bucket policy has no Deny of s3:* on aws:SecureTransport false"


@check("s3.bucket_ssl_required", resource_type=BUCKET, datasets=[BUCKETS, LOCATION, POLICY], optional=[LOCATION],
       fix="Add a Deny of s3:* for all principals when aws:SecureTransport is false, on the bucket and "
           "its objects.",
       cli="aws s3api put-bucket-policy --bucket <BUCKET> --policy file://deny-insecure-transport.json",
       doc=S3_DOC + "security-best-practices.html")
def bucket_ssl_required(ctx: CheckContext) -> Iterator[Result]:
    yield from per_bucket(ctx, _ssl_required)


# -- versioning, logging, default encryption --

def _versioning(state: Versioning) -> tuple[bool, str]:
    if state.enabled:
        return True, "versioning is Enabled"
    return False, f"versioning is {state.status}" if state.status else "versioning has never been enabled"


def _mfa_delete(state: Versioning) -> tuple[bool, str] | None:
    if not state.status:
        return None  # unversioned: MFA Delete cannot apply; the versioning check reports it
    mfa = state.mfa_delete or "Disabled"
    return mfa == "Enabled", f"MFA Delete is {mfa} (versioning {state.status})"


@check("s3.bucket_versioning_enabled", resource_type=BUCKET, datasets=[BUCKETS, LOCATION, VERSIONING], optional=[LOCATION],
       fix="Enable versioning (and a lifecycle rule that expires old versions).",
       cli="aws s3api put-bucket-versioning --bucket <BUCKET> --versioning-configuration Status=Enabled",
       doc=S3_DOC + "manage-versioning-examples.html")
def bucket_versioning_enabled(ctx: CheckContext) -> Iterator[Result]:
    yield from per_bucket(ctx, lambda b: _versioning(b.versioning.get()))


@check("s3.bucket_mfa_delete", resource_type=BUCKET, datasets=[BUCKETS, LOCATION, VERSIONING], optional=[LOCATION],
       fix="As the root user with its MFA device, enable MFA Delete in the versioning configuration.",
       cli="aws s3api put-bucket-versioning --bucket <BUCKET> --versioning-configuration "
           "Status=Enabled,MFADelete=Enabled --mfa '<MFA_SERIAL_ARN> <CODE>'",
       doc=S3_DOC + "MultiFactorAuthenticationDelete.html")
def bucket_mfa_delete(ctx: CheckContext) -> Iterator[Result]:
    yield from per_bucket(ctx, lambda b: _mfa_delete(b.versioning.get()))


def _logging(target: AccessLogging) -> tuple[bool, str]:
    if not target.configured:
        return False, "server access logging is off"
    return True, f"access logs go to s3://{target.target_bucket or '?'}/{target.target_prefix}"


@check("s3.bucket_server_access_logging", resource_type=BUCKET,
       datasets=[BUCKETS, LOCATION, LOGGING], optional=[LOCATION],
       fix="Enable server access logging to a dedicated log bucket.",
       cli="aws s3api put-bucket-logging --bucket <BUCKET> --bucket-logging-status file://logging.json",
       doc=S3_DOC + "enable-server-access-logging.html")
def bucket_server_access_logging(ctx: CheckContext) -> Iterator[Result]:
    yield from per_bucket(ctx, lambda b: _logging(b.logging.get()))


_KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")


def _kms_default(config: DefaultEncryption) -> tuple[bool, str]:
    algorithms = [algorithm for algorithm, _key in config.rules]
    if not algorithms:
        # Since January 2023 AWS encrypts every bucket with SSE-S3 when nothing else is configured.
        return False, "no default encryption configuration: S3 applies SSE-S3 (AES256), not SSE-KMS"
    kms = [(algorithm, key) for algorithm, key in config.rules if algorithm in _KMS_ALGORITHMS]
    if kms:
        key = kms[0][1] or "the AWS managed key aws/s3"
        return True, f"default encryption is {kms[0][0]} with {key}"
    return False, f"default encryption is SSE-S3 ({', '.join(algorithms)}), not SSE-KMS"


@check("s3.bucket_kms_encryption", resource_type=BUCKET, datasets=[BUCKETS, LOCATION, ENCRYPTION], optional=[LOCATION],
       fix="Set the bucket's default encryption to SSE-KMS with a customer managed key and S3 Bucket Keys.",
       cli="aws s3api put-bucket-encryption --bucket <BUCKET> --server-side-encryption-configuration "
           "'{\"Rules\":[{\"ApplyServerSideEncryptionByDefault\":{\"SSEAlgorithm\":\"aws:kms\","
           "\"KMSMasterKeyID\":\"<KEY_ARN>\"},\"BucketKeyEnabled\":true}]}'",
       doc=S3_DOC + "default-bucket-encryption.html")
def bucket_kms_encryption(ctx: CheckContext) -> Iterator[Result]:
    yield from per_bucket(ctx, lambda b: _kms_default(b.encryption.get()))


def _lifecycle(bucket: Bucket) -> tuple[bool, str]:
    rules = [r for r in bucket.lifecycle.get() if r.enabled]
    if not rules:
        return False, "no enabled lifecycle rule"
    versioned = bucket.versioning.get().enabled
    noncurrent = [r for r in rules if r.manages_noncurrent]
    if versioned and not noncurrent:
        return False, f"{len(rules)} enabled lifecycle rule(s), none expires or moves noncurrent versions"
    return True, f"{len(rules)} enabled lifecycle rule(s)" + (", noncurrent versions managed" if noncurrent else "")


@check("s3.bucket_lifecycle_configured", resource_type=BUCKET,
       datasets=[BUCKETS, LOCATION, LIFECYCLE, VERSIONING], optional=[LOCATION],
       fix="Add lifecycle rules that expire stale objects and, on versioned buckets, noncurrent versions.",
       cli="aws s3api put-bucket-lifecycle-configuration --bucket <BUCKET> --lifecycle-configuration "
           "file://lifecycle.json",
       doc=S3_DOC + "object-lifecycle-mgmt.html")
def bucket_lifecycle_configured(ctx: CheckContext) -> Iterator[Result]:
    yield from per_bucket(ctx, _lifecycle)
