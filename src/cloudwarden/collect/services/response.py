"""Incident-response and recovery reads: EventBridge finding routes, AWS Backup, CloudFormation stacks."""

from __future__ import annotations

from typing import Any

from cloudwarden.collect.spec import Call


def _may_route_findings(rule: Any, _region: str) -> bool:
    """A cheap superset of the rules the check judges: read targets only for these."""
    pattern = str(rule.get("EventPattern") or "")
    return any(word in pattern for word in ("aws.guardduty", "aws.securityhub", "prefix"))


SPECS = [
    # Findings land on the default event bus, the one list_rules reads without EventBusName.
    Call("events.rules", "events", "list_rules", "Rules", paginate=True),
    Call("events.rule_targets", "events", "list_targets_by_rule", "Targets", paginate=True,
         per="events.rules", per_params=lambda r: {"Rule": r["Name"]}, per_key=lambda r: r["Name"],
         per_filter=_may_route_findings),
    Call("backup.plans", "backup", "list_backup_plans", "BackupPlansList", paginate=True),
    Call("backup.vaults", "backup", "list_backup_vaults", "BackupVaultList", paginate=True),
    Call("cloudformation.stacks", "cloudformation", "describe_stacks", "Stacks", paginate=True),
]
