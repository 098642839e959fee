"""The Organizations account-strategy checks against moto, with the real collector.

Seeds an organization with Security and Prod OUs, a member account in each, GuardDuty (not
Security Hub: moto cannot delegate it) delegated to the security account, and an AI services
opt-out policy attached to the root. moto lacks iam:ListOrganizationsFeatures, so org.centralized_root_access must be UNKNOWN.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from cloudwarden.assess import run_check
from cloudwarden.checks import org_guardrails
from cloudwarden.checks.registry import REGISTRY
from cloudwarden.collect import all_calls, collect_snapshot
from cloudwarden.core.enums import Status
from cloudwarden.inventory.snapshot import Snapshot
from tests.helpers import scoped_env

REGION = "us-east-1"
assert org_guardrails  # registers the module's checks
OPT_OUT = {"services": {"default": {"opt_out_policy": {"@@assign": "optOut"}}}}


def _seed() -> None:
    org = boto3.client("organizations", region_name=REGION)
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    for name in ("Security", "Prod"):
        unit = org.create_organizational_unit(ParentId=root, Name=name)["OrganizationalUnit"]["Id"]
        account = org.create_account(AccountName=name.lower(), Email=f"{name}@example.com")
        account_id = account["CreateAccountStatus"]["AccountId"]
        org.move_account(AccountId=account_id, SourceParentId=root, DestinationParentId=unit)
        if name == "Security":
            org.register_delegated_administrator(AccountId=account_id, ServicePrincipal="guardduty.amazonaws.com")
    org.enable_policy_type(RootId=root, PolicyType="AISERVICES_OPT_OUT_POLICY")
    policy = org.create_policy(Name="opt-out-all", Description="", Type="AISERVICES_OPT_OUT_POLICY",
                               Content=json.dumps(OPT_OUT))["Policy"]["PolicySummary"]["Id"]
    org.attach_policy(PolicyId=policy, TargetId=root)


@pytest.fixture(scope="module")
def snapshot() -> Iterator[Snapshot]:
    with scoped_env(dict(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION)):
        with mock_aws():
            _seed()
            datasets = {d for c in (REGISTRY[i] for i in REGISTRY if i.startswith("org.")) for d in c.meta.datasets}
            calls = [c for c in all_calls() if c.dataset in datasets]
            yield collect_snapshot(regions=[REGION], calls=calls, workers=4)


def verdicts(snapshot: Snapshot, check_id: str) -> list[tuple[Status, str]]:
    return [(f.status, f.message) for f in run_check(REGISTRY[check_id], snapshot)]


def test_ous_separate_accounts(snapshot: Snapshot) -> None:
    assert [s for s, _ in verdicts(snapshot, "org.ou_structure")] == [Status.PASS], verdicts(snapshot, "org.ou_structure")


def test_securityhub_not_delegated_fails(snapshot: Snapshot) -> None:
    [(status, message)] = verdicts(snapshot, "org.delegated_admin_for_security_services")
    assert status is Status.FAIL and "no delegated administrator for Security Hub" in message and "GuardDuty by" in message, message


def test_ai_opt_out_on_root_passes(snapshot: Snapshot) -> None:
    [(status, message)] = verdicts(snapshot, "org.ai_services_opt_out")
    assert status is Status.PASS, message


def test_centralised_root_access_is_unknown_against_moto(snapshot: Snapshot) -> None:
    found = verdicts(snapshot, "org.centralized_root_access")
    assert found and {s for s, _ in found} == {Status.UNKNOWN}, found
