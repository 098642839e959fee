"""The decision: explicit denies first, then RCP and SCP levels, then the allow rules of
iam-evaluation-spec.md §2, §3 and §8 (same account, cross account, trust and key policies).

``evaluate(request, policies)`` is a pure function of compiled inputs; it returns the decision and
the statements (or missing layers) that decided it.
"""

from __future__ import annotations

from collections.abc import Iterable

from cloudwarden.engines.iam.model import (
    ALLOW,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    Decision,
    PolicySet,
    Reason,
    Request,
)
from cloudwarden.engines.iam.policy import CompiledPolicy, Statement
from cloudwarden.engines.iam.principals import ACCOUNT, EXACT, HOW_NAMES, ROLE, Kind

TRUST_ACTIONS = frozenset(
    {
        "sts:assumerole",
        "sts:assumerolewithsaml",
        "sts:assumerolewithwebidentity",
        "sts:tagsession",
        "sts:setsourceidentity",
        "sts:setcontext",
    }
)


def evaluate(request: Request, policies: PolicySet) -> Decision:
    principal = request.principal
    scp_applies = policies.scps is not None and principal.is_iam and not principal.service_linked
    rcp_applies = policies.rcps is not None and not principal.service_linked
    denies = _explicit_denies(request, policies, scp_applies, rcp_applies)
    if denies:
        return Decision(EXPLICIT_DENY, tuple(denies))
    # RCPs need no Allow check: the AWS-managed RCPFullAWSAccess is attached at every level.
    granted: list[Reason] = []
    for number, level in enumerate(policies.scps if scp_applies and policies.scps else ()):
        statement = _first_allow(level, request)
        if statement is None:
            detail = f"no SCP at level {number} allows the request"
            return Decision(IMPLICIT_DENY, (Reason("scp", detail=detail),))
        granted.append(Reason.of("scp", statement, f"level {number}"))
    return _grant(request, policies, granted)


def _identity_layers(request: Request, policies: PolicySet) -> Iterable[tuple[str, CompiledPolicy]]:
    """Policies on the principal's side; roots carry none and non-IAM principals have none."""
    kind = request.principal.kind
    if not request.principal.is_iam or kind is Kind.ROOT:
        return
    for policy in policies.identity:
        yield "identity", policy
    if policies.boundary is not None:
        yield "boundary", policies.boundary
    if policies.session is not None:
        yield "session", policies.session


def _explicit_denies(request: Request, policies: PolicySet, scp: bool, rcp: bool) -> list[Reason]:
    action, resource, context = request.action_key, request.resource, request.context
    found: list[Reason] = []
    principal = request.principal
    if principal.is_iam and principal.kind is not Kind.ROOT:  # as _identity_layers, unrolled
        for policy in policies.identity:
            for statement in policy.denies:
                if statement.applies(action, resource, context):
                    found.append(Reason.of("identity", statement))
        for layer, single in (("boundary", policies.boundary), ("session", policies.session)):
            if single is not None:
                for statement in single.denies:
                    if statement.applies(action, resource, context):
                        found.append(Reason.of(layer, statement))
    has_boundary = policies.boundary is not None
    for layer, levels in (("scp", policies.scps if scp else None), ("rcp", policies.rcps if rcp else None)):
        if levels:
            for level in levels:
                for policy in level:
                    for statement in policy.denies:
                        if statement.applies(action, resource, context) and statement.names(principal, has_boundary):
                            found.append(Reason.of(layer, statement))
    if policies.resource is not None:
        for statement in policies.resource.denies:
            if statement.applies(action, resource, context) and statement.names(principal, has_boundary):
                found.append(Reason.of("resource", statement))
    return found


def _names(statement: Statement, request: Request, policies: PolicySet) -> int:
    return statement.names(request.principal, policies.boundary is not None)


