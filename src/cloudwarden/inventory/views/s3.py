"""S3 buckets as typed views: each bucket with its settings, each setting a per-bucket part.

The bucket list (``s3.buckets``) is required; every setting (policy, ACL, Block Public Access,
ownership, versioning, logging, default encryption, lifecycle) is read the first time a consumer asks
for it, so a bucket whose setting could not be read raises DataUnavailable for that bucket only.
S3 data lives under the snapshot's "global" region; a bucket's own region comes from ListBuckets'
BucketRegion, else GetBucketLocation's answer ("global" when neither was read).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from cloudwarden.inventory.snapshot import GLOBAL, DataUnavailable, Snapshot
from cloudwarden.inventory.views import Deferred, Global, Part, PerRegion, deferred_item

BUCKETS = "s3.buckets"
LOCATION = "s3.bucket_location"
POLICY = "s3.bucket_policy"
ACL = "s3.bucket_acl"
BUCKET_BPA = "s3.bucket_public_access_block"
ACCOUNT_BPA = "s3.account_public_access_block"
OWNERSHIP = "s3.bucket_ownership_controls"
VERSIONING = "s3.bucket_versioning"
LOGGING = "s3.bucket_logging"
ENCRYPTION = "s3.bucket_encryption"
LIFECYCLE = "s3.bucket_lifecycle"
REPLICATION = "s3.bucket_replication"
NOTIFICATIONS = "s3.bucket_notifications"
OBJECT_LOCK = "s3.bucket_object_lock"
ACCESS_POINTS, ACCESS_POINT = "s3control.access_points", "s3control.access_point"
MRAPS = "s3control.multi_region_access_points"
MACIE, MACIE_DISCOVERY = "macie2.session", "macie2.automated_discovery"
BPA_SETTINGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


@dataclass(frozen=True)
class PublicAccessBlock:
    """A Block Public Access configuration (bucket or account); ``configured`` False when none is set."""

    configured: bool
    settings: dict[str, bool] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, raw: dict[str, Any] | None) -> PublicAccessBlock:
        if raw is None:
            return cls(False, {})
        return cls(True, {name: bool(raw.get(name)) for name in BPA_SETTINGS})

    def on(self, setting: str) -> bool:
        return self.settings.get(setting, False)

    @property
    def off(self) -> list[str]:
        return [name for name in BPA_SETTINGS if not self.settings.get(name)]


@dataclass(frozen=True)
class Versioning:
    status: str  # "" = never enabled
    mfa_delete: str  # "" = not set

    @classmethod
    def of(cls, raw: dict[str, Any] | None) -> Versioning:
        raw = raw or {}
        return cls(str(raw.get("Status") or ""), str(raw.get("MFADelete") or ""))

    @property
    def enabled(self) -> bool:
        return self.status == "Enabled"


@dataclass(frozen=True)
class AccessLogging:
    target_bucket: str  # "" = logging off
    target_prefix: str
    configured: bool  # a logging configuration exists (even with an empty target)

    @classmethod
    def of(cls, raw: dict[str, Any] | None) -> AccessLogging:
        if not raw:
            return cls("", "", False)
        return cls(str(raw.get("TargetBucket") or ""), str(raw.get("TargetPrefix", "")), True)


@dataclass(frozen=True)
class DefaultEncryption:
    """(algorithm, KMS key id) of each default-encryption rule that sets an algorithm."""

    rules: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, raw: dict[str, Any] | None) -> DefaultEncryption:
        defaults = [r.get("ApplyServerSideEncryptionByDefault") or {} for r in (raw or {}).get("Rules") or []]
        return cls(tuple((str(d["SSEAlgorithm"]), str(d.get("KMSMasterKeyID") or ""))
                         for d in defaults if d.get("SSEAlgorithm")))


@dataclass(frozen=True)
class LifecycleRule:
    enabled: bool
    manages_noncurrent: bool  # expires or transitions noncurrent versions


def _lifecycle(raw: Any) -> tuple[LifecycleRule, ...]:
    return tuple(LifecycleRule(r.get("Status") == "Enabled",
                               bool(r.get("NoncurrentVersionExpiration") or r.get("NoncurrentVersionTransitions")))
                 for r in raw or [])


@dataclass(frozen=True)
class ReplicationRule:
    enabled: bool
    destination_bucket: str  # the destination bucket's name (from its ARN)
    destination_account: str  # "" = the bucket owner's account


def _replication(raw: dict[str, Any] | None) -> tuple[ReplicationRule, ...]:
    rules = []
    for rule in (raw or {}).get("Rules") or []:
        destination = rule.get("Destination") or {}
        rules.append(ReplicationRule(rule.get("Status") == "Enabled",
                                     str(destination.get("Bucket") or "").rsplit(":", 1)[-1],
                                     str(destination.get("Account") or "")))
    return tuple(rules)


_NOTIFICATION_KINDS = (("TopicConfigurations", "SNS"), ("QueueConfigurations", "SQS"),
                       ("LambdaFunctionConfigurations", "Lambda"))


def _notifications(raw: dict[str, Any] | None) -> tuple[str, ...]:
    raw = raw or {}
    kinds = [label for key, label in _NOTIFICATION_KINDS if raw.get(key)]
    # EventBridge delivery is an empty object when on: its presence, not its content, says so.
    return tuple(kinds + (["EventBridge"] if raw.get("EventBridgeConfiguration") is not None else []))


@dataclass(frozen=True)
class ObjectLock:
    enabled: bool
    default_mode: str  # "" = no default retention
    default_retention: str  # "30 Days" style, "" = none

    @classmethod
    def of(cls, raw: dict[str, Any] | None) -> ObjectLock:
        raw = raw or {}
        retention = ((raw.get("Rule") or {}).get("DefaultRetention")) or {}
        period = next((f"{retention[k]} {k}" for k in ("Days", "Years") if retention.get(k)), "")
        return cls(raw.get("ObjectLockEnabled") == "Enabled", str(retention.get("Mode") or ""), period)


def _ownership(raw: dict[str, Any] | None) -> tuple[str, ...]:
    return tuple(str(r.get("ObjectOwnership")) for r in (raw or {}).get("Rules") or [])


@dataclass(frozen=True)
class Bucket:
    name: str
    arn: str
    listed_region: str  # ListBuckets' BucketRegion ("" when absent)
    _snapshot: Snapshot = field(repr=False, compare=False)

    @cached_property
    def region(self) -> str:
        """The bucket's region for a finding; "global" when the snapshot cannot tell."""
        if self.listed_region:
            return self.listed_region
        try:
            return str(self._snapshot.item(LOCATION, GLOBAL, self.name) or "us-east-1")
        except DataUnavailable:
            return GLOBAL

    def _setting(self, dataset: str, convert: Any = None) -> Deferred[Any]:
        return deferred_item(self._snapshot, dataset, GLOBAL, self.name, convert)

    @cached_property
    def policy(self) -> Deferred[Any]:
        """The bucket policy document (JSON text), None when the bucket has none."""
        return self._setting(POLICY)

    @cached_property
    def acl(self) -> Deferred[Any]:
        """GetBucketAcl's answer (owner and grants), for the ACL evaluation in checks/_public."""
        return self._setting(ACL)

    @cached_property
    def public_access_block(self) -> Deferred[PublicAccessBlock]:
        return self._setting(BUCKET_BPA, PublicAccessBlock.of)

    @cached_property
    def ownership(self) -> Deferred[tuple[str, ...]]:
        return self._setting(OWNERSHIP, _ownership)

    @cached_property
    def versioning(self) -> Deferred[Versioning]:
        return self._setting(VERSIONING, Versioning.of)

    @cached_property
    def logging(self) -> Deferred[AccessLogging]:
        return self._setting(LOGGING, AccessLogging.of)

    @cached_property
    def encryption(self) -> Deferred[DefaultEncryption]:
        return self._setting(ENCRYPTION, DefaultEncryption.of)

    @cached_property
    def lifecycle(self) -> Deferred[tuple[LifecycleRule, ...]]:
        return self._setting(LIFECYCLE, _lifecycle)

    @cached_property
    def replication(self) -> Deferred[tuple[ReplicationRule, ...]]:
        return self._setting(REPLICATION, _replication)

    @cached_property
    def notifications(self) -> Deferred[tuple[str, ...]]:
        """The kinds of event destination configured (SNS, SQS, Lambda, EventBridge); () for none."""
        return self._setting(NOTIFICATIONS, _notifications)

    @cached_property
    def object_lock(self) -> Deferred[ObjectLock]:
        return self._setting(OBJECT_LOCK, ObjectLock.of)


