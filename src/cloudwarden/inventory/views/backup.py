"""AWS Backup as typed views: vaults (lock, retention, key) with their access policy and recovery points,
plans with their rules and resource assignments (selections), and the protected-resource list.

The vault and plan lists are required per region; a vault's policy and recovery points and a plan's
details and selections are per-resource parts, read the first time a consumer asks for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudwarden.core.arn import account_of
from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views import Deferred, PerRegion, deferred_item, strings

VAULTS, VAULT_POLICY, RECOVERY_POINTS = "backup.vaults", "backup.vault_access_policy", "backup.recovery_points"
PLANS, PLAN_DETAILS, SELECTIONS = "backup.plans", "backup.plan_details", "backup.selections"
PROTECTED = "backup.protected_resources"
AIR_GAPPED = "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"


@dataclass(frozen=True)
class RecoveryPoint:
    arn: str
    resource_arn: str
    status: str
    encrypted: bool | None  # None: the listing carries no IsEncrypted field

    @property
    def label(self) -> str:
        return self.resource_arn or self.arn


def _points(raw: Any) -> tuple[RecoveryPoint, ...]:
    return tuple(RecoveryPoint(str(p.get("RecoveryPointArn") or ""), str(p.get("ResourceArn") or ""),
                               str(p.get("Status") or ""), bool(p["IsEncrypted"]) if "IsEncrypted" in p else None)
                 for p in raw or [])


@dataclass(frozen=True)
class Vault:
    region: str
    name: str
    arn: str  # "" when the listing gives none
    locked: bool
    air_gapped: bool  # a logically air-gapped vault: locked in compliance mode by construction
    lock_date: str  # "" = no lock date (a governance-mode lock)
    min_retention_days: int | None
    max_retention_days: int | None
    encryption_key_arn: str
    policy: Deferred[Any] = field(repr=False, compare=False)  # the access policy document (None: none)
    recovery_points: Deferred[tuple[RecoveryPoint, ...]] = field(repr=False, compare=False)


@dataclass(frozen=True)
class PlanRule:
    name: str
    target_vault: str
    copy_destinations: tuple[str, ...]  # destination vault ARNs

    def foreign_copies(self, account: str) -> list[str]:
        """The accounts other than `account` this rule copies recovery points to."""
        others = [account_of(d, "") for d in self.copy_destinations]
        return [a for a in others if a and a != account]


@dataclass(frozen=True)
class PlanDetails:
    name: str  # "" when GetBackupPlan gave none
    rules: tuple[PlanRule, ...]


def _details(raw: Any) -> PlanDetails:
    raw = raw or {}
    return PlanDetails(str(raw.get("BackupPlanName") or ""), tuple(
        PlanRule(str(r.get("RuleName")), str(r.get("TargetBackupVaultName")),
                 tuple(str(c.get("DestinationBackupVaultArn") or "") for c in r.get("CopyActions") or []))
        for r in raw.get("Rules") or []))


@dataclass(frozen=True)
class TagTest:
    operator: str  # StringEquals, StringNotEquals, StringLike, StringNotLike
    key: str
    value: str


@dataclass(frozen=True)
class Selection:
    """A plan's resource assignment, as AWS Backup evaluates it."""

    label: str  # SelectionName, else SelectionId
    resources: tuple[str, ...]
    not_resources: tuple[str, ...]
    list_of_tags: tuple[TagTest, ...]  # OR
    conditions: tuple[TagTest, ...]  # AND

    @classmethod
    def of(cls, raw: dict[str, Any]) -> Selection:
        """A ListBackupSelections entry (with the selection's resources, tags and conditions)."""
        listed = tuple(TagTest(str(t.get("ConditionType", "StringEquals")), str(t.get("ConditionKey")),
                               str(t.get("ConditionValue"))) for t in raw.get("ListOfTags") or [])
        conditions = tuple(TagTest(operator, str(c.get("ConditionKey")), str(c.get("ConditionValue")))
                           for operator, entries in (raw.get("Conditions") or {}).items() for c in entries or [])
        return cls(str(raw.get("SelectionName") or raw.get("SelectionId")),
                   strings(raw, "Resources"),
                   strings(raw, "NotResources"), listed, conditions)


def _selections(raw: Any) -> tuple[Selection, ...]:
    return tuple(Selection.of(s) for s in raw or [])


@dataclass(frozen=True)
class Plan:
    region: str
    id: str
    name: str  # BackupPlanName, else the id
    details: Deferred[PlanDetails] = field(repr=False, compare=False)
    selections: Deferred[tuple[Selection, ...]] = field(repr=False, compare=False)


@dataclass(frozen=True)
class ProtectedResource:
    arn: str
    last_backup: str  # "?" when not reported


def _retention(raw: dict[str, Any], key: str) -> int | None:
    value = raw.get(key)
    return None if value is None else int(value)


class BackupView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

        def vault(region: str, raw: dict[str, Any]) -> Vault:
            name = str(raw["BackupVaultName"])
            return Vault(region, name, str(raw.get("BackupVaultArn", "")), bool(raw.get("Locked")),
                         raw.get("VaultType") == AIR_GAPPED, str(raw.get("LockDate") or ""),
                         _retention(raw, "MinRetentionDays"), _retention(raw, "MaxRetentionDays"),
                         str(raw.get("EncryptionKeyArn") or ""),
                         deferred_item(snapshot, VAULT_POLICY, region, name),
                         deferred_item(snapshot, RECOVERY_POINTS, region, name, _points))

        def plan(region: str, raw: dict[str, Any]) -> Plan:
            ident = str(raw.get("BackupPlanId"))
            return Plan(region, ident, str(raw.get("BackupPlanName") or ident),
                        deferred_item(snapshot, PLAN_DETAILS, region, ident, _details),
                        deferred_item(snapshot, SELECTIONS, region, ident, _selections))

        self.vaults: PerRegion[Vault] = PerRegion(snapshot, VAULTS, vault)
        self.plans: PerRegion[Plan] = PerRegion(snapshot, PLANS, plan)
        self.protected: PerRegion[ProtectedResource] = PerRegion(snapshot, PROTECTED, lambda _region, raw: (
            ProtectedResource(str(raw.get("ResourceArn")), str(raw.get("LastBackupTime") or "?"))))


__all__ = ["BackupView", "Plan", "PlanDetails", "PlanRule", "ProtectedResource", "RecoveryPoint", "Selection",
           "TagTest", "Vault"]
