"""KMS keys as typed views: each listed key with its metadata (a per-key part), rotation and policy.

AWS managed keys are told apart here, once: KeyManager says so in AWS; where an emulator marks such a
key CUSTOMER (moto's default EBS key), an ``alias/aws/...`` alias (the alias list is optional: unread,
it only tells less) or AWS's own description of its managed keys gives it away.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cloudwarden.inventory.snapshot import DataUnavailable, Snapshot
from cloudwarden.inventory.views import Deferred, Part, PerRegion, deferred_item, item_part

KEY_IDS = "kms.key_ids"
KEYS = "kms.keys"
ALIASES = "kms.aliases"
ROTATION = "kms.key_rotation"
POLICY = "kms.key_policy"
PENDING_DELETION = ("PendingDeletion", "PendingReplicaDeletion")
# The description AWS gives its managed keys ("... protects my EBS volumes when no other key is defined").
_AWS_MANAGED_DESCRIPTION = re.compile(r"^Default (master )?key that protects my .+ when no other key is defined$")


@dataclass(frozen=True)
class KmsKey:
    region: str
    id: str
    arn: str
    manager: str
    state: str  # "None" when DescribeKey gave no state
    description: str
    spec: str
    usage: str
    origin: str
    deletion_date: str
    aws_aliased: bool  # an alias/aws/... alias points at it
    rotation: Deferred[Any]  # GetKeyRotationStatus' KeyRotationEnabled
    policy: Deferred[Any]  # the default key policy document
    multi_region: bool = False
    multi_region_type: str = ""  # PRIMARY or REPLICA for a multi-Region key
    replica_regions: tuple[str, ...] = ()

    @property
    def customer_managed(self) -> bool:
        return (self.manager == "CUSTOMER" and not self.aws_aliased
                and not _AWS_MANAGED_DESCRIPTION.match(self.description))

    @property
    def rotatable(self) -> bool:
        """Symmetric encryption keys with KMS-generated material, in use: the keys KMS can rotate."""
        return (self.spec == "SYMMETRIC_DEFAULT" and self.usage == "ENCRYPT_DECRYPT"
                and self.origin == "AWS_KMS" and self.state == "Enabled")

    @property
    def pending_deletion(self) -> bool:
        return self.state in PENDING_DELETION


@dataclass(frozen=True)
class KeyRef:
    """A listed key; its metadata is a per-key part (DescribeKey may have failed for it)."""

    region: str
    id: str
    details: Part[KmsKey]


class KmsView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._aws_aliased: dict[str, set[str]] = {}
        self._alias_targets: dict[str, dict[str, str]] = {}

        def build(region: str, raw: dict[str, Any]) -> KeyRef:
            key_id = str(raw["KeyId"])
            aliased = self.aws_aliased(region)
            return KeyRef(region, key_id, item_part(snapshot, KEYS, region, key_id).map(
                lambda meta: self._key(region, key_id, meta, key_id in aliased)))

        self.keys: PerRegion[KeyRef] = PerRegion(snapshot, KEY_IDS, build)

    def _aliases(self, region: str) -> list[dict[str, Any]]:
        try:
            return list(self.snapshot.get(ALIASES, region) or [])
        except DataUnavailable:
            return []

    def aws_aliased(self, region: str) -> set[str]:
        """Key ids behind alias/aws/... aliases; an unreadable alias list only skips less."""
        if region not in self._aws_aliased:
            self._aws_aliased[region] = {str(a["TargetKeyId"]) for a in self._aliases(region)
                                         if str(a.get("AliasName", "")).startswith("alias/aws/")
                                         and a.get("TargetKeyId")}
        return self._aws_aliased[region]

    def managers(self, region: str) -> dict[str, tuple[str, str]]:
        """Key id -> (key ARN, KeyManager: "?" when not reported) of every described key of the region, without
        the key list; raises DataUnavailable when the descriptions were not read."""
        return {str(key_id): (str(meta.get("Arn", "")), str(meta.get("KeyManager", "?")))
                for key_id, meta in (self.snapshot.get(KEYS, region) or {}).items()}

    def alias_targets(self, region: str) -> dict[str, str]:
        """Alias name and alias ARN -> the key id it points at; an unreadable alias list only matches less."""
        if region not in self._alias_targets:
            found: dict[str, str] = {}
            for alias in self._aliases(region):
                if alias.get("TargetKeyId"):
                    found[str(alias.get("AliasName"))] = found[str(alias.get("AliasArn"))] = str(alias["TargetKeyId"])
            self._alias_targets[region] = found
        return self._alias_targets[region]

    def _key(self, region: str, key_id: str, meta: dict[str, Any], aliased: bool) -> KmsKey:
        return KmsKey(
            region, key_id, str(meta.get("Arn", "")), str(meta.get("KeyManager")), str(meta.get("KeyState")),
            str(meta.get("Description") or ""), str(meta.get("KeySpec", "SYMMETRIC_DEFAULT")),
            str(meta.get("KeyUsage", "ENCRYPT_DECRYPT")), str(meta.get("Origin", "AWS_KMS")),
            str(meta.get("DeletionDate") or ""), aliased,
            deferred_item(self.snapshot, ROTATION, region, key_id), deferred_item(self.snapshot, POLICY, region, key_id),
            bool(meta.get("MultiRegion")), str((meta.get("MultiRegionConfiguration") or {}).get("MultiRegionKeyType") or ""),
            tuple(sorted(str(r.get("Region")) for r in (meta.get("MultiRegionConfiguration") or {}).get("ReplicaKeys") or [])))


__all__ = ["KeyRef", "KmsKey", "KmsView"]
