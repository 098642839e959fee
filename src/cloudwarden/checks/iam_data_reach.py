"""Sensitive data reachable through privilege escalation: per bucket, customer key and secret, the
principals of the account that cannot read it themselves but reach one who can.

"Read" is the action `engines.iam.reach.default_action` gives the resource (a bucket's objects, a
key's Decrypt, a secret's value); each decision is the evaluator's, with the resource's own policy,
the principal's boundary, the SCPs and RCPs. A chain is a path in the escalation graph (the
pathfinding catalogue's edges) to a principal the evaluator allows; reaching administrator counts
when an administrator of the account may read the resource. Chains resting on data that was not
collected make the verdict UNKNOWN unless a certain chain exists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import networkx as nx  # type: ignore[import-untyped]

from cloudwarden.checks.context import CheckContext, Skipped
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.iam_engine import DETAILS, IAM_DOC, ORG, RCPS, Analysis, analysis, describe_path, scp_gap
from cloudwarden.checks.registry import Result, check
from cloudwarden.engines.iam.account import can
from cloudwarden.engines.iam.escalation import ADMIN, Step, certain_graph, gap_path
from cloudwarden.engines.iam.reach import default_action
from cloudwarden.engines.iam.resources import PolicyResource
from cloudwarden.inventory.snapshot import GLOBAL, DataUnavailable

# The data resources judged, with the datasets that list them and hold their policies.
KINDS = {"s3": ("AWS::S3::Bucket", "s3.buckets", "s3.bucket_policy"),
         "kms": ("AWS::KMS::Key", "kms.keys", "kms.key_policy"),
         "secretsmanager": ("AWS::SecretsManager::Secret", "secretsmanager.secrets",
                            "secretsmanager.resource_policy")}
SHOWN = 3  # principals named in a message; the rest are counted


@dataclass
class Escalator:
    principal: str
    steps: list[Step]
    gaps: list[str]  # empty when the chain is certain


def _starters(found: Analysis) -> list[str]:
    """Principals of the account that are not administrators and have an escalation step."""
    admins = set(found.graph.graph.get("admins", ()))
    return sorted(arn for arn in found.account.principals
                  if arn not in admins and arn in found.graph and found.graph.out_degree(arn))


@dataclass
class Reachable:
    """What each starter reaches, computed once for all the resources judged."""

    certain: nx.DiGraph
    sure: dict[str, set[str]]  # starter -> nodes reached along certain edges
    maybe: dict[str, set[str]]  # starter -> nodes reached only through uncertain edges
    paths: dict[str, dict[str, list[str]]]  # starter -> shortest certain paths (filled when needed)


def _reachable(found: Analysis, starters: list[str]) -> Reachable:
    certain = certain_graph(found.graph)
    sure = {start: nx.descendants(certain, start) for start in starters}
    maybe = {start: nx.descendants(found.graph, start) - sure[start] for start in starters}
    return Reachable(certain, sure, maybe, {})


def _escalators(found: Analysis, reads: Callable[[str], bool], reach: Reachable,
                starters: list[str]) -> list[Escalator]:
    """The starters that do not read the resource but reach a node that does, certain chains first."""
    out = []
    for start in starters:
        if reads(start):
            continue  # reads it directly: not an escalation
        holders = [n for n in reach.sure[start] if reads(n)]
        if holders:
            if start not in reach.paths:
                reach.paths[start] = nx.single_source_shortest_path(reach.certain, start)
            paths = reach.paths[start]
            target = min(holders, key=lambda n: (len(paths[n]), n))
            steps = [reach.certain.edges[a, b]["step"] for a, b in zip(paths[target], paths[target][1:], strict=False)]
            out.append(Escalator(start, steps, []))
            continue
        uncertain = sorted(n for n in reach.maybe[start] if reads(n))
        if uncertain:
            steps = gap_path(found.graph, start, uncertain[0], reach.certain) or []
            out.append(Escalator(start, steps, list(dict.fromkeys(s.gap for s in steps if s.gap))))
    return out


def _reader(found: Analysis, action: str, target: str) -> Callable[[str], bool]:
    """Whether a graph node may do ``action`` on ``target`` (administrator: an administrator may)."""
    account, memo = found.account, {}  # type: ignore[var-annotated]
    admins = sorted(found.graph.graph.get("admins", ()))

    def reads(node: str) -> bool:
        if node not in memo:
            if node == ADMIN:
                memo[node] = any(reads(a) for a in admins)
            else:
                principal = account.principals.get(node)
                memo[node] = principal is not None and can(account, principal, action, target).allowed
        return bool(memo[node])

    return reads


def _name(arn: str) -> str:
    return arn.split(":", 5)[-1]


def _message(escalators: list[Escalator], action: str) -> str:
    shown = "; ".join(describe_path(e.steps) or _name(e.principal) for e in escalators[:SHOWN])
    more = f"; and {len(escalators) - SHOWN} more" if len(escalators) > SHOWN else ""
    return f"{len(escalators)} principal(s) that may not {action} it reach one that may: {shown}{more}"


def _listed(ctx: CheckContext, found: Analysis) -> Iterator[PolicyResource]:
    """The data resources of the snapshot; a region or kind that was not listed becomes UNKNOWN."""
    for service, (_, parents, _) in KINDS.items():
        if service == "s3":
            try:
                ctx.get(parents)
            except DataUnavailable as missing:  # the buckets the snapshot names are still judged
                ctx.skipped.append(Skipped(ctx.account_id, GLOBAL, missing.reason))
        else:
            for _ in ctx.regional(parents):
                pass
    for resource in found.account.resources.values():
        if resource.service in KINDS:
            yield resource


@check("iam.sensitive_data_reachable_by_escalation", resource_type="AWS::S3::Bucket",
       datasets=[DETAILS, *ORG, *(d for _, parents, policies in KINDS.values() for d in (parents, policies))],
       optional=RCPS,
       fix="Remove the permission used at the first step of each chain (or fence it with a condition, a "
           "permissions boundary or an SCP), or narrow the resource's policy to the principals that need it; "
           "then re-run `cloudwarden iam who-can SNAPSHOT ACTION ARN --via-escalation`.",
       cli="cloudwarden iam who-can SNAPSHOT s3:GetObject arn:aws:s3:::BUCKET/* --via-escalation",
       doc=IAM_DOC + "access_policies_boundaries.html")
def sensitive_data_reachable_by_escalation(ctx: CheckContext) -> Iterator[Result]:
    found = analysis(ctx)
    resources = list(_listed(ctx, found))
    starters, unread = _starters(found), scp_gap(found.account)
    reachable = _reachable(found, starters)
    for resource in resources:
        kind = KINDS[resource.service][0]
        action, target = default_action(resource.arn)
        found_escalators = _escalators(found, _reader(found, action, target), reachable, starters)
        sure = [e for e in found_escalators if not e.gaps]
        if sure:
            yield verdict(False, resource.name, _message(sure, action), resource.region, resource.arn, kind)
        elif found_escalators:
            gaps = "; ".join(dict.fromkeys(g for e in found_escalators for g in e.gaps))
            ctx.skipped.append(Skipped(resource.name, resource.region,
                                       f"may be reached through data that was not collected: "
                                       f"{_message(found_escalators, action)} ({gaps})"))
        elif unread:
            ctx.skipped.append(Skipped(resource.name, resource.region,
                                       f"no escalation chain reaches it without SCPs, but {unread}"))
        else:
            yield verdict(True, resource.name, f"no principal reaches {action} on it through escalation",
                          resource.region, resource.arn, kind)
    for missing in (u for u in found.account.unreadable if u.service in KINDS):
        ctx.skipped.append(Skipped(missing.name, missing.region, missing.reason))
