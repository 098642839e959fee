"""S3 Glacier vaults as typed views: each vault with its access policy, Vault Lock and notification
configuration, each a per-vault part (read the first time a consumer asks for it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views import Deferred, PerRegion, deferred_item, strings

VAULTS, POLICY, LOCK, NOTIFICATIONS = ("glacier.vaults", "glacier.vault_policy", "glacier.vault_lock",
                                       "glacier.vault_notifications")


@dataclass(frozen=True)
class VaultLock:
    state: str  # "Locked", "InProgress", or "" (no lock policy)
    created: str  # "?" when not reported
    expires: str  # "?" when not reported

    @classmethod
    def of(cls, raw: dict[str, Any] | None) -> VaultLock:
        raw = raw or {}
        return cls(str(raw.get("State") or ""), str(raw.get("CreationDate") or "?"),
                   str(raw.get("ExpirationDate") or "?"))


@dataclass(frozen=True)
class VaultNotifications:
    topic: str  # "" = none
    events: tuple[str, ...]

    @classmethod
    def of(cls, raw: dict[str, Any] | None) -> VaultNotifications:
        raw = raw or {}
        return cls(str(raw.get("SNSTopic") or ""), strings(raw, "Events"))


@dataclass(frozen=True)
class GlacierVault:
    region: str
    name: str
    arn: str  # "" when the listing gives none
    policy: Deferred[Any] = field(repr=False, compare=False)  # the access policy document ("" / None: none)
    lock: Deferred[VaultLock] = field(repr=False, compare=False)
    notifications: Deferred[VaultNotifications] = field(repr=False, compare=False)


class GlacierView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

        def vault(region: str, raw: dict[str, Any]) -> GlacierVault:
            name = str(raw["VaultName"])
            return GlacierVault(region, name, str(raw.get("VaultARN") or ""),
                                deferred_item(snapshot, POLICY, region, name, lambda found: (found or {}).get("Policy")),
                                deferred_item(snapshot, LOCK, region, name, VaultLock.of),
                                deferred_item(snapshot, NOTIFICATIONS, region, name, VaultNotifications.of))

        self.vaults: PerRegion[GlacierVault] = PerRegion(snapshot, VAULTS, vault)


__all__ = ["GlacierVault", "GlacierView", "VaultLock", "VaultNotifications"]
