"""Privilege escalation: a graph whose edges mean "can become, or gain the power of".

Nodes are the account's users and roles plus one sink, ADMIN. Every edge is decided by the evaluator
(conditions, denies, boundaries and SCPs count): IAM credential and policy manipulation, role
assumption, PassRole to a compute service whose trust the role grants, SSM and Lambda code paths
where the snapshot holds instances or functions. ``escalation_paths`` gives, for each principal that
is not an administrator, the shortest path to ADMIN with the permission used at each step.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import networkx as nx  # type: ignore[import-untyped]

from cloudwarden.engines.iam.account import Account, Principal, can, request_for
from cloudwarden.engines.iam.evaluator import evaluate
from cloudwarden.engines.iam.model import PolicySet, make_request
from cloudwarden.engines.iam.policy import compile_policy

ADMIN = "ADMIN"
ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
_FULL = compile_policy(
    {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}},
    "identity",
    "policy the principal could give itself",
)

# service principal -> the actions that launch something running with a passed role
PASS_ROLE_SERVICES: dict[str, tuple[str, ...]] = {
    "ec2.amazonaws.com": ("ec2:RunInstances",),
    "lambda.amazonaws.com": ("lambda:CreateFunction", "lambda:InvokeFunction"),
    "cloudformation.amazonaws.com": ("cloudformation:CreateStack",),
    "codebuild.amazonaws.com": ("codebuild:CreateProject", "codebuild:StartBuild"),
    "sagemaker.amazonaws.com": (
        "sagemaker:CreateNotebookInstance",
        "sagemaker:CreatePresignedNotebookInstanceUrl",
    ),
    "autoscaling.amazonaws.com": (
        "autoscaling:CreateLaunchConfiguration",
        "autoscaling:CreateAutoScalingGroup",
    ),
    "glue.amazonaws.com": ("glue:CreateDevEndpoint",),
    "ecs-tasks.amazonaws.com": ("ecs:RegisterTaskDefinition", "ecs:RunTask"),
}


@dataclass(frozen=True)
class Step:
    source: str
    target: str
    kind: str
    permission: str

    def to_dict(self) -> dict[str, str]:
        return {"from": self.source, "to": self.target, "kind": self.kind, "permission": self.permission}


def is_admin(account: Account, principal: Principal) -> bool:
    return can(account, principal, "*", "*", use_known_policy=False).allowed


def _admin_with(account: Account, principal: Principal, identity: tuple[Any, ...], boundary: Any) -> bool:
    """Would the principal be an administrator with these identity policies and this boundary?"""
    request = request_for(principal, "*", "*", account.account_id)
    return evaluate(request, PolicySet(identity, None, boundary, None, account.scps)).allowed


def _allowed(account: Account, actor: Principal, action: str, resource: str, **context: str) -> bool:
    return can(account, actor, action, resource, use_known_policy=False, extra=context).allowed


def build_graph(account: Account, snapshot_extras: dict[str, Any] | None = None) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_node(ADMIN)
    principals = list(account.principals.values())
    admins = {p.arn for p in principals if is_admin(account, p)}
    for principal in principals:
        graph.add_node(principal.arn, kind=principal.kind)
        if principal.arn in admins:
            graph.add_edge(principal.arn, ADMIN, step=Step(principal.arn, ADMIN, "is administrator", "*"))
    for actor in principals:
        if actor.arn in admins:
            continue
        for step in _self_edges(account, actor):
            _add(graph, step)
        for target in principals:
            if target.arn != actor.arn:
                for step in _pair_edges(account, actor, target):
                    _add(graph, step)
        for step in _compute_edges(account, actor, snapshot_extras or {}):
            _add(graph, step)
    return graph


def _add(graph: nx.DiGraph, step: Step) -> None:
    if not graph.has_edge(step.source, step.target):
        graph.add_edge(step.source, step.target, step=step)


def _self_edges(account: Account, actor: Principal) -> Iterator[Step]:
    """Ways to give oneself more policy: put/attach on itself or its groups, policy versions, groups,
    and removing one's own permissions boundary."""
    unbounded_full = _admin_with(account, actor, (_FULL,), actor.boundary)
    if unbounded_full:
        yield from _policy_writes(account, actor)
    if actor.boundary is not None and _admin_with(account, actor, actor.policies, None):
        action = (
            "iam:DeleteUserPermissionsBoundary"
            if actor.kind == "user"
            else "iam:DeleteRolePermissionsBoundary"
        )
        if _allowed(account, actor, action, actor.arn):
            yield Step(actor.arn, ADMIN, "remove own permissions boundary", action)
    if actor.kind == "user":
        for name, policies in account.groups.items():
            group_arn = account.group_arns.get(name, "")
            if name in actor.groups or not group_arn:
                continue
            if _admin_with(account, actor, policies, actor.boundary) and _allowed(
                account, actor, "iam:AddUserToGroup", group_arn
            ):
                yield Step(actor.arn, ADMIN, f"join administrator group {name}", "iam:AddUserToGroup")


def _policy_writes(account: Account, actor: Principal) -> Iterator[Step]:
    kind = "User" if actor.kind == "user" else "Role"
    targets = [(actor.arn, kind, "itself")]
    targets += [(account.group_arns.get(g, ""), "Group", f"its group {g}") for g in actor.groups]
    for resource, noun, label in targets:
        if not resource:
            continue
        for verb in ("Put", "Attach"):
            action = f"iam:{verb}{noun}Policy"
            if _allowed(account, actor, action, resource, **{"iam:PolicyARN": ADMIN_POLICY}):
                yield Step(actor.arn, ADMIN, f"{verb.lower()} a policy on {label}", action)
                return
    for policy_arn in _attached_customer_policies(account, actor):
        if _allowed(account, actor, "iam:CreatePolicyVersion", policy_arn):
            yield Step(actor.arn, ADMIN, f"new default version of {policy_arn}", "iam:CreatePolicyVersion")
            return
        versions = account.managed.get(policy_arn, {}).get("PolicyVersionList") or []
        if len(versions) > 1 and _allowed(account, actor, "iam:SetDefaultPolicyVersion", policy_arn):
            yield Step(
                actor.arn, ADMIN, f"switch default version of {policy_arn}", "iam:SetDefaultPolicyVersion"
            )
            return


