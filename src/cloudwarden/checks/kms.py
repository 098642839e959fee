"""KMS customer managed keys: rotation, scheduled deletion, public key policies.

AWS managed keys are left out: KeyManager says so in AWS; where an emulator marks such a key
CUSTOMER (moto's default EBS key), an `alias/aws/...` alias or AWS's own description of its
managed keys gives it away.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from cloudwarden.checks._public import public_actions
from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.inventory.snapshot import DataUnavailable

KMS_DOC = "https://docs.aws.amazon.com/kms/latest/developerguide/"
KEY_IDS = "kms.key_ids"
KEYS = "kms.keys"
ALIASES = "kms.aliases"
KEY = "AWS::KMS::Key"
PENDING_DELETION = ("PendingDeletion", "PendingReplicaDeletion")
# The description AWS gives its managed keys ("... protects my EBS volumes when no other key is defined").
_AWS_MANAGED_DESCRIPTION = re.compile(r"^Default (master )?key that protects my .+ when no other key is defined$")


def _aws_aliased(ctx: CheckContext, region: str) -> set[str]:
    """Key ids behind alias/aws/... aliases; an unreadable alias list only skips less."""
    try:
        aliases = ctx.get(ALIASES, region) or []
    except DataUnavailable:
        return set()
    return {str(a["TargetKeyId"]) for a in aliases
            if str(a.get("AliasName", "")).startswith("alias/aws/") and a.get("TargetKeyId")}


def customer_keys(ctx: CheckContext) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(region, key id, KeyMetadata) of every customer managed key; unreadable keys are UNKNOWN."""
    managed_by_aws: dict[str, set[str]] = {}
    for region, ref in ctx.each(KEY_IDS):
        key_id = str(ref["KeyId"])
        if region not in managed_by_aws:
            managed_by_aws[region] = _aws_aliased(ctx, region)
        with ctx.resource(key_id, region):
            meta = ctx.item(KEYS, key_id, region)
            if (meta.get("KeyManager") == "CUSTOMER" and key_id not in managed_by_aws[region]
                    and not _AWS_MANAGED_DESCRIPTION.match(str(meta.get("Description") or ""))):
                yield region, key_id, meta


def _rotatable(meta: dict[str, Any]) -> bool:
    """Symmetric encryption keys with KMS-generated material, in use: the keys KMS can rotate."""
    return (meta.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
            and meta.get("KeyUsage", "ENCRYPT_DECRYPT") == "ENCRYPT_DECRYPT"
            and meta.get("Origin", "AWS_KMS") == "AWS_KMS" and meta.get("KeyState") == "Enabled")


@check("kms.cmk_rotation_enabled", resource_type=KEY, datasets=[KEY_IDS, KEYS, ALIASES, "kms.key_rotation"], optional=[ALIASES],
       fix="Enable automatic yearly (or shorter) rotation of the key material.",
       cli="aws kms enable-key-rotation --key-id <KEY_ID>",
       doc=KMS_DOC + "rotate-keys.html")
def cmk_rotation_enabled(ctx: CheckContext) -> Iterator[Result]:
    for region, key_id, meta in customer_keys(ctx):
        if not _rotatable(meta):
            continue
        with ctx.resource(key_id, region):
            enabled = bool(ctx.item("kms.key_rotation", key_id, region))
            yield verdict(enabled, key_id, "automatic rotation is on" if enabled else
                          "automatic rotation is off", region, meta.get("Arn", ""))


@check("kms.cmk_not_pending_deletion", resource_type=KEY, datasets=[KEY_IDS, KEYS, ALIASES], optional=[ALIASES],
       fix="If the deletion is unintended, cancel it and re-enable the key; otherwise confirm nothing "
           "still needs it.",
       cli="aws kms cancel-key-deletion --key-id <KEY_ID>",
       doc=KMS_DOC + "deleting-keys-scheduling-key-deletion.html")
def cmk_not_pending_deletion(ctx: CheckContext) -> Iterator[Result]:
    for region, key_id, meta in customer_keys(ctx):
        state = str(meta.get("KeyState"))
        pending = state in PENDING_DELETION
        message = (f"{state}: scheduled for deletion on {meta.get('DeletionDate') or 'an unknown date'}"
                   if pending else f"key state {state}")
        yield verdict(not pending, key_id, message, region, meta.get("Arn", ""))


# What an outsider could do with a key: use it, or take it over.
KMS_ACTIONS = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:CreateGrant",
               "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKey")


def _policy_message(document: Any, key_arn: str, account: str, region: str) -> tuple[bool, str]:
    actions = public_actions(document, KMS_ACTIONS, key_arn, account, "kms.key_policy", region)
    if not actions:
        return True, "the key policy lets neither anonymous callers nor other accounts use the key"
    return False, f"the key policy lets anyone (any AWS account) {', '.join(actions)}"


@check("kms.key_policy_not_public", resource_type=KEY, datasets=[KEY_IDS, KEYS, ALIASES, "kms.key_policy"], optional=[ALIASES],
       fix="Replace Principal '*' with named accounts or roles, or add aws:PrincipalOrgID / "
           "kms:CallerAccount conditions.",
       cli="aws kms put-key-policy --key-id <KEY_ID> --policy-name default --policy file://key-policy.json",
       doc=KMS_DOC + "key-policies.html")
def key_policy_not_public(ctx: CheckContext) -> Iterator[Result]:
    for region, key_id, meta in customer_keys(ctx):
        if meta.get("KeyState") == "PendingImport":
            continue  # no key material yet; the collector does not read its policy
        with ctx.resource(key_id, region):
            key_arn = meta.get("Arn") or ctx.arn("kms", f"key/{key_id}", region)
            ok, message = _policy_message(ctx.item("kms.key_policy", key_id, region), key_arn, ctx.account_id,
                                          region)
            yield verdict(ok, key_id, message, region, meta.get("Arn", ""))


@check("kms.cmk_unused_disabled", resource_type=KEY, datasets=[KEY_IDS, KEYS, ALIASES], optional=[ALIASES],
       fix="Decide for each disabled key: re-enable it if data still needs it, or schedule its deletion "
           "once nothing does.",
       cli="aws kms schedule-key-deletion --key-id <KEY_ID> --pending-window-in-days 30",
       doc=KMS_DOC + "enabling-keys.html")
def cmk_unused_disabled(ctx: CheckContext) -> Iterator[Result]:
    for region, key_id, meta in customer_keys(ctx):
        state = str(meta.get("KeyState"))
        if state in PENDING_DELETION:
            continue  # kms.cmk_not_pending_deletion reports these
        description = f" ({meta['Description']})" if meta.get("Description") else ""
        yield verdict(state != "Disabled", key_id, f"key state {state}{description}", region, meta.get("Arn", ""))
