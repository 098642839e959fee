"""S3 beyond the bucket basics: cross-account grants in bucket policies (decided by the IAM
evaluator), replication to another region, event notifications, Object Lock, the Block Public Access
settings of access points and Multi-Region Access Points, and Amazon Macie over S3.

Bucket settings live under the snapshot's "global" region like the other S3 datasets; access points
and Macie are regional; Multi-Region Access Points are account-wide.
"""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import ORG_ACCOUNTS, organization_members, verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.checks.s3 import ALL_ON, BUCKET, S3_DOC, per_bucket
from cloudwarden.engines.iam import PolicyError
from cloudwarden.engines.iam.exposure import (
    allowed,
    outsider_contexts,
    outsiders,
    probe_resources,
    statements_of,
)
from cloudwarden.engines.iam.organization import Organization
from cloudwarden.engines.iam.policy import compile_policy
from cloudwarden.engines.iam.resources import PolicyResource
from cloudwarden.inventory.snapshot import GLOBAL, DataUnavailable
from cloudwarden.inventory.views.s3 import (
    ACCESS_POINT,
    ACCESS_POINTS,
    BUCKETS,
    LOCATION,
    MACIE,
    MACIE_DISCOVERY,
    MRAPS,
    NOTIFICATIONS,
    OBJECT_LOCK,
    POLICY,
    REPLICATION,
    Bucket,
    MacieSession,
    PublicAccessBlock,
    S3View,
)

MACIE_DOC = "https://docs.aws.amazon.com/macie/latest/user/"

# Actions that hand control of the bucket or its data to whoever holds them (FSBP S3.6's list, plus
# deletes): another account holding any of these administers your data.
BROAD_ACTIONS = ("s3:DeleteBucket", "s3:DeleteBucketPolicy", "s3:PutBucketPolicy", "s3:PutBucketAcl",
                 "s3:PutObjectAcl", "s3:PutEncryptionConfiguration", "s3:PutLifecycleConfiguration",
                 "s3:PutReplicationConfiguration", "s3:DeleteObject", "s3:DeleteObjectVersion")


# -- cross-account grants --

def _organization(ctx: CheckContext) -> tuple[Organization, str]:
    """Organization members count as trusted; unread, every other account is treated as foreign."""
    members = organization_members(ctx)
    if members is None:
        return Organization(), " (organization accounts not read: members count as outside)"
    return Organization(members=members), ""


def _cross_account(ctx: CheckContext, bucket: Bucket) -> tuple[bool, str]:
    document = bucket.policy.get()
    if not document:
        return True, "no bucket policy: no other account is granted anything"
    org, note = _organization(ctx)
    try:
        statements = statements_of(document)
        policy = compile_policy({"Version": "2012-10-17", "Statement": statements}, "resource",
                                f"bucket policy of {bucket.name}")
    except PolicyError as error:
        raise DataUnavailable(POLICY, GLOBAL, f"its policy could not be evaluated: {error}", bucket.name) from None
    resource = PolicyResource(bucket.arn, "s3", bucket.name, bucket.region, document)
    grants = []
    for outsider in outsiders(policy, ctx.account_id, org):
        contexts = outsider_contexts(outsider, statements, ctx.snapshot.collected_at)
        hits = [a for a in BROAD_ACTIONS
                if allowed(policy, outsider, a, probe_resources(resource, a, statements), ctx.account_id, contexts)]
        if hits:
            grants.append(f"{outsider.label} may {', '.join(hits)}")
    if not grants:
        return True, "the bucket policy grants no other account administrative or delete actions" + note
    return False, "the bucket policy lets " + "; ".join(grants) + note


@check("s3.bucket_cross_account_restricted", resource_type=BUCKET,
       datasets=[BUCKETS, LOCATION, POLICY, ORG_ACCOUNTS], optional=[LOCATION, ORG_ACCOUNTS],
       fix="Remove s3:* and policy, ACL, encryption and delete actions from statements that name principals "
           "of other accounts; grant them only the reads or writes they need.",
       cli="aws s3api put-bucket-policy --bucket <BUCKET> --policy file://restricted-policy.json",
       doc=S3_DOC + "example-bucket-policies.html")
