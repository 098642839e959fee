"""Privilege escalation: a graph whose edges mean "can become, or gain the power of".

Nodes are the account's users and roles plus one sink, ADMIN ("an administrator of the account").
Every edge is one of the 65 pathfinding.cloud paths (``engines/iam/pathfinding.py``), labelled with
its id, and decided by the evaluator under the principal's identity policies, boundary and the
organization's SCPs, with an assumed request context (``SessionContext``) so that conditions on
``aws:MultiFactorAuthPresent``, ``aws:TokenIssueTime``, ``aws:SourceIp`` and ``aws:SourceVpc`` are
evaluated, not ignored. Each path's prerequisites are checked against the snapshot where it holds
them (a user with two access keys gets no third, a login profile is created only where none
exists, a stack must carry a role, an instance a profile); a prerequisite AWS does not expose
marks the edge as an assumption. "Administrator" is decided by ``admin.is_administrator``.

Data that was not collected is never read as "no such resource". When the dataset a path rests on
is a gap (``links.Links.unknown``: access denied, region failed, not collected), the path is still
an edge, to every role of the account that such a resource could run with (one that trusts the
path's service; for EC2, one with an instance profile), provided the evaluator allows the actor the
path's permissions on a resource of that kind. Such a step carries ``gap`` (the gap's reason) and an
assumption note. An edge all of whose steps are gap steps is *uncertain*: ``escalation_paths``
follows only certain edges (a FAIL), and ``graph.graph["unresolved"]`` lists the principals that
reach administrator only through uncertain ones (UNKNOWN, with the path ids and reasons).
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import networkx as nx  # type: ignore[import-untyped]

from cloudwarden.core.arn import account_of
from cloudwarden.engines.iam import pathfinding as pf
from cloudwarden.engines.iam.account import Account, Principal, policy_set, request_for
from cloudwarden.engines.iam.admin import is_administrator, probe_resource_policy
from cloudwarden.engines.iam.errors import PolicyError
from cloudwarden.engines.iam.evaluator import evaluate
from cloudwarden.engines.iam.links import Links, compute_links
from cloudwarden.engines.iam.model import Decision, PolicySet, Reason, make_request
from cloudwarden.engines.iam.policy import CompiledPolicy, compile_policy

__all__ = ["ADMIN", "Escalation", "SessionContext", "Step", "build_graph", "certain_graph", "compute_links",
           "escalation_paths", "gap_path"]

ADMIN = "ADMIN"
ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
IS_ADMIN = "is administrator"
_FULL = compile_policy(
    {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}},
    "identity",
    "policy the actor would write",
)
_DEFAULT_IP = "198.51.100.10"  # TEST-NET-2: an address outside every network of the account


@dataclass(frozen=True)
class SessionContext:
    """The request context assumed for every starting principal (docs/iam.md, "Assumed session context").

    By default the attacker holds the principal's credentials without MFA, calls from an address
    outside the account's networks (``aws:SourceIp`` 198.51.100.10, not through a VPC endpoint),
    over TLS, at the time of the snapshot. A user calls with its long-term access keys: no
    ``aws:TokenIssueTime`` and no ``aws:MultiFactorAuthPresent`` (AWS sends neither for them). A
    role is used through a session issued at that time (``aws:TokenIssueTime``), so a "revoke
    older sessions" deny does not stop a new one, and ``aws:MultiFactorAuthPresent`` is false. Each
    step of a chain is asked with the context of the principal that takes it (a user, then the
    role it assumed). With ``mfa``, both carry MFA (``aws:MultiFactorAuthAge`` 0; a user then calls
    with temporary credentials from GetSessionToken, issued at that time); with
    ``source_vpc`` the calls come through a VPC endpoint (``aws:SourceVpc``, ``aws:SourceVpce``,
    ``aws:VpcSourceIp``) and carry no ``aws:SourceIp``, as AWS documents for such requests.
    """

    when: str = ""  # ISO 8601; "" = the snapshot's collection time
    mfa: bool = False
    source_ip: str = _DEFAULT_IP
    source_vpc: str = ""
    source_vpce: str = ""

    def for_principal(self, principal: Principal, when: str) -> dict[str, Any]:
        moment = self.when or when
        context: dict[str, Any] = {"aws:SecureTransport": True, "aws:ViaAWSService": False}
        if self.source_vpc:
            context["aws:SourceVpc"] = self.source_vpc
            context["aws:SourceVpce"] = self.source_vpce or "vpce-0cloudwarden"
            if self.source_ip and self.source_ip != _DEFAULT_IP:
                context["aws:VpcSourceIp"] = self.source_ip
        elif self.source_ip:
            context["aws:SourceIp"] = self.source_ip
        if moment:
            context["aws:CurrentTime"] = moment
            epoch = _epoch(moment)
            if epoch is not None:
                context["aws:EpochTime"] = str(epoch)
        if principal.kind == "role":
            context["aws:MultiFactorAuthPresent"] = self.mfa
            if moment:
                context["aws:TokenIssueTime"] = moment
        elif self.mfa:  # long-term keys carry no MFA key: with MFA, a user calls with GetSessionToken's
            context["aws:MultiFactorAuthPresent"] = True  # temporary credentials, issued now
            if moment:
                context["aws:TokenIssueTime"] = moment
        if self.mfa:
            context["aws:MultiFactorAuthAge"] = "0"
        return context


def _epoch(moment: str) -> int | None:
    try:
        parsed = datetime.datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return int(parsed.timestamp())


@dataclass(frozen=True)
class Step:
    source: str
    target: str
    kind: str  # the pathfinding id (iam-002, ec2-001 ...), or IS_ADMIN / a cloudwarden-only kind
    permission: str  # the permissions used, joined by "+"
    via: str = ""  # the resource or principal acted on (a role passed, a function, a user)
    reasons: tuple[Reason, ...] = ()  # the statements that allowed each permission
    assumption: str = ""  # a prerequisite AWS does not expose, or data not collected, taken to hold
    gap: str = ""  # the step rests on data that was not collected: the gap's reason

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"from": self.source, "to": self.target, "kind": self.kind,
                                "permission": self.permission}
        if self.via:
            data["via"] = self.via
        if self.assumption:
            data["assumption"] = self.assumption
        if self.gap:
            data["gap"] = self.gap
        if self.reasons:
            data["allowed_by"] = [r.to_dict() for r in self.reasons]
        return data


@dataclass
class Escalation:
    """The built graph with what went into it."""

    graph: nx.DiGraph
    admins: set[str] = field(default_factory=set)
    gaps: list[str] = field(default_factory=list)


def build_graph(
    account: Account,
    links: Links | dict[str, Any] | None = None,
    context: SessionContext | None = None,
    when: str = "",
) -> nx.DiGraph:
    """The escalation graph of one account (``graph.graph["gaps"]`` lists the data it lacked)."""
    return _Builder(account, _as_links(links), context or SessionContext(), when).build()


def _as_links(links: Links | dict[str, Any] | None) -> Links:
    if isinstance(links, Links):
        return links
    found = Links()
    for arn, role in (links or {}).get("instance_roles", ()):
        found.instances.append((arn, role, True))
    for arn, role in (links or {}).get("function_roles", ()):
        found.functions.append((arn, role, False))
    return found


def _full_trust(actor_arn: str) -> CompiledPolicy:
    return compile_policy(
        {"Version": "2012-10-17",
         "Statement": {"Effect": "Allow", "Principal": {"AWS": actor_arn}, "Action": "sts:AssumeRole"}},
        "resource",
        "trust policy the actor would write",
    )


class _Builder:
    def __init__(self, account: Account, links: Links, context: SessionContext, when: str) -> None:
        self.account = account
        self.links = links
        links.profile_roles |= set(account.instance_profiles.values())
        self.context = context
        self.when = when or links.when
        self.graph = nx.DiGraph()
        self.unresolved: dict[str, list[tuple[str, str]]] = {}
        self.region = links.region or "us-east-1"
        self._contexts: dict[str, dict[str, Any]] = {}
        self._probe = compile_policy(
            probe_resource_policy(account.account_id, account.partition), "resource", "probe resource policy")
        self._actions = pf.all_actions()
        self._capable: dict[str, frozenset[str]] = {}
        self._ceiling: dict[tuple[str, str], bool] = {}
        self._admin_if_full: dict[str, bool] = {}
        self._holders_cache: dict[tuple[tuple[str, ...], str], list[Principal]] = {}

    # -- evaluation helpers --------------------------------------------------------------------

    def _region_of(self, region: str) -> str:
        """The region a representative resource is placed in (a real region, not "global")."""
        return region if region and region[:1].isalpha() and "-" in region and " " not in region else self.region

    def ctx(self, principal: Principal) -> dict[str, Any]:
        if principal.arn not in self._contexts:
            self._contexts[principal.arn] = self.context.for_principal(principal, self.when)
        return self._contexts[principal.arn]

    def decide(self, actor: Principal, action: str, resource: str, resource_policy: CompiledPolicy | None = None,
               /, **extra: Any) -> Decision:
        context = {**self.ctx(actor), **extra} if extra else self.ctx(actor)
        owner = self._owner(resource)
        request = request_for(actor, action, resource, owner, context)
        # with the action and the owner given, the account's RCPs join (sts:AssumeRole, s3, kms, ...)
        return evaluate(request, policy_set(self.account, actor, resource_policy, action, owner))

    def _owner(self, resource: str) -> str:
        return account_of(resource, self.account.account_id)

    def capable(self, actor: Principal) -> frozenset[str]:
        """Actions some Allow statement of the actor names (whatever resource or condition): a filter."""
        found = self._capable.get(actor.arn)
        if found is None:
            statements = [s for p in actor.policies for s in p.allows]
            found = frozenset(a for a in self._actions if any(s.matches_action(a) for s in statements))
            self._capable[actor.arn] = found
        return found

    def can_all(self, actor: Principal, actions: Iterable[str], resource: str,
                resource_policy: CompiledPolicy | None = None, /, **extra: Any) -> tuple[Reason, ...] | None:
        """The allowing statements when every action is allowed on the resource, else None."""
        reasons: list[Reason] = []
        for action in actions:
            decision = self.decide(actor, action, resource, resource_policy, **extra)
            if not decision.allowed:
                return None
            reasons.extend(_allow_reasons(decision, action))
        return tuple(reasons)

    def can_create(self, actor: Principal, action: str, template: str = "", region: str = "",
                   ) -> tuple[Reason, ...] | None:
        """Allowed on some new resource: the generic ARN, "*", or an instance of a pattern the actor's
        statements name (an attacker chooses the new resource's name). With ``template``: on some
        existing resource of a kind that was not collected (its name unknown, so any the actor's
        statements allow)."""
        existing = bool(template)
        template = template or pf.NEW_RESOURCE.get(action.lower(), "*")
        key = action.lower()
        region = region or self.region
        candidates = [template.format(p=self.account.partition, r=region, a=self.account.account_id,
                                      n="cloudwarden-escalation")]
        if not existing:
            candidates.append("*")
        for policy in actor.policies:
            for statement in policy.allows:
                if statement.matches_action(key):
                    for pattern in statement.patterns:
                        candidate = self._placed(pattern, region) if existing else pattern
                        if candidate:
                            candidates.append(candidate.replace("*", "x").replace("?", "x"))
        for resource in dict.fromkeys(candidates):
            decision = self.decide(actor, action, resource)
            if decision.allowed:
                return _allow_reasons(decision, action)
        return None

    def _placed(self, pattern: str, region: str) -> str:
        """A Resource pattern as a resource of this account in ``region`` ("" when it names another)."""
        parts = pattern.split(":", 5)
        if len(parts) < 6:
            return pattern  # "*"
        for index, value in ((3, region), (4, self.account.account_id)):
            if parts[index] in ("", "*") or (parts[index] == value):
                parts[index] = parts[index] and value
            elif "*" in parts[index] or "?" in parts[index]:
                parts[index] = value
            else:
                return ""
        return ":".join(parts)

    def ceiling(self, principal: Principal, action: str, resource: str) -> bool:
        """Do the organization's SCPs let anyone of the account make this request?"""
        if self.account.scps is None:
            return True
        key = (action, resource)
        if key not in self._ceiling:
            request = request_for(principal, action, resource, self.account.account_id, self.ctx(principal))
            policies = PolicySet((_FULL,), self._probe, None, None, self.account.scps)
            self._ceiling[key] = evaluate(request, policies).allowed
        return self._ceiling[key]

    def admin_with(self, principal: Principal, extra: tuple[CompiledPolicy, ...] = (),
                   boundary: CompiledPolicy | None | bool = True) -> bool:
        """Is (or would be, with these policies added / this boundary) the principal an administrator?

        Within the organization's guardrails: a probe request that the SCPs deny to everyone of the
        account does not count against anyone."""
        identity = principal.policies + extra
        bound = principal.boundary if boundary is True else boundary or None
        policies = PolicySet(identity, self._probe, bound, None, self.account.scps)
        context = self.ctx(principal)

        def allows(action: str, resource: str) -> bool:
            request = request_for(principal, action, resource, self.account.account_id, context)
            return evaluate(request, policies).allowed or not self.ceiling(principal, action, resource)

        return is_administrator(allows, self.account.account_id, self.account.partition)

    def admin_if_full(self, principal: Principal) -> bool:
        """admin_with(principal, (_FULL,)), once per principal: every actor that could give a target
        full access asks it about the same target (boundaries, SCPs and context decide)."""
        if principal.arn not in self._admin_if_full:
            self._admin_if_full[principal.arn] = self.admin_with(principal, (_FULL,))
        return self._admin_if_full[principal.arn]

    # -- the graph ----------------------------------------------------------------------------

    def build(self) -> nx.DiGraph:
        graph = self.graph
        graph.graph["gaps"] = list(self.links.gaps)
        # principal -> [(path id, why)]: it holds the path's permissions, but the resources the path
        # runs through were not (all) collected, so whether it leads anywhere is unknown
        graph.graph["unresolved"] = self.unresolved
        graph.add_node(ADMIN)
        principals = list(self.account.principals.values())
        admins = {p.arn for p in principals if self.admin_with(p)}
        graph.graph["admins"] = admins
        for principal in principals:
            graph.add_node(principal.arn, kind=principal.kind)
            if principal.arn in admins:
                self.add(Step(principal.arn, ADMIN, IS_ADMIN, "*"))
        users = [p for p in principals if p.kind == "user"]
        roles = [p for p in principals if p.kind == "role"]
        self._trusted_by = self._service_trusts(roles)
        open_to = _roles_open_to(roles)
        for actor in principals:
            if actor.arn in admins:
                continue
            capable = self.capable(actor)
            if not capable:  # no permission of its own; a trust naming it (or everyone) still lets it in
                for step in self._role_edges(actor, capable, open_to(actor.arn)):
                    self.add(step)
                continue
            for step in itertools.chain(
                self._self_edges(actor, capable),
                self._user_edges(actor, capable, users),
                self._role_edges(actor, capable, roles),
                self._pass_new_edges(actor, capable),
                self._existing_edges(actor, capable),
            ):
                self.add(step)
        self.unresolved.update(_unresolved(graph, admins))
        return graph

    def add(self, step: Step) -> None:
        """Add a step; an edge's ``step`` is its first certain step (its first, when all rest on gaps)."""
        if step.source == step.target:
            return
        if self.graph.has_edge(step.source, step.target):
            data = self.graph.edges[step.source, step.target]
            data["steps"].append(step)
            if data["gap"] and not step.gap:
                data["step"], data["gap"] = step, False
        else:
            self.graph.add_edge(step.source, step.target, step=step, steps=[step], gap=bool(step.gap))

    def _service_trusts(self, roles: list[Principal]) -> dict[str, list[Principal]]:
        services = {s for spec in pf.PATHS if spec.mechanism == pf.PASS_NEW for s in spec.services}
        trusted: dict[str, list[Principal]] = {s: [] for s in services}
        for role in roles:
            if role.trust is None:
                continue
            for service in services:
                request = make_request(service, "sts:AssumeRole", role.arn, self.account.account_id)
                if evaluate(request, PolicySet(resource=role.trust)).allowed:
                    trusted[service].append(role)
        return trusted

    def _could_hold(self, spec: pf.PathSpec) -> list[Principal]:
        """The roles an uncollected resource of the path's kind could run with: a role whose trust
        policy lets the path's service assume it, whatever the conditions (a confused-deputy
        condition names the very resource that was not collected); for EC2, one with an instance
        profile. Lenient on purpose: these edges make a verdict UNKNOWN, never FAIL."""
        key = (spec.services, spec.link)
        found = self._holders_cache.get(key)
        if found is None:
            found = []
            for role in self.account.principals.values():
                if role.kind != "role" or role.trust is None:
                    continue
                if spec.services == (pf.EC2,) and role.arn not in self.links.profile_roles:
                    continue
                if any(_trusts_service(role.trust, service) for service in spec.services):
                    found.append(role)
            self._holders_cache[key] = found
        return found

    # -- self-escalation ----------------------------------------------------------------------

    def _self_edges(self, actor: Principal, capable: frozenset[str]) -> Iterator[Step]:
        noun = "User" if actor.kind == "user" else "Role"
        gains = self.admin_if_full(actor)
        if gains:
            for path_id, verb in (("iam-007", "Put"), ("iam-008", "Attach")) if noun == "User" else (
                    ("iam-005", "Put"), ("iam-009", "Attach")):
                action = f"iam:{verb}{noun}Policy"
                if action.lower() in capable:
                    extra = {"iam:PolicyARN": ADMIN_POLICY} if verb == "Attach" else {}
                    reasons = self.can_all(actor, [action], actor.arn, **extra)
                    if reasons is not None:
                        yield Step(actor.arn, ADMIN, path_id, action, actor.arn, reasons)
            for group in actor.groups:
                group_arn = self.account.group_arns.get(group, "")
                for path_id, action in (("iam-011", "iam:PutGroupPolicy"), ("iam-010", "iam:AttachGroupPolicy")):
                    if group_arn and action.lower() in capable:
                        extra = {"iam:PolicyARN": ADMIN_POLICY} if "Attach" in action else {}
                        reasons = self.can_all(actor, [action], group_arn, **extra)
                        if reasons is not None:
                            yield Step(actor.arn, ADMIN, path_id, action, group_arn, reasons)
            yield from self._versions(actor, capable, actor, ADMIN, "iam-001", ())
        if actor.boundary is not None and self.admin_with(actor, (), None):
            action = f"iam:Delete{noun}PermissionsBoundary"
            if action.lower() in capable:
                reasons = self.can_all(actor, [action], actor.arn)
                if reasons is not None:
                    yield Step(actor.arn, ADMIN, "cloudwarden-boundary", action, actor.arn, reasons)
        if actor.kind == "user" and "iam:addusertogroup" in capable:
            for name, policies in self.account.groups.items():
                group_arn = self.account.group_arns.get(name, "")
                if name in actor.groups or not group_arn or not self.admin_with(actor, policies):
                    continue
                reasons = self.can_all(actor, ["iam:AddUserToGroup"], group_arn)
                if reasons is not None:
                    yield Step(actor.arn, ADMIN, "iam-013", "iam:AddUserToGroup", group_arn, reasons)

    def _versions(self, actor: Principal, capable: frozenset[str], target: Principal, to: str, path_id: str,
                  then: tuple[Reason, ...]) -> Iterator[Step]:
        """New default version (iam-001/016/020), or switching to an admin version that already exists."""
        for policy_arn in self._customer_policies(target):
            if "iam:createpolicyversion" in capable:
                reasons = self.can_all(actor, ["iam:CreatePolicyVersion"], policy_arn)
                if reasons is not None:
                    yield Step(actor.arn, to, path_id, _join("iam:CreatePolicyVersion", then), policy_arn,
                               reasons + then)
                    return
            if path_id == "iam-001" and "iam:setdefaultpolicyversion" in capable:
                for document in self._other_versions(policy_arn):
                    try:
                        version = compile_policy(document, "identity", f"other version of {policy_arn}")
                    except PolicyError:
                        continue
                    if self.admin_with(target, (version,)):
                        reasons = self.can_all(actor, ["iam:SetDefaultPolicyVersion"], policy_arn)
                        if reasons is not None:
                            yield Step(actor.arn, to, "cloudwarden-set-default-version",
                                       "iam:SetDefaultPolicyVersion", policy_arn, reasons)
                            return

    def _customer_policies(self, principal: Principal) -> list[str]:
        arns = list(principal.managed_arns)
        for group in principal.groups:
            arns += [p.source for p in self.account.groups.get(group, ()) if p.source.startswith("arn:")]
        return [a for a in dict.fromkeys(arns) if a and ":iam::aws:policy/" not in a]

    def _other_versions(self, policy_arn: str) -> list[Any]:
        policy = self.account.managed.get(policy_arn)
        return policy.other_versions if policy is not None else []

    # -- principal access: users --------------------------------------------------------------

    def _user_edges(self, actor: Principal, capable: frozenset[str], users: list[Principal]) -> Iterator[Step]:
        wanted = {"iam:createaccesskey", "iam:createloginprofile", "iam:updateloginprofile"}
        if not wanted & capable:
            return
        for target in users:
            if target.arn == actor.arn:
                continue
            state = self.links.users.get(target.name)
            keys = state.keys if state else None
            password = state.password if state else None
            unknown = "" if state else "the credential report was not collected: key count and password assumed"
            if "iam:createaccesskey" in capable:
                if keys is None or keys < 2:
                    reasons = self.can_all(actor, ["iam:CreateAccessKey"], target.arn)
                    if reasons is not None:
                        yield Step(actor.arn, target.arn, "iam-002", "iam:CreateAccessKey", target.arn, reasons,
                                   unknown)
                        yield from self._modify_user(actor, capable, target, reasons, unknown)
                if keys is None or keys >= 2:
                    reasons = self.can_all(actor, ["iam:DeleteAccessKey", "iam:CreateAccessKey"], target.arn)
                    if reasons is not None:
                        yield Step(actor.arn, target.arn, "iam-003", "iam:DeleteAccessKey+iam:CreateAccessKey",
                                   target.arn, reasons, unknown)
            if "iam:createloginprofile" in capable and password is not True:
                reasons = self.can_all(actor, ["iam:CreateLoginProfile"], target.arn)
                if reasons is not None:
                    yield Step(actor.arn, target.arn, "iam-004", "iam:CreateLoginProfile", target.arn, reasons,
                               unknown)
            if "iam:updateloginprofile" in capable and password is not False:
                reasons = self.can_all(actor, ["iam:UpdateLoginProfile"], target.arn)
                if reasons is not None:
                    yield Step(actor.arn, target.arn, "iam-006", "iam:UpdateLoginProfile", target.arn, reasons,
                               unknown)

    def _modify_user(self, actor: Principal, capable: frozenset[str], target: Principal,
                     key_reasons: tuple[Reason, ...], unknown: str) -> Iterator[Step]:
        """iam-015 / iam-018: give another user admin policy, then take its keys."""
        if not {"iam:attachuserpolicy", "iam:putuserpolicy"} & capable or not self.admin_if_full(target):
            return
        for path_id, action in (("iam-015", "iam:AttachUserPolicy"), ("iam-018", "iam:PutUserPolicy")):
            if action.lower() not in capable:
                continue
            extra = {"iam:PolicyARN": ADMIN_POLICY} if "Attach" in action else {}
            reasons = self.can_all(actor, [action], target.arn, **extra)
            if reasons is not None:
                yield Step(actor.arn, ADMIN, path_id, f"{action}+iam:CreateAccessKey", target.arn,
                           reasons + key_reasons, unknown)

    # -- principal access: roles --------------------------------------------------------------

    def _role_edges(self, actor: Principal, capable: frozenset[str], roles: list[Principal]) -> Iterator[Step]:
        retrust = "iam:updateassumerolepolicy" in capable
        modify = {"iam:attachrolepolicy", "iam:putrolepolicy", "iam:createpolicyversion"} & capable
        for target in roles:
            if target.arn == actor.arn:
                continue
            assume = self._assume(actor, target, capable)
            if assume is not None:
                yield Step(actor.arn, target.arn, "sts-001", "sts:AssumeRole", target.arn, assume)
            rewritten: tuple[Reason, ...] | None = None
            if retrust:
                reasons = self.can_all(actor, ["iam:UpdateAssumeRolePolicy"], target.arn)
                if reasons is not None:
                    then = self.decide(actor, "sts:AssumeRole", target.arn, _full_trust(actor.arn))
                    if then.allowed:
                        rewritten = reasons
                        if assume is None:
                            yield Step(actor.arn, target.arn, "iam-012", "iam:UpdateAssumeRolePolicy+sts:AssumeRole",
                                       target.arn, reasons)
            if modify and (assume is not None or rewritten is not None) and self.admin_if_full(target):
                yield from self._modify_role(actor, capable, target, assume, rewritten)

    def _assume(self, actor: Principal, target: Principal, capable: frozenset[str]) -> tuple[Reason, ...] | None:
        if target.trust is None:
            return None
        if "sts:assumerole" not in capable and not _names_exactly(target.trust, actor.arn):
            return None
        decision = self.decide(actor, "sts:AssumeRole", target.arn, target.trust)
        return _allow_reasons(decision, "sts:AssumeRole") if decision.allowed else None

    def _modify_role(self, actor: Principal, capable: frozenset[str], target: Principal,
                     assume: tuple[Reason, ...] | None, rewritten: tuple[Reason, ...] | None) -> Iterator[Step]:
        ways = []
        if assume is not None:
            ways.append(({"attach": "iam-014", "version": "iam-016", "put": "iam-017"}, "sts:AssumeRole", assume))
        if rewritten is not None:
            ways.append(({"attach": "iam-019", "version": "iam-020", "put": "iam-021"},
                         "iam:UpdateAssumeRolePolicy+sts:AssumeRole", rewritten))
        for ids, then_permission, then in ways:
            if "iam:attachrolepolicy" in capable:
                reasons = self.can_all(actor, ["iam:AttachRolePolicy"], target.arn, **{"iam:PolicyARN": ADMIN_POLICY})
                if reasons is not None:
                    yield Step(actor.arn, ADMIN, ids["attach"], f"iam:AttachRolePolicy+{then_permission}", target.arn,
                               reasons + then)
            if "iam:putrolepolicy" in capable:
                reasons = self.can_all(actor, ["iam:PutRolePolicy"], target.arn)
                if reasons is not None:
                    yield Step(actor.arn, ADMIN, ids["put"], f"iam:PutRolePolicy+{then_permission}", target.arn,
                               reasons + then)
            if "iam:createpolicyversion" in capable:
                for step in self._versions(actor, capable, target, ADMIN, ids["version"], then):
                    yield Step(step.source, step.target, step.kind, f"iam:CreatePolicyVersion+{then_permission}",
                               f"{step.via} (attached to {target.arn})", step.reasons)

    # -- PassRole to something new ------------------------------------------------------------

    def _pass_new_edges(self, actor: Principal, capable: frozenset[str]) -> Iterator[Step]:
        if "iam:passrole" not in capable:
            return
        for spec in pf.PATHS:
            if spec.mechanism != pf.PASS_NEW or not all(a.lower() in capable for a in spec.actions):
                continue
            prerequisite = self._pass_prerequisite(spec)
            if prerequisite is None:
                continue
            note, gap = prerequisite
            launch: list[Reason] = []
            for action in spec.actions:
                if spec.link in ("stack-set", "glue-job") and action in ("cloudformation:UpdateStackSet",
                                                                           "glue:UpdateJob"):
                    found = self._on_existing(actor, action, spec.link)
                    if found is not None and found[1]:  # only an uncollected one could be updated
                        note, gap = _gap_note(spec.link, found[1]), found[1]
                    reasons = None if found is None else found[0]
                else:
                    reasons = self.can_create(actor, action)
                if reasons is None:
                    break
                launch.extend(reasons)
            else:
                for service in spec.services:
                    for role in self._trusted_by.get(service, ()):
                        if role.arn == actor.arn or (spec.link == "instance-profile"
                                                     and role.arn not in self.links.profile_roles):
                            continue
                        passed = self.decide(actor, "iam:PassRole", role.arn, **{"iam:PassedToService": service})
                        if passed.allowed:
                            yield Step(actor.arn, role.arn, spec.id, "+".join(("iam:PassRole", *spec.actions)),
                                       role.arn, _allow_reasons(passed, "iam:PassRole") + tuple(launch),
                                       _join_notes(spec.assumption, note), gap)

    def _pass_prerequisite(self, spec: pf.PathSpec) -> tuple[str, str] | None:
        """("", "") when the prerequisite holds, (note, gap) when its data was not collected and it is
        assumed, None when it fails (collected, and nothing satisfies it)."""
        link = spec.link
        links = self.links
        if link == "event-source":
            present = bool(links.event_sources)
        elif link in ("ecs-cluster", "ecs-container-instance"):
            clusters = links.ecs_clusters or []
            present = bool(clusters) if link == "ecs-cluster" else any(count > 0 for _, count in clusters)
        elif link == "glue-job":
            present = bool(links.glue_jobs)
        elif link == "stack-set":
            present = bool(links.stack_sets)
        else:
            return "", ""
        if present:
            return "", ""
        missing = links.missing(link)
        if not missing:
            return None
        return _gap_note(link, str(missing[0])), "; ".join(str(m) for m in missing)

    def _on_existing(self, actor: Principal, action: str, link: str) -> tuple[tuple[Reason, ...], str] | None:
        """(allowing statements, gap) for updating an existing stack set / Glue job: one collected
        ("" gap), else one of a region whose list was not collected (the gap), else None."""
        sets = self.links.stack_sets
        arns = self.links.glue_jobs if link == "glue-job" else [a for a, _ in sets or ()]
        for arn in arns or ():
            reasons = self.can_all(actor, [action], arn)
            if reasons is not None:
                return reasons, ""
        for missing in self.links.missing(link):  # not collected: ask about a representative resource
            region = self._region_of(missing.region)
            reasons = self.can_create(actor, action, pf.UNCOLLECTED_RESOURCE[link], region)
            if reasons is not None:
                return reasons, str(missing)
        return None

    # -- existing resources that run with a role ----------------------------------------------

    def _existing_edges(self, actor: Principal, capable: frozenset[str]) -> Iterator[Step]:
        for spec in pf.PATHS:
            if spec.mechanism != pf.EXISTING or not all(a.lower() in capable for a in spec.actions):
                continue
            for holder in self.links.holders(spec.link):
                if holder.role == actor.arn or holder.role not in self.account.principals:
                    continue
                reasons = self.can_all(actor, spec.actions, holder.resource)
                if reasons is not None:
                    note = _gap_note(spec.link, holder.gap, holder.note) if holder.gap else holder.note
                    yield Step(actor.arn, holder.role, spec.id, "+".join(spec.actions), holder.resource, reasons,
                               _join_notes(spec.assumption, note), holder.gap)
            yield from self._uncollected(actor, spec)

    def _uncollected(self, actor: Principal, spec: pf.PathSpec) -> Iterator[Step]:
        """Gap steps: the resources of the path's kind were not (all) collected in a region, so one
        the actor may act on could run with any role that such a resource can hold."""
        for missing in self.links.missing(spec.link):
            region = self._region_of(missing.region)
            template = pf.UNCOLLECTED_RESOURCE[spec.link]
            reasons: list[Reason] = []
            for action in spec.actions:
                allowed = self.can_create(actor, action, template, region)
                if allowed is None:
                    break
                reasons.extend(allowed)
            else:
                via = f"{_a(pf.KIND_NAMES[spec.link])} in {missing.region} that was not collected"
                for role in self._could_hold(spec):
                    if role.arn != actor.arn:
                        yield Step(actor.arn, role.arn, spec.id, "+".join(spec.actions), via, tuple(reasons),
                                   _join_notes(spec.assumption, _gap_note(spec.link, str(missing))), str(missing))
                return  # one missing region is enough to make the path unknown


def _trusts_service(trust: CompiledPolicy, service: str) -> bool:
    """Does some Allow statement of a trust policy name the service for sts:AssumeRole (conditions aside)?"""
    for statement in trust.allows:
        matcher = statement.principal
        if matcher is None or statement.not_principal or not statement.matches_action("sts:assumerole"):
            continue
        if matcher.wildcard or service in matcher.services:
            return True
    return False


def _gap_note(link: str, gap: str, what: str = "") -> str:
    """The assumption a gap step rests on."""
    if what:
        return f"{what} (not known: {gap})"
    runs = "" if link in _PREREQUISITES else " and run with this role"
    return f"{_a(pf.KIND_NAMES.get(link, link))} is assumed to exist{runs} (not collected: {gap})"


_PREREQUISITES = frozenset(spec.link for spec in pf.PATHS if spec.mechanism == pf.PASS_NEW and spec.link)


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "AEIOUaeiou" else "a ") + noun


