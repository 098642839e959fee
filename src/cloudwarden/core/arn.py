"""ARN helpers (partition-aware): the one ARN parser of the program.

    parse_arn(text) -> Arn | None         arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE (resource keeps its colons)
    partition_of(text, default="aws")     the partition of an ARN, ``default`` for anything else
    account_of(text, default="")          the account of an ARN, ``default`` when it has none
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


@lru_cache(maxsize=65536)
def parse_arn(text: str) -> Arn | None:
    parts = str(text).split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return Arn(*parts[1:])


def partition_of(text: str, default: str = "aws") -> str:
    arn = parse_arn(text)
    return arn.partition if arn is not None and arn.partition else default


def account_of(text: str, default: str = "") -> str:
    arn = parse_arn(text)
    return arn.account if arn is not None and arn.account else default


def build_arn(service: str, region: str, account: str, resource: str, partition: str = "aws") -> str:
    return f"arn:{partition}:{service}:{region}:{account}:{resource}"


def partition_for_region(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


# Resource types whose results are about the account itself: their ARN is the account's root.
ACCOUNT_RESOURCE_TYPES = frozenset({
    "AWS::::Account", "AWS::IAM::Root", "AWS::IAM::Account", "AWS::IAM::AccountPasswordPolicy",
    "AWS::S3::AccountPublicAccessBlock", "AWS::Account::AlternateContact", "AWS::Organizations::Account",
})


def account_root_arn(account: str, partition: str = "aws") -> str:
    """`arn:aws:iam::111122223333:root`, the ARN that names an account in findings and policies."""
    return f"arn:{partition}:iam::{account}:root"
