"""IAM policies, roles and trust: what the account's own policy documents grant (authorization details)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.checks._iam_eval import compiled_or_unknown
from cloudwarden.checks._public import public_actions
from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import (
    allow_statements,
    as_list,
    verdict,
)
from cloudwarden.checks.registry import Result, check
from cloudwarden.core.arn import parse_arn
from cloudwarden.inventory.snapshot import DataUnavailable
from cloudwarden.inventory.views.iam import DETAILS, AuthorizationDetails, IamView, ManagedPolicy, Principal

IAM_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
ADMIN_POLICY = ":iam::aws:policy/AdministratorAccess"


def _details(ctx: CheckContext) -> AuthorizationDetails:
    return ctx.view(IamView).details()


def policy_name(policy: ManagedPolicy) -> str:
    return policy.name


def customer_policies(ctx: CheckContext) -> Iterator[tuple[ManagedPolicy, Any]]:
    for policy in _details(ctx).customer_policies:
        yield policy, policy.document


def inline_policies(ctx: CheckContext) -> Iterator[tuple[str, str, str, Any]]:
    """(kind, principal name, policy name, document) for every inline policy."""
    for principal, inline in _details(ctx).inline_policies():
        yield principal.kind, principal.name, inline.name, inline.document


def _admin_in(ctx: CheckContext, document: Any, resource: str = "") -> bool:
    """Administrator by evaluation (engines.iam.admin's probe), whatever the wording of the policy."""
    if document is None:
        return False
    return compiled_or_unknown(document, ctx.account_id, ctx.partition, DETAILS, resource).is_administrator()


def _matching_actions(document: Any, wanted: Any) -> list[str]:
    hits: list[str] = []
    for statement in allow_statements(document):
        hits.extend(a for a in as_list(statement.get("Action")) if wanted(str(a), statement))
    return sorted(set(hits))


def evaluated_verdicts(ctx: CheckContext, judge: Any) -> Iterator[Result]:
    """Customer-managed and inline policies judged by `judge(name, document) -> (compliant, evidence)`;
    a document the evaluator cannot read makes that policy UNKNOWN."""
    for policy, document in customer_policies(ctx):
        with ctx.resource(policy_name(policy)):
            ok, message = judge(policy_name(policy), document)
            yield verdict(ok, policy_name(policy), message, arn=policy.arn,
                          resource_type="AWS::IAM::ManagedPolicy")
    for kind, principal, name, document in inline_policies(ctx):
        with ctx.resource(f"{kind}/{principal}/{name}"):
            ok, message = judge(f"{kind}/{principal}/{name}", document)
            yield verdict(ok, f"{kind}/{principal}/{name}", ("inline policy " if not ok else "") + message,
                          resource_type="AWS::IAM::Policy")


def _policy_verdicts(ctx: CheckContext, wanted: Any, what: str) -> Iterator[Result]:
    """Customer-managed and inline policies: FAIL where an Allow names an action `wanted` accepts."""
    for policy, document in customer_policies(ctx):
        hits = _matching_actions(document, wanted)
        yield verdict(not hits, policy_name(policy),
                      f"allows {', '.join(hits)}" if hits else f"no {what}", arn=policy.arn,
                      resource_type="AWS::IAM::ManagedPolicy")
    for kind, principal, name, document in inline_policies(ctx):
        hits = _matching_actions(document, wanted)
        yield verdict(not hits, f"{kind}/{principal}/{name}",
                      f"inline policy allows {', '.join(hits)}" if hits else f"no {what}",
                      resource_type="AWS::IAM::Policy")


@check("iam.user_no_direct_policies", resource_type="AWS::IAM::User", datasets=[DETAILS],
       fix="Move the user's policies to a group (or a role) and detach them from the user.",
       cli="aws iam detach-user-policy --user-name USER --policy-arn ARN",
       doc=IAM_DOC + "best-practices.html#use-groups-for-permissions")
def user_no_direct_policies(ctx: CheckContext) -> Iterator[Result]:
    for user in _details(ctx).users:
        direct = [p.name for p in user.attached] + [p.name + " (inline)" for p in user.inline]
        yield verdict(not direct, user.name,
                      f"policies on the user: {', '.join(direct)}" if direct else "permissions only through groups",
                      arn=user.arn)


@check("iam.policy_no_full_admin", resource_type="AWS::IAM::ManagedPolicy", datasets=[DETAILS],
       fix="Replace the '*:*' statement with the actions and resources the holders need, then detach it.",
       cli="aws iam create-policy-version --policy-arn ARN --policy-document file://least.json --set-as-default",
       doc=IAM_DOC + "best-practices.html#grant-least-privilege")
def policy_no_full_admin(ctx: CheckContext) -> Iterator[Result]:
    for policy, document in customer_policies(ctx):
        attached = policy.attachment_count
        with ctx.resource(policy_name(policy)):
            admin = _admin_in(ctx, document, policy_name(policy))
            message = (f"grants '*:*' and is attached to {attached} principal(s)" if admin and attached
                       else "grants '*:*' but is not attached" if admin else "does not grant '*:*'")
            yield verdict(not (admin and attached), policy_name(policy), message, arn=policy.arn)


@check("iam.inline_policy_no_full_admin", resource_type="AWS::IAM::Policy", datasets=[DETAILS],
       fix="Remove the inline '*:*' policy; grant scoped permissions through managed policies.",
       cli="aws iam delete-role-policy --role-name ROLE --policy-name NAME",
       doc=IAM_DOC + "best-practices.html#grant-least-privilege")
def inline_policy_no_full_admin(ctx: CheckContext) -> Iterator[Result]:
    for kind, principal, name, document in inline_policies(ctx):
        with ctx.resource(f"{kind}/{principal}/{name}"):
            admin = _admin_in(ctx, document, f"{kind}/{principal}/{name}")
            yield verdict(not admin, f"{kind}/{principal}/{name}",
                          f"inline policy on {kind} {principal} grants '*:*'" if admin else "does not grant '*:*'")


@check("iam.policy_no_service_wildcard", resource_type="AWS::IAM::ManagedPolicy", datasets=[DETAILS],
       fix="List the actions the holders use instead of 'service:*'.",
       cli="aws iam create-policy-version --policy-arn ARN --policy-document file://scoped.json --set-as-default",
       doc=IAM_DOC + "reference_policies_elements_action.html")
def policy_no_service_wildcard(ctx: CheckContext) -> Iterator[Result]:
    for policy, document in customer_policies(ctx):
        hits = _matching_actions(document, lambda a, _s: a.endswith(":*") and a != "*:*")
        yield verdict(not hits, policy_name(policy),
                      f"service-wide wildcards: {', '.join(hits)}" if hits else "no service-wide wildcard",
                      arn=policy.arn)


def _admin_or_unknown(ctx: CheckContext, document: Any) -> bool:
    """For finding administrators: a document the evaluator cannot read does not make one."""
    try:
        return _admin_in(ctx, document)
    except DataUnavailable:
        return False


def admin_principals(ctx: CheckContext) -> dict[str, str]:
    """User name -> how it gets admin (AdministratorAccess or a '*:*' policy, directly or by group)."""
    details = _details(ctx)
    admin_policies = {p.arn for p, doc in customer_policies(ctx) if _admin_or_unknown(ctx, doc)}

    def admin_via(principal: Principal) -> str:
        for p in principal.attached:
            if p.arn.endswith(ADMIN_POLICY) or p.arn in admin_policies:
                return p.name
        for inline in principal.inline:
            if _admin_or_unknown(ctx, inline.document):
                return inline.name + " (inline)"
        return ""

    groups = {g.name: admin_via(g) for g in details.groups}
    admins = {}
    for user in details.users:
        via = admin_via(user) or next((f"{groups[g]} via group {g}" for g in user.groups if groups.get(g)), "")
        if via:
            admins[user.name] = via
    return admins


@check("iam.no_administratoraccess_on_users", resource_type="AWS::IAM::User", datasets=[DETAILS],
       fix="Give administrators a role to assume (with MFA) instead of AdministratorAccess on users or groups.",
       cli="aws iam detach-user-policy --user-name USER --policy-arn arn:aws:iam::aws:policy/AdministratorAccess",
       doc=IAM_DOC + "id_roles_use.html")
def no_administratoraccess_on_users(ctx: CheckContext) -> Iterator[Result]:
    details = _details(ctx)
    for principal in details.users + details.groups:
        kind = principal.kind
        has = any(p.arn.endswith(ADMIN_POLICY) for p in principal.attached)
        yield verdict(not has, principal.label,
                      f"AdministratorAccess attached to {kind} {principal.name}" if has
                      else "AdministratorAccess not attached", arn=principal.arn,
                      resource_type=f"AWS::IAM::{kind.capitalize()}")


@check("iam.admin_principals_have_mfa", resource_type="AWS::IAM::User",
       datasets=[DETAILS, "iam.credential_report"],
       fix="Require MFA for every administrator (assign a device, and deny actions without MFA).",
       cli="aws iam enable-mfa-device --user-name USER --serial-number MFA_ARN --authentication-code1 C1 --authentication-code2 C2",
       doc=IAM_DOC + "id_credentials_mfa_enable.html")
def admin_principals_have_mfa(ctx: CheckContext) -> Iterator[Result]:
    rows = {row.user: row for row in ctx.view(IamView).credential_report()}
    for user, via in sorted(admin_principals(ctx).items()):
        row = rows.get(user)
        mfa = row is not None and row.mfa_active
        yield verdict(mfa, user, f"administrator through {via}; " + ("MFA active" if mfa else "no MFA device"))


@check("iam.policy_no_wildcard_assume_role", resource_type="AWS::IAM::Policy", datasets=[DETAILS],
       fix="Name the roles that may be assumed instead of Resource '*'.",
       cli="aws iam create-policy-version --policy-arn ARN --policy-document file://scoped.json --set-as-default",
       doc=IAM_DOC + "id_roles_use_permissions-to-switch.html")
def policy_no_wildcard_assume_role(ctx: CheckContext) -> Iterator[Result]:
    def judge(name: str, document: Any) -> tuple[bool, str]:
        probe = compiled_or_unknown(document, ctx.account_id, ctx.partition, DETAILS, name)
        if probe.assumes_any_role():
            return False, "allows sts:AssumeRole on roles it does not name (Resource '*' or a wildcard)"
        return True, "no sts:AssumeRole on '*'"

    yield from evaluated_verdicts(ctx, judge)


@check("iam.policy_no_full_kms_or_cloudtrail", resource_type="AWS::IAM::Policy", datasets=[DETAILS],
       fix="Grant the KMS and CloudTrail actions needed, not the whole service.",
       cli="aws iam create-policy-version --policy-arn ARN --policy-document file://scoped.json --set-as-default",
       doc=IAM_DOC + "best-practices.html#grant-least-privilege")
def policy_no_full_kms_or_cloudtrail(ctx: CheckContext) -> Iterator[Result]:
    yield from _policy_verdicts(ctx, lambda a, _s: a.lower() in ("kms:*", "cloudtrail:*"), "kms:* or cloudtrail:*")


@check("iam.policy_no_privilege_escalation", resource_type="AWS::IAM::Policy", datasets=[DETAILS],
       fix="Remove the escalation actions, or scope them to specific resources with conditions.",
       cli="aws iam create-policy-version --policy-arn ARN --policy-document file://scoped.json --set-as-default",
       doc=IAM_DOC + "access_policies_manage-edit.html")
def policy_no_privilege_escalation(ctx: CheckContext) -> Iterator[Result]:
    for policy, document in customer_policies(ctx):
        name = policy_name(policy)
        with ctx.resource(name):
            probe = compiled_or_unknown(document, ctx.account_id, ctx.partition, DETAILS, name)
            hits = ["*"] if probe.is_administrator() else probe.escalation_sets()
            yield verdict(not hits, name,
                          f"allows on '*': {', '.join(hits)}" if hits else "no escalation action set on '*'",
                          arn=policy.arn, resource_type="AWS::IAM::ManagedPolicy")


def _roles(ctx: CheckContext) -> tuple[Principal, ...]:
    return _details(ctx).roles


def _trust_statements(role: Principal) -> list[dict[str, Any]]:
    return list(allow_statements(role.trust))


@check("iam.role_trust_no_public_principal", resource_type="AWS::IAM::Role", datasets=[DETAILS],
       fix="Name the accounts or services that may assume the role, or add conditions that pin them.",
       cli="aws iam update-assume-role-policy --role-name ROLE --policy-document file://trust.json",
       doc=IAM_DOC + "id_roles_terms-and-concepts.html")
def role_trust_no_public_principal(ctx: CheckContext) -> Iterator[Result]:
    for role in _roles(ctx):
        arn = role.arn or ctx.arn("iam", f"role/{role.name}")
        with ctx.resource(role.name):
            # the evaluator tries an anonymous caller and an unrelated account against the trust policy
            open_ = public_actions(role.trust, TRUST_ACTIONS, arn, ctx.account_id, DETAILS)
            yield verdict(not open_, role.name,
                          "trust policy lets any AWS principal assume the role" if open_
                          else "trust policy names its principals", arn=role.arn)


TRUST_ACTIONS = ("sts:AssumeRole",)
_PINNING_KEYS = {"sts:externalid", "aws:multifactorauthpresent", "aws:principalorgid", "aws:principalarn",
                 "aws:sourceidentity", "aws:principalorgpaths"}


def _foreign_accounts(statement: dict[str, Any], own: str) -> list[str]:
    principal = statement.get("Principal")
    aws = as_list(principal.get("AWS")) if isinstance(principal, dict) else []
    accounts = []
    for entry in aws:
        parsed = parse_arn(str(entry))
        account = parsed.account if parsed else str(entry)
        if account.isdigit() and account != own:
            accounts.append(account)
    return accounts


@check("iam.role_cross_account_trust_conditioned", resource_type="AWS::IAM::Role", datasets=[DETAILS],
       fix="Require sts:ExternalId (third parties), MFA, or aws:PrincipalOrgID in cross-account trusts.",
       cli="aws iam update-assume-role-policy --role-name ROLE --policy-document file://trust-with-external-id.json",
       doc=IAM_DOC + "id_roles_create_for-user_externalid.html")
def role_cross_account_trust_conditioned(ctx: CheckContext) -> Iterator[Result]:
    for role in _roles(ctx):
        loose = []
        for statement in _trust_statements(role):
            keys = {k.lower() for cond in (statement.get("Condition") or {}).values()
                    if isinstance(cond, dict) for k in cond}
            if not keys & _PINNING_KEYS:
                loose += _foreign_accounts(statement, ctx.account_id)
        if any(_foreign_accounts(s, ctx.account_id) for s in _trust_statements(role)):
            yield verdict(not loose, role.name,
                          f"trusts account(s) {', '.join(sorted(set(loose)))} without ExternalId/MFA/org condition"
                          if loose else "cross-account trust is conditioned", arn=role.arn)


def _role_with_policy(ctx: CheckContext, suffix: str) -> list[str]:
    return [r.name for r in _roles(ctx) if any(p.arn.endswith(suffix) for p in r.attached)]


@check("iam.support_role_exists", resource_type="AWS::IAM::Role", datasets=[DETAILS],
       fix="Create a role for incident handlers with the AWSSupportAccess managed policy.",
       cli="aws iam attach-role-policy --role-name support --policy-arn arn:aws:iam::aws:policy/AWSSupportAccess",
       doc=IAM_DOC + "using-service-linked-roles.html")
def support_role_exists(ctx: CheckContext) -> Iterator[Result]:
    roles = _role_with_policy(ctx, ":iam::aws:policy/AWSSupportAccess")
    yield verdict(bool(roles), ctx.account_id,
                  f"AWSSupportAccess on role(s) {', '.join(roles)}" if roles else "no role has AWSSupportAccess")


@check("iam.security_audit_role_exists", resource_type="AWS::IAM::Role", datasets=[DETAILS],
       fix="Create a read-only investigation role with the SecurityAudit managed policy.",
       cli="aws iam attach-role-policy --role-name audit --policy-arn arn:aws:iam::aws:policy/SecurityAudit",
       doc=IAM_DOC + "access_policies_job-functions.html")
def security_audit_role_exists(ctx: CheckContext) -> Iterator[Result]:
    roles = _role_with_policy(ctx, ":iam::aws:policy/SecurityAudit")
    yield verdict(bool(roles), ctx.account_id,
                  f"SecurityAudit on role(s) {', '.join(roles)}" if roles else "no role has SecurityAudit")
