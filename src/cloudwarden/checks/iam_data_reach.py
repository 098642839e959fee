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
from dataclasses import dataclass, field

import networkx as nx  # type: ignore[import-untyped]

from cloudwarden.checks.context import CheckContext, Skipped
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.iam_engine import DETAILS, IAM_DOC, ORG, RCPS, Analysis, analysis, describe_path, scp_gap
from cloudwarden.checks.registry import Result, check
from cloudwarden.engines.iam.account import can, resource_policy_for
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
    """What each starter reaches, computed once for all the resources judged; the escalators of a
    set of readers are computed once for every resource with that same set."""

    certain: nx.DiGraph
    starters: list[str]  # the account's non-administrators that have an escalation step
    sure: dict[str, set[str]]  # starter -> nodes reached along certain edges
    maybe: dict[str, set[str]]  # starter -> nodes reached only through uncertain edges
    universe: set[str]  # every node whose reading matters: the starters and all they reach
    paths: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # shortest certain paths
    by_readers: dict[frozenset[str], list[Escalator]] = field(default_factory=dict)


def _reachable(found: Analysis) -> Reachable:
    certain, starters = certain_graph(found.graph), _starters(found)
    sure = {start: nx.descendants(certain, start) for start in starters}
    maybe = {start: nx.descendants(found.graph, start) - sure[start] for start in starters}
    universe = set(starters).union(*sure.values(), *maybe.values())
    return Reachable(certain, starters, sure, maybe, universe)


def _escalators(found: Analysis, readers: frozenset[str], reach: Reachable) -> list[Escalator]:
    """The starters that do not read the resource but reach a node that does, certain chains first."""
    if readers in reach.by_readers:
        return reach.by_readers[readers]
    out = []
    for start in reach.starters:
        if start in readers:
            continue  # reads it directly: not an escalation
        holders = reach.sure[start] & readers
        if holders:
            if start not in reach.paths:
                reach.paths[start] = nx.single_source_shortest_path(reach.certain, start)
            paths = reach.paths[start]
            target = min(holders, key=lambda n: (len(paths[n]), n))
            steps = [reach.certain.edges[a, b]["step"] for a, b in zip(paths[target], paths[target][1:], strict=False)]
            out.append(Escalator(start, steps, []))
            continue
        uncertain = sorted(reach.maybe[start] & readers)
        if uncertain:
            steps = gap_path(found.graph, start, uncertain[0], reach.certain) or []
            out.append(Escalator(start, steps, list(dict.fromkeys(s.gap for s in steps if s.gap))))
    reach.by_readers[readers] = out
    return out


def _readers(found: Analysis, action: str, target: str, universe: set[str],
             capable: Callable[[str, str], bool]) -> frozenset[str]:
    """The nodes of ``universe`` allowed ``action`` on ``target`` (administrator: if an
    administrator is).

    Without a resource policy, a principal none of whose identity statements names the action
    cannot be allowed, so it is not evaluated (the evaluator decides all the others)."""
    account = found.account
    bare = resource_policy_for(account, target) is None

    def reads(node: str) -> bool:
        principal = account.principals.get(node)
        return (principal is not None and (not bare or capable(node, action))
                and can(account, principal, action, target).allowed)

    readers = {node for node in universe if node != ADMIN and reads(node)}
    if ADMIN in universe and any(reads(a) for a in sorted(found.graph.graph.get("admins", ()))):
        readers.add(ADMIN)
    return frozenset(readers)


def _capable(found: Analysis) -> Callable[[str, str], bool]:
    """Whether some Allow of a principal's identity policies names the action (resources aside)."""
    memo: dict[tuple[str, str], bool] = {}

    def capable(arn: str, action: str) -> bool:
        key = (arn, action)
        if key not in memo:
            principal, lowered = found.account.principals[arn], action.lower()
            memo[key] = any(statement.matches_action(lowered)
                            for policy in principal.policies for statement in policy.allows)
        return memo[key]

    return capable


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
    unread, reachable, capable = scp_gap(found.account), _reachable(found), _capable(found)
    for resource in resources:
        kind = KINDS[resource.service][0]
        action, target = default_action(resource.arn)
        readers = _readers(found, action, target, reachable.universe, capable)
        found_escalators = _escalators(found, readers, reachable)
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
