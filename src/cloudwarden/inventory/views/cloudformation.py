"""CloudFormation stacks as typed views: each stack's name, id, parameters and outputs (as collected:
the collector has replaced any secret in them by a redaction marker, which the secret checks read)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views import PerRegion

STACKS = "cloudformation.stacks"


@dataclass(frozen=True)
class Stack:
    region: str
    name: str  # "?" when not reported
    id: str  # the stack's ARN ("" when not reported)
    parameters: list[Any] = field(default_factory=list, compare=False)
    outputs: list[Any] = field(default_factory=list, compare=False)

    @property
    def fields(self) -> dict[str, list[Any]]:
        """Parameters and outputs, the places a secret may be left in a stack."""
        return {"Parameters": self.parameters, "Outputs": self.outputs}


class CloudFormationView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.stacks: PerRegion[Stack] = PerRegion(snapshot, STACKS, lambda region, raw: Stack(
            region, str(raw.get("StackName", "?")), str(raw.get("StackId", "")), list(raw.get("Parameters") or []),
            list(raw.get("Outputs") or [])))


__all__ = ["CloudFormationView", "Stack"]
