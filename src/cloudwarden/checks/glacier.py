"""S3 Glacier vaults: access policies open to everyone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.checks._public import public_actions
from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.kinds import KINDS, Outcome, judge_with_item
from cloudwarden.checks.registry import Result, check
from cloudwarden.core.arn import parse_arn

VAULT = KINDS["glacier.vault"]
GLACIER_ACTIONS = ("glacier:InitiateJob", "glacier:GetJobOutput", "glacier:UploadArchive",
                   "glacier:DeleteArchive", "glacier:DeleteVault", "glacier:SetVaultAccessPolicy",
                   "glacier:ListVaults", "glacier:DescribeVault")


def _vault_policy(vault: Any, policy: dict[str, Any] | None) -> Outcome:
    document = (policy or {}).get("Policy")
    if not document:
        return True, "no vault access policy"
    parsed = parse_arn(str(vault.get("VaultARN", "")))
    account = parsed.account if parsed is not None else ""
    actions = public_actions(document, GLACIER_ACTIONS, vault.get("VaultARN", ""), account, "glacier.vault_policy")
    if not actions:
        return True, "the vault policy lets neither anonymous callers nor other accounts in"
    return False, f"the vault policy lets anyone (any AWS account or anonymous) {', '.join(actions)}"


@check("glacier.vault_policy_not_public", resource_type=VAULT.resource_type,
       datasets=[VAULT.dataset, "glacier.vault_policy"],
       fix="Replace Principal '*' in the vault access policy with named accounts or roles.",
       cli="aws glacier set-vault-access-policy --account-id - --vault-name <VAULT> "
           "--policy file://vault-policy.json",
       doc="https://docs.aws.amazon.com/amazonglacier/latest/dev/vault-access-policy.html")
def vault_policy_not_public(ctx: CheckContext) -> Iterator[Result]:
    yield from judge_with_item(ctx, VAULT, "glacier.vault_policy", _vault_policy)
