"""Remediation: the only package besides collection that creates AWS clients, and the only one
that writes. Fixes per check id (plan first, apply on request, undo, verify by rescanning), the
security baseline as CloudFormation, drift from it, and incident-response actions.

Every write goes through :class:`GuardedClients`, which refuses any operation not on the
allowlist of the fix or action being run.
"""

from __future__ import annotations

from cloudwarden.remediate.clients import GuardedClients
from cloudwarden.remediate.engine import (
    FixPlan,
    apply_plan,
    load_fixes,
    plan_fixes,
    read_findings,
    read_undo,
    select_targets,
    undo_changes,
    undo_document,
    verify,
)
from cloudwarden.remediate.model import FIXES, CannotFix, Change, Fix, OperationNotAllowed, Step, Target

__all__ = ["FIXES", "CannotFix", "Change", "Fix", "FixPlan", "GuardedClients", "OperationNotAllowed", "Step",
           "Target", "apply_plan", "load_fixes", "plan_fixes", "read_findings", "read_undo", "select_targets",
           "undo_changes", "undo_document", "verify"]
