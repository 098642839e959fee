"""Governance and response readiness: Security Hub's organization-wide administration, open
high-severity GuardDuty findings, active Access Analyzer findings, Trusted Advisor's security checks,
the support plan, the primary account contact, CloudFormation drift, and roles nobody uses.

Where the snapshot cannot tell (moto lacks the API, the support plan hides Trusted Advisor, drift
detection never ran) the verdict is UNKNOWN with the reason, never PASS.
"""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.core.enums import Status
from cloudwarden.inventory.snapshot import GLOBAL, DataUnavailable
from cloudwarden.inventory.views.accessanalyzer import ANALYZERS, AccessAnalyzerView
from cloudwarden.inventory.views.accessanalyzer import FINDINGS as AA_FINDINGS
from cloudwarden.inventory.views.account import CONTACT, AccountView
from cloudwarden.inventory.views.cloudformation import STACKS, CloudFormationView
from cloudwarden.inventory.views.guardduty import DETECTOR_IDS as GD_IDS
from cloudwarden.inventory.views.guardduty import DETECTORS as GD_DETECTORS
from cloudwarden.inventory.views.guardduty import HIGH_FINDINGS as GD_HIGH
from cloudwarden.inventory.views.guardduty import GuardDutyView
from cloudwarden.inventory.views.iam import DETAILS, IamView, Principal
from cloudwarden.inventory.views.securityhub import ADMIN as SH_ADMIN
from cloudwarden.inventory.views.securityhub import HUB, SecurityHubView
from cloudwarden.inventory.views.securityhub import ORG_CONFIG as SH_ORG
from cloudwarden.inventory.views.support import SEVERITY, TA_CHECKS, TA_RESULTS, SupportView

UNUSED_DAYS = 90


# -- Security Hub --

@check("securityhub.delegated_admin_all_regions", resource_type="AWS::SecurityHub::Hub",
       datasets=[HUB, SH_ADMIN, SH_ORG],
       fix="From the management account, designate the security account as Security Hub's delegated "
           "administrator in every region, and there turn on auto-enable (or central configuration) for members.",
       cli="aws securityhub enable-organization-admin-account --admin-account-id SECURITY_ACCOUNT && "
           "aws securityhub update-organization-configuration --auto-enable --region <REGION>",
       doc="https://docs.aws.amazon.com/securityhub/latest/userguide/designate-orgs-admin-account.html")
def securityhub_delegated_admin_all_regions(ctx: CheckContext) -> Iterator[Result]:
    hubs = ctx.view(SecurityHubView)
    for region, hub in ctx.region_values(hubs.hub):
        resource, arn = f"securityhub/{region}", ctx.arn("securityhub", "hub/default", region)
        if hub is None:
            yield verdict(False, resource, "Security Hub is not enabled", region, arn)
            continue
        with ctx.resource(resource, region):
            admin = hubs.administrator(region)
            if admin.manages:
                yield verdict(True, resource, f"member of administrator {admin.account_id} "
                              f"({admin.member_status})", region, arn)
                continue
            config = hubs.organization_configuration(region)
            if config is None:
                yield verdict(False, resource, "no Security Hub administrator manages this account, and it is "
                              "not a delegated administrator", region, arn)
                continue
            central, auto = config.central, config.auto_enable
            yield verdict(central or auto, resource, "delegated administrator; " + (
                "central configuration manages members" if central else "new members are auto-enabled" if auto
                else "new organization accounts are NOT auto-enabled"), region, arn)


# -- GuardDuty findings --

@check("guardduty.no_unaddressed_high_findings", resource_type="AWS::GuardDuty::Detector",
       datasets=[GD_IDS, GD_DETECTORS, GD_HIGH],
       fix="Triage every open High/Critical GuardDuty finding: contain, then archive it with a note (or add a "
           "suppression rule for verified benign patterns).",
       cli="aws guardduty list-findings --detector-id <DETECTOR> --finding-criteria "
           "'{\"Criterion\":{\"severity\":{\"GreaterThanOrEqual\":7},\"service.archived\":{\"Equals\":[\"false\"]}}}'",
       doc="https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings.html")
