"""Security Hub as typed views, one value per region: the hub (None when the account is not subscribed
there, an answer, not a gap), its enabled standards, its administrator and, for a delegated
administrator, the organization configuration (None when this account is not one)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views import PerRegion, PerRegionValue

HUB, STANDARDS = "securityhub.hub", "securityhub.enabled_standards"
ADMIN, ORG_CONFIG = "securityhub.administrator", "securityhub.organization_configuration"


@dataclass(frozen=True)
class Hub:
    region: str
    subscribed_at: str  # "an unknown date" when not reported

    @classmethod
    def of(cls, region: str, raw: dict[str, Any] | None) -> Hub | None:
        return cls(region, str(raw.get("SubscribedAt", "an unknown date"))) if raw else None


@dataclass(frozen=True)
class Standard:
    arn: str
    status: str

    @property
    def active(self) -> bool:
        return self.status not in ("DELETING", "FAILED")


@dataclass(frozen=True)
class Administrator:
    """The administrator account this account is a member of ("" when none is reported)."""

    account_id: str
    member_status: str

    @property
    def manages(self) -> bool:
        return bool(self.account_id) and self.member_status in ("Enabled", "Associated")

    @classmethod
    def of(cls, _region: str, raw: dict[str, Any] | None) -> Administrator:
        raw = raw or {}
        return cls(str(raw.get("AccountId") or ""), str(raw.get("MemberStatus") or ""))


@dataclass(frozen=True)
class OrganizationConfiguration:
    central: bool  # OrganizationConfiguration.ConfigurationType is CENTRAL
    auto_enable: bool

    @classmethod
    def of(cls, _region: str, raw: dict[str, Any] | None) -> OrganizationConfiguration | None:
        if raw is None:
            return None
        return cls((raw.get("OrganizationConfiguration") or {}).get("ConfigurationType") == "CENTRAL",
                   bool(raw.get("AutoEnable")))


class SecurityHubView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.hub: PerRegionValue[Hub | None] = PerRegionValue(snapshot, HUB, Hub.of)
        self.standards: PerRegion[Standard] = PerRegion(
            snapshot, STANDARDS, lambda _region, raw: Standard(str(raw.get("StandardsArn")),
                                                               str(raw.get("StandardsStatus"))))
        self.administrator: PerRegionValue[Administrator] = PerRegionValue(snapshot, ADMIN, Administrator.of)
        self.organization_configuration: PerRegionValue[OrganizationConfiguration | None] = PerRegionValue(
            snapshot, ORG_CONFIG, OrganizationConfiguration.of)


__all__ = ["Administrator", "Hub", "OrganizationConfiguration", "SecurityHubView", "Standard"]
