"""CloudWatch Logs as typed views: log groups (retention, KMS key) and resource policies (documents)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views import PerRegion

GROUPS = "logs.log_groups"
POLICIES = "logs.resource_policies"


@dataclass(frozen=True)
class LogGroup:
    region: str
    name: str
    arn: str
    retention_days: int | None  # None: never expires
    kms_key_id: str


def _group(region: str, raw: dict[str, Any]) -> LogGroup:
    days = raw.get("retentionInDays")
    return LogGroup(region, str(raw.get("logGroupName")), str(raw.get("logGroupArn") or raw.get("arn") or ""),
                    None if days is None else int(days), str(raw.get("kmsKeyId") or ""))


@dataclass(frozen=True)
class LogsResourcePolicy:
    region: str
    name: str
    document: Any  # the policy document as collected (the IAM evaluator reads it)


class LogsView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.groups: PerRegion[LogGroup] = PerRegion(snapshot, GROUPS, _group)
        self.resource_policies: PerRegion[LogsResourcePolicy] = PerRegion(
            snapshot, POLICIES,
            lambda region, raw: LogsResourcePolicy(region, str(raw.get("policyName")), raw.get("policyDocument")))


__all__ = ["LogGroup", "LogsResourcePolicy", "LogsView"]
