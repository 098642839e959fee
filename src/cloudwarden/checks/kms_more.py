"""More KMS checks: multi-Region keys; IAM policies that decrypt with every key; key administrators who are
also key users; disabled or deleted keys that still protect data. Policies are judged by the IAM evaluator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from cloudwarden.checks._iam_eval import compiled_or_unknown
from cloudwarden.checks.context import CheckContext, Skipped
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.iam_policies import evaluated_verdicts
from cloudwarden.checks.kms import (
    ALIASES,
    KEY,
    KEY_IDS,
    KEYS,
    KMS_DOC,
    PENDING_DELETION,
    customer_keys,
    each_key_policy,
)
from cloudwarden.checks.registry import Result, check
from cloudwarden.engines.iam import PolicyError, PolicySet, compile_policy, evaluate, make_request
from cloudwarden.inventory.snapshot import GLOBAL, DataUnavailable
from cloudwarden.inventory.views import PerRegion
from cloudwarden.inventory.views.backup import BackupView
from cloudwarden.inventory.views.cloudtrail import TrailView
from cloudwarden.inventory.views.dynamodb import DynamoDbView
from cloudwarden.inventory.views.ebs import EbsView
from cloudwarden.inventory.views.iam import DETAILS
from cloudwarden.inventory.views.kms import POLICY, KmsView
from cloudwarden.inventory.views.logs import LogsView
from cloudwarden.inventory.views.rds import RdsView
from cloudwarden.inventory.views.s3 import S3View


@check("kms.cmk_single_region", resource_type=KEY, datasets=[KEY_IDS, KEYS, ALIASES], optional=[ALIASES],
       fix="Use single-Region keys unless data must be decrypted in several Regions; record why a "
           "multi-Region key is needed and limit its replicas.",
       cli="aws kms describe-key --key-id <KEY_ID> --query KeyMetadata.MultiRegionConfiguration",
       doc=KMS_DOC + "multi-region-keys-overview.html")
def cmk_single_region(ctx: CheckContext) -> Iterator[Result]:
    for region, key_id, key in customer_keys(ctx):
        if not key.multi_region:
            yield verdict(True, key_id, "single-Region key", region, key.arn)
            continue
        role = (key.multi_region_type or "multi-Region").lower()
        where = f"; replicas in {', '.join(key.replica_regions)}" if key.replica_regions else ""
        yield verdict(False, key_id, f"multi-Region key ({role}){where}: its material is usable in more "
                      "Regions", region, key.arn)


# -- IAM policies that decrypt with every key (the IAM evaluator decides) --

DECRYPT_ACTIONS = ("kms:Decrypt", "kms:ReEncryptFrom")
PROBE_KEY = "cloudwarden-probe-key"


def _all_keys_actions(ctx: CheckContext, name: str, document: Any) -> list[str]:
    """The decrypt actions the policy allows on a key it does not name, in any scanned region."""
    if document is None:
        return []
    probe = compiled_or_unknown(document, ctx.account_id, ctx.partition, DETAILS, name)
    regions = [r for r in ctx.regions if r != GLOBAL] or ["us-east-1"]
    return [action for action in DECRYPT_ACTIONS
            if any(probe.allows(action, ctx.arn("kms", f"key/{PROBE_KEY}", region)) for region in regions)]


@check("kms.iam_policy_no_decrypt_all_keys", resource_type="AWS::IAM::Policy", datasets=[DETAILS],
       fix="Name the keys (their ARNs) in the policy's Resource, or narrow it with kms:ViaService / "
           "kms:EncryptionContext conditions, instead of allowing decryption with every key.",
       cli="aws iam create-policy-version --policy-arn <POLICY_ARN> --policy-document file://scoped-kms.json "
           "--set-as-default",
       doc=KMS_DOC + "iam-policies-best-practices.html")
def iam_policy_no_decrypt_all_keys(ctx: CheckContext) -> Iterator[Result]:
    def judge(name: str, document: Any) -> tuple[bool, str]:
        hits = _all_keys_actions(ctx, name, document)
        return (not hits, f"allows {', '.join(hits)} on every KMS key (a key it does not name)" if hits
                else "no kms:Decrypt / kms:ReEncryptFrom on all keys")

    yield from evaluated_verdicts(ctx, judge)


# -- key administrators who are also key users (the key policy, decided by the evaluator) --

ADMIN_ACTIONS = ("kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:CreateGrant")
USE_ACTIONS = ("kms:Decrypt", "kms:ReEncryptFrom", "kms:GenerateDataKey")


def _named_principals(policy: Any, account: str) -> list[str]:
    """Users and roles of this account that the key policy names one by one (not the account root,
    which hands the decision to IAM policies)."""
    named: set[str] = set()
    for statement in policy.allows:
        matcher = statement.principal
        if matcher is None:
            continue
        named.update(a for a in matcher.exact | matcher.role_arns if f":{account}:" in a and not a.endswith(":root"))
    return sorted(named)


def _request(arn: str, action: str, key_arn: str, account: str) -> Any:
    if ":role/" in arn:
        role_name = arn.rsplit("/", 1)[-1]
        session = arn.replace(":iam::", ":sts::").split(":role/")[0] + f":assumed-role/{role_name}/cloudwarden"
        return make_request(session, action, key_arn, account, {"aws:PrincipalArn": arn, "aws:PrincipalAccount": account})
    return make_request(arn, action, key_arn, account, {"aws:PrincipalArn": arn, "aws:PrincipalAccount": account})


def admins_who_use(document: Any, key_arn: str, account: str, region: str, key_id: str) -> list[str]:
    """'principal (admin actions + use actions)' for each named principal granted both by the key policy."""
    try:
        policy = compile_policy(document, "resource", f"key policy of {key_id}")
    except PolicyError as error:
        raise DataUnavailable(POLICY, region, f"its policy could not be evaluated: {error}", key_id) from None
    both = []
    for arn in _named_principals(policy, account):
        def granted(actions: tuple[str, ...], arn: str = arn) -> list[str]:
            return [a for a in actions
                    if evaluate(_request(arn, a, key_arn, account), PolicySet(resource=policy)).allowed]
        admin, use = granted(ADMIN_ACTIONS), granted(USE_ACTIONS)
        if admin and use:
            both.append(f"{arn} ({', '.join(admin)} and {', '.join(use)})")
    return both


@check("kms.key_admin_user_separation", resource_type=KEY, datasets=[KEY_IDS, KEYS, ALIASES, POLICY],
       optional=[ALIASES],
       fix="Split the key policy: one statement for key administrators (no cryptographic actions), another for "
           "the principals that encrypt and decrypt (no administrative actions).",
       cli="aws kms put-key-policy --key-id <KEY_ID> --policy-name default --policy file://separated-policy.json",
       doc=KMS_DOC + "key-policy-default.html#key-policy-default-allow-administrators")
def key_admin_user_separation(ctx: CheckContext) -> Iterator[Result]:
    def judge(document: Any, key_arn: str, region: str, key_id: str) -> tuple[bool, str]:
        both = admins_who_use(document, key_arn, ctx.account_id, region, key_id)
        return (not both, "no principal named in the key policy both administers and uses the key" if not both
                else "administers and uses the key: " + "; ".join(both))
    yield from each_key_policy(ctx, judge)


# -- keys that cannot decrypt any more (disabled, pending deletion) but still protect data --

# The regional lists whose items name their KMS key: (dataset, what).
DEPENDENT_LISTS = (("ec2.volumes", "EBS volume"), ("ec2.snapshots", "EBS snapshot"),
                   ("rds.db_instances", "RDS instance"), ("rds.db_clusters", "RDS cluster"),
                   ("cloudtrail.trails", "trail"), ("logs.log_groups", "log group"), ("backup.vaults", "backup vault"))
TABLES, BUCKETS, BUCKET_ENCRYPTION = "dynamodb.tables", "s3.buckets", "s3.bucket_encryption"
DEPENDENT_DATASETS = [d[0] for d in DEPENDENT_LISTS] + [TABLES, BUCKETS, BUCKET_ENCRYPTION]
Named = Callable[[Any], tuple[str, str]]  # an item -> (its name, its KMS key reference)


def _dependent_lists(ctx: CheckContext) -> list[tuple[PerRegion[Any], str, Named]]:
    """(view list, what, item -> (name, key reference)) for each entry of DEPENDENT_LISTS."""
    ebs, rds = ctx.view(EbsView), ctx.view(RdsView)
    named: list[tuple[PerRegion[Any], Named]] = [
        (ebs.volumes, lambda v: (v.id, v.kms_key_id)), (ebs.snapshots, lambda s: (s.id, s.kms_key_id)),
        (rds.instances, lambda d: (d.id, d.kms_key_id)), (rds.clusters, lambda d: (d.id, d.kms_key_id)),
        (ctx.view(TrailView).listed, lambda t: (t.name, t.kms_key_id)),
        (ctx.view(LogsView).groups, lambda g: (g.name, g.kms_key_id)),
        (ctx.view(BackupView).vaults, lambda v: (v.name, v.encryption_key_arn))]
    return [(listed, what, name) for (listed, name), (_dataset, what) in zip(named, DEPENDENT_LISTS, strict=True)]


def _names_key(reference: str, key_id: str, aliases: dict[str, str]) -> bool:
    if not reference:
        return False
    reference = aliases.get(reference, reference)
    return reference == key_id or reference.endswith(f"key/{key_id}")


def dependents(ctx: CheckContext, region: str, key_id: str) -> tuple[list[str], list[str]]:
    """(resources the key protects, the datasets that could not be read to tell) in the key's region."""
    aliases = ctx.view(KmsView).alias_targets(region)
    found, unread = [], []
    for listed, what, named in _dependent_lists(ctx):
        part = listed.part(region)
        if not part.known:
            unread.append(f"{listed.dataset} ({part.reason})")
            continue
        found += [f"{what} {name}" for name, reference in map(named, part.value or ())
                  if _names_key(reference, key_id, aliases)]
    try:
        for name, table in ctx.view(DynamoDbView).descriptions(region).items():
            if _names_key(table.kms_key_arn, key_id, aliases):
                found.append(f"DynamoDB table {name}")
    except DataUnavailable as missing:
        unread.append(f"{TABLES} ({missing.reason})")
    try:
        buckets = ctx.view(S3View).buckets()
    except DataUnavailable as missing:
        unread.append(f"{BUCKETS} ({missing.reason})")
        buckets = ()
    for bucket in buckets:
        try:
            rules = bucket.encryption.get().rules
        except DataUnavailable as missing:
            unread.append(f"{BUCKET_ENCRYPTION} of {bucket.name} ({missing.reason})")
            continue
        if any(_names_key(reference, key_id, aliases) for _algorithm, reference in rules):
            found.append(f"S3 bucket {bucket.name} (default encryption)")
    return found, unread


