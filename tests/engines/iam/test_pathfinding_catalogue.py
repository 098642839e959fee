"""Every one of the 65 pathfinding.cloud paths: a minimal account in which the escalation graph finds
it (an edge labelled with its id, decided by the evaluator), and negative twins in which it does not:
the actor lacks one of the path's permissions, or (for paths through an existing resource) no such
resource runs with a role.

The accounts are hand-built from `iam.authorization_details` shapes; the links (instances, stacks,
projects ...) are given to ``build_graph`` directly, as ``compute_links`` would produce them.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest

from cloudwarden.engines.iam import pathfinding as pf
from cloudwarden.engines.iam.account import load_account
from cloudwarden.engines.iam.escalation import build_graph
from cloudwarden.engines.iam.links import Links
from cloudwarden.inventory.snapshot import Snapshot

ACCT = "123456789012"
V = "2012-10-17"
ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
ACTOR_POLICY = f"arn:aws:iam::{ACCT}:policy/actor-policy"
ROLE_POLICY = f"arn:aws:iam::{ACCT}:policy/plain-role-policy"
REGION = "eu-west-1"


def arn(kind: str, name: str) -> str:
    return f"arn:aws:iam::{ACCT}:{kind}/{name}"


def _managed(policy_arn: str, *actions: str) -> dict[str, Any]:
    document = {"Version": V, "Statement": [{"Effect": "Allow", "Action": list(actions) or ["s3:ListAllMyBuckets"],
                                              "Resource": "*"}]}
    return {"Arn": policy_arn, "PolicyName": policy_arn.rsplit("/", 1)[1],
            "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True,
                                   "Document": urllib.parse.quote(json.dumps(document))}]}


def _trust(principal: dict[str, str]) -> dict[str, Any]:
    return {"Version": V, "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]}


def _role(name: str, trust: dict[str, str], managed: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"RoleName": name, "Arn": arn("role", name), "AssumeRolePolicyDocument": _trust(trust),
            "RolePolicyList": [], "AttachedManagedPolicies": [{"PolicyArn": m} for m in managed],
            "InstanceProfileList": [{"Arn": arn("instance-profile", name),
                                     "Roles": [{"Arn": arn("role", name)}]}]}


def _user(name: str, managed: tuple[str, ...] = (), groups: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"UserName": name, "Arn": arn("user", name), "GroupList": list(groups), "UserPolicyList": [],
            "AttachedManagedPolicies": [{"PolicyArn": m} for m in managed]}


def _actor_is_role(spec: pf.PathSpec) -> bool:
    return spec.id in ("iam-005", "iam-009")


def _links(spec: pf.PathSpec, with_resource: bool) -> Links:
    links = Links(region=REGION, when="2026-01-01T00:00:00Z")
    links.profile_roles = {arn("role", "target-admin")}
    if spec.mechanism != pf.EXISTING or not with_resource:
        return links
    role = arn("role", "target-admin")
    res = f"arn:aws:svc:{REGION}:{ACCT}:thing/one"
    link = spec.link
    if link == "instance":
        links.instances.append((res, role, True))
    elif link == "ssm-instance":
        links.ssm_instances.append((res, role, ""))
    elif link in ("function", "triggered-function"):
        links.functions.append((res, role, True))
    elif link == "stack":
        links.stacks.append((res, role))
    elif link in ("codebuild-project", "codebuild-batch-project"):
        links.projects.append((res, role, True))
    elif link == "glue-dev-endpoint":
        links.dev_endpoints.append((res, role))
    elif link in ("notebook", "notebook-in-service"):
        links.notebooks.append((res, role, "InService"))
    elif link == "launch-template":
        links.launch_templates.append((res, role))
    elif link == "apprunner-service":
        links.apprunner.append((res, role))
    elif link == "code-interpreter":
        links.interpreters.append((res, role))
    else:  # pragma: no cover - a new link kind must be added here
        raise AssertionError(f"no fixture for link {link!r}")
    return links


def _account(spec: pf.PathSpec, drop: str = "") -> Any:
    """The actor is allowed the path's permissions (less ``drop``) through a customer-managed policy."""
    actions = [a for a in spec.actions if a != drop]
    if spec.mechanism == pf.PASS_NEW and drop != "iam:PassRole":
        actions.append("iam:PassRole")
    service = spec.services[0] if spec.services else "ec2.amazonaws.com"
    admin_trust = {"AWS": f"arn:aws:iam::{ACCT}:root"} if spec.mechanism == "assume" else {"Service": service}
    users = [_user("target-admin-user", managed=(ADMIN_POLICY,)), _user("plain-user")]
    roles = [_role("target-admin", admin_trust, managed=(ADMIN_POLICY,))]
    plain_trust = {"AWS": f"arn:aws:iam::{ACCT}:root"} if spec.mechanism == "role-modify-assume" else {
        "Service": "ec2.amazonaws.com"}
    roles.append(_role("plain-role", plain_trust, managed=(ROLE_POLICY,)))
    groups = [{"GroupName": "admins", "Arn": arn("group", "admins"), "GroupPolicyList": [],
               "AttachedManagedPolicies": [{"PolicyArn": ADMIN_POLICY}]},
              {"GroupName": "devs", "Arn": arn("group", "devs"), "GroupPolicyList": [],
               "AttachedManagedPolicies": []}]
    if _actor_is_role(spec):
        roles.append(_role("actor", {"Service": "ec2.amazonaws.com"}, managed=(ACTOR_POLICY,)))
    else:
        users.append(_user("actor", managed=(ACTOR_POLICY,), groups=("devs",)))
    details = {"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles,
               "Policies": [_managed(ADMIN_POLICY, "*"), _managed(ACTOR_POLICY, *actions), _managed(ROLE_POLICY)]}
    snap = Snapshot(account_id=ACCT, collected_at="2026-01-01T00:00:00Z", regions=[REGION])
    snap.put("iam.authorization_details", "global", details)
    account = load_account(snap)
    assert account.problems == [], account.problems
    return account


