"""Effective permissions in one collected account: principals from a snapshot, `can` and `who_can`.

Reads ``iam.authorization_details`` through the IAM typed view (users, groups, roles, inline and managed policies with their
default versions, boundaries, trust policies) and the resource policies the snapshot holds (S3
bucket policies, KMS key policies, role trust policies). Every answer comes from the evaluator, with
the request context filled from the principal itself (aws:username, aws:PrincipalArn, tags...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudwarden.core.arn import account_of
from cloudwarden.engines.iam.errors import PolicyError
from cloudwarden.engines.iam.evaluator import evaluate
from cloudwarden.engines.iam.model import Decision, PolicySet, Request, make_request
from cloudwarden.engines.iam.organization import Organization, load_organization
from cloudwarden.engines.iam.policy import CompiledPolicy, allow_all, compile_policy
from cloudwarden.engines.iam.resources import PolicyResource, Unreadable, policy_key, policy_resources
from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views.iam import Attached, IamView, InlinePolicy, ManagedPolicy
from cloudwarden.inventory.views.iam import Principal as ViewedPrincipal

ANONYMOUS = "anonymous"
ANY_ACCOUNT = "000000000000"  # stands for "some other AWS account" in who-can answers


@dataclass(frozen=True)
class Principal:
    """A user or role with the policies that apply to it (groups' policies included for users)."""

    arn: str
    kind: str  # "user" | "role"
    name: str
    account: str
    policies: tuple[CompiledPolicy, ...]
    boundary: CompiledPolicy | None = None
    trust: CompiledPolicy | None = None
    groups: tuple[str, ...] = ()
    managed_arns: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    boundary_arn: str = ""
    trust_document: Any = None  # the role's trust policy as collected


@dataclass
class Account:
    account_id: str
    partition: str
    principals: dict[str, Principal] = field(default_factory=dict)
    groups: dict[str, tuple[CompiledPolicy, ...]] = field(default_factory=dict)
    group_arns: dict[str, str] = field(default_factory=dict)
    instance_profiles: dict[str, str] = field(default_factory=dict)  # instance profile ARN -> role ARN
    managed: dict[str, ManagedPolicy] = field(default_factory=dict)  # policy ARN -> the view's managed policy
    resource_policies: dict[str, CompiledPolicy] = field(default_factory=dict)
    scps: tuple[tuple[CompiledPolicy, ...], ...] | None = None
    problems: list[str] = field(default_factory=list)  # policies that could not be compiled
    organization: Organization = field(default_factory=Organization)
    resources: dict[str, PolicyResource] = field(default_factory=dict)  # ARN -> resource with a policy
    unreadable: list[Unreadable] = field(default_factory=list)  # resources whose policy was not read

    def principal(self, arn_or_name: str) -> Principal:
        if arn_or_name in self.principals:
            return self.principals[arn_or_name]
        matches = [p for p in self.principals.values() if p.name == arn_or_name]
        if len(matches) == 1:
            return matches[0]
        raise PolicyError(f"no single user or role named {arn_or_name!r} in the snapshot", "principal")


def _compile(account: Account, document: Any, kind: str, source: str) -> CompiledPolicy | None:
    try:
        return compile_policy(document, kind, source)
    except PolicyError as error:
        account.problems.append(f"{source}: {error.message}")
        return None


def _attached(account: Account, entries: tuple[Attached, ...]) -> list[CompiledPolicy]:
    compiled = []
    for entry in entries:
        detail = account.managed.get(entry.arn)
        if detail is None:
            account.problems.append(f"{entry.arn}: attached managed policy missing from the snapshot")
            continue
        policy = _compile(account, detail.document, "identity", entry.arn)
        if policy is not None:
            compiled.append(policy)
    return compiled


def _inline(account: Account, entries: tuple[InlinePolicy, ...], owner: str) -> list[CompiledPolicy]:
    compiled = []
    for entry in entries:
        policy = _compile(account, entry.document, "identity", f"{owner} inline {entry.name}")
        if policy is not None:
            compiled.append(policy)
    return compiled


def _boundary(account: Account, viewed: ViewedPrincipal) -> tuple[CompiledPolicy | None, str]:
    arn = viewed.boundary_arn
    if not arn or arn not in account.managed:
        return None, arn
    return _compile(account, account.managed[arn].document, "boundary", f"boundary {arn}"), arn


def load_account(snapshot: Snapshot, iam: IamView | None = None) -> Account:
    """Build the account model on the IAM view (``iam``: the assessment's, else built here); raises
    DataUnavailable when authorization details were not collected."""
    details = (iam or IamView(snapshot)).details()
    account = Account(snapshot.account_id, snapshot.partition)
    account.managed = {p.arn: p for p in details.policies if p.arn}
    for group in details.groups:
        account.group_arns[group.name] = group.arn
        account.groups[group.name] = tuple(
            _inline(account, group.inline, f"group/{group.name}") + _attached(account, group.attached)
        )
    for user in details.users:
        _add_user(account, user)
    for role in details.roles:
        _add_role(account, role)
    _load_resource_policies(account, snapshot)
    account.organization = load_organization(
        snapshot, lambda text, kind, source: _compile(account, text, kind, source)
    )
    account.scps = account.organization.scps
    return account


def _add_user(account: Account, user: ViewedPrincipal) -> None:
    policies = _inline(account, user.inline, f"user/{user.name}") + _attached(account, user.attached)
    for group in user.groups:
        policies += list(account.groups.get(group, ()))
    boundary, boundary_arn = _boundary(account, user)
    account.principals[user.arn] = Principal(
        user.arn,
        "user",
        user.name,
        account.account_id,
        tuple(policies),
        boundary,
        None,
        user.groups,
        tuple(a.arn for a in user.attached),
        user.tags,
        boundary_arn,
    )


def _add_role(account: Account, role: ViewedPrincipal) -> None:
    policies = _inline(account, role.inline, f"role/{role.name}") + _attached(account, role.attached)
    boundary, boundary_arn = _boundary(account, role)
    trust = _compile(account, role.trust, "resource", f"trust of role/{role.name}")
    if trust is not None:
        account.resource_policies[role.arn] = trust
    for profile in role.instance_profile_arns:
        account.instance_profiles[profile] = role.arn
    account.principals[role.arn] = Principal(
        role.arn,
        "role",
        role.name,
        account.account_id,
        tuple(policies),
        boundary,
        trust,
        (),
        tuple(a.arn for a in role.attached),
        role.tags,
        boundary_arn,
        role.trust,
    )


def _load_resource_policies(account: Account, snapshot: Snapshot) -> None:
    """Bucket, key, queue, topic, function, secret and repository policies, where collected."""
    inventory = policy_resources(snapshot)
    account.unreadable = inventory.unreadable
    for resource in inventory.resources:
        account.resources[resource.arn] = resource
        if resource.document:
            label = f"{resource.service} policy of {resource.name}"
            policy = _compile(account, resource.document, "resource", label)
            if policy is not None:
                account.resource_policies[resource.arn] = policy


def resource_policy_for(account: Account, resource: str) -> CompiledPolicy | None:
    return account.resource_policies.get(policy_key(resource, account.partition))


def principal_context(principal: Principal) -> dict[str, Any]:
    context: dict[str, Any] = {
        "aws:PrincipalArn": principal.arn,
        "aws:PrincipalAccount": principal.account,
        "aws:PrincipalType": "User" if principal.kind == "user" else "AssumedRole",
    }
    if principal.kind == "user":
        context["aws:username"] = principal.name
    for key, value in principal.tags:
        context[f"aws:PrincipalTag/{key}"] = value
    return context


def acting_arn(principal: Principal) -> str:
    """Roles act through sessions; the session name is arbitrary."""
    if principal.kind == "role":
        return f"arn:{principal.arn.split(':')[1]}:sts::{principal.account}:assumed-role/{principal.name}/cloudwarden"
    return principal.arn


def request_for(
    principal: Principal,
    action: str,
    resource: str,
    resource_account: str,
    extra: dict[str, Any] | None = None,
) -> Request:
    context = {**principal_context(principal), **(extra or {})}
    return make_request(acting_arn(principal), action, resource, resource_account, context)


def policy_set(
    account: Account, principal: Principal | None, resource_policy: CompiledPolicy | None,
    action: str = "", resource_account: str = "",
) -> PolicySet:
    """The policies of one request. RCPs join when the action and the resource's account are given
    and they govern it (this account's resources, a service that supports RCPs)."""
    rcps = account.organization.rcps_for(action, resource_account, account.account_id) if action else None
    if principal is None:
        return PolicySet(resource=resource_policy, rcps=rcps)
    return PolicySet(principal.policies, resource_policy, principal.boundary, None, account.scps, rcps)


def can(
    account: Account,
    principal: Principal,
    action: str,
    resource: str,
    resource_policy: CompiledPolicy | None = None,
    use_known_policy: bool = True,
    extra: dict[str, Any] | None = None,
) -> Decision:
    """Decide one request of the principal; the resource's policy is looked up unless given."""
    if resource_policy is None and use_known_policy:
        resource_policy = resource_policy_for(account, resource)
    owner = _owner(account, resource)
    request = request_for(principal, action, resource, owner, extra)
    return evaluate(request, policy_set(account, principal, resource_policy, action, owner))


def _owner(account: Account, resource: str) -> str:
    return account_of(resource, account.account_id)


def who_can(account: Account, action: str, resource: str) -> list[tuple[str, Decision]]:
    """Every principal allowed: the account's users and roles, anonymous callers, and other accounts
    named by the resource policy (each stands for whichever of its principals its IAM policies allow)."""
    allowed: list[tuple[str, Decision]] = []
    for principal in account.principals.values():
        decision = can(account, principal, action, resource)
        if decision.allowed:
            allowed.append((principal.arn, decision))
    resource_policy = resource_policy_for(account, resource)
    owner = _owner(account, resource)
    # outsiders' own accounts are not in the snapshot: assume their IAM policies allow everything
    rcps = account.organization.rcps_for(action, owner, account.account_id)
    outside = PolicySet(identity=(_ALLOW_ALL,), resource=resource_policy, rcps=rcps)
    for outsider in ["anonymous", *outside_principals(account.account_id, account.partition, resource_policy)]:
        try:
            decision = evaluate(make_request(outsider, action, resource, owner), outside)
        except PolicyError:  # an entry that is no principal ARN (a deleted principal's unique id)
            continue
        if decision.allowed:
            label = "any AWS account" if f":{ANY_ACCOUNT}:" in outsider else outsider
            allowed.append((label, decision))
    return allowed


_ALLOW_ALL = allow_all("the other account's")


def outside_principals(account_id: str, partition: str, policy: CompiledPolicy | None) -> list[str]:
    """Principals outside the account that the resource policy names: account roots and exact ARNs
    (a ``*`` principal gives the root of the stand-in account ANY_ACCOUNT)."""
    if policy is None:
        return []
    named: set[str] = set()
    root = f"arn:{partition}:iam::{{}}:root"
    for statement in policy.allows:
        matcher = statement.principal
        if matcher is None:
            continue
        if matcher.wildcard:
            named.add(root.format(ANY_ACCOUNT))
        named.update(root.format(a) for a in matcher.accounts if a != account_id)
        for arn in matcher.exact | matcher.role_arns:
            other = account_of(arn)
            if other != account_id and other.isdigit():
                named.add(arn)
    return sorted(named)
