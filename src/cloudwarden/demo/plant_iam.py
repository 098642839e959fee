"""Demo account, identity and incident-response part: users, keys, MFA, policies, roles."""

from __future__ import annotations

import json
from typing import Any

from cloudwarden.demo.plan import FOREIGN_ACCOUNT, Plan, policy_json

ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}
READ_ONE_BUCKET = {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::demo-private-data/*"}
EC2_TRUST = policy_json({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                         "Action": "sts:AssumeRole"})


def iam(plan: Plan) -> None:
    client = plan.client("iam")
    _password_policy(plan, client)
    _console_users(plan, client)
    _access_keys(plan, client)
    _policies(plan, client)
    _roles(plan, client)


def _password_policy(plan: Plan, client: Any) -> None:
    client.update_account_password_policy(MinimumPasswordLength=8, RequireSymbols=False,
                                          RequireNumbers=True, PasswordReusePrevention=1)
    plan.weak("iam.password_policy_min_length_14", "", "password policy allows 8-character passwords")
    plan.weak("iam.password_policy_reuse_24", "", "password policy remembers only 1 password")
    plan.weak("iam.password_policy_complexity", "", "password policy does not require symbols")
    plan.weak("iam.password_policy_max_age_90", "", "passwords never expire")


def _console_users(plan: Plan, client: Any) -> None:
    c = client
    c.create_user(UserName="demo-console-nomfa")
    c.create_login_profile(UserName="demo-console-nomfa", Password="Correct-Horse-1!")
    plan.weak("iam.user_console_mfa_enabled", "demo-console-nomfa", "console user without MFA")

    c.create_user(UserName="demo-console-mfa")
    c.create_login_profile(UserName="demo-console-mfa", Password="Correct-Horse-2!")
    device = c.create_virtual_mfa_device(VirtualMFADeviceName="demo-console-mfa")
    c.enable_mfa_device(UserName="demo-console-mfa",
                        SerialNumber=device["VirtualMFADevice"]["SerialNumber"],
                        AuthenticationCode1="123456", AuthenticationCode2="654321")
    plan.good("iam.user_console_mfa_enabled", "demo-console-mfa", "console user with MFA")


def _access_keys(plan: Plan, client: Any) -> None:
    c = client
    c.create_user(UserName="demo-ci-two-keys")
    c.create_access_key(UserName="demo-ci-two-keys")
    c.create_access_key(UserName="demo-ci-two-keys")
    plan.weak("iam.user_single_active_access_key", "demo-ci-two-keys", "user with two active access keys")
    c.create_user(UserName="demo-ci-one-key")
    c.create_access_key(UserName="demo-ci-one-key")
    plan.good("iam.user_single_active_access_key", "demo-ci-one-key", "user with one access key")


def _policies(plan: Plan, client: Any) -> None:
    c = client
    admin = c.create_policy(PolicyName="demo-full-admin", PolicyDocument=policy_json(ALLOW_ALL))
    scoped = c.create_policy(PolicyName="demo-read-one-bucket",
                             PolicyDocument=policy_json(READ_ONE_BUCKET))
    escalate = c.create_policy(PolicyName="demo-passrole-runinstances", PolicyDocument=policy_json(
        {"Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances"], "Resource": "*"}))
    # Permissions straight on a user (and full admin at that) ...
    c.create_user(UserName="demo-direct-admin")
    c.attach_user_policy(UserName="demo-direct-admin", PolicyArn=admin["Policy"]["Arn"])
    c.attach_user_policy(UserName="demo-direct-admin",
                         PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    c.attach_user_policy(UserName="demo-direct-admin", PolicyArn=escalate["Policy"]["Arn"])
    plan.weak("iam.user_no_direct_policies", "demo-direct-admin", "policies attached directly to a user")
    plan.weak("iam.policy_no_full_admin", "demo-full-admin", "customer policy granting *:* attached")
    plan.weak("iam.no_administratoraccess_on_users", "demo-direct-admin", "AdministratorAccess on a user")
    plan.weak("iam.policy_no_privilege_escalation", "demo-passrole-runinstances", "PassRole + RunInstances on *")
    # ... and the compliant way: through a group, with a scoped policy.
    c.create_group(GroupName="demo-readers")
    c.attach_group_policy(GroupName="demo-readers", PolicyArn=scoped["Policy"]["Arn"])
    c.create_user(UserName="demo-reader")
    c.add_user_to_group(GroupName="demo-readers", UserName="demo-reader")
    plan.good("iam.user_no_direct_policies", "demo-reader", "user with permissions only through a group")
    plan.good("iam.policy_no_full_admin", "demo-read-one-bucket", "scoped customer policy")
    plan.good("iam.policy_no_privilege_escalation", "demo-read-one-bucket", "scoped customer policy")


def _roles(plan: Plan, client: Any) -> None:
    c = client
    c.create_role(RoleName="demo-open-trust", AssumeRolePolicyDocument=policy_json(
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}))
    plan.weak("iam.role_trust_no_public_principal", "demo-open-trust", "role anyone may assume")
    c.create_role(RoleName="demo-ec2-app", AssumeRolePolicyDocument=EC2_TRUST)
    plan.good("iam.role_trust_no_public_principal", "demo-ec2-app", "role trusted by EC2 only")
    c.put_role_policy(RoleName="demo-open-trust", PolicyName="everything",
                      PolicyDocument=policy_json(ALLOW_ALL))
    c.put_role_policy(RoleName="demo-ec2-app", PolicyName="read-data",
                      PolicyDocument=policy_json(READ_ONE_BUCKET))
    plan.weak("iam.inline_policy_no_full_admin", "demo-open-trust", "inline *:* policy on a role")
    plan.good("iam.inline_policy_no_full_admin", "demo-ec2-app", "scoped inline policy")
    vendor = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{FOREIGN_ACCOUNT}:root"},
              "Action": "sts:AssumeRole"}
    c.create_role(RoleName="demo-vendor-no-external-id",
                  AssumeRolePolicyDocument=policy_json(vendor))
    pinned = dict(vendor, Condition={"StringEquals": {"sts:ExternalId": "demo-7f3a"}})
    c.create_role(RoleName="demo-vendor-external-id", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [pinned]}))
    plan.weak("iam.role_cross_account_trust_conditioned", "demo-vendor-no-external-id",
              "third-party trust without ExternalId")
    plan.good("iam.role_cross_account_trust_conditioned", "demo-vendor-external-id", "trust pinned by ExternalId")
    _escalation_to_data(plan, c)


def _escalation_to_data(plan: Plan, c: Any) -> None:
    """An analyst who may not read the private bucket, but may assume a role that may."""
    c.create_role(RoleName="demo-data-reader", AssumeRolePolicyDocument=policy_json(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}))
    c.put_role_policy(RoleName="demo-data-reader", PolicyName="read-data", PolicyDocument=policy_json(READ_ONE_BUCKET))
    c.create_group(GroupName="demo-analysts")
    c.put_group_policy(GroupName="demo-analysts", PolicyName="assume-data-reader", PolicyDocument=policy_json(
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::123456789012:role/demo-data-reader"}))
    c.create_user(UserName="demo-analyst")
    c.add_user_to_group(GroupName="demo-analysts", UserName="demo-analyst")
    # No compliant twin: demo-open-trust (an administrator anyone may assume) lets every principal reach
    # every private bucket and key of this account.
    plan.weak("iam.sensitive_data_reachable_by_escalation", "demo-private-data",
              "an analyst reaches the bucket through a role it may assume")


def response(plan: Plan) -> None:
    """Incident response: no support role, no security contact (account-wide)."""
    plan.weak("iam.support_role_exists", "", "no role can open AWS support cases")
    plan.weak("account.security_contact_registered", "", "no security alternate contact")
    client = plan.client("iam")
    client.create_role(RoleName="demo-investigator", AssumeRolePolicyDocument=policy_json(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}))
    client.attach_role_policy(RoleName="demo-investigator", PolicyArn="arn:aws:iam::aws:policy/SecurityAudit")
    plan.good("iam.security_audit_role_exists", "", "a read-only investigation role exists")
