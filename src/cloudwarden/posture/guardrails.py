"""The SCPs and RCPs in force on every account of an organization, read from the management
account's snapshot through the Organizations view: the OU tree, each policy's targets and names.

An account's policies are those attached to the root, to each OU on the way down and to the account
itself, level by level. The management account is listed with none: SCPs and RCPs never bind it.
What could not be read is said per kind ("unknown" with the reason), never shown as "none".
"""

from __future__ import annotations

from typing import Any

from cloudwarden.inventory.snapshot import DataUnavailable, Snapshot
from cloudwarden.inventory.views.organizations import OrganizationsView

# Attached everywhere once the policy type is on; listed apart so that a row shows the policies that limit.
FULL_ACCESS = {"FullAWSAccess", "RCPFullAWSAccess"}


def in_force(snapshot: Snapshot) -> dict[str, Any]:
    """{"accounts": {ID: {"ou_path", "scps": [[names per level]] | None, "rcps": ...}}, "unknown": {kind: why}}"""
    view = OrganizationsView(snapshot)
    try:
        tree = view.tree()
    except DataUnavailable as missing:
        return {"accounts": {}, "unknown": {"tree": missing.reason}}
    try:
        organization = view.organization()
    except DataUnavailable:
        organization = None
    management = organization.management if organization else ""
    paths = {u.id: u.path or u.id for u in tree.units}
    unknown: dict[str, str] = {}
    accounts: dict[str, Any] = {}
    for account_id, parent in sorted(tree.account_parents.items()):
        row: dict[str, Any] = {"ou_path": paths.get(parent, "Root")}
        for key, label, listed in (("scps", "SCP", view.scps), ("rcps", "RCP", view.rcps)):
            if account_id == management:
                row[key] = []  # never bound by its own organization's policies
                continue
            try:
                row[key] = [sorted(p.name for p in level) for level in tree.levels(listed(), account_id)]
            except DataUnavailable as missing:
                row[key] = None
                unknown[key] = f"{label}s not readable: {missing.reason}"
        accounts[account_id] = row
    return {"accounts": accounts, "unknown": unknown, "management_account": management}


def limiting(levels: list[list[str]] | None) -> list[str] | None:
    """The policies of an account's levels beyond the full-access ones, in order, each once."""
    if levels is None:
        return None
    seen: list[str] = []
    for level in levels:
        seen.extend(name for name in level if name not in FULL_ACCESS and name not in seen)
    return seen
