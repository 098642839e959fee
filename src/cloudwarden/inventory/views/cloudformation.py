"""CloudFormation as typed views: each region's stacks with their protection, notifications and drift, and their
parameters and outputs (as collected: the collector has replaced any secret in them by a redaction marker, which
the secret checks read)."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    parameters: list[Any] = field(default_factory=list, compare=False)
    outputs: list[Any] = field(default_factory=list, compare=False)

    @property
    def fields(self) -> dict[str, list[Any]]:
        """Parameters and outputs, the places a secret may be left in a stack."""
        return {"Parameters": self.parameters, "Outputs": self.outputs}

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
                 str(drift.get("StackDriftStatus") or ""), str(checked) if checked else "",
                 list(raw.get("Parameters") or []), list(raw.get("Outputs") or []))


class CloudFormationView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.stacks: PerRegion[Stack] = PerRegion(snapshot, STACKS, _stack)


__all__ = ["CloudFormationView", "Stack"]
