"""GuardDuty as typed views: each region's detectors with their status and protection-plan features
(the detector's ``Features``, never the legacy ``DataSources``); a detector's detail, its administrator
and its open high-severity findings are per-detector parts; the delegated administrators the
management account registered are a regional list."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views import Deferred, PerRegion, deferred_item

DETECTOR_IDS, DETECTORS = "guardduty.detector_ids", "guardduty.detectors"
ADMINISTRATOR, ORG_ADMINS = "guardduty.administrator", "guardduty.org_admin_accounts"
HIGH_FINDINGS = "guardduty.high_findings"


@dataclass(frozen=True)
class Feature:
    name: str
    status: str  # "not configured" when the detector does not report it
    extras: tuple[tuple[str, str], ...]  # AdditionalConfiguration: (name, status)


@dataclass(frozen=True)
class DetectorDetail:
    status: str  # "not enabled" when not reported
    features: tuple[Feature, ...]

    @property
    def enabled(self) -> bool:
        return self.status == "ENABLED"

    def feature(self, name: str) -> Feature:
        """The first feature of that name, or one "not configured"."""
        return next((f for f in self.features if f.name == name), Feature(name, "not configured", ()))

    @classmethod
    def of(cls, raw: dict[str, Any] | None) -> DetectorDetail:
        raw = raw or {}
        return cls(str(raw.get("Status", "not enabled")), tuple(
            Feature(str(f.get("Name")), str(f.get("Status", "not configured")),
                    tuple((str(c.get("Name")), str(c.get("Status"))) for c in f.get("AdditionalConfiguration") or []))
            for f in raw.get("Features") or []))


@dataclass(frozen=True)
class Administrator:
    """The detector's administrator relationship ("" fields when it is not a member)."""

    account_id: str
    relationship: str

    @property
    def manages(self) -> bool:
        return self.relationship == "Enabled"

    @classmethod
    def of(cls, raw: dict[str, Any] | None) -> Administrator:
        raw = raw or {}
        return cls(str(raw.get("AccountId") or ""), str(raw.get("RelationshipStatus") or ""))


@dataclass(frozen=True)
class OrgAdmin:
    account_id: str
    status: str

    @property
    def enabled(self) -> bool:
        return self.status == "ENABLED"


@dataclass(frozen=True)
class Detector:
    region: str
    id: str
    detail: Deferred[DetectorDetail] = field(repr=False, compare=False)
    administrator: Deferred[Administrator] = field(repr=False, compare=False)
    high_findings: Deferred[tuple[str, ...]] = field(repr=False, compare=False)  # open High/Critical finding ids


class GuardDutyView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.detectors: PerRegion[Detector] = PerRegion(snapshot, DETECTOR_IDS, lambda region, ident: Detector(
            region, str(ident), deferred_item(snapshot, DETECTORS, region, str(ident), DetectorDetail.of),
            deferred_item(snapshot, ADMINISTRATOR, region, str(ident), Administrator.of),
            deferred_item(snapshot, HIGH_FINDINGS, region, str(ident),
                          lambda ids: tuple(str(i) for i in ids or []))))
        self.org_admins: PerRegion[OrgAdmin] = PerRegion(snapshot, ORG_ADMINS, lambda _region, raw: OrgAdmin(
            str(raw.get("AdminAccountId")), str(raw.get("AdminStatus"))))


__all__ = ["Administrator", "Detector", "DetectorDetail", "Feature", "GuardDutyView", "OrgAdmin"]