def _attached_customer_policies(account: Account, actor: Principal) -> list[str]:
    arns = list(actor.managed_arns)
    for group in actor.groups:
        arns += [p.source for p in account.groups.get(group, ()) if p.source.startswith("arn:")]
    return [a for a in dict.fromkeys(arns) if a and ":iam::aws:policy/" not in a]


def compute_links(snapshot: Any, account: Account) -> dict[str, list[tuple[str, str]]]:
    """(instance ARN, role ARN) and (function ARN, role ARN) pairs from ``ec2.instances`` and
    ``lambda.functions`` where the snapshot holds them; absent datasets give no edges."""
    links: dict[str, list[tuple[str, str]]] = {"instance_roles": [], "function_roles": []}
    for region in snapshot.regions:
        for instance in _dataset(snapshot, "ec2.instances", region):
            profile = (instance.get("IamInstanceProfile") or {}).get("Arn", "")
            role = account.instance_profiles.get(profile)
            if role:
                arn = f"arn:{account.partition}:ec2:{region}:{account.account_id}:instance/{instance.get('InstanceId')}"
                links["instance_roles"].append((arn, role))
        for function in _dataset(snapshot, "lambda.functions", region):
            if function.get("Role") and function.get("FunctionArn"):
                links["function_roles"].append((function["FunctionArn"], function["Role"]))
    return links


def _dataset(snapshot: Any, dataset: str, region: str) -> list[dict[str, Any]]:
    if not snapshot.has(dataset, region):
        return []
    value = snapshot.get(dataset, region)
    return value if isinstance(value, list) else []


def _pair_edges(account: Account, actor: Principal, target: Principal) -> Iterator[Step]:
    if target.kind == "user":
        for action in ("iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"):
            if _allowed(account, actor, action, target.arn):
                yield Step(actor.arn, target.arn, "take over user credentials", action)
                return
        return
    assume = can(account, actor, "sts:AssumeRole", target.arn, resource_policy=target.trust)
    if assume.allowed:
        yield Step(actor.arn, target.arn, "assume role", "sts:AssumeRole")
        return
    if _allowed(account, actor, "iam:UpdateAssumeRolePolicy", target.arn):
        own_trust = compile_policy(
            {
                "Version": "2012-10-17",
                "Statement": {"Effect": "Allow", "Principal": {"AWS": actor.arn}, "Action": "sts:AssumeRole"},
            },
            "resource",
            "rewritten trust policy",
        )
        if can(account, actor, "sts:AssumeRole", target.arn, resource_policy=own_trust).allowed:
            yield Step(
                actor.arn, target.arn, "rewrite trust policy, then assume", "iam:UpdateAssumeRolePolicy"
            )
            return
    yield from _pass_role(account, actor, target)


def _pass_role(account: Account, actor: Principal, target: Principal) -> Iterator[Step]:
    if target.trust is None:
        return
    for service, launch in PASS_ROLE_SERVICES.items():
        trusted = evaluate(
            make_request(service, "sts:AssumeRole", target.arn, account.account_id),
            PolicySet(resource=target.trust),
        )
        if not trusted.allowed:
            continue
        if not _allowed(account, actor, "iam:PassRole", target.arn, **{"iam:PassedToService": service}):
            continue
        if all(_allowed(account, actor, action, "*") for action in launch):
            yield Step(
                actor.arn,
                target.arn,
                f"pass role to {service.split('.')[0]}",
                "iam:PassRole+" + "+".join(launch),
            )
            return


def _compute_edges(account: Account, actor: Principal, extras: dict[str, Any]) -> Iterator[Step]:
    """SSM on instances with roles, and Lambda code updates on functions with roles (when collected)."""
    for instance_arn, role_arn in extras.get("instance_roles", ()):
        if role_arn == actor.arn or role_arn not in account.principals:
            continue
        for action in ("ssm:SendCommand", "ssm:StartSession"):
            if _allowed(account, actor, action, instance_arn):
                yield Step(actor.arn, role_arn, f"run commands on {instance_arn.rsplit('/', 1)[-1]}", action)
                break
    for function_arn, role_arn in extras.get("function_roles", ()):
        usable = role_arn != actor.arn and role_arn in account.principals
        if usable and _allowed(account, actor, "lambda:UpdateFunctionCode", function_arn):
            yield Step(
                actor.arn,
                role_arn,
                f"replace code of {function_arn.rsplit(':', 1)[-1]}",
                "lambda:UpdateFunctionCode",
            )


def escalation_paths(account: Account, graph: nx.DiGraph | None = None) -> list[tuple[str, list[Step]]]:
    """(principal, steps) for every non-administrator that can reach ADMIN, by shortest path."""
    graph = graph if graph is not None else build_graph(account)
    found: list[tuple[str, list[Step]]] = []
    for node in sorted(graph.nodes):
        if (
            node == ADMIN
            or graph.has_edge(node, ADMIN)
            and graph.edges[node, ADMIN]["step"].kind == "is administrator"
        ):
            continue
        try:
            path = nx.shortest_path(graph, node, ADMIN)
        except nx.NetworkXNoPath:
            continue
        found.append((node, [graph.edges[a, b]["step"] for a, b in itertools.pairwise(path)]))
    return found