@dataclass(frozen=True)
class AccessPointDetails:
    public_access_block: PublicAccessBlock
    network_origin: str  # "" when GetAccessPoint gave none


@dataclass(frozen=True)
class AccessPoint:
    region: str
    name: str
    arn: str  # "" when the listing gives none
    bucket: str  # "?" when not reported
    network_origin: str  # the listing's ("" when none)
    details: Deferred[AccessPointDetails | None] = field(repr=False, compare=False)  # None: deleted meanwhile


@dataclass(frozen=True)
class MultiRegionAccessPoint:
    name: str
    alias: str
    public_access_block: PublicAccessBlock
    regions: tuple[str, ...]  # the region (else bucket) of each place it fronts


def _mrap(raw: dict[str, Any]) -> MultiRegionAccessPoint:
    name = str(raw.get("Name"))
    return MultiRegionAccessPoint(name, str(raw.get("Alias", name)), PublicAccessBlock.of(raw.get("PublicAccessBlock")),
                                  tuple(str(r.get("Region") or r.get("Bucket")) for r in raw.get("Regions") or []))


@dataclass(frozen=True)
class MacieSession:
    enabled: bool  # a session exists (Macie was enabled at some point)
    status: str  # ENABLED, PAUSED ... ("?" when not reported; "" without a session)


