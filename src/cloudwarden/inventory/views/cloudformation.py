"""CloudFormation as typed views: each region's stacks with their protection, notifications and drift."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views import PerRegion

STACKS = "cloudformation.stacks"


@dataclass(frozen=True)
class Stack:
    region: str
    name: str
    id: str  # the stack's ARN (StackId)
    parent_id: str  # a nested stack's parent ("" for a root stack)
    status: str
    termination_protection: bool
    notification_arns: tuple[str, ...]
    drift_status: str  # DriftInformation.StackDriftStatus ("" when not reported)
    drift_checked: str  # DriftInformation.LastCheckTimestamp ("" when never)

    @property
    def live_root(self) -> bool:
        """A root stack that is not deleted (nested stacks inherit protection and notifications)."""
        return not self.parent_id and self.status != "DELETE_COMPLETE"


def _stack(region: str, raw: dict[str, Any]) -> Stack:
    drift = raw.get("DriftInformation") or {}
    checked = drift.get("LastCheckTimestamp")
    return Stack(region, str(raw.get("StackName")), str(raw.get("StackId") or ""), str(raw.get("ParentId") or ""),
                 str(raw.get("StackStatus") or ""), bool(raw.get("EnableTerminationProtection")),
                 tuple(str(arn) for arn in raw.get("NotificationARNs") or []),
                 str(drift.get("StackDriftStatus") or ""), str(checked) if checked else "")


class CloudFormationView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.stacks: PerRegion[Stack] = PerRegion(snapshot, STACKS, _stack)


__all__ = ["CloudFormationView", "Stack"]
