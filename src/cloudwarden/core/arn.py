"""ARN helpers (partition-aware)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


def parse_arn(text: str) -> Arn | None:
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return Arn(*parts[1:])


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
