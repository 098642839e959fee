"""IAM root account, password policy, users' passwords, MFA and access keys (credential report)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import failed, verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.inventory.snapshot import GLOBAL, DataUnavailable
from cloudwarden.inventory.views.accessanalyzer import AccessAnalyzerView
from cloudwarden.inventory.views.account import AccountView
from cloudwarden.inventory.views.iam import REPORT, ROOT, CredentialRow, IamView, PasswordPolicy
from cloudwarden.inventory.views.organizations import OrganizationsView

IAM_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
__all__ = ["REPORT", "ROOT"]


def _report(ctx: CheckContext) -> tuple[CredentialRow, ...]:
    return ctx.view(IamView).credential_report()


def _users(ctx: CheckContext) -> list[CredentialRow]:
    return [row for row in _report(ctx) if not row.root]


def _root_row(ctx: CheckContext) -> CredentialRow:
    for row in _report(ctx):
        if row.root:
            return row
    raise DataUnavailable(REPORT, GLOBAL, "the credential report has no root row")


def _root_arn(ctx: CheckContext) -> str:
    return f"arn:{ctx.partition}:iam::{ctx.account_id}:root"


@check("iam.root_access_key_absent", resource_type="AWS::IAM::Root", datasets=["iam.account_summary"],
       fix="Delete the root user's access keys; use IAM roles for programmatic access.",
       cli="aws iam delete-access-key --access-key-id KEY  # signed in with the root user's credentials",
       doc=IAM_DOC + "id_root-user_manage_delete-key.html")
def root_access_key_absent(ctx: CheckContext) -> Iterator[Result]:
    present = ctx.view(IamView).account_summary().root_access_keys
    yield verdict(present == 0, "root", "root user has access keys" if present else "root user has no access keys",
                  arn=_root_arn(ctx))


@check("iam.root_mfa_enabled", resource_type="AWS::IAM::Root", datasets=["iam.account_summary"],
       fix="Sign in as root and assign an MFA device (preferably a hardware or FIDO key).",
       doc=IAM_DOC + "enable-virt-mfa-for-root.html")
def root_mfa_enabled(ctx: CheckContext) -> Iterator[Result]:
    enabled = ctx.view(IamView).account_summary().root_mfa
    yield verdict(enabled, "root", "root user has MFA" if enabled else "root user has no MFA device",
                  arn=_root_arn(ctx))


@check("iam.root_hardware_mfa_enabled", resource_type="AWS::IAM::Root",
       datasets=["iam.account_summary", "iam.virtual_mfa_devices"],
       fix="Replace the root user's virtual MFA with a hardware TOTP token or FIDO security key.",
       doc=IAM_DOC + "id_credentials_mfa_enable_physical.html")
def root_hardware_mfa_enabled(ctx: CheckContext) -> Iterator[Result]:
    enabled = ctx.view(IamView).account_summary().root_mfa
    virtual = [d for d in ctx.view(IamView).virtual_mfa_devices() if d.root]
    if not enabled:
        yield failed("root", "root user has no MFA device at all", arn=_root_arn(ctx))
    else:
        yield verdict(not virtual, "root", "root MFA is a virtual device" if virtual
                      else "root MFA is a hardware device", arn=_root_arn(ctx))


@check("iam.root_not_used_recently", resource_type="AWS::IAM::Root", datasets=[REPORT],
       fix="Stop using the root user for daily work; create an administrator role and use it instead.",
       doc=IAM_DOC + "root-user-tasks.html")
def root_not_used_recently(ctx: CheckContext) -> Iterator[Result]:
    row = _root_row(ctx)
    uses = [row.password_last_used, row.key(1).last_used, row.key(2).last_used]
    ages = [d for d in (ctx.days_since(u) for u in uses) if d is not None]
    recent = min(ages) if ages else None
    ok = recent is None or recent > ctx.thresholds.iam_root_recent_use_days
    message = "root user has not been used" if recent is None else \
        f"root user last used {recent} days ago (needs none in the last {ctx.thresholds.iam_root_recent_use_days} days)"
    yield verdict(ok, "root", message, arn=_root_arn(ctx))


def _password_rule(ctx: CheckContext, test: Callable[[PasswordPolicy], bool],
                   describe: Callable[[PasswordPolicy], str]) -> Iterator[Result]:
    policy = ctx.view(IamView).password_policy()
    rid = f"password-policy/{ctx.account_id}"
    if policy is None:
        yield failed(rid, "no account password policy is set (AWS defaults apply)")
        return
    ok = test(policy)
    yield verdict(ok, rid, describe(policy))


@check("iam.password_policy_min_length_14", resource_type="AWS::IAM::AccountPasswordPolicy",
       datasets=["iam.password_policy"], fix="Require passwords of at least 14 characters.",
       cli="aws iam update-account-password-policy --minimum-password-length 14",
       doc=IAM_DOC + "id_credentials_passwords_account-policy.html")
def password_policy_min_length_14(ctx: CheckContext) -> Iterator[Result]:
    minimum = ctx.thresholds.iam_password_min_length
    yield from _password_rule(ctx, lambda p: p.min_length >= minimum,
                              lambda p: f"minimum length {p.min_length} (at least {minimum} required)")


@check("iam.password_policy_reuse_24", resource_type="AWS::IAM::AccountPasswordPolicy",
       datasets=["iam.password_policy"], fix="Prevent reuse of the last 24 passwords.",
       cli="aws iam update-account-password-policy --password-reuse-prevention 24",
       doc=IAM_DOC + "id_credentials_passwords_account-policy.html")
def password_policy_reuse_24(ctx: CheckContext) -> Iterator[Result]:
    remembered = ctx.thresholds.iam_password_reuse_prevention
    yield from _password_rule(ctx, lambda p: p.reuse_prevention >= remembered,
                              lambda p: f"reuse prevention remembers {p.reuse_prevention} passwords "
                                        f"(at least {remembered} required)")


@check("iam.password_policy_complexity", resource_type="AWS::IAM::AccountPasswordPolicy",
       datasets=["iam.password_policy"], fix="Require upper- and lower-case letters, numbers and symbols.",
       cli="aws iam update-account-password-policy --require-uppercase-characters "
           "--require-lowercase-characters --require-numbers --require-symbols",
       doc=IAM_DOC + "id_credentials_passwords_account-policy.html")
def password_policy_complexity(ctx: CheckContext) -> Iterator[Result]:
    yield from _password_rule(ctx, lambda p: not p.missing_classes,
                              lambda p: "requires every character class" if not p.missing_classes
                              else "does not require: " + ", ".join(p.missing_classes))


@check("iam.password_policy_max_age_90", resource_type="AWS::IAM::AccountPasswordPolicy",
       datasets=["iam.password_policy"], fix="Expire passwords after at most 90 days.",
       cli="aws iam update-account-password-policy --max-password-age 90",
       doc=IAM_DOC + "id_credentials_passwords_account-policy.html")
def password_policy_max_age_90(ctx: CheckContext) -> Iterator[Result]:
    longest = ctx.thresholds.iam_password_max_age_days
    yield from _password_rule(ctx, lambda p: 0 < p.max_age <= longest,
                              lambda p: (f"passwords expire after {p.max_age} days" if p.max_age
                                         else "passwords never expire") + f" (at most {longest} allowed)")


@check("iam.user_console_mfa_enabled", resource_type="AWS::IAM::User", datasets=[REPORT],
       fix="Assign an MFA device to every user with a console password, or remove the password.",
       cli="aws iam enable-mfa-device --user-name USER --serial-number ARN --authentication-code1 C1 "
           "--authentication-code2 C2",
       doc=IAM_DOC + "id_credentials_mfa_enable.html")
def user_console_mfa_enabled(ctx: CheckContext) -> Iterator[Result]:
    for row in _users(ctx):
        if not row.password_enabled:
            continue
        used = row.password_last_used
        last = f"password last used {used[:10]}" if used and used[0].isdigit() else "password never used"
        ok = row.mfa_active
        yield verdict(ok, row.user, f"MFA active; {last}" if ok else f"no MFA device; {last}", arn=row.arn)


@check("iam.credentials_unused_45_days", resource_type="AWS::IAM::User", datasets=[REPORT],
       fix="Disable passwords and deactivate access keys that have not been used for 45 days.",
       cli="aws iam update-access-key --user-name USER --access-key-id KEY --status Inactive",
       doc=IAM_DOC + "id_credentials_finding-unused.html")
def credentials_unused_45_days(ctx: CheckContext) -> Iterator[Result]:
    days = ctx.thresholds.iam_credentials_unused_days
    for row in _users(ctx):
        stale = _stale_credentials(ctx, row, days)
        yield verdict(not stale, row.user, "; ".join(stale) or f"every active credential used in the last {days} days",
                      arn=row.arn)


def _stale_credentials(ctx: CheckContext, row: CredentialRow, days: int) -> list[str]:
    stale = []
    created = ctx.days_since(row.created)
    if row.password_enabled:
        age = ctx.days_since(row.password_last_used)
        if (age if age is not None else created or 0) >= days:
            stale.append("console password unused " + (f"{age} days" if age is not None else "since creation"))
    for n in row.active_keys:
        age = ctx.days_since(row.key(n).last_used)
        rotated = ctx.days_since(row.key(n).last_rotated)
        if (age if age is not None else rotated or 0) >= days:
            stale.append(f"access key {n} unused " + (f"{age} days" if age is not None else "since creation"))
    return stale


@check("iam.access_keys_rotated_90_days", resource_type="AWS::IAM::User", datasets=[REPORT],
       fix="Create a new access key, move clients to it, then deactivate and delete the old one.",
       cli="aws iam create-access-key --user-name USER",
       doc=IAM_DOC + "id_credentials_access-keys.html#rotating_access_keys_console")
def access_keys_rotated_90_days(ctx: CheckContext) -> Iterator[Result]:
    oldest = ctx.thresholds.iam_access_key_max_age_days
    for row in _users(ctx):
        for n in row.active_keys:
            age = ctx.days_since(row.key(n).last_rotated)
            yield verdict(age is not None and age <= oldest, f"{row.user}/key{n}",
                          f"active access key {n} is {age} days old (at most {oldest} allowed)", arn=row.arn)


@check("iam.user_single_active_access_key", resource_type="AWS::IAM::User", datasets=[REPORT],
       fix="Finish the rotation: deactivate and delete the older of the two active keys.",
       cli="aws iam delete-access-key --user-name USER --access-key-id KEY",
       doc=IAM_DOC + "id_credentials_access-keys.html")
def user_single_active_access_key(ctx: CheckContext) -> Iterator[Result]:
    for row in _users(ctx):
        active = row.active_keys
        yield verdict(len(active) <= 1, row.user, f"{len(active)} active access keys", arn=row.arn)


@check("iam.no_access_key_at_user_setup", resource_type="AWS::IAM::User", datasets=[REPORT],
       fix="Delete access keys that were created with the console user and never used.",
       cli="aws iam delete-access-key --user-name USER --access-key-id KEY",
       doc=IAM_DOC + "id_credentials_access-keys.html")
def no_access_key_at_user_setup(ctx: CheckContext) -> Iterator[Result]:
    for row in _users(ctx):
        if not row.password_enabled:
            continue
        unused = [n for n in row.active_keys if ctx.days_since(row.key(n).last_used) is None]
        yield verdict(not unused, row.user,
                      f"console user has never-used active access key(s) {unused}" if unused
                      else "no never-used access key on this console user", arn=row.arn)


@check("iam.expired_server_certificates_removed", resource_type="AWS::IAM::ServerCertificate",
       datasets=["iam.server_certificates"], fix="Delete expired server certificates from IAM.",
       cli="aws iam delete-server-certificate --server-certificate-name NAME",
       doc=IAM_DOC + "id_credentials_server-certs.html")
def expired_server_certificates_removed(ctx: CheckContext) -> Iterator[Result]:
    for cert in ctx.view(IamView).server_certificates():
        left = ctx.days_since(cert.expiration)
        expired = left is not None and left > 0
        yield verdict(not expired, cert.name,
                      f"expired {left} days ago" if expired else f"valid until {str(cert.expiration)[:10]}",
                      arn=cert.arn)


@check("iam.identity_federation_used", resource_type="AWS::IAM::Account",
       datasets=["iam.saml_providers", "iam.oidc_providers"],
       fix="Federate human access through IAM Identity Center or a SAML/OIDC identity provider.",
       cli="aws iam create-saml-provider --name IDP --saml-metadata-document file://metadata.xml",
       doc="https://docs.aws.amazon.com/singlesignon/latest/userguide/what-is.html")
def identity_federation_used(ctx: CheckContext) -> Iterator[Result]:
    iam = ctx.view(IamView)
    providers = len(iam.saml_providers()) + len(iam.oidc_providers())
    yield verdict(providers > 0, ctx.account_id, f"{providers} identity provider(s) configured")


@check("account.security_contact_registered", resource_type="AWS::Account::AlternateContact",
       datasets=["account.security_contact"],
       fix="Register a security alternate contact (a monitored team address).",
       cli="aws account put-alternate-contact --alternate-contact-type SECURITY --name N "
           "--email-address E --phone-number P --title T",
       doc="https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-update-contact-alternate.html")
def security_contact_registered(ctx: CheckContext) -> Iterator[Result]:
    email = ctx.view(AccountView).security_contact()
    yield verdict(bool(email), ctx.account_id, f"security contact: {email}" if email else "no security contact")


@check("org.account_in_organization", resource_type="AWS::Organizations::Account",
       datasets=["organizations.organization"],
       fix="Join the account to an AWS Organization to apply SCPs and central security services.",
       cli="aws organizations accept-handshake --handshake-id HANDSHAKE_ID",
       doc="https://docs.aws.amazon.com/organizations/latest/userguide/orgs_introduction.html")
def account_in_organization(ctx: CheckContext) -> Iterator[Result]:
    org = ctx.view(OrganizationsView).organization()
    yield verdict(org is not None, ctx.account_id,
                  f"member of organization {org.id}" if org else "standalone account, no organization")


@check("iam.access_analyzer_enabled", resource_type="AWS::AccessAnalyzer::Analyzer",
       datasets=["accessanalyzer.analyzers"],
       fix="Create an external-access analyzer in every region (account or organization zone of trust).",
       cli="aws accessanalyzer create-analyzer --analyzer-name external --type ACCOUNT --region REGION",
       doc=IAM_DOC + "what-is-access-analyzer.html")
def access_analyzer_enabled(ctx: CheckContext) -> Iterator[Result]:
    for region, analyzers in ctx.regions_of(ctx.view(AccessAnalyzerView).analyzers):
        active = [a.name for a in analyzers if a.status == "ACTIVE" and a.external]
        yield verdict(bool(active), f"access-analyzer/{region}",
                      f"active analyzer(s): {', '.join(active)}" if active else "no active external-access analyzer",
                      region)


