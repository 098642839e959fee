"""Shared reading of CloudTrail data for the checks: trails once each, and what qualifies a trail.

The CloudTrail checks and the CIS metric-filter checks both ask "which trails are multi-region,
logging, and recording management events?"; the answer lives here, once, over the typed trail view
(inventory/views/cloudtrail.py). Also the public-bucket test for the trail's S3 bucket.
"""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.checks._public import (
    ACL_READ,
    ACL_WRITE,
    S3_READ_ACTIONS,
    S3_WRITE_ACTIONS,
    public_acl_grants,
    public_actions,
)
from cloudwarden.checks.context import CheckContext
from cloudwarden.inventory.snapshot import DataUnavailable
from cloudwarden.inventory.views.cloudtrail import SELECTORS, STATUS, TRAILS, Coverage, Trail, TrailStatus, TrailView
from cloudwarden.inventory.views.s3 import Bucket, S3View

ACCOUNT_RESOURCE = "AWS::::Account"
__all__ = ["ACCOUNT_RESOURCE", "SELECTORS", "STATUS", "TRAILS", "Coverage", "Trail", "bucket_exposure",
           "monitored_trails", "multi_region_trails", "qualifying_problems", "status", "trails"]


def trails(ctx: CheckContext) -> Iterator[tuple[str, Trail]]:
    """(home region, trail) once per trail, though multi-region trails appear in every region."""
    seen: dict[str, tuple[str, Trail]] = {}
    for region, trail in ctx.over(ctx.view(TrailView).listed):
        if trail.key not in seen or trail.home == region:
            seen[trail.key] = (trail.home, trail)
    yield from seen.values()


def multi_region_trails(ctx: CheckContext) -> list[tuple[str, Trail]]:
    """Every multi-region trail (home, trail); UNKNOWN only when no region's trail list was read."""
    return [(trail.home, trail) for trail in ctx.view(TrailView).multi_region()]


def status(_ctx: CheckContext, _home: str, trail: Trail) -> TrailStatus:
    return trail.status.get()


def qualifying_problems(ctx: CheckContext, home: str, trail: Trail) -> list[str]:
    """Why a trail is not a multi-region trail logging read and write management events."""
    problems = []
    if not trail.multi_region:
        problems.append("single-region")
    if not status(ctx, home, trail).is_logging:
        problems.append("not logging")
    coverage = trail.management_coverage()
    if not coverage.both:
        problems.append(f"records {coverage.describe('management events')}")
    return problems


def monitored_trails(ctx: CheckContext) -> tuple[list[tuple[str, Trail]], DataUnavailable | None]:
    """Multi-region trails logging read and write management events, and the first data gap met."""
    good, missing = [], None
    for home, trail in multi_region_trails(ctx):
        try:
            if not qualifying_problems(ctx, home, trail):
                good.append((home, trail))
        except DataUnavailable as gap:
            missing = missing or gap
    return good, missing


def bucket_exposure(ctx: CheckContext, bucket: Bucket) -> list[str]:
    """Reasons the bucket is public, after bucket- and account-level Block Public Access.

    The bucket policy is judged by the IAM evaluator (anonymous and foreign callers tried)."""
    block = bucket.public_access_block.get()
    actions = public_actions(bucket.policy.get(), S3_READ_ACTIONS + S3_WRITE_ACTIONS, bucket.arn, ctx.account_id,
                             "s3.bucket_policy")
    policy_public = [f"bucket policy allows {', '.join(actions)} to everyone"] if actions else []
    grants = public_acl_grants(bucket.acl.get(), ACL_READ + ACL_WRITE)
    acl_public = [f"ACL grants {', '.join(grants)}"] if grants else []
    if not policy_public and not acl_public:
        return []
    account = ctx.view(S3View).account_public_access_block()
    if block.on("RestrictPublicBuckets") or account.on("RestrictPublicBuckets"):
        policy_public = []
    if block.on("IgnorePublicAcls") or account.on("IgnorePublicAcls"):
        acl_public = []
    return policy_public + acl_public