def _first_allow(level: Iterable[CompiledPolicy], request: Request) -> Statement | None:
    action, resource, context = request.action_key, request.resource, request.context
    for policy in level:
        for statement in policy.allows:
            if statement.applies(action, resource, context):
                return statement
    return None


def _resource_allows(request: Request, policies: PolicySet) -> dict[int, Statement]:
    """The first resource-policy Allow for each way of naming the principal (EXACT, ROLE, ACCOUNT)."""
    found: dict[int, Statement] = {}
    if policies.resource is None:
        return found
    action, resource, context = request.action_key, request.resource, request.context
    for statement in policies.resource.allows:
        if statement.applies(action, resource, context):
            how = _names(statement, request, policies)
            if how and how not in found:
                found[how] = statement
    return found


def resource_policy_gates(request: Request) -> str:
    """'trust' or 'key' when the resource policy must allow by itself (role trust, KMS key); else ''."""
    if request.action_key in TRUST_ACTIONS:
        return "trust"
    if request.action_key.startswith("kms:") and ":key/" in request.resource:
        return "key"
    return ""


def _grant(request: Request, policies: PolicySet, granted: list[Reason]) -> Decision:
    principal = request.principal
    by_how = _resource_allows(request, policies) if policies.resource is not None else {}
    rbp_reasons = {how: Reason.of("resource", s, _naming(s, how)) for how, s in by_how.items()} if by_how else {}
    if not principal.is_iam:
        if by_how:
            return Decision(ALLOW, (*granted, rbp_reasons[max(by_how)]))
        return Decision(IMPLICIT_DENY, (Reason("resource", detail="no resource policy statement allows"),))
    missing, layer_reasons = _principal_side(request, policies)
    limits_ok = True
    for reason in missing:
        if reason.layer == "boundary" or reason.layer == "session":
            limits_ok = False
    gate = resource_policy_gates(request)
    if principal.account == request.resource_account:
        if EXACT in by_how:
            return Decision(ALLOW, (*granted, rbp_reasons[EXACT]))
        if ROLE in by_how and limits_ok:
            limits = [r for r in layer_reasons if r.layer != "identity"]
            return Decision(ALLOW, (*granted, rbp_reasons[ROLE], *limits))
        if not missing and (not gate or ACCOUNT in by_how):
            extra = [rbp_reasons[ACCOUNT]] if ACCOUNT in by_how else []
            return Decision(ALLOW, (*granted, *layer_reasons, *extra))
    elif not missing and by_how:
        return Decision(ALLOW, (*granted, *layer_reasons, rbp_reasons[max(by_how)]))
    if not by_how and (gate or principal.account != request.resource_account):
        what = {"trust": "the role's trust policy", "key": "the key policy"}.get(gate, "the resource policy")
        missing.append(Reason("resource", detail=f"{what} does not allow this principal"))
    return Decision(IMPLICIT_DENY, tuple(missing))


def _naming(statement: Statement, how: int) -> str:
    wildcard = statement.principal is not None and statement.principal.wildcard
    return "names every principal (*)" if wildcard else f"names the {HOW_NAMES[how]}"


def _principal_side(request: Request, policies: PolicySet) -> tuple[list[Reason], list[Reason]]:
    """(layers with no Allow, the Allow statements of the layers that have one)."""
    missing: list[Reason] = []
    allowed: list[Reason] = []
    if request.principal.kind is Kind.ROOT:
        return missing, allowed
    statement = _first_allow(policies.identity, request)
    if statement is None:
        missing.append(Reason("identity", detail="no identity policy statement allows"))
    else:
        allowed.append(Reason.of("identity", statement))
    for layer, single in (("boundary", policies.boundary), ("session", policies.session)):
        if single is not None:
            statement = _first_allow((single,), request)
            if statement is None:
                missing.append(Reason(layer, detail=f"no {layer} policy statement allows"))
            else:
                allowed.append(Reason.of(layer, statement))
    return missing, allowed
