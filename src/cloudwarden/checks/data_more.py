"""Account-level sharing guards (EBS snapshots, AMIs), the EBS default key, and DAX encryption."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from cloudwarden.checks.context import CheckContext, Skipped
from cloudwarden.checks.ebs import EBS_DOC
from cloudwarden.checks.helpers import every_region, verdict
from cloudwarden.checks.kinds import Kind, add_kind, flag
from cloudwarden.checks.kms import KEYS
from cloudwarden.checks.registry import Result, check
from cloudwarden.inventory.views.dynamodb import DaxCluster, DynamoDbView
from cloudwarden.inventory.views.kms import KmsView

ACCOUNT_TYPE = "AWS::::Account"
EC2_DOC = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/"
DAX_DOC = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/"
DAX = add_kind("dax.cluster", Kind("dax.clusters", "ClusterName", "ClusterArn", "AWS::DAX::Cluster"))
DEFAULT_KEY = "ec2.ebs_default_kms_key_id"


@check("ebs.snapshot_block_public_access", resource_type=ACCOUNT_TYPE, datasets=["ec2.snapshot_block_public_access"],
       fix="Turn on block public access for EBS snapshots (block all sharing) in every region.",
       cli="aws ec2 enable-snapshot-block-public-access --state block-all-sharing --region REGION",
       doc=EBS_DOC + "block-public-access-snapshots.html")
def snapshot_block_public_access(ctx: CheckContext) -> Iterator[Result]:
    def judge(_region: str, state: Any) -> tuple[bool, str]:
        return flag(state == "block-all-sharing", "block public access for snapshots: block-all-sharing",
                    f"block public access for snapshots: {state or 'unblocked'}"
                    + (" (existing public snapshots stay public)" if state == "block-new-sharing" else ""))

    yield from every_region(ctx, "ec2.snapshot_block_public_access", judge, "ec2")


@check("ec2.ami_block_public_access", resource_type=ACCOUNT_TYPE, datasets=["ec2.image_block_public_access"],
       fix="Turn on block public access for AMIs in every region.",
       cli="aws ec2 enable-image-block-public-access --image-block-public-access-state block-new-sharing "
           "--region REGION",
       doc=EC2_DOC + "block-public-access-to-amis.html")
def ami_block_public_access(ctx: CheckContext) -> Iterator[Result]:
    def judge(_region: str, state: Any) -> tuple[bool, str]:
        return flag(state == "block-new-sharing", "block public access for AMIs is on",
                    f"block public access for AMIs: {state or 'unblocked'}")

    yield from every_region(ctx, "ec2.image_block_public_access", judge, "ec2")


def _key_manager(ctx: CheckContext, region: str, key: str) -> str | None:
    """KeyManager of the key an id or ARN names, from kms.keys; None when not listed there; raises
    DataUnavailable when the keys were not described."""
    for key_id, (arn, manager) in ctx.view(KmsView).managers(region).items():
        if key in (key_id, arn) or key.endswith(f"key/{key_id}"):
            return manager
    return None


@check("ebs.default_key_is_cmk", resource_type=ACCOUNT_TYPE, datasets=[DEFAULT_KEY, KEYS],
       fix="Create a customer managed key for EBS and make it the region's default EBS encryption key.",
       cli="aws ec2 modify-ebs-default-kms-key-id --kms-key-id <KEY_ARN> --region REGION",
       doc=EBS_DOC + "encryption-by-default.html")
def default_key_is_cmk(ctx: CheckContext) -> Iterator[Result]:
    for region, key in ctx.regional(DEFAULT_KEY):
        key = str(key or "alias/aws/ebs")
        resource = f"ec2/{region}"
        if key.endswith("alias/aws/ebs"):
            yield verdict(False, resource, "the default EBS key is the AWS managed key alias/aws/ebs", region)
            continue
        with ctx.resource(resource, region):
            manager = _key_manager(ctx, region, key)  # the keys unread: the key's manager is unknown
            if manager is None:
                ctx.skipped.append(Skipped(resource, region, f"the default EBS key {key} is not among this "
                                           "region's listed keys (another account's key, or deleted)"))
            else:
                yield verdict(manager == "CUSTOMER", resource, f"the default EBS key {key} is managed by {manager}",
                              region)


def _dax(ctx: CheckContext, judge: Callable[[DaxCluster], tuple[bool, str]]) -> Iterator[Result]:
    for region, cluster in ctx.over(ctx.view(DynamoDbView).dax_clusters):
        ok, message = judge(cluster)
        yield verdict(ok, cluster.name, message, region, cluster.arn, DAX.resource_type)


def _dax_sse(cluster: DaxCluster) -> tuple[bool, str]:
    status = cluster.sse_status
    return flag(status == "ENABLED", "encryption at rest ENABLED", f"encryption at rest {status}")


def _dax_tls(cluster: DaxCluster) -> tuple[bool, str]:
    kind = cluster.endpoint_encryption
    return flag(kind == "TLS", "cluster endpoint encryption TLS", f"cluster endpoint encryption {kind} (cleartext)")


@check("dynamodb.dax_encrypted_at_rest", resource_type=DAX.resource_type, datasets=[DAX.dataset],
       fix="Create a new DAX cluster with server-side encryption on and move clients to it (it cannot be turned on "
           "in place).",
       cli="aws dax create-cluster --cluster-name <NAME> --node-type dax.r5.large --replication-factor 3 "
           "--iam-role-arn <ROLE_ARN> --sse-specification Enabled=true --cluster-endpoint-encryption-type TLS",
       doc=DAX_DOC + "DAXEncryptionAtRest.html")
def dax_encrypted_at_rest(ctx: CheckContext) -> Iterator[Result]:
    yield from _dax(ctx, _dax_sse)


@check("dynamodb.dax_encrypted_in_transit", resource_type=DAX.resource_type, datasets=[DAX.dataset],
       fix="Create a new DAX cluster with endpoint encryption TLS and move clients to it (it cannot be changed "
           "in place).",
       cli="aws dax create-cluster --cluster-name <NAME> --node-type dax.r5.large --replication-factor 3 "
           "--iam-role-arn <ROLE_ARN> --sse-specification Enabled=true --cluster-endpoint-encryption-type TLS",
       doc=DAX_DOC + "DAXEncryptionInTransit.html")
def dax_encrypted_in_transit(ctx: CheckContext) -> Iterator[Result]:
    yield from _dax(ctx, _dax_tls)
