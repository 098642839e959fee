"""Several accounts' snapshots as one IAM estate: the escalation graphs of every account joined by
the cross-account trusts between them, with each account's SCPs and RCPs applied.

An organization scan writes one snapshot per account (``OUT/ACCOUNT/account.snapshot``). A member
account cannot read AWS Organizations, so its own snapshot says its SCPs were not readable; the
management account's snapshot holds the whole tree (``organizations.tree``), each policy's targets
(``organizations.policy_targets`` / ``organizations.rcp_targets``) and their documents, and from
those (through the Organizations view) every member's levels, root → OUs → account, are rebuilt here. A member whose levels cannot be
rebuilt (no management snapshot, a policy that does not compile) keeps the note of why.

A cross-account edge ``P (account A) → R (account B)`` is ``sts:AssumeRole`` allowed by the exact
evaluator with both sides: P's identity policies, boundary and A's SCPs, and R's trust policy with
B's RCPs (STS is a service RCPs govern). The request carries P's ``aws:PrincipalOrgID`` when A is
in the organization. Each account's ``ADMIN`` becomes its own node, ``ADMIN@ACCOUNT``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx  # type: ignore[import-untyped]

from cloudwarden.core.arn import account_of
from cloudwarden.engines.iam.account import (
    Account,
    Principal,
    load_account,
    policy_set,
    request_for,
    resource_policy_for,
    who_can,
)
from cloudwarden.engines.iam.errors import PolicyError
from cloudwarden.engines.iam.escalation import ADMIN, Step, build_graph, certain_graph, compute_links
from cloudwarden.engines.iam.evaluator import evaluate
from cloudwarden.engines.iam.model import Decision, PolicySet
from cloudwarden.engines.iam.policy import CompiledPolicy, compile_policy
from cloudwarden.inventory.snapshot import GLOBAL, DataUnavailable, Snapshot
from cloudwarden.inventory.views.organizations import OrganizationsView, Policy

CROSS_ACCOUNT = "sts-001"  # the pathfinding id of assuming a role, across an account boundary here
Levels = tuple[tuple[CompiledPolicy, ...], ...]


def admin_node(account_id: str) -> str:
    return f"{ADMIN}@{account_id}"


@dataclass
class Member:
    snapshot: Snapshot
    account: Account
    graph: nx.DiGraph | None = None


@dataclass
class Estate:
    members: dict[str, Member] = field(default_factory=dict)  # account id -> member
    graph: nx.DiGraph = field(default_factory=nx.DiGraph)
    org_id: str = ""
    org_accounts: frozenset[str] = frozenset()  # the organization's accounts, where known
    notes: list[str] = field(default_factory=list)

    @property
    def admins(self) -> set[str]:
        return {arn for m in self.members.values() if m.graph is not None for arn in m.graph.graph.get("admins", ())}

    def owner_of(self, resource: str) -> str:
        """The account that owns a resource: from its ARN, or for an S3 ARN (no account field) the
        member whose snapshot lists the bucket; "" when no member does."""
        owner = account_of(resource, "")
        if owner or resource.split(":", 5)[2:3] != ["s3"]:
            return owner
        bucket = resource.split(":::", 1)[-1].split("/", 1)[0]
        for account_id, member in self.members.items():
            if bucket in _bucket_names(member.snapshot):
                return account_id
        return ""


def _bucket_names(snapshot: Snapshot) -> set[str]:
    try:
        return {str(b.get("Name")) for b in snapshot.get("s3.buckets", GLOBAL) or []}
    except DataUnavailable:
        return set()


def snapshot_files(folder: Path) -> list[Path]:
    """The snapshots of an organization scan's output folder (``ACCOUNT/account.snapshot``), or of a
    folder of snapshot files."""
    found = sorted(folder.glob("*/account.snapshot")) or sorted(folder.glob("*.snapshot"))
    return [p for p in found if p.is_file()]


def load_estate(snapshots: Iterable[Snapshot]) -> Estate:
    estate = Estate()
    for snapshot in snapshots:
        if snapshot.account_id in estate.members:
            estate.notes.append(f"account {snapshot.account_id}: two snapshots, the first one is used")
            continue
        estate.members[snapshot.account_id] = Member(snapshot, load_account(snapshot))
    _apply_management_view(estate)
    for member in estate.members.values():
        member.graph = build_graph(member.account, compute_links(member.snapshot, member.account))
    estate.graph = _join(estate)
    return estate


# -- the members' SCP and RCP levels, from the management account's snapshot --

def _management(estate: Estate) -> Member | None:
    for member in estate.members.values():
        try:
            org = member.snapshot.get("organizations.organization", GLOBAL) or {}
        except DataUnavailable:
            continue
        if org.get("MasterAccountId") == member.snapshot.account_id:
            estate.org_id = str(org.get("Id", ""))
            return member
    return None


def _apply_management_view(estate: Estate) -> None:
    management = _management(estate)
    for member in estate.members.values():
        if not estate.org_id and member.account.organization.org_id:
            estate.org_id = member.account.organization.org_id
        if member.account.organization.org_id:
            estate.org_accounts |= member.account.organization.members | {member.account.account_id}
    if management is None:
        estate.notes.append("no management-account snapshot: each member's own SCP/RCP reads are used")
        return
    view = OrganizationsView(management.snapshot)
    try:
        tree = view.tree()
    except DataUnavailable as missing:
        estate.notes.append(f"the organization tree is not readable: {missing.reason}")
        return
    members_ids = set(tree.account_parents)
    estate.org_accounts = frozenset(members_ids)
    for account_id, member in estate.members.items():
        if account_id == management.snapshot.account_id or account_id not in members_ids:
            continue  # SCPs and RCPs never bind the management account
        org = member.account.organization
        org.members = frozenset(members_ids) | org.members
        org.org_id = org.org_id or estate.org_id
        path = " > ".join(tree.chain(account_id))
        for kind, label, listed in (("scp", "SCP", view.scps), ("rcp", "RCP", view.rcps)):
            try:
                levels = _compiled(tree.levels(listed(), account_id), kind, label)
            except DataUnavailable as missing:
                estate.notes.append(f"account {account_id}: {label}s from the management account not readable: "
                                    f"{missing.reason}")
                continue
            note = f"{label}s from {len(levels)} levels ({path}), read in the management account"
            if kind == "scp":
                member.account.scps, org.scps, org.note = levels, levels, note
            else:
                org.rcps, org.rcp_note = levels, note


def _compiled(levels: list[tuple[Policy, ...]], kind: str, label: str) -> Levels:
    compiled = []
    for level in levels:
        policies = []
        for policy in level:
            text = policy.content.get() if policy.content is not None else None
            try:
                policies.append(compile_policy(text, kind, f"{label} {policy.name}"))
            except PolicyError as error:
                raise DataUnavailable(f"organizations.{kind}_content", GLOBAL,
                                      f"{label} {policy.id} does not compile: {error}") from error
        compiled.append(tuple(policies))
    return tuple(compiled)


# -- the joined graph --

def _join(estate: Estate) -> nx.DiGraph:
    joined = nx.DiGraph()
    for account_id, member in estate.members.items():
        assert member.graph is not None
        joined.update(nx.relabel_nodes(member.graph, {ADMIN: admin_node(account_id)}, copy=True))
    joined.graph["admins"] = estate.admins
    for (a_id, a), (_, b) in itertools.permutations(estate.members.items(), 2):
        for role in b.account.principals.values():
            if role.kind != "role" or role.trust is None or not _trust_may_name(role.trust, a_id):
                continue
            for actor in a.account.principals.values():
                decision = cross_account(estate, a.account, actor, "sts:AssumeRole", role.arn, role.trust)
                if decision.allowed:
                    reasons = tuple(r for r in decision.explain if r.effect == "Allow")
                    step = Step(actor.arn, role.arn, CROSS_ACCOUNT, "sts:AssumeRole", role.arn, reasons)
                    joined.add_edge(actor.arn, role.arn, step=step, steps=[step])
    return joined


def _trust_may_name(trust: CompiledPolicy, account_id: str) -> bool:
    """A cheap pre-filter: the trust names the account, one of its ARNs, or every principal."""
    for statement in trust.allows:
        matcher = statement.principal
        if matcher is None:
            continue
        if matcher.wildcard or account_id in matcher.accounts:
            return True
        if any(account_of(arn) == account_id for arn in matcher.exact | matcher.role_arns):
            return True
    return False


def cross_account(estate: Estate, home: Account, actor: Principal, action: str, resource: str,
                  resource_policy: CompiledPolicy | None) -> Decision:
    """The actor's request on another account's resource: its own side (identity, boundary, its
    account's SCPs) and the resource's side (the resource policy, the owner's RCPs)."""
    owner = estate.owner_of(resource) or account_of(resource, home.account_id)
    extra = {"aws:PrincipalOrgID": estate.org_id} if estate.org_id and actor.account in estate.org_accounts else {}
    request = request_for(actor, action, resource, owner, extra)
    owner_member = estate.members.get(owner)
    rcps = (owner_member.account.organization.rcps_for(action, owner, owner) if owner_member else None)
    own = policy_set(home, actor, resource_policy)
    return evaluate(request, PolicySet(own.identity, resource_policy, own.boundary, None, own.scps, rcps))


def escalations(estate: Estate) -> list[tuple[str, str, list[Step]]]:
    """(principal, the account whose administrator it reaches, steps) for every principal that is not
    an administrator and reaches one, in its own account or another, by a shortest path through
    certain edges (not through a step resting on data that was not collected)."""
    graph, admins = certain_graph(estate.graph), estate.admins
    found: list[tuple[str, str, list[Step]]] = []
    targets = [admin_node(a) for a in estate.members if admin_node(a) in graph]
    best: dict[str, tuple[str, list[str]]] = {}
    for target in targets:
        for node, path in nx.single_target_shortest_path(graph, target).items():
            if node in targets or node in admins:
                continue
            if node not in best or len(path) < len(best[node][1]):
                best[node] = (target.split("@", 1)[1], path)
    for node in sorted(best):
        account, path = best[node]
        found.append((node, account, [graph.edges[a, b]["step"] for a, b in itertools.pairwise(path)]))
    return found


def unresolved(estate: Estate, escalating: Iterable[str] = ()) -> dict[str, list[tuple[str, str]]]:
    """Principals (not among ``escalating``) whose path to administrator is unknown: it runs through
    resources of their account that were not collected (path id, why), as each account's graph says."""
    known = set(escalating)
    found: dict[str, list[tuple[str, str]]] = {}
    for member in estate.members.values():
        graph = member.graph
        for principal, why in (graph.graph.get("unresolved", {}) if graph is not None else {}).items():
            if principal not in known:
                found.setdefault(principal, []).extend(why)
    return dict(sorted(found.items()))


def who_can_across(estate: Estate, action: str, resource: str) -> list[tuple[str, Decision]]:
    """Every principal of the estate allowed ``action`` on ``resource`` directly: the owner's own
    principals and outsiders (as ``who_can`` answers them), then each other account's principals,
    decided with both sides."""
    owner_id = estate.owner_of(resource)
    owner = estate.members.get(owner_id)
    allowed: list[tuple[str, Decision]] = []
    policy: CompiledPolicy | None = None
    if owner is not None:
        allowed = [(who, d) for who, d in who_can(owner.account, action, resource)
                   if account_of(who, "") not in estate.members or account_of(who, "") == owner_id]
        policy = resource_policy_for(owner.account, resource)
    for account_id, member in estate.members.items():
        if account_id == owner_id:
            continue
        for actor in member.account.principals.values():
            decision = cross_account(estate, member.account, actor, action, resource, policy)
            if decision.allowed:
                allowed.append((actor.arn, decision))
    return allowed


def reach_across(estate: Estate, action: str, resource: str) -> list[tuple[str, list[Step], str]]:
    """(principal, chain, holder): principals that hold ``action`` on ``resource`` after a chain of
    escalation or cross-account steps (the chain is empty for the holders themselves)."""
    holders = {who for who, _ in who_can_across(estate, action, resource) if who in estate.graph}
    found: list[tuple[str, list[Step], str]] = [(h, [], h) for h in sorted(holders)]
    admins = estate.admins  # derived from every member's graph: once, not per node below
    # reaching an account's administrator counts where one of its administrators holds the action
    sources = holders | {admin_node(account_of(h, "")) for h in holders & admins}
    if not holders:
        return found
    reverse = estate.graph.reverse(copy=False)
    # a chain without a step resting on uncollected data first (such a step has ``gap``)
    lengths = nx.multi_source_dijkstra_path(reverse, sources, weight=lambda _a, _b, d: 1000.0 if d.get("gap") else 1.0)
    for node in sorted(lengths):
        if node in sources or node.startswith(f"{ADMIN}@") or node in admins:
            continue
        path = list(reversed(lengths[node]))
        steps = [estate.graph.edges[a, b]["step"] for a, b in itertools.pairwise(path)]
        found.append((node, steps, path[-1]))
    return found


def describe(estate: Estate) -> dict[str, Any]:
    """Counts for the terminal: accounts, principals, cross-account edges."""
    cross = sum(1 for a, b in estate.graph.edges if account_of(a, "") != account_of(b, "")
                and not b.startswith(f"{ADMIN}@"))
    return {"accounts": sorted(estate.members), "principals": sum(len(m.account.principals) for m in estate.members.values()),
            "cross_account_edges": cross, "organization": estate.org_id, "notes": list(estate.notes)}
