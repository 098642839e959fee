"""Demo account, data-protection controls part: Object Lock, replication and cross-account grants
on buckets; S3 access points and a Multi-Region Access Point; SSM documents shared publicly or not;
roles trusting a service with and without confused-deputy conditions.

Each weakness has its compliant twin; regional kinds (access points, SSM documents) are planted in
both demo regions.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import boto3

from cloudwarden.demo.plan import DEMO_REGIONS, PRIMARY, Plan, policy_json

FOREIGN = "999988887777"
ALL_ON = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
DOCUMENT = json.dumps({"schemaVersion": "2.2", "description": "cloudwarden demo", "mainSteps": [
    {"action": "aws:runShellScript", "name": "run", "inputs": {"runCommand": ["true"]}}]})


def _control(plan: Plan, region: str = PRIMARY) -> Any:
    """S3 Control without the account-id host prefix, which a local endpoint cannot resolve."""
    client = boto3.client("s3control", region_name=region, endpoint_url=plan.endpoint)
    endpoint = urlsplit(plan.endpoint)

    def strip(request: Any = None, **_: Any) -> None:
        url = urlsplit(request.url)
        if url.hostname and endpoint.hostname and url.hostname.endswith("." + endpoint.hostname):
            request.url = url._replace(netloc=endpoint.netloc).geturl()

    client.meta.events.register("before-sign.s3-control", strip)
    return client


def controls(plan: Plan) -> None:
    account = plan.client("sts").get_caller_identity()["Account"]
    _buckets(plan, account)
    for region in DEMO_REGIONS:
        _access_points(plan, account, region)
        _documents(plan, region)
    _service_roles(plan, account)


def _buckets(plan: Plan, account: str) -> None:
    s3 = plan.client("s3")
    s3.create_bucket(Bucket="cw-demo-records-locked", ObjectLockEnabledForBucket=True)
    s3.put_object_lock_configuration(Bucket="cw-demo-records-locked", ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 30}}})
    plan.good("s3.bucket_object_lock", "cw-demo-records-locked", "records bucket with Object Lock (COMPLIANCE)")
    s3.create_bucket(Bucket="cw-demo-records-unlocked")
    plan.weak("s3.bucket_object_lock", "cw-demo-records-unlocked", "records bucket without Object Lock")
    # replication to the second region (the twin) and a bucket that replicates nowhere (the weakness)
    replica_region = DEMO_REGIONS[1]
    plan.client("s3", replica_region).create_bucket(
        Bucket="cw-demo-replica", CreateBucketConfiguration={"LocationConstraint": replica_region})
    for name in ("cw-demo-replica", "cw-demo-records-unlocked"):
        plan.client("s3", replica_region if name == "cw-demo-replica" else PRIMARY).put_bucket_versioning(
            Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_replication(Bucket="cw-demo-records-unlocked", ReplicationConfiguration={
        "Role": f"arn:aws:iam::{account}:role/cw-demo-replication", "Rules": [{
            "ID": "all", "Status": "Enabled", "Priority": 1, "Filter": {},
            "DeleteMarkerReplication": {"Status": "Disabled"},
            "Destination": {"Bucket": "arn:aws:s3:::cw-demo-replica"}}]})
    plan.good("s3.bucket_cross_region_replication", "cw-demo-records-unlocked", "replicates to the second region")
    plan.weak("s3.bucket_cross_region_replication", "cw-demo-records-locked", "replicates nowhere")
    # another account may administer one bucket (the weakness) and only read the other (the twin)
    for name, actions in (("cw-demo-records-locked", ["s3:GetObject", "s3:ListBucket"]), ("cw-demo-replica", "s3:*")):
        client = plan.client("s3", replica_region if name == "cw-demo-replica" else PRIMARY)
        client.put_bucket_policy(Bucket=name, Policy=policy_json({
            "Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{FOREIGN}:root"},
            "Action": actions, "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"]}))
    plan.good("s3.bucket_cross_account_restricted", "cw-demo-records-locked", "partner may only read")
    plan.weak("s3.bucket_cross_account_restricted", "cw-demo-replica", "partner account granted s3:*")
    control = _control(plan)
    control.create_multi_region_access_point(AccountId=account, ClientToken="cw-demo", Details={
        "Name": "cw-demo-front", "PublicAccessBlock": ALL_ON, "Regions": [{"Bucket": "cw-demo-records-locked"}]})
    plan.good("s3.mrap_public_access_block", "cw-demo-front", "Multi-Region Access Point blocks public access")


def _access_points(plan: Plan, account: str, region: str) -> None:
    suffix = region.split("-")[0]
    bucket = f"cw-demo-ap-{suffix}"
    s3 = plan.client("s3", region)
    s3.create_bucket(Bucket=bucket, **({} if region == "us-east-1" else
                                       {"CreateBucketConfiguration": {"LocationConstraint": region}}))
    control = _control(plan, region)
    control.create_access_point(AccountId=account, Name=f"cw-demo-ap-closed-{suffix}", Bucket=bucket,
                                PublicAccessBlockConfiguration=ALL_ON)
    control.create_access_point(AccountId=account, Name=f"cw-demo-ap-open-{suffix}", Bucket=bucket,
                                PublicAccessBlockConfiguration={**ALL_ON, "BlockPublicPolicy": False,
                                                                "RestrictPublicBuckets": False})
    plan.good("s3.access_point_public_access_block", f"cw-demo-ap-closed-{suffix}", "access point blocks public access",
              region=region)
    plan.weak("s3.access_point_public_access_block", f"cw-demo-ap-open-{suffix}", "access point allows public policies",
              region=region)


def _documents(plan: Plan, region: str) -> None:
    suffix = region.split("-")[0]
    ssm = plan.client("ssm", region)
    for name in (f"cw-demo-doc-public-{suffix}", f"cw-demo-doc-private-{suffix}"):
        ssm.create_document(Name=name, Content=DOCUMENT, DocumentType="Command")
    ssm.modify_document_permission(Name=f"cw-demo-doc-public-{suffix}", PermissionType="Share", AccountIdsToAdd=["all"])
    plan.weak("ssm.documents_not_public", f"cw-demo-doc-public-{suffix}", "document shared with everyone", region=region)
    plan.good("ssm.documents_not_public", f"cw-demo-doc-private-{suffix}", "document not shared", region=region)


def _service_roles(plan: Plan, account: str) -> None:
    iam = plan.client("iam")
    for name, condition in (("cw-demo-sns-unpinned", None),
                            ("cw-demo-sns-pinned", {"StringEquals": {"aws:SourceAccount": account}})):
        statement = {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sts:AssumeRole"}
        if condition:
            statement["Condition"] = condition
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=policy_json(statement))
    plan.weak("iam.service_role_confused_deputy", "cw-demo-sns-unpinned", "SNS may assume it for any account")
    plan.good("iam.service_role_confused_deputy", "cw-demo-sns-pinned", "trust pinned with aws:SourceAccount")