def _kinds_from_actor(spec: pf.PathSpec, drop: str = "", with_resource: bool = True) -> set[str]:
    account = _account(spec, drop)
    graph = build_graph(account, _links(spec, with_resource))
    actor = arn("role" if _actor_is_role(spec) else "user", "actor")
    return {step.kind for _, _, data in graph.out_edges(actor, data=True) for step in data["steps"]}


IDS = [spec.id for spec in pf.PATHS]


def test_the_catalogue_holds_65_distinct_paths() -> None:
    assert len(pf.PATHS) == 65 and len(set(IDS)) == 65


@pytest.mark.parametrize("spec", pf.PATHS, ids=IDS)
def test_path_is_found(spec: pf.PathSpec) -> None:
    assert spec.id in _kinds_from_actor(spec)


@pytest.mark.parametrize("spec", pf.PATHS, ids=IDS)
def test_path_is_not_found_without_each_permission(spec: pf.PathSpec) -> None:
    needed = list(spec.actions) + (["iam:PassRole"] if spec.mechanism == pf.PASS_NEW else [])
    for action in needed:
        assert spec.id not in _kinds_from_actor(spec, drop=action), f"found {spec.id} without {action}"


@pytest.mark.parametrize("spec", [s for s in pf.PATHS if s.mechanism == pf.EXISTING],
                         ids=[s.id for s in pf.PATHS if s.mechanism == pf.EXISTING])
def test_existing_resource_path_needs_the_resource(spec: pf.PathSpec) -> None:
    assert spec.id not in _kinds_from_actor(spec, with_resource=False)


PREREQUISITE_LINKS = {"event-source": "event_sources", "ecs-cluster": "ecs_clusters",
                      "ecs-container-instance": "ecs_clusters", "glue-job": "glue_jobs", "stack-set": "stack_sets"}
PRESENT = {"event_sources": [f"arn:aws:sqs:{REGION}:{ACCT}:queue"],
           "ecs_clusters": [(f"arn:aws:ecs:{REGION}:{ACCT}:cluster/c", 1)],
           "glue_jobs": [f"arn:aws:glue:{REGION}:{ACCT}:job/j"],
           "stack_sets": [(f"arn:aws:cloudformation:{REGION}:{ACCT}:stackset/s:1", arn("role", "target-admin"))]}
PASS_WITH_PREREQUISITE = [s for s in pf.PATHS if s.mechanism == pf.PASS_NEW and s.link in PREREQUISITE_LINKS]


@pytest.mark.parametrize("spec", PASS_WITH_PREREQUISITE, ids=[s.id for s in PASS_WITH_PREREQUISITE])
def test_pass_role_path_follows_its_collected_prerequisite(spec: pf.PathSpec) -> None:
    account = _account(spec)
    field_name = PREREQUISITE_LINKS[spec.link]
    actor = arn("user", "actor")
    for value, expected in ((PRESENT[field_name], True), ([], False)):
        links = _links(spec, True)
        setattr(links, field_name, value)
        graph = build_graph(account, links)
        kinds = {step.kind for _, _, d in graph.out_edges(actor, data=True) for step in d["steps"]}
        assert (spec.id in kinds) is expected, (spec.id, value)
    # a cluster with no container instance does not serve ecs:StartTask
    if spec.link == "ecs-container-instance":
        links = _links(spec, True)
        links.ecs_clusters = [(f"arn:aws:ecs:{REGION}:{ACCT}:cluster/c", 0)]
        graph = build_graph(account, links)
        assert spec.id not in {s.kind for _, _, d in graph.out_edges(actor, data=True) for s in d["steps"]}


@pytest.mark.parametrize(("path_id", "keys", "password", "found"), [
    ("iam-002", 1, None, True), ("iam-002", 2, None, False),
    ("iam-003", 2, None, True), ("iam-003", 1, None, False),
    ("iam-004", 0, False, True), ("iam-004", 0, True, False),
    ("iam-006", 0, True, True), ("iam-006", 0, False, False),
])
def test_user_credential_paths_follow_the_credential_report(path_id: str, keys: int, password: bool | None,
                                                            found: bool) -> None:
    from cloudwarden.engines.iam.links import UserState

    spec = next(s for s in pf.PATHS if s.id == path_id)
    links = _links(spec, True)
    links.users["target-admin-user"] = UserState(keys=keys, password=password)
    graph = build_graph(_account(spec), links)
    steps = graph.edges[arn("user", "actor"), arn("user", "target-admin-user")]["steps"] if graph.has_edge(
        arn("user", "actor"), arn("user", "target-admin-user")) else []
    assert (path_id in {s.kind for s in steps}) is found
