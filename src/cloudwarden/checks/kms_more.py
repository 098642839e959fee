"""More KMS checks: multi-Region keys."""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.kms import ALIASES, KEY, KEY_IDS, KEYS, KMS_DOC, customer_keys
from cloudwarden.checks.registry import Result, check


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
