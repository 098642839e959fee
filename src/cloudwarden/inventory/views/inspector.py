"""Amazon Inspector as a typed view: each region's account statuses, with the scan status per resource type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views import PerRegion

ACCOUNT_STATUS = "inspector2.account_status"
SCAN_TYPES = ("ec2", "ecr", "lambda")


@dataclass(frozen=True)
class AccountStatus:
    account_id: str | None  # None when the answer does not name it (the caller's own)
    scanning: tuple[tuple[str, str], ...]  # (resource type, status) for ec2, ecr, lambda; DISABLED when not reported

    def status(self, kind: str) -> str:
        return dict(self.scanning).get(kind, "DISABLED")


def _status(_region: str, raw: dict[str, Any]) -> AccountStatus:
    resources = raw.get("resourceState") or {}
    account = raw.get("accountId")
    return AccountStatus(None if account is None else str(account), tuple(
        (kind, str((resources.get(kind) or {}).get("status", "DISABLED"))) for kind in SCAN_TYPES))


class InspectorView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.account_status: PerRegion[AccountStatus] = PerRegion(snapshot, ACCOUNT_STATUS, _status)


__all__ = ["AccountStatus", "InspectorView"]
