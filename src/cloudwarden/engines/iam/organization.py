"""The organization around a collected account: its id, member accounts, and the SCP levels that
govern the account, from the ``organizations.*`` datasets when they were readable.

SCPs apply to member accounts only (never to the management account), and only when the SCP policy
type is enabled on the root. Whatever could not be read leaves ``scps`` None with a note saying why,
so that analysis runs as if no SCP applied and says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.engines.iam.policy import CompiledPolicy
from cloudwarden.inventory.snapshot import GLOBAL, DataUnavailable, Snapshot

SCP_TYPE = "SERVICE_CONTROL_POLICY"
Compile = Callable[[Any, str, str], "CompiledPolicy | None"]


@dataclass
class Organization:
    org_id: str = ""
    management_account: str = ""
    members: frozenset[str] = field(default_factory=frozenset)
    scps: tuple[tuple[CompiledPolicy, ...], ...] | None = None
    note: str = ""  # why scps is None, or which levels were read


def load_organization(snapshot: Snapshot, compile_: Compile) -> Organization:
    org = Organization()
    try:
        raw = snapshot.get("organizations.organization", GLOBAL)
    except DataUnavailable as missing:
        org.note = f"SCPs not readable: {missing.reason}"
        return org
    if not raw:
        org.note = "the account is not in an organization: no SCPs apply"
        return org
    org.org_id = raw.get("Id", "")
    org.management_account = raw.get("MasterAccountId", "")
    org.members = frozenset(_member_ids(snapshot))
    if org.management_account == snapshot.account_id:
        org.note = "management account of the organization: SCPs do not apply to it"
        return org
    try:
        org.scps, org.note = _levels(snapshot, compile_)
    except DataUnavailable as missing:
        org.note = f"SCPs not readable: {missing.reason}"
    return org


def _member_ids(snapshot: Snapshot) -> list[str]:
    if not snapshot.has("organizations.accounts", GLOBAL):
        return []
    return [a.get("Id", "") for a in snapshot.get("organizations.accounts", GLOBAL) or []]


def _levels(snapshot: Snapshot, compile_: Compile) -> tuple[Any, str]:
    roots = snapshot.get("organizations.roots", GLOBAL) or []
    enabled = any(
        t.get("Type") == SCP_TYPE and t.get("Status") == "ENABLED"
        for root in roots
        for t in root.get("PolicyTypes") or []
    )
    chain = snapshot.get("organizations.account_chain", GLOBAL)
    if not chain:
        return None, "the account is not in an organization: no SCPs apply"
    levels = []
    for target in chain:
        attached = snapshot.item("organizations.scps_for_target", GLOBAL, target["Id"]) or []
        level = []
        for summary in attached:
            text = snapshot.item("organizations.scp_content", GLOBAL, summary["Id"])
            policy = compile_(text, "scp", f"SCP {summary.get('Name', summary['Id'])} on {target['Id']}")
            if policy is None:
                raise DataUnavailable("organizations.scp_content", GLOBAL, f"SCP {summary['Id']} does not compile")
            level.append(policy)
        levels.append(tuple(level))
    # Attached SCPs are taken to be in force even when the root does not list the policy type as
    # enabled (moto leaves PolicyTypes empty; AWS removes attachments when the type is disabled).
    if not enabled and not any(levels):
        return None, "SCPs are not enabled on the organization's root"
    path = " > ".join(t["Id"] for t in chain)
    return tuple(levels), f"SCPs from {len(levels)} levels ({path})"
