"""Administrators' MFA strength and AWSCloudShellFullAccess against moto, with the real collector.

Two administrators: one with a virtual MFA device, one with a hardware token's serial; a role with
AWSCloudShellFullAccess attached.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from cloudwarden.assess import run_check
from cloudwarden.checks import iam_more
from cloudwarden.checks.registry import REGISTRY
from cloudwarden.collect import all_calls, collect_snapshot
from cloudwarden.core.enums import Status
from cloudwarden.inventory.snapshot import Snapshot
from tests.helpers import scoped_env

REGION = "us-east-1"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}
assert iam_more  # registers the module's checks


def _seed() -> None:
    iam = boto3.client("iam", region_name=REGION)
    for name in ("phone-admin", "token-admin"):
        iam.create_user(UserName=name)
        iam.attach_user_policy(UserName=name, PolicyArn=ADMIN)
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="phone")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName="phone-admin", SerialNumber=serial, AuthenticationCode1="123456",
                          AuthenticationCode2="654321")
    iam.enable_mfa_device(UserName="token-admin", SerialNumber="GAHT12345678", AuthenticationCode1="123456",
                          AuthenticationCode2="654321")
    iam.create_role(RoleName="shell", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.attach_role_policy(RoleName="shell", PolicyArn="arn:aws:iam::aws:policy/AWSCloudShellFullAccess")


@pytest.fixture(scope="module")
def snapshot() -> Iterator[Snapshot]:
    with scoped_env(dict(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION,
                        MOTO_IAM_LOAD_MANAGED_POLICIES="true")):
        with mock_aws():
            _seed()
            datasets = {d for i in ("iam.user_hardware_mfa_enabled", "iam.cloudshell_full_access_restricted")
                        for d in REGISTRY[i].meta.datasets}
            calls = [c for c in all_calls() if c.dataset in datasets]
            yield collect_snapshot(regions=[REGION], calls=calls, workers=4)


def test_virtual_mfa_admin_fails_and_hardware_admin_passes(snapshot: Snapshot) -> None:
    found = {f.resource_id: f for f in run_check(REGISTRY["iam.user_hardware_mfa_enabled"], snapshot)}
    assert found["phone-admin"].status is Status.FAIL, found["phone-admin"].message
    assert found["token-admin"].status is Status.PASS, found["token-admin"].message
    assert "GAHT12345678" in found["token-admin"].message


def test_cloudshell_on_role_fails(snapshot: Snapshot) -> None:
    [finding] = run_check(REGISTRY["iam.cloudshell_full_access_restricted"], snapshot)
    assert finding.status is Status.FAIL and "role shell" in finding.message, finding.message
