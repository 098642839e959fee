"""The SCP guardrail and governance checks against moto, with the real collector.

moto answers Organizations' tree, SCPs and their targets, Security Hub and GuardDuty detectors, so the
SCP checks give real verdicts. It lacks Organizations' DescribeResourcePolicy, GuardDuty ListFindings
with criteria, Trusted Advisor results, support severity levels, the account's contact information,
drift information and RoleLastUsed: those checks must say UNKNOWN (never PASS).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from cloudwarden.assess import run_check
from cloudwarden.checks.registry import load_all_checks
from cloudwarden.collect import all_calls, collect_snapshot
from cloudwarden.core.enums import Status
from cloudwarden.inventory.snapshot import Snapshot
from tests.helpers import scoped_env

REGION = "us-east-1"
PROTECT = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Deny", "Action": ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "config:Stop*",
                                  "config:DeleteConfigurationRecorder", "guardduty:DeleteDetector",
                                  "guardduty:Disassociate*", "securityhub:DisableSecurityHub",
                                  "securityhub:DisassociateFromAdministratorAccount"], "Resource": "*"},
    {"Effect": "Deny", "NotAction": ["iam:*", "organizations:*", "sts:*"], "Resource": "*",
     "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1"]}}}]}
CHECKS = ("org.scp_protects_security_services", "org.scp_region_restriction", "org.effective_guardrails_per_account",
          "org.authorization_guardrails", "org.delegated_admin_for_policies", "org.management_account_no_workloads",
          "securityhub.delegated_admin_all_regions", "guardduty.no_unaddressed_high_findings",
          "trustedadvisor.security_checks_clear", "support.plan_for_incidents", "account.contact_details_current",
          "cloudformation.stack_drift", "iam.unused_roles")


@pytest.fixture(scope="module")
def snapshot() -> Iterator[Snapshot]:
    with scoped_env(dict(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION)):
        with mock_aws():
            org = boto3.client("organizations", region_name=REGION)
            org.create_organization(FeatureSet="ALL")
            root = org.list_roots()["Roots"][0]["Id"]
            prod = org.create_organizational_unit(ParentId=root, Name="Prod")["OrganizationalUnit"]["Id"]
            dev = org.create_organizational_unit(ParentId=root, Name="Dev")["OrganizationalUnit"]["Id"]
            for name, ou in (("prod-app", prod), ("dev-app", dev)):
                account = org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
                org.move_account(AccountId=account["AccountId"], SourceParentId=root, DestinationParentId=ou)
            policy = org.create_policy(Name="guardrails", Description="g", Type="SERVICE_CONTROL_POLICY",
                                       Content=json.dumps(PROTECT))["Policy"]["PolicySummary"]["Id"]
            org.attach_policy(PolicyId=policy, TargetId=prod)
            boto3.client("guardduty", region_name=REGION).create_detector(Enable=True)
            boto3.client("securityhub", region_name=REGION).enable_security_hub()
            boto3.client("iam", region_name=REGION).create_role(RoleName="deploy", AssumeRolePolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                         "Action": "sts:AssumeRole"}]}))
            boto3.client("cloudformation", region_name=REGION).create_stack(StackName="web", TemplateBody=json.dumps(
                {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}))
            datasets = {d for c in CHECKS for d in load_all_checks()[c].meta.datasets}
            calls = [c for c in all_calls() if c.dataset in datasets]
            yield collect_snapshot(regions=[REGION], calls=calls, workers=4)


def statuses(snapshot: Snapshot, check_id: str) -> dict[str, tuple[Status, str]]:
    return {f.resource_id: (f.status, f.message) for f in run_check(load_all_checks()[check_id], snapshot)}


def only(found: dict[str, tuple[Status, str]]) -> set[Status]:
    return {s for s, _ in found.values()}


def test_guardrail_on_prod_ou_only(snapshot: Snapshot) -> None:
    assert only(statuses(snapshot, "org.scp_protects_security_services")) == {Status.FAIL}
    assert only(statuses(snapshot, "org.scp_region_restriction")) == {Status.FAIL}
    effective = statuses(snapshot, "org.effective_guardrails_per_account")
    by_path = {message.split(":", 1)[0]: status for status, message in effective.values()}
    assert by_path == {"under Root/Prod": Status.PASS, "under Root/Dev": Status.FAIL}, effective
    authz = statuses(snapshot, "org.authorization_guardrails")
    assert sorted(s.value for s in only(authz)) == ["FAIL", "PASS"], authz


def test_management_account_without_workloads_passes(snapshot: Snapshot) -> None:
    assert only(statuses(snapshot, "org.management_account_no_workloads")) == {Status.PASS}


def test_hub_without_administrator_is_not_a_pass(snapshot: Snapshot) -> None:
    # moto answers DescribeOrganizationConfiguration with AccessDenied for a non-administrator: a gap.
    found = statuses(snapshot, "securityhub.delegated_admin_all_regions")
    assert only(found) == {Status.UNKNOWN}, found
    assert any("DescribeOrganizationConfiguration" in m for _, m in found.values())


def test_new_role_is_not_yet_unused(snapshot: Snapshot) -> None:
    # moto reports an empty RoleLastUsed; a role created today cannot be 90 days unused either way.
    assert statuses(snapshot, "iam.unused_roles")["deploy"] == (Status.PASS, "never used; created 0 day(s) ago")


@pytest.mark.parametrize("check_id", ["org.delegated_admin_for_policies", "guardduty.no_unaddressed_high_findings",
                                      "trustedadvisor.security_checks_clear", "support.plan_for_incidents",
                                      "account.contact_details_current", "cloudformation.stack_drift"])
def test_what_moto_lacks_is_unknown(snapshot: Snapshot, check_id: str) -> None:
    found = statuses(snapshot, check_id)
    assert found and only(found) == {Status.UNKNOWN}, found
