"""The SCPs and RCPs in force on every account of an organization, read from the management
account's snapshot: the OU tree (``organizations.tree``), each policy's targets
(``organizations.policy_targets``, ``organizations.rcp_targets``) and the policies' names.

An account's policies are those attached to the root, to each OU on the way down and to the account
itself, level by level. The management account is listed with none: SCPs and RCPs never bind it.
What could not be read is said per kind ("unknown" with the reason), never shown as "none".
"""

from __future__ import annotations

from typing import Any

from cloudwarden.inventory.snapshot import GLOBAL, DataUnavailable, Snapshot

KINDS = (("scps", "SCP", "organizations.scps", "organizations.policy_targets"),
         ("rcps", "RCP", "organizations.rcps", "organizations.rcp_targets"))
# Attached everywhere once the policy type is on; listed apart so that a row shows the policies that limit.
FULL_ACCESS = {"FullAWSAccess", "RCPFullAWSAccess"}


def in_force(snapshot: Snapshot) -> dict[str, Any]:
    """{"accounts": {ID: {"ou_path", "scps": [[names per level]] | None, "rcps": ...}}, "unknown": {kind: why}}"""
    try:
        tree = snapshot.get("organizations.tree", GLOBAL) or {}
    except DataUnavailable as missing:
        return {"accounts": {}, "unknown": {"tree": missing.reason}}
    parents = {u["Id"]: u["ParentId"] for u in tree.get("organizational_units", [])}
    paths = {u["Id"]: u.get("Path", u["Id"]) for u in tree.get("organizational_units", [])}
    account_parents: dict[str, str] = tree.get("account_parents", {})
    parents.update(account_parents)
    management = _management(snapshot)
    unknown: dict[str, str] = {}
    attached: dict[str, dict[str, list[str]] | None] = {}
    for key, label, listing, targets in KINDS:
        try:
            attached[key] = _attachments(snapshot, listing, targets)
        except DataUnavailable as missing:
            attached[key] = None
            unknown[key] = f"{label}s not readable: {missing.reason}"
    accounts: dict[str, Any] = {}
    for account_id, parent in sorted(account_parents.items()):
        chain = _chain(account_id, parents)
        row: dict[str, Any] = {"ou_path": paths.get(parent, "Root")}
        for key, *_ in KINDS:
            by_target = attached[key]
            if account_id == management:
                row[key] = []  # never bound by its own organization's policies
            elif by_target is None:
                row[key] = None
            else:
                row[key] = [sorted(by_target.get(target, [])) for target in chain]
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


def _management(snapshot: Snapshot) -> str:
    try:
        organization = snapshot.get("organizations.organization", GLOBAL) or {}
    except DataUnavailable:
        return ""
    return str(organization.get("MasterAccountId", ""))


def _attachments(snapshot: Snapshot, listing: str, targets: str) -> dict[str, list[str]]:
    failed = next((g for g in snapshot.gaps if g.dataset == targets), None)
    if failed is not None:  # one policy's targets unread: which accounts it binds is not known
        raise DataUnavailable(targets, GLOBAL, failed.reason)
    names = {p["Id"]: p.get("Name") or p["Id"] for p in snapshot.get(listing, GLOBAL) or []}
    by_target: dict[str, list[str]] = {}
    for policy_id, policy_targets in (snapshot.get(targets, GLOBAL) or {}).items():
        for target in policy_targets or []:
            by_target.setdefault(str(target.get("TargetId")), []).append(names.get(policy_id, policy_id))
    return by_target


def _chain(account_id: str, parents: dict[str, str]) -> list[str]:
    chain = [account_id]
    while chain[-1] in parents and len(chain) < 10:
        chain.append(parents[chain[-1]])
    return list(reversed(chain))
