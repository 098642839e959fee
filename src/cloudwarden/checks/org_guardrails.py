"""Account strategy in AWS Organizations: centralised root access, the OU structure, delegated
administrators for the security services, the AI services opt-out policy.

Reads organizations.* (global; readable from the management account or a delegated administrator,
a member account's AccessDenied is a gap) and iam.organizations_features. A standalone account
(organizations.organization is None) fails each: none of these guardrails exists without one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import wraps

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.inventory.snapshot import DataUnavailable
from cloudwarden.inventory.views.organizations import (
    ACCOUNTS,
    ADMINS,
    AI_POLICIES,
    AI_TARGETS,
    DELEGATED,
    FEATURES,
    ORG,
    TREE,
    Organization,
    OrganizationsView,
)

ORG_RESOURCE = "AWS::Organizations::Organization"
ORG_DOC = "https://docs.aws.amazon.com/organizations/latest/userguide/"
STANDALONE = "standalone account, no organization"
ROOT_FEATURES = ("RootCredentialsManagement", "RootSessions")
SECURITY_SERVICES = {"guardduty.amazonaws.com": "GuardDuty", "securityhub.amazonaws.com": "Security Hub"}


OrgCheck = Callable[[CheckContext, Organization], Iterator[Result]]


def in_organization(note: str = "") -> Callable[[OrgCheck], Callable[[CheckContext], Iterator[Result]]]:
    """Run the check on the organization record; a standalone account fails it (`note` says why)."""
    def wrap(judge: OrgCheck) -> Callable[[CheckContext], Iterator[Result]]:
        @wraps(judge)
        def run(ctx: CheckContext) -> Iterator[Result]:
            org = ctx.view(OrganizationsView).organization()
            if org is None:
                yield verdict(False, ctx.account_id, STANDALONE + note, resource_type=ORG_RESOURCE)
                return
            yield from judge(ctx, org)
        return run
    return wrap


@check("org.centralized_root_access", resource_type=ORG_RESOURCE, datasets=[ORG, FEATURES],
       fix="From the management account, enable trusted access for IAM and turn on centralised root "
           "access (root credentials management and privileged root sessions), then delete member "
           "accounts' root credentials.",
       cli="aws organizations enable-aws-service-access --service-principal iam.amazonaws.com && "
           "aws iam enable-organizations-root-credentials-management && aws iam enable-organizations-root-sessions",
       doc="https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-enable-root-access.html")
@in_organization(": root access cannot be centralised")
def centralized_root_access(ctx: CheckContext, org: Organization) -> Iterator[Result]:
    features = ctx.view(OrganizationsView).root_features()
    if features is None:
        yield verdict(False, org.id, "IAM trusted access is not enabled in the organization: root "
                      "access is not centralised", resource_type=ORG_RESOURCE)
        return
    missing = [f for f in ROOT_FEATURES if f not in features]
    yield verdict(not missing, org.id,
                  f"centralised root access: {', '.join(features) or 'no feature'} enabled"
                  + (f"; not enabled: {', '.join(missing)}" if missing else ""), resource_type=ORG_RESOURCE)


@check("org.ou_structure", resource_type=ORG_RESOURCE, datasets=[ORG, TREE, ACCOUNTS],
       fix="Group accounts into OUs by environment and sensitivity (for example Security, Infrastructure, "
           "Workloads/Prod, Workloads/SDLC, Sandbox) and keep no workload account at the root.",
       cli="aws organizations create-organizational-unit --parent-id ROOT_ID --name Prod && "
           "aws organizations move-account --account-id ACCOUNT --source-parent-id ROOT_ID --destination-parent-id OU_ID",
       doc=ORG_DOC + "orgs_manage_ous.html")
@in_organization()
def ou_structure(ctx: CheckContext, org: Organization) -> Iterator[Result]:
    view = ctx.view(OrganizationsView)
    tree, accounts = view.tree(), view.accounts()
    units = {u.id: u for u in tree.units}
    parents = tree.account_parents
    at_root = sorted(a.id for a in accounts if a.id != org.management and parents.get(a.id) not in units)
    used = sorted({units[p].path for p in parents.values() if p in units})
    ok = len(used) >= 2 and not at_root
    layout = f"{len(units)} OU(s); accounts in {', '.join(used) or 'no OU'}"
    problems = ([f"{len(at_root)} member account(s) directly under the root: {', '.join(at_root[:5])}"]
                if at_root else []) + ([] if len(used) >= 2 else ["fewer than two OUs hold accounts"])
    yield verdict(ok, org.id, layout + ("; " + "; ".join(problems) if problems else
                  "; review that the OUs separate environments and sensitivity levels"),
                  resource_type=ORG_RESOURCE)


@check("org.delegated_admin_for_security_services", resource_type=ORG_RESOURCE, datasets=[ORG, ADMINS, DELEGATED],
       fix="Register a dedicated security account as delegated administrator for GuardDuty and Security Hub "
           "(and Config, Inspector, Macie, Detective).",
       cli="aws guardduty enable-organization-admin-account --admin-account-id SECURITY_ACCOUNT && "
           "aws securityhub enable-organization-admin-account --admin-account-id SECURITY_ACCOUNT",
       doc=ORG_DOC + "orgs_integrate_services_list.html")
@in_organization()
def delegated_admin_for_security_services(ctx: CheckContext, org: Organization) -> Iterator[Result]:
    admins = [a for a in ctx.view(OrganizationsView).delegated_administrators() if a.id != org.management]
    by_service: dict[str, list[str]] = {}
    unread: DataUnavailable | None = None
    for admin in admins:
        services = admin.services.resolve()
        if not services.known:
            unread = unread or services.gap
            continue
        for service in services.value or ():
            by_service.setdefault(service, []).append(admin.id)
    missing = [name for principal, name in SECURITY_SERVICES.items() if principal not in by_service]
    if missing and unread is not None:  # the administrator whose services were not read may hold them
        raise unread
    have = [f"{name} by {', '.join(by_service[p])}" for p, name in SECURITY_SERVICES.items() if p in by_service]
    yield verdict(not missing, org.id, "; ".join(
        (["delegated administrator for " + ", ".join(have)] if have else [])
        + ([f"no delegated administrator for {', '.join(missing)}"] if missing else [])),
        resource_type=ORG_RESOURCE)


@check("org.ai_services_opt_out", resource_type=ORG_RESOURCE, datasets=[ORG, AI_POLICIES, AI_TARGETS],
       fix="Enable the AI services opt-out policy type, create a policy opting out of all services "
           "(\"default\": {\"opt_out_policy\": {\"@@assign\": \"optOut\"}}) and attach it to the root.",
       cli="aws organizations enable-policy-type --root-id ROOT_ID --policy-type AISERVICES_OPT_OUT_POLICY && "
           "aws organizations attach-policy --policy-id POLICY_ID --target-id ROOT_ID",
       doc=ORG_DOC + "orgs_manage_policies_ai-opt-out.html")
@in_organization()
def ai_services_opt_out(ctx: CheckContext, org: Organization) -> Iterator[Result]:
    policies = ctx.view(OrganizationsView).ai_opt_out_policies()
    targets, unread = {}, None
    for policy in policies:
        part = policy.targets.resolve()
        if part.known:
            targets[policy.id] = part.value or ()
        else:
            unread = unread or part.gap
    at_root = [p.name for p in policies if any(t.type == "ROOT" for t in targets.get(p.id, ()))]
    partly = [f"{p.name} on {len(targets.get(p.id, ()))} OU/account target(s)" for p in policies
              if p.name not in at_root and targets.get(p.id)]
    if at_root:
        message = f"AI services opt-out policy {', '.join(at_root)} is attached to the root"
    elif unread is not None:  # the policy whose targets were not read may be on the root
        raise unread
    elif partly:
        message = "no AI services opt-out policy on the root; only " + "; ".join(partly)
    else:
        message = "no AI services opt-out policy is attached" if policies else "no AI services opt-out policy"
    yield verdict(bool(at_root), org.id, message, resource_type=ORG_RESOURCE)