def _roles_open_to(roles: list[Principal]) -> Callable[[str], list[Principal]]:
    """The roles whose trust names a principal exactly, or everyone: those it may assume with no
    sts:AssumeRole of its own (same account). One pass over the trusts, then a lookup per actor."""
    everyone: list[Principal] = []
    named: dict[str, list[Principal]] = {}
    for role in roles:
        allows = role.trust.allows if role.trust is not None else ()
        if any(s.principal is not None and s.principal.wildcard for s in allows):
            everyone.append(role)
            continue
        for arn in {a for s in allows if s.principal is not None for a in s.principal.exact}:
            named.setdefault(arn, []).append(role)
    return lambda arn: everyone + named.get(arn, [])


def _names_exactly(trust: CompiledPolicy, arn: str) -> bool:
    """Does some Allow of the trust name the actor itself, or everyone (``"*"``)? In the same account
    such a trust allows by itself, so the actor needs no sts:AssumeRole of its own; the evaluator
    decides (conditions, boundaries, SCPs)."""
    return any(s.principal is not None and (s.principal.wildcard or arn in s.principal.exact)
               for s in trust.allows)


def _allow_reasons(decision: Decision, action: str) -> tuple[Reason, ...]:
    return tuple(Reason(r.layer, r.policy, r.statement, r.sid, r.effect, r.detail or action)
                 for r in decision.explain if r.effect == "Allow")


