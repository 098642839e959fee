"""An organization of several accounts in OUs, planted in moto, and its snapshot."""

from __future__ import annotations

import json
from typing import Any

import boto3

from cloudwarden.collect import all_calls, collect_snapshot
from cloudwarden.inventory.snapshot import Snapshot

DENY_REGIONS = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "OnlyEu", "Effect": "Deny", "NotAction": ["iam:*", "organizations:*", "sts:*"], "Resource": "*",
     "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}}}]})


def plant_organization() -> dict[str, Any]:
    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]

    def unit(name: str, parent: str = root) -> str:
        return str(org.create_organizational_unit(ParentId=parent, Name=name)["OrganizationalUnit"]["Id"])

    def account(name: str, parent: str, **tags: str) -> str:
        created = org.create_account(AccountName=name, Email=f"{name}@example.com",
                                     Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
        account_id = str(created["CreateAccountStatus"]["AccountId"])
        org.move_account(AccountId=account_id, SourceParentId=root, DestinationParentId=parent)
        return account_id

    security, infrastructure, workloads = unit("Security"), unit("Infrastructure"), unit("Workloads")
    prod, nonprod = unit("Prod", workloads), unit("NonProd", workloads)
    ids = {
        "log-archive": account("log-archive", security),
        "audit": account("audit", security),
        "shared-network": account("shared-network", infrastructure),
        "payments-prod": account("payments-prod", prod, Environment="production", Department="payments",
                                 Project="checkout"),
        "payments-dev": account("payments-dev", nonprod, Environment="development", Department="payments",
                                Project="checkout"),
        "payments-test": account("payments-test", nonprod, Environment="test", Department="payments",
                                 Project="checkout"),
        "marketing-prod": account("marketing-prod", prod, Environment="production", Department="marketing",
                                  Project="campaigns"),
    }
    org.register_delegated_administrator(AccountId=ids["audit"], ServicePrincipal="guardduty.amazonaws.com")
    org.register_delegated_administrator(AccountId=ids["audit"], ServicePrincipal="access-analyzer.amazonaws.com")
    policy = org.create_policy(Name="only-eu", Description="regions", Type="SERVICE_CONTROL_POLICY",
                               Content=DENY_REGIONS)["Policy"]["PolicySummary"]["Id"]
    org.attach_policy(PolicyId=policy, TargetId=workloads)
    return {"root": root, "accounts": ids, "policy": policy, "workloads": workloads}


def organization_snapshot() -> Snapshot:
    """Only the Organizations and IAM reads: what the account view needs, quickly."""
    calls = [c for c in all_calls() if c.service in ("organizations", "iam")]
    return collect_snapshot(regions=["us-east-1"], calls=calls, workers=4)