class S3View:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        partition = snapshot.partition
        self._macie: dict[tuple[str, str], Part[Any]] = {}

        def access_point(region: str, raw: dict[str, Any]) -> AccessPoint:
            name = str(raw["Name"])
            return AccessPoint(region, name, str(raw.get("AccessPointArn") or ""), str(raw.get("Bucket", "?")),
                               str(raw.get("NetworkOrigin") or ""),
                               deferred_item(snapshot, ACCESS_POINT, region, name, lambda found: None if found is None
                                             else AccessPointDetails(PublicAccessBlock.of(
                                                 found.get("PublicAccessBlockConfiguration")),
                                                 str(found.get("NetworkOrigin") or ""))))

        self.access_points: PerRegion[AccessPoint] = PerRegion(snapshot, ACCESS_POINTS, access_point)
        self.multi_region_access_points: Global[tuple[MultiRegionAccessPoint, ...]] = Global(
            snapshot, MRAPS, lambda raw: tuple(_mrap(m) for m in raw or []))
        self.buckets: Global[tuple[Bucket, ...]] = Global(snapshot, BUCKETS, lambda raw: tuple(
            Bucket(str(b["Name"]), f"arn:{partition}:s3:::{b['Name']}", str(b.get("BucketRegion") or ""), snapshot)
            for b in raw or []))
        self.account_public_access_block: Global[PublicAccessBlock] = Global(
            snapshot, ACCOUNT_BPA, PublicAccessBlock.of)

    def named(self, name: str, arn: str) -> Bucket:
        """A bucket known by name (from another source than the list, which need not have been read)."""
        return Bucket(name, arn, "", self.snapshot)

    def _regional(self, dataset: str, region: str) -> Any:
        key = (dataset, region)
        if key not in self._macie:
            self._macie[key] = Part.of(lambda: self.snapshot.get(dataset, region))
        return self._macie[key].get()

    def macie_session(self, region: str) -> MacieSession:
        """The region's Macie session; raises DataUnavailable when it was not read."""
        session = self._regional(MACIE, region)
        return MacieSession(True, str(session.get("status") or "?")) if session else MacieSession(False, "")

    def macie_discovery(self, region: str) -> str:
        """The automated sensitive data discovery status ("DISABLED" when not configured); raises
        DataUnavailable when it was not read."""
        return str((self._regional(MACIE_DISCOVERY, region) or {}).get("status") or "DISABLED")

    def bucket(self, name: str) -> Bucket | None:
        """A bucket of this account by name; None when it is not in the list (raises if the list is unread)."""
        return next((b for b in self.buckets() if b.name == name), None)


__all__ = ["AccessLogging", "AccessPoint", "AccessPointDetails", "Bucket", "MacieSession", "MultiRegionAccessPoint", "DefaultEncryption", "LifecycleRule", "ObjectLock", "PublicAccessBlock",
           "ReplicationRule", "S3View", "Versioning"]