def bucket_cross_account_restricted(ctx: CheckContext) -> Iterator[Result]:
    yield from per_bucket(ctx, lambda bucket: _cross_account(ctx, bucket))


# -- replication, notifications, Object Lock --

def _replication(ctx: CheckContext, bucket: Bucket) -> tuple[bool, str] | None:
    rules = [r for r in bucket.replication.get() if r.enabled]
    if not rules:
        return False, "no enabled replication rule"
    view = ctx.view(S3View)
    elsewhere, unknown, same = [], [], []
    for rule in rules:
        target = view.bucket(rule.destination_bucket)
        if target is None or (rule.destination_account and rule.destination_account != ctx.account_id):
            unknown.append(rule.destination_bucket)
        elif GLOBAL in (target.region, bucket.region):
            raise DataUnavailable(LOCATION, GLOBAL, f"the region of {bucket.name} or {target.name} was not read",
                                  bucket.name)
        elif target.region != bucket.region:
            elsewhere.append(f"{target.name} ({target.region})")
        else:
            same.append(target.name)
    if elsewhere:
        return True, f"replicates to {', '.join(elsewhere)}"
    if unknown:
        raise DataUnavailable(REPLICATION, GLOBAL, f"replicates to {', '.join(unknown)}, a bucket of another "
                              "account: its region cannot be read from this one", bucket.name)
    return False, f"replicates only within {bucket.region} (to {', '.join(same)})"


@check("s3.bucket_cross_region_replication", resource_type=BUCKET,
       datasets=[BUCKETS, LOCATION, REPLICATION],
       fix="Enable versioning on the bucket and a bucket in another region, then add a replication rule "
           "to it (with a role S3 can assume).",
       cli="aws s3api put-bucket-replication --bucket <BUCKET> --replication-configuration file://replication.json",
       doc=S3_DOC + "replication.html")
def bucket_cross_region_replication(ctx: CheckContext) -> Iterator[Result]:
    yield from per_bucket(ctx, lambda bucket: _replication(ctx, bucket))


def _notified(bucket: Bucket) -> tuple[bool, str]:
    kinds = bucket.notifications.get()
    return (True, f"event notifications go to {', '.join(kinds)}") if kinds else \
        (False, "no event notification (SNS, SQS, Lambda or EventBridge) is configured")


@check("s3.bucket_event_notifications", resource_type=BUCKET,
       datasets=[BUCKETS, LOCATION, NOTIFICATIONS], optional=[LOCATION],
       fix="Send the bucket's object-created and object-removed events to EventBridge (or an SNS topic or "
           "SQS queue) and alert on unexpected writes and deletes.",
       cli="aws s3api put-bucket-notification-configuration --bucket <BUCKET> "
           "--notification-configuration '{\"EventBridgeConfiguration\":{}}'",
       doc=S3_DOC + "EventNotifications.html")
def bucket_event_notifications(ctx: CheckContext) -> Iterator[Result]:
    yield from per_bucket(ctx, _notified)


def _locked(bucket: Bucket) -> tuple[bool, str]:
    lock = bucket.object_lock.get()
    if not lock.enabled:
        return False, "Object Lock is not enabled"
    retention = f"default retention {lock.default_mode} {lock.default_retention}" if lock.default_mode else \
        "no default retention (objects are locked only when a request sets it)"
    return True, f"Object Lock is enabled, {retention}"


@check("s3.bucket_object_lock", resource_type=BUCKET,
       datasets=[BUCKETS, LOCATION, OBJECT_LOCK], optional=[LOCATION],
       fix="Enable Object Lock on buckets that hold records or backups (it can be enabled on an existing "
           "versioned bucket) and set a default retention in GOVERNANCE or COMPLIANCE mode.",
       cli="aws s3api put-object-lock-configuration --bucket <BUCKET> --object-lock-configuration "
           "'{\"ObjectLockEnabled\":\"Enabled\",\"Rule\":{\"DefaultRetention\":{\"Mode\":\"GOVERNANCE\",\"Days\":30}}}'",
       doc=S3_DOC + "object-lock.html")
def bucket_object_lock(ctx: CheckContext) -> Iterator[Result]:
    yield from per_bucket(ctx, _locked)


# -- access points --

def _bpa(config: PublicAccessBlock) -> str:
    off = config.off
    return f"Block Public Access has {', '.join(off)} off" if off else "Block Public Access has all four settings on"


