"""Reads for the cross-cutting checks: CloudTrail Lake event data stores, SSM patch states of managed
instances, and CloudWatch Observability Access Manager links.

All regional, all List/Describe. moto has none of ListEventDataStores, DescribeInstancePatchStates
or OAM ListLinks: against moto those reads are gaps and the checks say UNKNOWN.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.collect.spec import Call


def fetch_event_data_stores(client: Any, _params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every event data store of the region (ListEventDataStores has no paginator)."""
    found: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = client.list_event_data_stores(**({"NextToken": token} if token else {}))
        found.extend(page.get("EventDataStores") or [])
        token = page.get("NextToken")
        if not token:
            return found


def _instance_id(info: Any) -> str:
    return str(info["InstanceId"])


SPECS = [
    Call("cloudtrail.event_data_stores", "cloudtrail", "list_event_data_stores", fetch=fetch_event_data_stores),
    Call("ssm.instance_patch_states", "ssm", "describe_instance_patch_states", "InstancePatchStates",
         per="ssm.managed_instances", per_params=lambda i: {"InstanceIds": [_instance_id(i)]},
         per_key=_instance_id),
    Call("oam.links", "oam", "list_links", "Items", paginate=True),
]


def _fingerprints(keys: Any) -> list[dict[str, Any]]:
    """Each access key's fingerprint and status; the key id itself stays out of the snapshot."""
    from cloudwarden.collect.secrets import key_fingerprint

    return [{"key_id_sha256": key_fingerprint(str(k.get("AccessKeyId", ""))), "Status": k.get("Status"),
             "CreateDate": k.get("CreateDate")} for k in keys or []]


def _has_key(row: Any, _region: str) -> bool:
    return row.get("user") != "<root_account>" and "true" in (
        str(row.get("access_key_1_active", "")).lower(), str(row.get("access_key_2_active", "")).lower())


SPECS += [
    # The access keys of every user with an active key, to tell whose key a secret in user data is.
    Call("iam.access_keys", "iam", "list_access_keys", "AccessKeyMetadata", scope="global", paginate=True,
         per="iam.credential_report", per_params=lambda row: {"UserName": row["user"]},
         per_key=lambda row: row["user"], per_filter=_has_key, transform=_fingerprints,
         absent_codes=("NoSuchEntity",)),
]