def _join(first: str, then: tuple[Reason, ...]) -> str:
    return first + ("+sts:AssumeRole" if then else "")


def _join_notes(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def certain_graph(graph: nx.DiGraph) -> nx.DiGraph:
    """The graph without its uncertain edges (those all of whose steps rest on uncollected data):
    a read-only view, or the graph itself when it has none."""
    if not any(data.get("gap") for _, _, data in graph.edges(data=True)):
        return graph
    succ = graph._succ

    def certain(a: str, b: str) -> bool:
        return not succ[a][b].get("gap")

    return nx.subgraph_view(graph, filter_edge=certain)


def escalation_paths(account: Account, graph: nx.DiGraph | None = None) -> list[tuple[str, list[Step]]]:
    """(principal, steps) for every non-administrator that can reach ADMIN through certain edges,
    by shortest path (the principals that reach it only through uncertain ones: ``gap_path``)."""
    graph = graph if graph is not None else build_graph(account)
    admins = graph.graph.get("admins", set())
    found: list[tuple[str, list[Step]]] = []
    certain = certain_graph(graph)
    lengths = nx.single_target_shortest_path(certain, ADMIN)
    for node in sorted(lengths):
        if node == ADMIN or node in admins:
            continue
        path = lengths[node]
        found.append((node, [certain.edges[a, b]["step"] for a, b in itertools.pairwise(path)]))
    return found


def gap_path(graph: nx.DiGraph, source: str, target: str = ADMIN,
             certain: nx.DiGraph | None = None) -> list[Step] | None:
    """A shortest chain from ``source`` to ``target`` that needs uncertain edges, or None (there is
    none, or a certain one exists): each step is the edge's gap step where it has one."""
    if source not in graph or target not in graph:
        return None
    certain = certain if certain is not None else certain_graph(graph)
    if certain is not graph and nx.has_path(certain, source, target):
        return None
    return _gap_steps(graph, source, target)


def _gap_steps(graph: nx.DiGraph, source: str, target: str) -> list[Step] | None:
    try:
        nodes = nx.shortest_path(graph, source, target, weight=_weight)
    except nx.NetworkXNoPath:
        return None
    steps = []
    for a, b in itertools.pairwise(nodes):
        data = graph.edges[a, b]
        steps.append(next((s for s in data["steps"] if s.gap), data["step"]) if data.get("gap") else data["step"])
    return steps if any(step.gap for step in steps) else None


def _weight(_a: str, _b: str, data: dict[str, Any]) -> float:
    """Uncertain edges cost more, so that a chain uses as few of them as it can."""
    return 1000.0 if data.get("gap") else 1.0


def _unresolved(graph: nx.DiGraph, admins: set[str]) -> dict[str, list[tuple[str, str]]]:
    """principal -> [(path id, gap reason)] for every principal that reaches ADMIN only through
    uncertain edges: whether it can escalate is unknown, not "no"."""
    certain = certain_graph(graph)
    if certain is graph:
        return {}
    sure = set(nx.ancestors(certain, ADMIN))
    found: dict[str, list[tuple[str, str]]] = {}
    for node in sorted(nx.ancestors(graph, ADMIN) - sure - admins):
        steps = _gap_steps(graph, node, ADMIN) or []
        gapped = [s for a, b in itertools.pairwise([node, *(s.target for s in steps)]) if graph.edges[a, b].get("gap")
                  for s in graph.edges[a, b]["steps"] if s.gap]
        found[node] = list(dict.fromkeys((s.kind, s.gap) for s in gapped))
    return found
