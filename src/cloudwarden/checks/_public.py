"""Is a resource open to everyone? Resource-policy and ACL shapes shared by the data-store checks.

Whether a resource policy lets anyone in is decided by the IAM evaluator (engines.iam): an
anonymous caller and an unrelated AWS account are tried against the policy, with its conditions,
denies and NotAction honoured, not by matching strings. S3 ACLs and Block Public Access settings
are read here; the checks in s3.py, kms.py and glacier.py phrase the verdicts.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from cloudwarden.checks.helpers import as_list
from cloudwarden.engines.iam import PolicyError
from cloudwarden.engines.iam.exposure import publicly_allowed_actions
from cloudwarden.inventory.snapshot import DataUnavailable

# Object and listing reads that make a bucket's content public.
S3_READ_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions")
# Writes that let anyone plant, overwrite or delete data, or take over the bucket's permissions.
S3_WRITE_ACTIONS = ("s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectAcl",
                    "s3:PutBucketPolicy", "s3:PutBucketAcl", "s3:DeleteBucketPolicy", "s3:DeleteBucket")
ACL_READ = ("READ", "FULL_CONTROL")
ACL_WRITE = ("WRITE", "WRITE_ACP", "FULL_CONTROL")

_PUBLIC_GROUPS = {
    "http://acs.amazonaws.com/groups/global/AllUsers": "AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "AuthenticatedUsers",
}
BLOCK_SETTINGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def matches_any(value: str, patterns: list[Any]) -> bool:
    """IAM-style wildcard match (`*`, `?`), case-insensitive as action names are."""
    return any(fnmatchcase(value.lower(), str(p).lower()) for p in patterns)


def actions_granted(statement: dict[str, Any], candidates: tuple[str, ...]) -> list[str]:
    """The candidate actions a statement covers, honouring wildcards and NotAction."""
    if "NotAction" in statement:
        excluded = as_list(statement.get("NotAction"))
        return [a for a in candidates if not matches_any(a, excluded)]
    patterns = as_list(statement.get("Action"))
    return [a for a in candidates if matches_any(a, patterns)]


def public_actions(document: Any, candidates: tuple[str, ...], resource_arn: str, account: str,
                   dataset: str = "", region: str = "global") -> list[str]:
    """Candidate actions that anonymous callers or every AWS account may take, per the evaluator.

    A policy the evaluator cannot parse is not guessed at: the resource becomes UNKNOWN.
    """
    if not document:
        return []
    try:
        return sorted(set(publicly_allowed_actions(document, resource_arn, candidates, account)))
    except PolicyError as error:
        raise DataUnavailable(dataset, region, f"its policy could not be evaluated: {error}",
                              resource_arn) from None



def public_acl_grants(acl: dict[str, Any] | None, permissions: tuple[str, ...]) -> list[str]:
    """'AllUsers:READ'-style grants of the given permissions to the public groups."""
    hits = []
    for grant in (acl or {}).get("Grants") or []:
        group = _PUBLIC_GROUPS.get(str((grant.get("Grantee") or {}).get("URI", "")))
        if group and grant.get("Permission") in permissions:
            hits.append(f"{group}:{grant['Permission']}")
    return sorted(set(hits))


def block_settings_off(config: dict[str, Any] | None) -> list[str]:
    """The Block Public Access settings that are not on (all four when not configured)."""
    return [name for name in BLOCK_SETTINGS if not (config or {}).get(name)]
