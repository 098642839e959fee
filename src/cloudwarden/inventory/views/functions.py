"""AWS Lambda as a typed view: the functions of each region with the role they run with (the
escalation engine reads the same listing for its function -> role links)."""

from __future__ import annotations

from dataclasses import dataclass

from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views import PerRegion

FUNCTIONS = "lambda.functions"


@dataclass(frozen=True)
class Function:
    region: str
    name: str
    arn: str
    role: str  # the execution role's ARN


class LambdaView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.functions: PerRegion[Function] = PerRegion(snapshot, FUNCTIONS, lambda region, raw: Function(
            region, str(raw.get("FunctionName", "")), str(raw.get("FunctionArn", "")), str(raw.get("Role", ""))))


__all__ = ["Function", "LambdaView"]
