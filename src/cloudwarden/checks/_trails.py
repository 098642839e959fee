"""Shared reading of CloudTrail data: trails once each, their status, what their selectors log.

The CloudTrail checks and the CIS metric-filter checks both ask "which trails are multi-region,
logging, and recording management events?"; the answer lives here, once. Also the public-bucket
test for the trail's S3 bucket. Pure functions of the snapshot.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cloudwarden.checks._public import (
    ACL_READ,
    ACL_WRITE,
    S3_READ_ACTIONS,
    S3_WRITE_ACTIONS,
    public_acl_grants,
    public_actions,
)
from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import as_list
from cloudwarden.inventory.snapshot import DataUnavailable

TRAILS = "cloudtrail.trails"
STATUS = "cloudtrail.trail_status"
SELECTORS = "cloudtrail.event_selectors"
ACCOUNT_RESOURCE = "AWS::::Account"

@dataclass(frozen=True)
class Coverage:
    """Which halves (read, write) of an event category a trail's selectors record."""

    read: bool
    write: bool

    @property
    def both(self) -> bool:
        return self.read and self.write

    def describe(self, what: str) -> str:
        if self.both:
            return f"read and write {what}"
        if self.read or self.write:
            return f"only {'read' if self.read else 'write'} {what}"
        return f"no {what}"


def trails(ctx: CheckContext) -> Iterator[tuple[str, dict[str, Any]]]:
    """(home region, trail) once per trail, though multi-region trails appear in every region."""
    seen: dict[str, tuple[str, dict[str, Any]]] = {}
    for region, trail in ctx.each(TRAILS):
        arn = str(trail.get("TrailARN") or trail.get("Name"))
        home = str(trail.get("HomeRegion") or region)
        if arn not in seen or home == region:
            seen[arn] = (home, trail)
    yield from seen.values()


def multi_region_trails(ctx: CheckContext) -> list[tuple[str, dict[str, Any]]]:
    """Every multi-region trail, for account-wide verdicts. Such a trail shows in every region, so
    one readable region lists them all; only when no region is readable is the answer unknown."""
    seen: dict[str, tuple[str, dict[str, Any]]] = {}
    readable, missing = False, None
    for region, value in ctx.snapshot.regional(TRAILS):
        if isinstance(value, DataUnavailable):
            missing = missing or value
            continue
        readable = True
        for trail in value or []:
            if trail.get("IsMultiRegionTrail"):
                home = str(trail.get("HomeRegion") or region)
                seen.setdefault(str(trail.get("TrailARN")), (home, trail))
    if not readable and missing is not None:
        raise missing
    return list(seen.values())


def status(ctx: CheckContext, home: str, trail: dict[str, Any]) -> dict[str, Any]:
    return ctx.item(STATUS, str(trail["TrailARN"]), home) or {}


def _advanced_fields(selector: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(f.get("Field")): f for f in selector.get("FieldSelectors") or []}


def _read_only_split(fields: dict[str, dict[str, Any]]) -> Coverage:
    values = [str(v).lower() for v in as_list((fields.get("readOnly") or {}).get("Equals"))]
    if not values:
        return Coverage(True, True)
    return Coverage("true" in values, "false" in values)


def _merge(parts: list[Coverage]) -> Coverage:
    return Coverage(any(p.read for p in parts), any(p.write for p in parts))


def _classic(read_write: Any) -> Coverage:
    kind = str(read_write or "All")
    return Coverage(kind in ("All", "ReadOnly"), kind in ("All", "WriteOnly"))


def management_coverage(trail: dict[str, Any], selectors: dict[str, Any] | None) -> Coverage:
    classic = (selectors or {}).get("EventSelectors") or []
    advanced = (selectors or {}).get("AdvancedEventSelectors") or []
    if not classic and not advanced:
        # A trail without custom selectors logs all management events (CloudTrail's default).
        return Coverage(True, True) if not trail.get("HasCustomEventSelectors") else Coverage(False, False)
    parts = [_classic(s.get("ReadWriteType")) for s in classic if s.get("IncludeManagementEvents", True)]
    for selector in advanced:
        fields = _advanced_fields(selector)
        if "Management" in as_list((fields.get("eventCategory") or {}).get("Equals")):
            parts.append(_read_only_split(fields))
    return _merge(parts)


