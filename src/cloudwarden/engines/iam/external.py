"""Roles that principals outside the account (or organization) can assume, and where that leads.

An outsider (anonymous, any AWS account, or an account a trust policy names that is not a known
member of the organization) enters a role when the evaluator allows it ``sts:AssumeRole`` under the
role's trust policy, with the context the outsider controls (MFA, the external id it was given).
From the role, the escalation graph says whether it reaches administrator.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import networkx as nx  # type: ignore[import-untyped]

from cloudwarden.engines.iam.account import Account, Principal
from cloudwarden.engines.iam.escalation import ADMIN, Step, certain_graph
from cloudwarden.engines.iam.exposure import PUBLIC, Outsider, allowed, outsider_contexts, outsiders, statements_of
from cloudwarden.engines.iam.model import Decision


@dataclass(frozen=True)
class ExternalEntry:
    """An outsider that can assume a role, and the role's shortest path to ADMIN (empty if none)."""

    outsider: Outsider
    role: str
    decision: Decision
    path: tuple[Step, ...] = ()

    @property
    def reaches_admin(self) -> bool:
        return bool(self.path)


def assumable_by_outsiders(account: Account, role: Principal, when: str = "") -> list[tuple[Outsider, Decision]]:
    """Every outsider the role's trust policy lets in."""
    if role.kind != "role" or role.trust is None:
        return []
    statements = statements_of(role.trust_document) if role.trust_document is not None else []
    found = []
    for outsider in outsiders(role.trust, account.account_id, account.organization):
        if outsider.scope == PUBLIC and not outsider.account:
            continue  # sts:AssumeRole needs a signed request: anonymous callers cannot make it
        contexts = outsider_contexts(outsider, statements, when)
        rcps = account.organization.rcps_for("sts:AssumeRole", account.account_id, account.account_id)
        decision = allowed(role.trust, outsider, "sts:AssumeRole", [role.arn], account.account_id, contexts, rcps)
        if decision is not None:
            found.append((outsider, decision))
    return found


def external_entries(account: Account, graph: nx.DiGraph, when: str = "") -> list[ExternalEntry]:
    """Outsider -> role entries, with the path from the role to administrator where there is one."""
    entries = []
    certain = certain_graph(graph)  # a path through data that was not collected is not "reaches"
    for role in account.principals.values():
        for outsider, decision in assumable_by_outsiders(account, role, when):
            entries.append(ExternalEntry(outsider, role.arn, decision, _path(certain, role.arn)))
    return entries


def _path(graph: nx.DiGraph, start: str) -> tuple[Step, ...]:
    if start not in graph:
        return ()
    try:
        nodes = nx.shortest_path(graph, start, ADMIN)
    except nx.NetworkXNoPath:
        return ()
    return tuple(graph.edges[a, b]["step"] for a, b in itertools.pairwise(nodes))
