"""PASS, FAIL and UNKNOWN cases for Glacier Vault Lock and vault notifications."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.core.enums import Status
from cloudwarden.inventory.snapshot import Gap
from tests.checks.cases import Case, Regional, assert_case, findings_for
from tests.checks.test_glacier import ONE_REGION, REGION, VAULT

TOPIC = "arn:aws:sns:us-east-1:111122223333:archive-events"


def glacier(dataset: str, value: Any) -> dict[str, Any]:
    return {"glacier.vaults": Regional({REGION: [VAULT]}), dataset: Regional({REGION: {"archive": value}})}


LOCK = "glacier.vault_lock"
NOTES = "glacier.vault_notifications"
CASES = [
    Case("pass-locked", "glacier.vault_lock_in_place",
         glacier(LOCK, {"State": "Locked", "CreationDate": "2026-01-02T00:00:00Z", "Policy": "{}"}),
         message="locked since 2026-01-02"),
    Case("fail-in-progress", "glacier.vault_lock_in_place",
         glacier(LOCK, {"State": "InProgress", "ExpirationDate": "2026-11-29T00:00:00Z"}), message="in progress"),
    Case("fail-no-lock", "glacier.vault_lock_in_place", glacier(LOCK, None), message="no Vault Lock policy"),
    Case("pass-both-events", "glacier.vault_notifications",
         glacier(NOTES, {"SNSTopic": TOPIC, "Events": ["ArchiveRetrievalCompleted", "InventoryRetrievalCompleted"]}),
         message=f"notifies {TOPIC}"),
    Case("fail-inventory-only", "glacier.vault_notifications",
         glacier(NOTES, {"SNSTopic": TOPIC, "Events": ["InventoryRetrievalCompleted"]}),
         message="not of ArchiveRetrievalCompleted"),
    Case("fail-none", "glacier.vault_notifications", glacier(NOTES, None), message="no notification configuration"),
]
for case in CASES:
    case.regions = ONE_REGION


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)


@pytest.mark.parametrize(("check_id", "dataset", "operation"), [
    ("glacier.vault_lock_in_place", LOCK, "GetVaultLock"),
    ("glacier.vault_notifications", NOTES, "GetVaultNotifications"),
])
def test_what_moto_cannot_serve_is_unknown(check_id: str, dataset: str, operation: str) -> None:
    data = {"glacier.vaults": Regional({REGION: [VAULT]}), dataset: Regional({REGION: {}})}
    gap = Gap(dataset, "glacier", operation, REGION, "NotImplemented", "the endpoint does not implement this operation",
              f"glacier:{operation}", "archive")
    findings = findings_for(Case("unknown-x", check_id, data, gaps=[gap], regions=ONE_REGION))
    assert [(f.resource_id, f.status) for f in findings] == [("archive", Status.UNKNOWN)]
    assert "does not implement" in findings[0].message
