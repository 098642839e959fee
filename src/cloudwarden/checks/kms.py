"""KMS customer managed keys: rotation, scheduled deletion, public key policies.

AWS managed keys are left out: KeyManager says so in AWS; where an emulator marks such a key
CUSTOMER (moto's default EBS key), an `alias/aws/...` alias or AWS's own description of its
managed keys gives it away.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from cloudwarden.checks._public import public_actions
from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.inventory.views.kms import ALIASES, KEY_IDS, KEYS, PENDING_DELETION, KmsKey, KmsView

KMS_DOC = "https://docs.aws.amazon.com/kms/latest/developerguide/"
KEY = "AWS::KMS::Key"
__all__ = ["ALIASES", "KEYS", "KEY_IDS", "PENDING_DELETION", "customer_keys"]


def customer_keys(ctx: CheckContext) -> Iterator[tuple[str, str, KmsKey]]:
    """(region, key id, key) of every customer managed key; keys whose metadata is unread are UNKNOWN."""
    for region, ref in ctx.over(ctx.view(KmsView).keys):
        with ctx.resource(ref.id, region):
            key = ref.details.get()
            if key.customer_managed:
                yield region, ref.id, key


@check("kms.cmk_rotation_enabled", resource_type=KEY, datasets=[KEY_IDS, KEYS, ALIASES, "kms.key_rotation"], optional=[ALIASES],
       fix="Enable automatic yearly (or shorter) rotation of the key material.",
       cli="aws kms enable-key-rotation --key-id <KEY_ID>",
       doc=KMS_DOC + "rotate-keys.html")
def cmk_rotation_enabled(ctx: CheckContext) -> Iterator[Result]:
    for region, key_id, key in customer_keys(ctx):
        if not key.rotatable:
            continue
        with ctx.resource(key_id, region):
            enabled = bool(key.rotation.get())
            yield verdict(enabled, key_id, "automatic rotation is on" if enabled else
                          "automatic rotation is off", region, key.arn)


@check("kms.cmk_not_pending_deletion", resource_type=KEY, datasets=[KEY_IDS, KEYS, ALIASES], optional=[ALIASES],
       fix="If the deletion is unintended, cancel it and re-enable the key; otherwise confirm nothing "
           "still needs it.",
       cli="aws kms cancel-key-deletion --key-id <KEY_ID>",
       doc=KMS_DOC + "deleting-keys-scheduling-key-deletion.html")
def cmk_not_pending_deletion(ctx: CheckContext) -> Iterator[Result]:
    for region, key_id, key in customer_keys(ctx):
        message = (f"{key.state}: scheduled for deletion on {key.deletion_date or 'an unknown date'}"
                   if key.pending_deletion else f"key state {key.state}")
        yield verdict(not key.pending_deletion, key_id, message, region, key.arn)


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
    yield from each_key_policy(ctx, lambda document, key_arn, region, _key_id: _policy_message(
        document, key_arn, ctx.account_id, region))


def each_key_policy(ctx: CheckContext, judge: Callable[[Any, str, str, str], tuple[bool, str]]) -> Iterator[Result]:
    """One verdict per customer key from judge(policy document, key ARN, region, key id)."""
    for region, key_id, key in customer_keys(ctx):
        if key.state == "PendingImport":
            continue  # no key material yet; the collector does not read its policy
        with ctx.resource(key_id, region):
            key_arn = key.arn or ctx.arn("kms", f"key/{key_id}", region)
            ok, message = judge(key.policy.get(), key_arn, region, key_id)
            yield verdict(ok, key_id, message, region, key.arn)


@check("kms.cmk_unused_disabled", resource_type=KEY, datasets=[KEY_IDS, KEYS, ALIASES], optional=[ALIASES],
       fix="Decide for each disabled key: re-enable it if data still needs it, or schedule its deletion "
           "once nothing does.",
       cli="aws kms schedule-key-deletion --key-id <KEY_ID> --pending-window-in-days 30",
       doc=KMS_DOC + "enabling-keys.html")
def cmk_unused_disabled(ctx: CheckContext) -> Iterator[Result]:
    for region, key_id, key in customer_keys(ctx):
        if key.pending_deletion:
            continue  # kms.cmk_not_pending_deletion reports these
        description = f" ({key.description})" if key.description else ""
        yield verdict(key.state != "Disabled", key_id, f"key state {key.state}{description}", region, key.arn)
