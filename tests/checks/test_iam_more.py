"""PASS and FAIL cases for administrators' MFA strength and AWSCloudShellFullAccess attachments."""

from __future__ import annotations

from typing import Any

import pytest

from tests.checks.cases import ACCOUNT, Case, assert_case

ADMIN = {"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}
SHELL = {"PolicyName": "AWSCloudShellFullAccess", "PolicyArn": "arn:aws:iam::aws:policy/AWSCloudShellFullAccess"}
VIRTUAL_SERIAL = f"arn:aws:iam::{ACCOUNT}:mfa/alice-phone"
FIDO_SERIAL = f"arn:aws:iam::{ACCOUNT}:u2f/user/alice/key-ABC"


def details(users: Any = (), groups: Any = (), roles: Any = ()) -> dict[str, Any]:
    return {"UserDetailList": list(users), "GroupDetailList": list(groups), "RoleDetailList": list(roles),
            "Policies": []}


def user(name: str, *policies: dict[str, str]) -> dict[str, Any]:
    return {"UserName": name, "Arn": f"arn:aws:iam::{ACCOUNT}:user/{name}", "AttachedManagedPolicies": list(policies),
            "UserPolicyList": [], "GroupList": []}


def mfa(serials: list[str], active: bool = True, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"iam.authorization_details": details([user("alice", ADMIN), user("bob")]),
            "iam.credential_report": [{"user": "alice", "arn": f"arn:aws:iam::{ACCOUNT}:user/alice",
                                       "mfa_active": str(active).lower()},
                                      {"user": "bob", "arn": f"arn:aws:iam::{ACCOUNT}:user/bob", "mfa_active": "false"}],
            "iam.mfa_devices": {"alice": [{"UserName": "alice", "SerialNumber": s} for s in serials]} if active else {},
            "iam.virtual_mfa_devices": [{"SerialNumber": VIRTUAL_SERIAL, "User": {"UserName": "alice"}}],
            **(extra or {})}


HW, CS = "iam.user_hardware_mfa_enabled", "iam.cloudshell_full_access_restricted"

CASES = [
    Case("pass-admin-fido", HW, mfa([VIRTUAL_SERIAL, FIDO_SERIAL]), message="hardware/FIDO MFA"),
    Case("fail-admin-virtual-only", HW, mfa([VIRTUAL_SERIAL]), message="only virtual MFA"),
    Case("fail-admin-no-mfa", HW, mfa([], active=False), message="no MFA device"),
    Case("unknown-admin-devices-unread", HW, {**mfa([FIDO_SERIAL]), "iam.mfa_devices": {}}, resource="alice"),
    Case("pass-cloudshell-unattached", CS, {"iam.authorization_details": details([user("alice", ADMIN)])},
         message="attached to no user"),
    Case("fail-cloudshell-on-role", CS, {"iam.authorization_details": details(
        roles=[{"RoleName": "dev", "AttachedManagedPolicies": [SHELL]}])}, message="role dev"),
    Case("fail-cloudshell-on-group", CS, {"iam.authorization_details": details(
        groups=[{"GroupName": "ops", "AttachedManagedPolicies": [SHELL]}])}, message="group ops"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)
