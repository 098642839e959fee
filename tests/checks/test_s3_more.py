"""PASS, FAIL and UNKNOWN cases for the S3 checks beyond the basics: cross-account grants (IAM
evaluator), cross-region replication, notifications, Object Lock, access points, MRAPs and Macie.
GetAutomatedDiscoveryConfiguration is built on the AWS response shape (moto lacks it)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudwarden.inventory.snapshot import Gap
from tests.checks.cases import ACCOUNT, Case, Regional, assert_case

B, REPLICA = "data-bucket", "data-replica"
ARN = f"arn:aws:s3:::{B}"
FOREIGN, MEMBER = "999988887777", "222233334444"
ALL_ON = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
          "RestrictPublicBuckets": True}


def bucket(location: str = "us-east-1", **settings: Any) -> dict[str, Any]:
    """A one-bucket snapshot (plus a replica bucket in eu-west-1); settings maps dataset suffixes to values."""
    data: dict[str, Any] = {"s3.buckets": [{"Name": B}, {"Name": REPLICA}],
                            "s3.bucket_location": {B: location, REPLICA: "eu-west-1"}}
    for suffix, value in settings.items():
        data[f"s3.bucket_{suffix}"] = {B: value, REPLICA: value if suffix != "replication" else None}
    return data


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def grant(account: str, actions: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": actions,
            "Resource": [ARN, f"{ARN}/*"], **extra}


def replication(destination: str, status: str = "Enabled", account: str = "") -> dict[str, Any]:
    target: dict[str, Any] = {"Bucket": f"arn:aws:s3:::{destination}"}
    if account:
        target["Account"] = account
    return {"Role": f"arn:aws:iam::{ACCOUNT}:role/replication", "Rules": [
        {"ID": "all", "Status": status, "Priority": 1, "Filter": {}, "Destination": target}]}


XA, CRR, EVT, LOCK = ("s3.bucket_cross_account_restricted", "s3.bucket_cross_region_replication",
                      "s3.bucket_event_notifications", "s3.bucket_object_lock")
AP, MRAP, MACIE, ASDD = ("s3.access_point_public_access_block", "s3.mrap_public_access_block",
                         "s3.macie_enabled", "s3.macie_automated_discovery")
ORG = {"organizations.accounts": [{"Id": ACCOUNT}, {"Id": MEMBER}]}
NOTIFY = {"TopicConfigurations": None, "QueueConfigurations": None, "LambdaFunctionConfigurations": None,
          "EventBridgeConfiguration": None}


def access_points(config: dict[str, Any] | None) -> dict[str, Any]:
    listed = {"Name": "ap1", "NetworkOrigin": "Internet", "Bucket": B,
              "AccessPointArn": f"arn:aws:s3:us-east-1:{ACCOUNT}:accesspoint/ap1"}
    return {"s3control.access_points": Regional({"us-east-1": [listed], "eu-west-1": []}),
            "s3control.access_point": Regional({"us-east-1": {"ap1": {**listed, "PublicAccessBlockConfiguration": config}},
                                                "eu-west-1": {}})}


def mraps(config: dict[str, Any] | None) -> dict[str, Any]:
    return {"s3control.multi_region_access_points": [
        {"Name": "global-data", "Alias": "mfzwi23gnjvgw.mrap", "PublicAccessBlock": config, "Status": "READY",
         "Regions": [{"Bucket": B, "Region": "us-east-1"}, {"Bucket": REPLICA, "Region": "eu-west-1"}]}]}


SESSION = {"status": "ENABLED", "findingPublishingFrequency": "FIFTEEN_MINUTES", "serviceRole": "x"}


def macie(session: Any, discovery: Any = None) -> dict[str, Any]:
    data = {"macie2.session": Regional({"us-east-1": session, "eu-west-1": session})}
    if discovery is not None:
        data["macie2.automated_discovery"] = Regional({"us-east-1": discovery, "eu-west-1": discovery})
    return data


def asdd(status: str) -> dict[str, Any]:
    # GetAutomatedDiscoveryConfiguration's response (AWS API reference), moto lacks the operation.
    return {"autoEnableOrganizationMembers": "NEW", "classificationScopeId": "117aff7ed76b59a59c0fa1ea3c18d6a8",
            "sensitivityInspectionTemplateId": "9cf7ea3f0d2d1c0c4f0d9d3ab3f6d1f5", "status": status,
            "firstEnabledAt": "2026-01-01T00:00:00Z", "lastUpdatedAt": "2026-01-01T00:00:00Z"}


CASES = [
    Case("pass-no-policy", XA, bucket(policy=None), resource=B, message="no bucket policy"),
    Case("pass-foreign-read-only", XA, bucket(policy=policy(grant(FOREIGN, ["s3:GetObject", "s3:ListBucket"]))),
         resource=B, message="grants no other account"),
    Case("pass-org-member-full", XA, {**bucket(policy=policy(grant(MEMBER, "s3:*"))), **ORG}, resource=B),
    Case("fail-foreign-s3-star", XA, bucket(policy=policy(grant(FOREIGN, "s3:*"))), resource=B,
         message=f"account {FOREIGN} may s3:DeleteBucket"),
    Case("fail-foreign-delete-object", XA, bucket(policy=policy(grant(FOREIGN, "s3:Delete*"))), resource=B,
         message="s3:DeleteObject"),
    Case("fail-member-unread-org", XA, bucket(policy=policy(grant(MEMBER, "s3:PutBucketPolicy"))), resource=B,
         message="organization accounts not read"),
    Case("pass-foreign-denied-by-deny", XA, bucket(policy=policy(
        grant(FOREIGN, "s3:*"), {"Effect": "Deny", "Principal": "*", "NotAction": ["s3:GetObject"],
                                 "Resource": [ARN, f"{ARN}/*"],
                                 "Condition": {"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}}})),
         resource=B),
    Case("unknown-policy-unread", XA, bucket(), resource=B, gaps=[
        Gap("s3.bucket_policy", "s3", "GetBucketPolicy", "global", "AccessDenied", "denied", "s3:GetBucketPolicy", B)]),
    Case("pass-replicates-to-eu", CRR, bucket(replication=replication(REPLICA)), resource=B,
         message="data-replica (eu-west-1)"),
    Case("fail-no-replication", CRR, bucket(replication=None), resource=B, message="no enabled replication rule"),
    Case("fail-replication-disabled", CRR, bucket(replication=replication(REPLICA, "Disabled")), resource=B),
    Case("fail-same-region", CRR, bucket("eu-west-1", replication=replication(REPLICA)), resource=B,
         message="only within eu-west-1"),
    Case("unknown-other-account-destination", CRR, bucket(replication=replication("their-bucket", account=FOREIGN)),
         resource=B),
    Case("pass-eventbridge", EVT, bucket(notifications={**NOTIFY, "EventBridgeConfiguration": {}}), resource=B,
         message="EventBridge"),
    Case("pass-sns", EVT, bucket(notifications={**NOTIFY, "TopicConfigurations": [
        {"TopicArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:s3-events", "Events": ["s3:ObjectRemoved:*"]}]}),
         resource=B, message="SNS"),
    Case("fail-no-notifications", EVT, bucket(notifications=NOTIFY), resource=B),
    Case("unknown-notifications-unread", EVT, bucket(), resource=B),
    Case("pass-object-lock", LOCK, bucket(object_lock={"ObjectLockEnabled": "Enabled", "Rule": {
        "DefaultRetention": {"Mode": "COMPLIANCE", "Days": 30}}}), resource=B, message="COMPLIANCE 30 Days"),
    Case("fail-no-object-lock", LOCK, bucket(object_lock=None), resource=B, message="not enabled"),
    Case("pass-access-point-blocked", AP, access_points(ALL_ON), message="all four"),
    Case("fail-access-point-open", AP, access_points({**ALL_ON, "BlockPublicPolicy": False}),
         message="BlockPublicPolicy off"),
    Case("unknown-access-point-unread", AP, {"s3control.access_points": access_points(ALL_ON)[
        "s3control.access_points"]}, resource="ap1"),
    Case("pass-mrap-blocked", MRAP, mraps(ALL_ON), message="fronts us-east-1, eu-west-1"),
    Case("fail-mrap-open", MRAP, mraps({"BlockPublicAcls": False, "IgnorePublicAcls": False,
                                        "BlockPublicPolicy": False, "RestrictPublicBuckets": False})),
    Case("fail-mrap-no-config", MRAP, mraps(None), message="BlockPublicAcls"),
    Case("pass-macie-on", MACIE, macie(SESSION), message="ENABLED"),
    Case("fail-macie-off", MACIE, macie(None), message="not enabled"),
    Case("fail-macie-paused", MACIE, macie({**SESSION, "status": "PAUSED"}), message="PAUSED"),
    Case("pass-asdd-on", ASDD, macie(SESSION, asdd("ENABLED")), message="is ENABLED"),
    Case("fail-asdd-off", ASDD, macie(SESSION, asdd("DISABLED")), message="is DISABLED"),
    Case("fail-asdd-no-macie", ASDD, macie(None), message="not enabled"),
    Case("unknown-asdd-unread", ASDD, macie(SESSION)),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)
