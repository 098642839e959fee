"""IAM users' MFA strength and the AWSCloudShellFullAccess attachment.

Administrators are found by the IAM evaluator (iam_policies.admin_principals: AdministratorAccess or
a policy the evaluator judges administrative, directly or through a group). A device whose serial is
not one of the account's virtual MFA devices is a hardware TOTP token or a FIDO security key.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.iam_policies import admin_principals
from cloudwarden.checks.registry import Result, check

DETAILS, REPORT = "iam.authorization_details", "iam.credential_report"
DEVICES, VIRTUAL = "iam.mfa_devices", "iam.virtual_mfa_devices"
IAM_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
CLOUDSHELL = "arn:aws:iam::aws:policy/AWSCloudShellFullAccess"


@check("iam.user_hardware_mfa_enabled", resource_type="AWS::IAM::User", datasets=[DETAILS, REPORT, DEVICES, VIRTUAL],
       fix="Give every administrator a FIDO security key (or hardware TOTP token), or better, move them to "
           "IAM Identity Center with phishing-resistant MFA.",
       cli="aws iam enable-mfa-device --user-name USER --serial-number HARDWARE_SERIAL "
           "--authentication-code1 C1 --authentication-code2 C2",
       doc=IAM_DOC + "id_credentials_mfa_enable_fido.html")
def user_hardware_mfa_enabled(ctx: CheckContext) -> Iterator[Result]:
    admins = admin_principals(ctx)
    if not admins:
        return
    rows = {row["user"]: row for row in ctx.get(REPORT)}
    virtual = {str(d.get("SerialNumber")) for d in ctx.get(VIRTUAL) or []}
    for user, via in sorted(admins.items()):
        with ctx.resource(user):
            arn = str(rows.get(user, {}).get("arn", ""))
            if str(rows.get(user, {}).get("mfa_active", "")).lower() != "true":
                yield verdict(False, user, f"administrator through {via}; no MFA device", arn=arn)
                continue
            serials = [str(d.get("SerialNumber")) for d in ctx.item(DEVICES, user) or []]
            hardware = [s for s in serials if s not in virtual]
            yield verdict(bool(hardware), user, f"administrator through {via}; " + (
                f"hardware/FIDO MFA {hardware[0]}" if hardware else
                f"only virtual MFA ({', '.join(serials) or 'no device listed'})"), arn=arn)


@check("iam.cloudshell_full_access_restricted", resource_type="AWS::IAM::Policy", datasets=[DETAILS],
       fix="Detach AWSCloudShellFullAccess from every user, group and role; grant a scoped CloudShell "
           "policy without file transfer where CloudShell is needed.",
       cli="aws iam list-entities-for-policy --policy-arn arn:aws:iam::aws:policy/AWSCloudShellFullAccess && "
           "aws iam detach-role-policy --role-name ROLE --policy-arn arn:aws:iam::aws:policy/AWSCloudShellFullAccess",
       doc=IAM_DOC + "access_policies_managed-vs-inline.html")
def cloudshell_full_access_restricted(ctx: CheckContext) -> Iterator[Result]:
    details: dict[str, list[dict[str, Any]]] = ctx.get(DETAILS)
    attached = [f"{kind} {entity[name]}"
                for kind, key, name in (("user", "UserDetailList", "UserName"), ("group", "GroupDetailList", "GroupName"),
                                        ("role", "RoleDetailList", "RoleName"))
                for entity in details.get(key) or []
                if any(p.get("PolicyArn") == CLOUDSHELL for p in entity.get("AttachedManagedPolicies") or [])]
    yield verdict(not attached, "policy/AWSCloudShellFullAccess",
                  f"AWSCloudShellFullAccess attached to {', '.join(attached)}" if attached
                  else "AWSCloudShellFullAccess is attached to no user, group or role", arn=CLOUDSHELL)