def _all_buckets(values: Any, partition: str) -> bool:
    return any(str(v).rstrip(":/") in (f"arn:{partition}:s3", "arn:aws:s3") for v in as_list(values))


def s3_data_coverage(selectors: dict[str, Any] | None, partition: str = "aws") -> Coverage:
    """What object-level S3 events a trail records for every bucket (narrower selectors don't count)."""
    parts = []
    for selector in (selectors or {}).get("EventSelectors") or []:
        for resource in selector.get("DataResources") or []:
            if resource.get("Type") == "AWS::S3::Object" and _all_buckets(resource.get("Values"), partition):
                parts.append(_classic(selector.get("ReadWriteType")))
    for selector in (selectors or {}).get("AdvancedEventSelectors") or []:
        fields = _advanced_fields(selector)
        if ("Data" not in as_list((fields.get("eventCategory") or {}).get("Equals"))
                or "AWS::S3::Object" not in as_list((fields.get("resources.type") or {}).get("Equals"))):
            continue
        arn_field = fields.get("resources.ARN")
        narrowing = set(fields) - {"eventCategory", "resources.type", "readOnly", "resources.ARN"}
        if narrowing or (arn_field and not _all_buckets(arn_field.get("StartsWith"), partition)):
            continue
        parts.append(_read_only_split(fields))
    return _merge(parts)


def qualifying_problems(ctx: CheckContext, home: str, trail: dict[str, Any]) -> list[str]:
    """Why a trail is not a multi-region trail logging read and write management events."""
    problems = []
    if not trail.get("IsMultiRegionTrail"):
        problems.append("single-region")
    if not status(ctx, home, trail).get("IsLogging"):
        problems.append("not logging")
    coverage = management_coverage(trail, ctx.item(SELECTORS, str(trail["TrailARN"]), home))
    if not coverage.both:
        problems.append(f"records {coverage.describe('management events')}")
    return problems


def monitored_trails(ctx: CheckContext) -> tuple[list[tuple[str, dict[str, Any]]], DataUnavailable | None]:
    """Multi-region trails logging read and write management events, and the first data gap met."""
    good, missing = [], None
    for home, trail in multi_region_trails(ctx):
        try:
            if not qualifying_problems(ctx, home, trail):
                good.append((home, trail))
        except DataUnavailable as gap:
            missing = missing or gap
    return good, missing


def bucket_exposure(ctx: CheckContext, bucket: str) -> list[str]:
    """Reasons the bucket is public, after bucket- and account-level Block Public Access.

    The bucket policy is judged by the IAM evaluator (anonymous and foreign callers tried)."""
    block = ctx.item("s3.bucket_public_access_block", bucket) or {}
    actions = public_actions(ctx.item("s3.bucket_policy", bucket), S3_READ_ACTIONS + S3_WRITE_ACTIONS,
                             f"arn:{ctx.partition}:s3:::{bucket}", ctx.account_id, "s3.bucket_policy")
    policy_public = [f"bucket policy allows {', '.join(actions)} to everyone"] if actions else []
    grants = public_acl_grants(ctx.item("s3.bucket_acl", bucket), ACL_READ + ACL_WRITE)
    acl_public = [f"ACL grants {', '.join(grants)}"] if grants else []
    if not policy_public and not acl_public:
        return []
    account = ctx.get("s3.account_public_access_block") or {}
    if block.get("RestrictPublicBuckets") or account.get("RestrictPublicBuckets"):
        policy_public = []
    if block.get("IgnorePublicAcls") or account.get("IgnorePublicAcls"):
        acl_public = []
    return policy_public + acl_public