@check("kms.key_loss_blast_radius", resource_type=KEY, datasets=[KEY_IDS, KEYS, ALIASES, *DEPENDENT_DATASETS],
       optional=[ALIASES],
       fix="Cancel the deletion (or re-enable the key) while anything still depends on it; re-encrypt or retire "
           "the dependents first, then delete the key.",
       cli="aws kms cancel-key-deletion --key-id <KEY_ID> && aws kms enable-key --key-id <KEY_ID>",
       doc=KMS_DOC + "deleting-keys-determining-usage.html")
def key_loss_blast_radius(ctx: CheckContext) -> Iterator[Result]:
    for region, key_id, key in customer_keys(ctx):
        if key.state not in ("Disabled", *PENDING_DELETION):
            yield verdict(True, key_id, f"key state {key.state}: it still decrypts what it protects", region, key.arn)
            continue
        when = f" (deletion on {key.deletion_date})" if key.pending_deletion and key.deletion_date else ""
        found, unread = dependents(ctx, region, key_id)
        if found:
            shown = ", ".join(found[:8]) + (f" and {len(found) - 8} more" if len(found) > 8 else "")
            yield verdict(False, key_id, f"{key.state}{when} but still protects {shown}", region, key.arn)
        elif unread:
            ctx.skipped.append(Skipped(key_id, region, f"{key.state}{when}; what it protects is unknown: "
                                       + "; ".join(unread)))
        else:
            yield verdict(True, key_id, f"{key.state}{when}: no volume, snapshot, database, table, bucket, trail, "
                          "log group or backup vault in the scan uses it", region, key.arn)