def guardduty_no_unaddressed_high_findings(ctx: CheckContext) -> Iterator[Result]:
    for region, detectors in ctx.regions_of(ctx.view(GuardDutyView).detectors):
        if not detectors:
            yield verdict(False, f"guardduty/{region}", "no GuardDuty detector: high-severity activity goes "
                          "unseen", region, ctx.arn("guardduty", "detector", region))
        for detector in detectors:
            arn = ctx.arn("guardduty", f"detector/{detector.id}", region)
            with ctx.resource(detector.id, region):
                detail = detector.detail.get()
                if not detail.enabled:
                    yield verdict(False, detector.id, f"detector is {detail.status}: "
                                  "no new findings are produced", region, arn)
                    continue
                findings = detector.high_findings.get()
                yield verdict(not findings, detector.id,
                              f"{len(findings)} unarchived High/Critical finding(s)" if findings else
                              "no unarchived High/Critical finding", region, arn)


# -- Access Analyzer --

@check("iam.access_analyzer_no_active_findings", resource_type="AWS::AccessAnalyzer::Analyzer",
       datasets=[ANALYZERS, AA_FINDINGS],
       fix="Review each active external-access finding: remove the unintended access, or archive the finding "
           "(or add an archive rule) for access that is intended.",
       cli="aws accessanalyzer list-findings-v2 --analyzer-arn <ANALYZER_ARN> --filter '{\"status\":{\"eq\":[\"ACTIVE\"]}}'",
       doc="https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-findings-view.html")
def access_analyzer_no_active_findings(ctx: CheckContext) -> Iterator[Result]:
    for region, analyzers in ctx.regions_of(ctx.view(AccessAnalyzerView).analyzers):
        external = [a for a in analyzers if a.external]
        if not external:
            yield verdict(False, f"accessanalyzer/{region}", "no external-access analyzer: nobody is told about "
                          "resources shared outside", region, ctx.arn("access-analyzer", "analyzer", region))
        for analyzer in external:
            name, arn = analyzer.name, analyzer.arn
            with ctx.resource(name, region):
                findings = analyzer.findings.get()
                kinds = sorted(set(findings))
                yield verdict(not findings, name, f"{len(findings)} active finding(s) on {', '.join(kinds)}"
                              if findings else "no active external-access finding", region, arn)


# -- Trusted Advisor and support --

NO_BUSINESS_PLAN = ("the Support API (and with it Trusted Advisor's results) answers only on a Business, "
                    "Enterprise On-Ramp or Enterprise support plan")


@check("trustedadvisor.security_checks_clear", resource_type="AWS::Support::TrustedAdvisorCheck",
       datasets=[TA_CHECKS, TA_RESULTS],
       fix="Open Trusted Advisor's Security category and resolve (or exclude, with a reason) each red and "
           "yellow item.",
       cli="aws support describe-trusted-advisor-check-result --check-id <CHECK_ID> --region us-east-1",
       doc="https://docs.aws.amazon.com/awssupport/latest/user/security-checks.html")
def trustedadvisor_security_checks_clear(ctx: CheckContext) -> Iterator[Result]:
    checks = ctx.view(SupportView).trusted_advisor_checks()
    if checks is None:
        raise DataUnavailable(TA_CHECKS, GLOBAL, NO_BUSINESS_PLAN)
    for entry in checks:
        check_id, name = entry.id, entry.name
        with ctx.resource(name):
            result = entry.result.get()
            if result is None or result.status == "not_available":
                raise DataUnavailable(TA_RESULTS, GLOBAL, f"Trusted Advisor has no result for {name}", name)
            status = result.status
            yield verdict(status == "ok", name, f"status {status}" + (
                f", {result.flagged} flagged resource(s)" if status != "ok" else ""),
                arn=f"arn:{ctx.partition}:trustedadvisor::{ctx.account_id}:checks/{check_id}",
                resource_type="AWS::Support::TrustedAdvisorCheck")


@check("support.plan_for_incidents", resource_type="AWS::Support::Plan", datasets=[SEVERITY],
       fix="Subscribe to Business support (or higher) so that production-down cases get a response within an hour.",
       cli="aws support describe-severity-levels --region us-east-1",
       doc="https://aws.amazon.com/premiumsupport/plans/")
