"""One facade over the escalation graph for the CLI and the checks.

``analyse(snapshot)`` loads the account and builds the graph once; ``explain`` gives a principal's
shortest chain to administrator, each step with the statements that allowed it; ``reach`` answers
"who can do ACTION on RESOURCE, directly or after a chain of escalation steps". Every decision is
the exact evaluator's (``engines/iam/evaluator.py``): a principal holds the target when ``can``
allows it, and the chain is a shortest path in the escalation graph to such a holder.

Reaching ``ADMIN`` counts as reaching a data resource when an existing administrator of the account
is itself allowed the action on it (an administrator-equivalent identity policy is then as good; a
resource policy that names principals one by one can still keep the escalator out, which this does
not model — see docs/iam.md).

A chain that needs a step resting on data that was not collected (``Step.gap``) is used only when no
chain without one exists; ``Reach.unknown`` then says the answer is not certain, with the gaps.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from cloudwarden.engines.iam.account import Account, can, load_account, who_can
from cloudwarden.engines.iam.escalation import (
    ADMIN,
    SessionContext,
    Step,
    build_graph,
    certain_graph,
    compute_links,
    gap_path,
)
from cloudwarden.engines.iam.model import Decision

__all__ = ["Analysis", "Reach", "analyse", "default_action", "explain", "reach"]


@dataclass
class Analysis:
    account: Account
    graph: nx.DiGraph

    @property
    def admins(self) -> set[str]:
        return set(self.graph.graph.get("admins", set()))


@dataclass
class Reach:
    """One principal that reaches the target, with the chain (empty when allowed directly)."""

    principal: str
    steps: list[Step] = field(default_factory=list)
    holder: str = ""  # the principal whose rights are finally used ("" when direct)
    decision: Decision | None = None

    @property
    def unknown(self) -> list[str]:
        """The gaps the chain rests on: when not empty, the principal may reach the target (not certain)."""
        return list(dict.fromkeys(step.gap for step in self.steps if step.gap))

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"principal": self.principal, "direct": not self.steps,
                                "path": [step.to_dict() for step in self.steps]}
        if self.unknown:
            data["unknown"] = self.unknown
        if self.holder:
            data["holder"] = self.holder
        if self.decision is not None:
            data["allowed_by"] = [r.to_dict() for r in self.decision.explain if r.effect == "Allow"]
        return data


def analyse(snapshot: Any, account: Account | None = None, context: SessionContext | None = None) -> Analysis:
    """Load the account (unless given) and build its escalation graph under the assumed session
    context (default ``SessionContext()``: no MFA, an outside address, a session issued now)."""
    account = account if account is not None else load_account(snapshot)
    return Analysis(account, build_graph(account, compute_links(snapshot, account), context))


def explain(analysis: Analysis, principal: str) -> list[Step] | None:
    """The shortest chain from ``principal`` to administrator; [] if it is one; None if it cannot.

    A chain with no step resting on uncollected data is preferred; failing one, a chain that needs
    such steps (each has ``gap``: the answer is then "maybe")."""
    graph = analysis.graph
    if principal in analysis.admins:
        return []
    if principal not in graph:
        raise KeyError(principal)
    certain = certain_graph(graph)
    try:
        path = nx.shortest_path(certain, principal, ADMIN)
    except nx.NetworkXNoPath:
        return gap_path(graph, principal)
    return [certain.edges[a, b]["step"] for a, b in itertools.pairwise(path)]


_DEFAULT_ACTIONS = {
    "s3": "s3:GetObject",
    "kms": "kms:Decrypt",
    "secretsmanager": "secretsmanager:GetSecretValue",
    "dynamodb": "dynamodb:GetItem",
    "ssm": "ssm:GetParameter",
}


def default_action(resource: str) -> tuple[str, str]:
    """(action, resource) that "reading" a data resource means: a bucket's objects, a key's Decrypt...
    in any partition (``arn:aws:``, ``arn:aws-cn:``, ``arn:aws-us-gov:``)."""
    parts = resource.split(":", 5)
    action = _DEFAULT_ACTIONS.get(parts[2]) if len(parts) == 6 and parts[0] == "arn" else None
    if action is None:
        raise ValueError(f"{resource}: no default action for this resource; give one with --action")
    if action == "s3:GetObject" and "/" not in parts[5]:
        return action, resource + "/*"
    return action, resource


def reach(analysis: Analysis, action: str, resource: str) -> list[Reach]:
    """Everyone allowed ``action`` on ``resource`` directly, then everyone who gets there by escalation."""
    account, graph = analysis.account, analysis.graph
    direct = who_can(account, action, resource)
    found = [Reach(name, decision=decision) for name, decision in direct]
    holders = {name for name, _ in direct if name in graph}
    if any(name in analysis.admins for name in holders):
        holders.add(ADMIN)
    if not holders:
        return found
    paths = nx.multi_source_dijkstra_path(graph.reverse(copy=False), holders, weight=_weight)
    seen = {item.principal for item in found}
    for node in sorted(paths):
        if node in seen or node == ADMIN:
            continue
        chain = list(reversed(paths[node]))
        steps = [graph.edges[a, b]["step"] for a, b in itertools.pairwise(chain)]
        end = chain[-1]
        if end == ADMIN:
            end = next(a for a in sorted(analysis.admins) if a in holders)
        principal = account.principals.get(end)
        decision = can(account, principal, action, resource) if principal is not None else None
        found.append(Reach(node, steps, end, decision))
    return found


def _weight(_a: str, _b: str, data: dict[str, Any]) -> float:
    """An uncertain edge (every step rests on uncollected data) costs more: such chains come last."""
    return 1000.0 if data.get("gap") else 1.0
