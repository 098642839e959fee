"""Resources with a resource-based policy, read from a snapshot: S3 buckets, KMS keys, SQS queues,
SNS topics, Lambda functions, Secrets Manager secrets and ECR repositories.

Pure reads of collected datasets. A resource whose policy could not be collected is listed in
``unreadable`` with the gap's reason (it is not taken to have no policy); a resource with no policy
has ``document`` None.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from cloudwarden.inventory.snapshot import GLOBAL, DataUnavailable, Snapshot


@dataclass(frozen=True)
class PolicyResource:
    """One resource and the raw text (or object) of its policy, None when it has none."""

    arn: str
    service: str  # "s3", "kms", "sqs", "sns", "lambda", "secretsmanager", "ecr"
    name: str  # what a person calls it: bucket name, key id, queue name, ...
    region: str  # "global" for S3 buckets
    document: Any


@dataclass(frozen=True)
class Unreadable:
    arn: str
    service: str
    name: str
    region: str
    reason: str


# (service, parent dataset, policy dataset, parent item -> (key in the policy dataset, arn, name))
Describe = Callable[[Any, str, str, str], tuple[str, str, str]]


def _kms(item: Any, region: str, account: str, partition: str) -> tuple[str, str, str]:
    arn = item.get("Arn") or f"arn:{partition}:kms:{region}:{account}:key/{item['KeyId']}"
    return item["KeyId"], arn, item["KeyId"]


def _sqs(url: Any, _region: str, _account: str, _partition: str) -> tuple[str, str, str]:
    return url, "", str(url).rstrip("/").rsplit("/", 1)[-1]


def _sns(item: Any, *_: str) -> tuple[str, str, str]:
    return item["TopicArn"], item["TopicArn"], item["TopicArn"].rsplit(":", 1)[-1]


def _lambda(item: Any, *_: str) -> tuple[str, str, str]:
    return item["FunctionArn"], item["FunctionArn"], item.get("FunctionName", "")


def _secret(item: Any, *_: str) -> tuple[str, str, str]:
    return item["ARN"], item["ARN"], item.get("Name", "")


def _ecr(item: Any, *_: str) -> tuple[str, str, str]:
    return item["repositoryArn"], item["repositoryArn"], item.get("repositoryName", "")


REGIONAL: tuple[tuple[str, str, str, Describe], ...] = (
    ("kms", "kms.keys", "kms.key_policy", _kms),
    ("sqs", "sqs.queue_urls", "sqs.queue_attributes", _sqs),
    ("sns", "sns.topics", "sns.topic_attributes", _sns),
    ("lambda", "lambda.functions", "lambda.function_policy", _lambda),
    ("secretsmanager", "secretsmanager.secrets", "secretsmanager.resource_policy", _secret),
    ("ecr", "ecr.repositories", "ecr.repository_policy", _ecr),
)


@dataclass
class ResourceInventory:
    resources: list[PolicyResource]
    unreadable: list[Unreadable]


def policy_resources(snapshot: Snapshot) -> ResourceInventory:
    inventory = ResourceInventory([], [])
    _buckets(snapshot, inventory)
    for region in snapshot.regions:
        for service, parent, dataset, describe in REGIONAL:
            for item in _parents(snapshot, parent, region):
                key, arn, name = describe(item, region, snapshot.account_id, snapshot.partition)
                try:
                    value = snapshot.item(dataset, region, key)
                except DataUnavailable as missing:
                    inventory.unreadable.append(Unreadable(arn or key, service, name, region, missing.reason))
                    continue
                if service in ("sqs", "sns"):  # attributes: the policy is one of them
                    arn = arn or (value or {}).get("QueueArn", "")
                    value = (value or {}).get("Policy")
                if arn:
                    inventory.resources.append(PolicyResource(arn, service, name, region, value or None))
    return inventory


def _parents(snapshot: Snapshot, dataset: str, region: str) -> Iterator[Any]:
    """Items of a parent dataset; a gapped parent yields nothing (its children carry the gap)."""
    if not snapshot.has(dataset, region):
        return
    value = snapshot.get(dataset, region)
    items = value.values() if isinstance(value, dict) else value or []
    for item in items:
        if item is None:
            continue
        if dataset == "kms.keys" and (item.get("KeyManager") != "CUSTOMER" or item.get("KeyState") == "PendingImport"):
            continue  # the collector reads customer keys' policies only (as data.py filters)
        yield item


def _buckets(snapshot: Snapshot, inventory: ResourceInventory) -> None:
    names: dict[str, None] = {}
    if snapshot.has("s3.buckets", GLOBAL):
        names.update((b["Name"], None) for b in snapshot.get("s3.buckets", GLOBAL) or [])
    if snapshot.has("s3.bucket_policy", GLOBAL):  # hand-built snapshots may hold policies only
        names.update((name, None) for name in snapshot.get("s3.bucket_policy", GLOBAL) or {})
    for name in names:
        arn = f"arn:{snapshot.partition}:s3:::{name}"
        try:
            document = snapshot.item("s3.bucket_policy", GLOBAL, name)
        except DataUnavailable as missing:
            inventory.unreadable.append(Unreadable(arn, "s3", name, GLOBAL, missing.reason))
            continue
        inventory.resources.append(PolicyResource(arn, "s3", name, GLOBAL, document or None))


def policy_key(resource: str, partition: str) -> str:
    """The ARN a resource's policy is filed under: S3 objects under their bucket. (A Lambda alias or
    version has a policy of its own, which the collector does not read.)"""
    if resource.startswith(f"arn:{partition}:s3:::"):
        return f"arn:{partition}:s3:::" + resource.split(":::", 1)[1].split("/", 1)[0]
    return resource
