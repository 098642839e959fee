"""S3 Glacier vaults: access policies open to everyone, Vault Lock, retrieval notifications."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from cloudwarden.checks._public import public_actions
from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.kinds import KINDS, Outcome
from cloudwarden.checks.registry import Result, check
from cloudwarden.core.arn import parse_arn
from cloudwarden.inventory.views.glacier import LOCK, NOTIFICATIONS, POLICY, GlacierVault, GlacierView

VAULT = KINDS["glacier.vault"]
GLACIER_ACTIONS = ("glacier:InitiateJob", "glacier:GetJobOutput", "glacier:UploadArchive",
                   "glacier:DeleteArchive", "glacier:DeleteVault", "glacier:SetVaultAccessPolicy",
                   "glacier:ListVaults", "glacier:DescribeVault")


def each_vault(ctx: CheckContext, judge: Callable[[GlacierVault], Outcome]) -> Iterator[Result]:
    """One verdict per vault; a vault whose per-vault data is missing is UNKNOWN."""
    for region, vault in ctx.over(ctx.view(GlacierView).vaults):
        with ctx.resource(vault.name, region):
            outcome = judge(vault)
            if outcome is not None:
                yield verdict(outcome[0], vault.name, outcome[1], region, vault.arn, VAULT.resource_type)


def _vault_policy(vault: GlacierVault) -> Outcome:
    document = vault.policy.get()
    if not document:
        return True, "no vault access policy"
    parsed = parse_arn(vault.arn)
    account = parsed.account if parsed is not None else ""
    actions = public_actions(document, GLACIER_ACTIONS, vault.arn, account, POLICY)
    if not actions:
        return True, "the vault policy lets neither anonymous callers nor other accounts in"
    return False, f"the vault policy lets anyone (any AWS account or anonymous) {', '.join(actions)}"


@check("glacier.vault_policy_not_public", resource_type=VAULT.resource_type,
       datasets=[VAULT.dataset, POLICY],
       fix="Replace Principal '*' in the vault access policy with named accounts or roles.",
       cli="aws glacier set-vault-access-policy --account-id - --vault-name <VAULT> "
           "--policy file://vault-policy.json",
       doc="https://docs.aws.amazon.com/amazonglacier/latest/dev/vault-access-policy.html")
def vault_policy_not_public(ctx: CheckContext) -> Iterator[Result]:
    yield from each_vault(ctx, _vault_policy)


def _vault_lock(vault: GlacierVault) -> Outcome:
    lock = vault.lock.get()
    if lock.state == "Locked":
        return True, f"Vault Lock policy locked since {lock.created}"
    if lock.state == "InProgress":
        return False, f"Vault Lock policy in progress, not locked (it lapses on {lock.expires} unless completed)"
    return False, "no Vault Lock policy"


@check("glacier.vault_lock_in_place", resource_type=VAULT.resource_type, datasets=[VAULT.dataset, LOCK],
       fix="Initiate a Vault Lock with the retention policy (e.g. deny glacier:DeleteArchive before an archive's age "
           "reaches the retention) and complete it within 24 hours.",
       cli="aws glacier initiate-vault-lock --account-id - --vault-name <VAULT> --policy file://lock-policy.json "
           "&& aws glacier complete-vault-lock --account-id - --vault-name <VAULT> --lock-id <LOCK_ID>",
       doc="https://docs.aws.amazon.com/amazonglacier/latest/dev/vault-lock.html")
def vault_lock_in_place(ctx: CheckContext) -> Iterator[Result]:
    yield from each_vault(ctx, _vault_lock)


# The events Glacier can notify: a retrieval job (archive or inventory) has completed.
NOTIFIED_EVENTS = ("ArchiveRetrievalCompleted", "InventoryRetrievalCompleted")


def _notifications(vault: GlacierVault) -> Outcome:
    config = vault.notifications.get()
    topic, events = config.topic, list(config.events)
    if not topic or not events:
        return False, "no notification configuration: retrievals go unseen"
    missing = [e for e in NOTIFIED_EVENTS if e not in events]
    if missing:
        return False, f"notifies {topic} of {', '.join(events)} but not of {', '.join(missing)}"
    return True, f"notifies {topic} of {', '.join(events)}"


@check("glacier.vault_notifications", resource_type=VAULT.resource_type,
       datasets=[VAULT.dataset, NOTIFICATIONS],
       fix="Send the vault's ArchiveRetrievalCompleted and InventoryRetrievalCompleted events to an SNS topic "
           "someone watches.",
       cli="aws glacier set-vault-notifications --account-id - --vault-name <VAULT> --vault-notification-config "
           "SNSTopic=<TOPIC_ARN>,Events=ArchiveRetrievalCompleted,InventoryRetrievalCompleted",
       doc="https://docs.aws.amazon.com/amazonglacier/latest/dev/configuring-notifications.html")
def vault_notifications(ctx: CheckContext) -> Iterator[Result]:
    yield from each_vault(ctx, _notifications)
