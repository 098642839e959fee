"""AWS Backup vaults as a last line of defence: Vault Lock, deny-delete access policies, encrypted
recovery points, and backups that the source data's own administrators cannot destroy.

Who can destroy what is asked of the IAM evaluator (engines.iam): an ordinary
principal of the account, whose own IAM policies allow everything, asks to delete a recovery point
of the vault; only an explicit deny of the vault policy counts. For isolation, every user and role of
the account (engines.iam.account: its policies, boundary and SCPs) is asked whether it may both delete
source data (RDS, DynamoDB, EBS, EFS, S3) and delete or expire the vault's recovery points (and, under
a governance-mode lock, lift the lock); a compliance-mode lock or a copy to another account's vault
isolates the backups. Deleting the vault's KMS key is not modelled yet.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.checks._backup_coverage import foreign_copies
from cloudwarden.checks.context import CheckContext, Skipped
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.engines.iam import (
    EXPLICIT_DENY,
    PolicyError,
    PolicySet,
    allow_all,
    compile_policy,
    evaluate,
    make_request,
)
from cloudwarden.engines.iam.account import can, load_account
from cloudwarden.inventory.snapshot import DataUnavailable
from cloudwarden.inventory.views.backup import (
    PLAN_DETAILS,
    PLANS,
    RECOVERY_POINTS,
    VAULT_POLICY,
    VAULTS,
    BackupView,
    Vault,
)

VAULT = "AWS::Backup::BackupVault"
BACKUP_DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/"
PROBE_ROLE = "cloudwarden-probe-ordinary"
# What destroys backups: deleting a recovery point, or shortening its retention until it expires.
DESTRUCTIVE = ("backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle")
_ALLOW_ALL = allow_all("the principal's own")


def lock_mode(vault: Vault, ctx: CheckContext) -> str:
    """'compliance' (immutable since LockDate), 'compliance-grace' (still changeable), 'governance', or ''."""
    if vault.air_gapped:
        return "compliance"
    if not vault.locked:
        return ""
    if not vault.lock_date:
        return "governance"
    days = ctx.days_since(vault.lock_date)
    return "compliance" if days is not None and days >= 0 else "compliance-grace"


def _retention(vault: Vault) -> str:
    low, high = vault.min_retention_days, vault.max_retention_days
    parts = ([f"min {low} days"] if low is not None else []) + ([f"max {high} days"] if high is not None else [])
    return f" (retention {', '.join(parts)})" if parts else ""


@check("backup.vault_lock", resource_type=VAULT, datasets=[VAULTS],
       fix="Put a Vault Lock on the vault (compliance mode for backups that must survive an account takeover).",
       cli="aws backup put-backup-vault-lock-configuration --backup-vault-name <VAULT> --min-retention-days 7 "
           "--changeable-for-days 3",
       doc=BACKUP_DOC + "vault-lock.html")
def vault_lock(ctx: CheckContext) -> Iterator[Result]:
    for region, vault in ctx.over(ctx.view(BackupView).vaults):
        mode = lock_mode(vault, ctx)
        if not mode:
            yield verdict(False, vault.name, "no Vault Lock: recovery points can be deleted", region, vault.arn, VAULT)
            continue
        wording = {"compliance": f"Vault Lock in compliance mode since {vault.lock_date or 'creation'}",
                   "compliance-grace": f"Vault Lock in compliance mode from {vault.lock_date} (still removable "
                                       "until then)",
                   "governance": "Vault Lock in governance mode (principals with "
                                 "backup:DeleteBackupVaultLockConfiguration can lift it)"}[mode]
        yield verdict(True, vault.name, wording + _retention(vault), region, vault.arn, VAULT)


def recovery_point_probe(region: str, account: str, partition: str) -> str:
    return f"arn:{partition}:backup:{region}:{account}:recovery-point:cloudwarden-probe"


def _vault_policy(vault: Vault) -> Any:
    """The vault's access policy, compiled (None when it has none); raises DataUnavailable when unread or
    when it cannot be evaluated."""
    document = vault.policy.get()
    if not document:
        return None
    try:
        return compile_policy(document, "resource", f"access policy of vault {vault.name}")
    except PolicyError as error:
        raise DataUnavailable(VAULT_POLICY, vault.region, f"its policy could not be evaluated: {error}",
                              vault.name) from None


def denied_to_ordinary_principals(policy: Any, vault: Vault, ctx: CheckContext) -> tuple[list[str], list[str]]:
    """(actions the compiled vault policy explicitly denies, those it leaves open) for an unnamed principal
    of the account."""
    role = f"arn:{ctx.partition}:iam::{ctx.account_id}:role/{PROBE_ROLE}"
    session = f"arn:{ctx.partition}:sts::{ctx.account_id}:assumed-role/{PROBE_ROLE}/cloudwarden"
    context = {"aws:PrincipalArn": role, "aws:PrincipalAccount": ctx.account_id, "aws:PrincipalType": "AssumedRole",
               "aws:SecureTransport": True}
    resource = recovery_point_probe(vault.region, ctx.account_id, ctx.partition)
    denied: list[str] = []
    open_: list[str] = []
    for action in DESTRUCTIVE:
        decision = evaluate(make_request(session, action, resource, ctx.account_id, context),
                            PolicySet(identity=(_ALLOW_ALL,), resource=policy))
        (denied if decision.decision == EXPLICIT_DENY else open_).append(action)
    return denied, open_


@check("backup.vault_policy_denies_delete", resource_type=VAULT, datasets=[VAULTS, VAULT_POLICY],
       fix="Attach a vault access policy that denies backup:DeleteRecoveryPoint and "
           "backup:UpdateRecoveryPointLifecycle to every principal but a named break-glass role.",
       cli="aws backup put-backup-vault-access-policy --backup-vault-name <VAULT> --policy file://deny-delete.json",
       doc=BACKUP_DOC + "create-a-vault-access-policy.html")
def vault_policy_denies_delete(ctx: CheckContext) -> Iterator[Result]:
    for region, vault in ctx.over(ctx.view(BackupView).vaults):
        with ctx.resource(vault.name, region):
            policy = _vault_policy(vault)
            if policy is None:
                yield verdict(False, vault.name, "no vault access policy: any principal with IAM rights may delete "
                              "recovery points", region, vault.arn, VAULT)
                continue
            denied, open_ = denied_to_ordinary_principals(policy, vault, ctx)
            yield verdict(not open_, vault.name, f"the vault policy denies {', '.join(denied)} to principals it does "
                          "not exempt" if not open_ else f"the vault policy does not deny {', '.join(open_)} to an "
                          "ordinary principal of the account", region, vault.arn, VAULT)


@check("backup.recovery_points_encrypted", resource_type=VAULT, datasets=[VAULTS, RECOVERY_POINTS],
       fix="Recovery points of unencrypted sources (e.g. EFS or EBS without encryption) stay unencrypted: "
           "enable encryption on the source, or copy the points into a vault whose key encrypts them.",
       cli="aws backup start-copy-job --recovery-point-arn <RECOVERY_POINT_ARN> --source-backup-vault-name <VAULT> "
           "--destination-backup-vault-arn <ENCRYPTED_VAULT_ARN> --iam-role-arn <ROLE_ARN>",
       doc=BACKUP_DOC + "encryption.html")
def recovery_points_encrypted(ctx: CheckContext) -> Iterator[Result]:
    for region, vault in ctx.over(ctx.view(BackupView).vaults):
        name, arn = vault.name, vault.arn
        with ctx.resource(name, region):
            points = [p for p in vault.recovery_points.get() if p.status != "DELETING"]
            undetermined = [p for p in points if p.encrypted is None]
            plain = [p.label for p in points if p.encrypted is False]
            if plain:
                shown = ", ".join(plain[:5]) + (f" and {len(plain) - 5} more" if len(plain) > 5 else "")
                yield verdict(False, name, f"{len(plain)} of {len(points)} recovery points unencrypted "
                              f"(of {shown})", region, arn, VAULT)
            elif undetermined:
                ctx.skipped.append(Skipped(name, region, f"{len(undetermined)} recovery points carry no IsEncrypted "
                                           "field"))
            else:
                yield verdict(True, name, f"all {len(points)} recovery points encrypted" if points
                              else "no recovery points in the vault", region, arn, VAULT)


# -- backups the source data's administrators cannot destroy --

DETAILS = "iam.authorization_details"
ORG = ["organizations.organization", "organizations.roots", "organizations.account_chain",
       "organizations.scps_for_target", "organizations.scp_content", "organizations.accounts",
       "organizations.rcps_for_target", "organizations.rcp_content"]
# Deleting the data a vault backs up: one action per common source (on a resource no policy names).
SOURCE_DELETES = (("rds:DeleteDBInstance", "rds", "db:cloudwarden-probe"),
                  ("rds:DeleteDBCluster", "rds", "cluster:cloudwarden-probe"),
                  ("dynamodb:DeleteTable", "dynamodb", "table/cloudwarden-probe"),
                  ("ec2:DeleteVolume", "ec2", "volume/vol-cloudwarden-probe"),
                  ("elasticfilesystem:DeleteFileSystem", "elasticfilesystem", "file-system/fs-cloudwarden-probe"),
                  ("s3:DeleteBucket", "s3", "cloudwarden-probe-bucket"))


def _iam_account(ctx: CheckContext) -> Any:
    return ctx.assessment.memo("iam.account", load_account)  # DataUnavailable: the check is UNKNOWN


def _source_and_backup_destroyers(ctx: CheckContext, vault: Vault, policy: Any, governance: bool) -> list[str]:
    account, region = _iam_account(ctx), vault.region
    point = recovery_point_probe(region, ctx.account_id, ctx.partition)
    vault_arn = vault.arn or ctx.arn("backup", f"backup-vault:{vault.name}", region)
    both = []
    for principal in account.principals.values():
        def allowed(action: str, resource: str, resource_policy: Any = None, principal: Any = principal) -> bool:
            return can(account, principal, action, resource, resource_policy,
                       use_known_policy=resource_policy is None).allowed
        if not any(allowed(a, point, policy) for a in DESTRUCTIVE):
            continue
        if governance and not allowed("backup:DeleteBackupVaultLockConfiguration", vault_arn, policy):
            continue
        deletes = [action for action, service, resource in SOURCE_DELETES
                   if allowed(action, f"arn:{ctx.partition}:s3:::{resource}" if service == "s3"
                              else ctx.arn(service, resource, region))]
        if deletes:
            both.append(f"{principal.kind} {principal.name} ({', '.join(deletes[:2])}"
                        f"{' ...' if len(deletes) > 2 else ''})")
    return sorted(both)


@check("backup.isolation_from_source_admins", resource_type=VAULT,
       datasets=[VAULTS, VAULT_POLICY, PLANS, PLAN_DETAILS, DETAILS, *ORG], optional=ORG,
       fix="Lock the vault in compliance mode, copy recovery points to a vault in a separate backup account, or "
           "deny recovery-point deletion in the vault policy to everyone who administers the source data.",
       cli="aws backup put-backup-vault-lock-configuration --backup-vault-name <VAULT> --min-retention-days 7 "
           "--changeable-for-days 3",
       doc=BACKUP_DOC + "integrate-cross-account-management.html")
def isolation_from_source_admins(ctx: CheckContext) -> Iterator[Result]:
    for region, vault in ctx.over(ctx.view(BackupView).vaults):
        name, arn = vault.name, vault.arn
        mode = lock_mode(vault, ctx)
        if mode == "compliance":
            yield verdict(True, name, "Vault Lock in compliance mode: no principal can delete recovery points before "
                          "their retention ends", region, arn, VAULT)
            continue
        with ctx.resource(name, region):
            copies = foreign_copies(ctx, region, name)
            if copies:
                yield verdict(True, name, "recovery points are copied to " + "; ".join(copies), region, arn, VAULT)
                continue
            both = _source_and_backup_destroyers(ctx, vault, _vault_policy(vault),
                                                 mode in ("governance", "compliance-grace"))
            scps = _iam_account(ctx).organization.note
            note = f" ({scps})" if both and scps.startswith("SCPs not readable") else ""
            yield verdict(not both, name, "no principal of the account can both delete source data and destroy this "
                          "vault's recovery points" if not both
                          else f"no compliance lock or cross-account copy, and {len(both)} principal(s) can delete both "
                          f"source data and its backups: {', '.join(both[:5])}{' ...' if len(both) > 5 else ''}{note}",
                          region, arn, VAULT)
