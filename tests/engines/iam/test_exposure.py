"""Resource exposure on hand-built snapshots: conditions, Block Public Access, ACLs, foreign accounts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudwarden.engines.iam.exposure import (
    analyse_exposure,
    is_publicly_accessible,
    publicly_allowed_actions,
)
from cloudwarden.inventory.snapshot import GLOBAL, Gap, Snapshot

ACCOUNT, FOREIGN, MEMBER = "111122223333", "999988887777", "444455556666"
REGION = "us-east-1"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def grant(principal: Any, action: Any, resource: str, condition: Any = None, effect: str = "Allow") -> dict[str, Any]:
    statement = {"Effect": effect, "Principal": principal, "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return statement


def snapshot(buckets: dict[str, dict[str, Any]] | None = None, regional: dict[str, Any] | None = None,
             account_block: Any = None, org: Any = None) -> Snapshot:
    snap = Snapshot(ACCOUNT, "2026-11-28T12:00:00+00:00", [REGION])
    snap.put("organizations.organization", GLOBAL, org)
    snap.put("s3.account_public_access_block", GLOBAL, account_block)
    snap.put("s3.buckets", GLOBAL, [{"Name": name} for name in buckets or {}])
    owner = {"ID": "a" * 64}
    for dataset, key in (("s3.bucket_policy", "policy"), ("s3.bucket_public_access_block", "block"),
                         ("s3.bucket_ownership_controls", "ownership")):
        snap.put(dataset, GLOBAL, {name: spec.get(key) for name, spec in (buckets or {}).items()})
    snap.put("s3.bucket_acl", GLOBAL, {name: {"Owner": owner, "Grants": spec.get("grants", [])}
                                       for name, spec in (buckets or {}).items()})
    for dataset, value in (regional or {}).items():
        snap.put(dataset, REGION, value)
    return snap


def seen(snap: Snapshot) -> set[tuple[str, str, str, str]]:
    return {(e.resource.name, e.who, e.access, e.via) for e in analyse_exposure(snap).exposures}


def read_all(name: str, condition: Any = None) -> str:
    return doc(grant("*", "s3:GetObject", f"arn:aws:s3:::{name}/*", condition))


def acl(uri: str, permission: str) -> list[dict[str, Any]]:
    return [{"Grantee": {"Type": "Group", "URI": uri}, "Permission": permission}]


def test_public_statements_narrowed_by_conditions_are_not_public() -> None:
    found = seen(snapshot({
        "open": {"policy": read_all("open")},
        "office": {"policy": read_all("office", {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})},
        "org": {"policy": read_all("org", {"StringEquals": {"aws:PrincipalOrgID": "o-example"}})},
        "vpce": {"policy": read_all("vpce", {"StringEquals": {"aws:SourceVpce": "vpce-1"}})},
        "referer": {"policy": read_all("referer", {"StringLike": {"aws:Referer": "https://shop.example/*"}})},
    }))
    assert {(n, who) for n, who, _, _ in found} == {
        ("open", "anonymous"), ("open", "any AWS account"),
        # the caller writes its own Referer header: that condition protects nothing
        ("referer", "anonymous"), ("referer", "any AWS account"),
    }


def test_prefix_only_grant_is_found_with_a_probe_inside_the_prefix() -> None:
    policy = doc(grant("*", "s3:GetObject", "arn:aws:s3:::site/public/*"))
    assert ("site", "anonymous", "read", "resource policy") in seen(snapshot({"site": {"policy": policy}}))


@pytest.mark.parametrize("block, account_block, expected", [
    (None, None, {"policy", "acl"}),
    ({"RestrictPublicBuckets": True}, None, {"acl"}),
    (None, {"IgnorePublicAcls": True}, {"policy"}),
    ({"RestrictPublicBuckets": True}, {"IgnorePublicAcls": True}, set()),
])
def test_block_public_access_neutralises_policies_and_acls(block: Any, account_block: Any,
                                                           expected: set[str]) -> None:
    buckets = {"policy": {"policy": read_all("policy"), "block": block},
               "acl": {"grants": acl(ALL_USERS, "READ"), "block": block}}
    found = seen(snapshot(buckets, account_block=account_block))
    assert {name for name, *_ in found} == expected


def test_acl_grants_respect_ownership_authenticated_users_and_policy_denies() -> None:
    deny = doc(grant("*", "s3:*", "arn:aws:s3:::denied", {"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}},
                     effect="Deny"))
    found = seen(snapshot({
        "authenticated": {"grants": acl(AUTHENTICATED, "FULL_CONTROL")},
        "enforced": {"grants": acl(ALL_USERS, "READ"), "ownership": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}},
        "denied": {"grants": acl(ALL_USERS, "READ"), "policy": deny},
    }))
    assert found == {("authenticated", "any AWS account", "read", "ACL"),
                     ("authenticated", "any AWS account", "write", "ACL")}


def test_foreign_accounts_are_those_outside_the_organization_when_members_are_known() -> None:
    policy = doc(grant({"AWS": [f"arn:aws:iam::{FOREIGN}:root", f"arn:aws:iam::{MEMBER}:root"]},
                       "sqs:SendMessage", "*"))
    url = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/jobs"
    regional = {"sqs.queue_urls": [url],
                "sqs.queue_attributes": {url: {"QueueArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:jobs", "Policy": policy}}}
    outside_org = snapshot(regional=regional, org={"Id": "o-example", "MasterAccountId": MEMBER})
    outside_org.put("organizations.accounts", GLOBAL, [{"Id": ACCOUNT}, {"Id": MEMBER}])
    assert seen(outside_org) == {("jobs", f"account {FOREIGN}", "write", "resource policy")}
    # without a member list every other account is foreign
    assert {who for _, who, _, _ in seen(snapshot(regional=regional))} == {f"account {FOREIGN}", f"account {MEMBER}"}


def test_key_policy_delegating_to_the_account_is_not_exposed_and_gaps_are_unreadable() -> None:
    key = {"KeyId": "k1", "Arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k1", "KeyManager": "CUSTOMER",
           "KeyState": "Enabled"}
    own = doc(grant({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "kms:*", "*"))
    snap = snapshot(regional={"kms.keys": {"k1": key, "k2": {**key, "KeyId": "k2", "Arn": key["Arn"][:-1] + "2"}},
                              "kms.key_policy": {"k1": own}})
    snap.add_gap(Gap("kms.key_policy", "kms", "GetKeyPolicy", REGION, "AccessDeniedException", "", resource="k2"))
    report = analyse_exposure(snap)
    assert report.exposures == [] and [r.name for r in report.examined] == ["k1"]
    assert [(u.name, "AccessDeniedException" in u.reason) for u in report.unreadable] == [("k2", True)]


def test_helpers_for_checks_decide_one_policy() -> None:
    bucket = "arn:aws:s3:::b"
    policy = doc(grant("*", ["s3:GetObject", "s3:ListBucket"], [bucket, f"{bucket}/*"]),
                 grant("*", "s3:GetObject", f"{bucket}/*", {"Bool": {"aws:SecureTransport": "false"}}, "Deny"))
    assert publicly_allowed_actions(policy, bucket, ("s3:GetObject", "s3:ListBucket", "s3:PutObject"),
                                    ACCOUNT) == ["s3:GetObject", "s3:ListBucket"]
    narrowed = doc(grant({"AWS": "*"}, "kms:Decrypt", "*", {"StringEquals": {"kms:CallerAccount": ACCOUNT}}))
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k1"
    assert not is_publicly_accessible(narrowed, key, "kms:Decrypt", ACCOUNT)
    assert is_publicly_accessible(doc(grant({"AWS": "*"}, "kms:Decrypt", "*")), key, "kms:Decrypt", ACCOUNT)