@check("s3.access_point_public_access_block", resource_type="AWS::S3::AccessPoint",
       datasets=[ACCESS_POINTS, ACCESS_POINT],
       fix="Access point Block Public Access settings cannot be changed: create a replacement access point "
           "with all four settings on, move clients to it and delete the old one.",
       cli=f"aws s3control create-access-point --account-id <ACCOUNT_ID> --name <NAME> --bucket <BUCKET> "
           f"--public-access-block-configuration {ALL_ON}",
       doc=S3_DOC + "access-points-bpa-settings.html")
def access_point_public_access_block(ctx: CheckContext) -> Iterator[Result]:
    for region, point in ctx.over(ctx.view(S3View).access_points):
        with ctx.resource(point.name, region):
            detail = point.details.get()
            if detail is None:
                continue  # deleted between the list and the read
            origin = detail.network_origin or point.network_origin or "?"
            yield verdict(not detail.public_access_block.off, point.name, _bpa(detail.public_access_block)
                          + f" (network origin {origin}, bucket {point.bucket})", region,
                          point.arn or ctx.arn("s3", f"accesspoint/{point.name}", region))


@check("s3.mrap_public_access_block", resource_type="AWS::S3::MultiRegionAccessPoint", datasets=[MRAPS],
       fix="Multi-Region Access Point Block Public Access settings cannot be changed: create a replacement "
           "with all four settings on and delete the open one.",
       cli="aws s3control create-multi-region-access-point --account-id <ACCOUNT_ID> --region us-west-2 "
           "--details file://mrap.json",
       doc=S3_DOC + "multi-region-access-point-block-public-access.html")
def mrap_public_access_block(ctx: CheckContext) -> Iterator[Result]:
    for mrap in ctx.view(S3View).multi_region_access_points():
        regions = ", ".join(mrap.regions)
        yield verdict(not mrap.public_access_block.off, mrap.name, _bpa(mrap.public_access_block)
                      + f" (fronts {regions or '?'})", arn=ctx.arn("s3", f"accesspoint/{mrap.alias}"),
                      resource_type="AWS::S3::MultiRegionAccessPoint")


# -- Macie --

def _macie_on(session: MacieSession) -> tuple[bool, str]:
    if not session.enabled:
        return False, "Amazon Macie is not enabled"
    return session.status == "ENABLED", f"Amazon Macie is {session.status}"


def _macie_regions(ctx: CheckContext) -> Iterator[tuple[str, MacieSession]]:
    """(region, Macie session) for every scanned region read; the others become UNKNOWN."""
    for region in ctx.regions:
        with ctx.resource(region, region):
            yield region, ctx.view(S3View).macie_session(region)


@check("s3.macie_enabled", resource_type="AWS::Macie::Session", datasets=[MACIE],
       fix="Enable Amazon Macie in every region that holds S3 data (through the delegated administrator "
           "in an organization).",
       cli="aws macie2 enable-macie --region <REGION>", doc=MACIE_DOC + "getting-started.html")
def macie_enabled(ctx: CheckContext) -> Iterator[Result]:
    for region, session in _macie_regions(ctx):
        ok, message = _macie_on(session)
        yield verdict(ok, f"macie/{region}", message, region, ctx.arn("macie2", "session", region))


@check("s3.macie_automated_discovery", resource_type="AWS::Macie::Session", datasets=[MACIE, MACIE_DISCOVERY],
       fix="Turn on automated sensitive data discovery in Macie (for the organization from the delegated "
           "administrator).",
       cli="aws macie2 update-automated-discovery-configuration --status ENABLED --region <REGION>",
       doc=MACIE_DOC + "discovery-asdd-account-enable.html")
def macie_automated_discovery(ctx: CheckContext) -> Iterator[Result]:
    for region, session in _macie_regions(ctx):
        resource, arn = f"macie/{region}", ctx.arn("macie2", "session", region)
        on, message = _macie_on(session)
        if not on:
            yield verdict(False, resource, message + ": no automated discovery", region, arn)
            continue
        with ctx.resource(resource, region):
            status = ctx.view(S3View).macie_discovery(region)
            yield verdict(status == "ENABLED", resource, f"automated sensitive data discovery is {status}",
                          region, arn)