def support_plan_for_incidents(ctx: CheckContext) -> Iterator[Result]:
    codes = ctx.view(SupportView).severity_levels()
    if codes is None:
        yield verdict(False, ctx.account_id, "Basic support: technical cases cannot be opened",
                      resource_type="AWS::Support::Plan")
        return
    urgent = any(code in ("urgent", "critical") for code in codes)
    yield verdict(True, ctx.account_id, f"technical cases can be opened (severities: {', '.join(codes)})"
                  + ("" if urgent else "; no 'urgent' severity: production-down response is not guaranteed"),
                  resource_type="AWS::Support::Plan")


@check("account.contact_details_current", resource_type="AWS::Account::ContactInformation", datasets=[CONTACT],
       fix="Keep the primary contact (name, phone, address) current and reachable; review it whenever the "
           "team changes.",
       cli="aws account put-contact-information --contact-information file://contact.json",
       doc="https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-update-contact-primary.html")
def account_contact_details_current(ctx: CheckContext) -> Iterator[Result]:
    fields = ctx.view(AccountView).contact()
    required = ("FullName", "PhoneNumber", "AddressLine1", "City", "CountryCode")
    missing = [f for f in required if f not in fields]
    if missing:
        yield verdict(False, ctx.account_id, f"primary contact lacks {', '.join(missing)}",
                      resource_type="AWS::Account::ContactInformation")
        return
    yield Result(Status.MANUAL, ctx.account_id, "primary contact details are filled in; confirm that the name, "
                 "phone number and address are current (the API cannot tell)",
                 resource_type="AWS::Account::ContactInformation")


# -- CloudFormation drift --

@check("cloudformation.stack_drift", resource_type="AWS::CloudFormation::Stack", datasets=[STACKS],
       fix="Run drift detection regularly (an EventBridge schedule or AWS Config's "
           "cloudformation-stack-drift-detection-check) and fold each drifted change back into the template.",
       cli="aws cloudformation detect-stack-drift --stack-name <STACK>",
       doc="https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-stack-drift.html")
def cloudformation_stack_drift(ctx: CheckContext) -> Iterator[Result]:
    for region, stack in ctx.over(ctx.view(CloudFormationView).stacks):
        name, arn = stack.name, stack.id
        with ctx.resource(name, region):
            status, checked = stack.drift_status, stack.drift_checked
            if status in ("", "NOT_CHECKED", "UNKNOWN"):
                raise DataUnavailable(STACKS, region, "drift detection has never completed on this stack "
                                      "(cloudwarden only reads; run detect-stack-drift)", name)
            age = ctx.days_since(checked) if checked else None
            when = f" (checked {age} day(s) ago)" if age is not None else ""
            yield verdict(status == "IN_SYNC", name, f"drift status {status}{when}", region, arn)


# -- unused roles --

def _role_usage(ctx: CheckContext, role: Principal) -> tuple[bool, str]:
    if not role.last_use_reported:
        raise DataUnavailable(DETAILS, GLOBAL, "the role's last use was not reported (RoleLastUsed absent)", role.name)
    used = role.last_used
    if used:
        days = ctx.days_since(used)
        ok = days is not None and days < UNUSED_DAYS
        return ok, f"last used {days} day(s) ago" + ("" if ok else f": unused for {UNUSED_DAYS}+ days, review it")
    created = ctx.days_since(role.created)
    if created is not None:
        created = max(0, created)  # created as collection began: 0 days, not -1 (timedelta.days floors)
    if created is not None and created < UNUSED_DAYS:
        return True, f"never used; created {created} day(s) ago"
    return False, f"no recorded use (AWS tracks the last 400 days); created {created} day(s) ago"


@check("iam.unused_roles", resource_type="AWS::IAM::Role", datasets=[DETAILS],
       fix="Review roles unused for 90 days or more and delete those whose purpose has ended (after checking "
           "their trust policy for who relied on them).",
       cli="aws iam get-role --role-name <ROLE> --query Role.RoleLastUsed && aws iam delete-role --role-name <ROLE>",
       doc="https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage_delete.html")
def unused_roles(ctx: CheckContext) -> Iterator[Result]:
    for role in ctx.view(IamView).details().roles:
        if role.path.startswith("/aws-service-role/"):
            continue  # service-linked roles are managed by their service
        with ctx.resource(role.name):
            ok, message = _role_usage(ctx, role)
            yield verdict(ok, role.name, message, arn=role.arn, resource_type="AWS::IAM::Role")
