"""Benchmark of the escalation analysis on a generated account: every pathfinding path, its
near-misses, and filler principals.

For each of the 65 catalogue paths the account holds one actor allowed exactly the path's
permissions (it must get an edge labelled with the path id) and one near-miss actor per permission,
allowed all but that one (it must not get that edge). Every resource the existing-resource paths act
on runs with the one administrator role; the rest of the principals are filler users with a
harmless policy; the principal-modification paths have their targets (an administrators group, a
plain role that trusts the account, a plain user, a group of its own for each group path), each
actor allowed on its target only. Prints paths found,
missed, false positives and the time to load the account and build the graph. The account is built
in memory as a snapshot (not on moto); bench/pmapper_compare.py puts the same IAM data on a moto
server and runs cloudwarden and PMapper on it. Run:

    .venv/bin/python bench/escalation.py [--principals 5000]
"""

from __future__ import annotations

import argparse
import json
import time
import urllib.parse
from typing import Any

from cloudwarden.engines.iam import pathfinding as pf
from cloudwarden.engines.iam.account import load_account
from cloudwarden.engines.iam.escalation import build_graph
from cloudwarden.engines.iam.links import Links
from cloudwarden.inventory.snapshot import Snapshot

ACCT, REGION, V = "123456789012", "eu-west-1", "2012-10-17"
ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
ROLE = f"arn:aws:iam::{ACCT}:role/target-admin"


def _arn(kind: str, name: str) -> str:
    return f"arn:aws:iam::{ACCT}:{kind}/{name}"


def _policy(name: str, actions: list[str], resources: list[str] | None = None) -> dict[str, Any]:
    document = {"Version": V, "Statement": [{"Effect": "Allow", "Action": actions or ["s3:ListAllMyBuckets"],
                                              "Resource": resources or "*"}]}
    return {"Arn": _arn("policy", name), "PolicyName": name, "PolicyVersionList": [
        {"VersionId": "v1", "IsDefaultVersion": True, "Document": urllib.parse.quote(json.dumps(document))}]}


def _principal(kind: str, name: str, policy: str, groups: list[str] | None = None) -> dict[str, Any]:
    attached = [{"PolicyArn": _arn("policy", policy)}]
    if kind == "user":
        return {"UserName": name, "Arn": _arn("user", name), "GroupList": list(groups or []), "UserPolicyList": [],
                "AttachedManagedPolicies": attached}
    trust = {"Version": V, "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                          "Action": "sts:AssumeRole"}]}
    return {"RoleName": name, "Arn": _arn("role", name), "AssumeRolePolicyDocument": trust, "RolePolicyList": [],
            "AttachedManagedPolicies": attached, "InstanceProfileList": []}


def _scope(spec: pf.PathSpec, kind: str, name: str) -> list[str] | None:
    """What a principal-modification actor may change: its own target only (None: every resource).

    Allowed on `*`, each such actor could change every principal of the account (it would be an
    administrator many times over, and the graph would hold an edge to every user or role).
    """
    mechanism = spec.mechanism
    if mechanism in (pf.SELF_PUT, pf.SELF_ATTACH):
        return [_arn(kind, name)]
    if mechanism == pf.SELF_VERSION:
        return [_arn("policy", name)]
    if mechanism in (pf.GROUP_PUT, pf.GROUP_ATTACH):
        return [_arn("group", f"group-{name}")]
    if mechanism == pf.JOIN_GROUP:
        return [_arn("group", "admins"), _arn(kind, name)]
    if mechanism == pf.USER_MODIFY:
        return [_arn("user", "plain-user")]
    if mechanism == pf.RETRUST:
        return [ROLE]
    if mechanism in (pf.ROLE_MODIFY_ASSUME, pf.ROLE_MODIFY_RETRUST):
        return [_arn("role", "plain-role"), _arn("policy", "plain-role")]
    return None


def generate(principals: int) -> tuple[Snapshot, Links, dict[str, tuple[str, bool]]]:
    """The snapshot, its links, and the ground truth: actor ARN -> (path id, must be found)."""
    users: list[dict[str, Any]] = [{"UserName": "admin-user", "Arn": _arn("user", "admin-user"), "GroupList": [],
                                    "UserPolicyList": [], "AttachedManagedPolicies": [{"PolicyArn": ADMIN_POLICY}]}]
    services = sorted({s for spec in pf.PATHS for s in spec.services} | {"ec2.amazonaws.com"})
    admin_trust = {"Version": V, "Statement": [
        {"Effect": "Allow", "Principal": {"Service": services, "AWS": f"arn:aws:iam::{ACCT}:root"},
         "Action": "sts:AssumeRole"}]}
    roles: list[dict[str, Any]] = [{"RoleName": "target-admin", "Arn": ROLE, "AssumeRolePolicyDocument": admin_trust,
                                    "RolePolicyList": [], "AttachedManagedPolicies": [{"PolicyArn": ADMIN_POLICY}],
                                    "InstanceProfileList": [{"Arn": _arn("instance-profile", "target-admin")}]}]
    # The targets of the principal-modification paths: a group that is administrator (iam-013), a
    # plain role that trusts the account (iam-014/016/017 modify it, then assume it), plain users
    # (the filler: iam-015/018 modify one, then create its key).
    groups: list[dict[str, Any]] = [{"GroupName": "admins", "Arn": _arn("group", "admins"), "GroupPolicyList": [],
                                     "AttachedManagedPolicies": [{"PolicyArn": ADMIN_POLICY}]}]
    account_trust = {"Version": V, "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"},
                                                  "Action": "sts:AssumeRole"}]}
    roles.append(_principal("role", "plain-role", "plain-role") | {"AssumeRolePolicyDocument": account_trust})
    users.append(_principal("user", "plain-user", "filler"))
    policies = [_policy("AdministratorAccess", ["*"]) | {"Arn": ADMIN_POLICY}, _policy("filler", []),
                _policy("plain-role", [])]
    truth: dict[str, tuple[str, bool]] = {}
    for spec in pf.PATHS:
        needed = list(spec.actions) + (["iam:PassRole"] if spec.mechanism == pf.PASS_NEW else [])
        # Self-modification of a role (iam-005, iam-009) needs the actor to be a role.
        kind = "role" if spec.mechanism in (pf.SELF_PUT, pf.SELF_ATTACH) and spec.link == "role" else "user"
        for drop in ["", *needed]:
            name = f"{spec.id}-{'hit' if not drop else 'miss-' + drop.replace(':', '-')}"
            policies.append(_policy(name, [a for a in needed if a != drop], _scope(spec, kind, name)))
            member: list[str] = []
            if spec.mechanism in (pf.GROUP_PUT, pf.GROUP_ATTACH):  # a plain group of its own to change
                member = [f"group-{name}"]
                groups.append({"GroupName": member[0], "Arn": _arn("group", member[0]), "GroupPolicyList": [],
                               "AttachedManagedPolicies": []})
            (users if kind == "user" else roles).append(_principal(kind, name, name, member))
            truth[_arn(kind, name)] = (spec.id, not drop)
    filler = max(0, principals - len(users) - len(roles))
    for number in range(filler):
        kind = "user" if number % 2 else "role"
        (users if kind == "user" else roles).append(_principal(kind, f"filler-{number}", "filler"))
    details = {"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles, "Policies": policies}
    snap = Snapshot(account_id=ACCT, collected_at="2026-01-01T00:00:00Z", regions=[REGION])
    snap.put("iam.authorization_details", "global", details)
    links = Links(region=REGION, when="2026-01-01T00:00:00Z", profile_roles={ROLE})
    res = f"arn:aws:svc:{REGION}:{ACCT}:thing/one"
    links.instances.append((res, ROLE, True))
    links.ssm_instances.append((res, ROLE, ""))
    links.functions.append((res, ROLE, True))
    links.stacks.append((res, ROLE))
    links.projects.append((res, ROLE, True))
    links.dev_endpoints.append((res, ROLE))
    links.notebooks.append((res, ROLE, "InService"))
    links.launch_templates.append((res, ROLE))
    links.apprunner.append((res, ROLE))
    links.interpreters.append((res, ROLE))
    return snap, links, truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--principals", type=int, default=5000)
    args = parser.parse_args()
    snap, links, truth = generate(args.principals)
    started = time.perf_counter()
    account = load_account(snap)
    loaded = time.perf_counter()
    graph = build_graph(account, links)
    built = time.perf_counter()
    found = missed = false = 0
    wrong: list[str] = []
    for actor, (path_id, expected) in truth.items():
        kinds = {s.kind for _, _, d in graph.out_edges(actor, data=True) for s in d["steps"]}
        if expected:
            found += path_id in kinds
            missed += path_id not in kinds
        else:
            false += path_id in kinds
        if (path_id in kinds) != expected:
            wrong.append(f"{actor.rsplit('/', 1)[-1]} ({'missed' if expected else 'false positive'})")
    ids = {p for p, _ in truth.values()}
    print(f"principals {len(account.principals)}, paths seeded {len(ids)}, near-misses "
          f"{sum(1 for _, e in truth.values() if not e)}")
    print(f"cloudwarden: found {found}/{found + missed}, false positives {false}, "
          f"load {loaded - started:.2f} s, graph {built - loaded:.2f} s, edges {graph.number_of_edges()}")
    for line in wrong:
        print(f"  {line}")
    print("PMapper: see bench/pmapper_compare.py (the same generated IAM data on a moto server, both tools)")


if __name__ == "__main__":
    main()
