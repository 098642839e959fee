"""IAM fixes: the password policy, access keys deactivated (never deleted), AdministratorAccess
detached from users, the support and security-audit roles created. No user or role is deleted."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from cloudwarden.core.arn import partition_of
from cloudwarden.inventory.views.accessanalyzer import EXTERNAL
from cloudwarden.remediate.model import CannotFix, Plan, Reader, Step, Target, fix

HOME = "us-east-1"
STRONG_POLICY = {"MinimumPasswordLength": 14, "RequireSymbols": True, "RequireNumbers": True,
                 "RequireUppercaseCharacters": True, "RequireLowercaseCharacters": True,
                 "MaxPasswordAge": 90, "PasswordReusePrevention": 24}
_POLICY_FIELDS = (*STRONG_POLICY, "AllowUsersToChangePassword", "HardExpiry")


def _strengthened(current: dict[str, Any]) -> dict[str, Any]:
    merged = {k: current[k] for k in _POLICY_FIELDS if k in current}
    for key, value in STRONG_POLICY.items():
        if isinstance(value, bool):
            merged[key] = True
        elif key == "MaxPasswordAge":
            merged[key] = min(int(current.get(key) or value), value)
        else:
            merged[key] = max(int(current.get(key) or 0), value)
    merged.setdefault("AllowUsersToChangePassword", True)
    return merged


@fix("iam.password_policy_min_length_14", "iam.password_policy_complexity", "iam.password_policy_reuse_24",
     "iam.password_policy_max_age_90",
     summary="Set the account password policy to the CIS strength (14+ characters, all character classes, "
             "24 remembered, 90 days), keeping anything already stricter.",
     risk="low: applies at each user's next password change",
     writes=["iam:UpdateAccountPasswordPolicy", "iam:DeleteAccountPasswordPolicy"])
def password_policy(reader: Reader, _target: Target) -> Plan | None:
    answer = reader.call("iam", HOME, "get_account_password_policy", absent=("NoSuchEntity",))
    current = (answer or {}).get("PasswordPolicy")
    wanted = _strengthened(current or {})
    if current and all(current.get(k) == v for k, v in wanted.items()):
        return None
    undo = (Step("iam", HOME, "update_account_password_policy", {k: current[k] for k in _POLICY_FIELDS if k in current})
            if current else Step("iam", HOME, "delete_account_password_policy", {}))
    return current, [Step("iam", HOME, "update_account_password_policy", wanted)], [undo]


def _keys(reader: Reader, user: str) -> list[dict[str, Any]]:
    answer = reader.call("iam", HOME, "list_access_keys", absent=("NoSuchEntity",), UserName=user)
    if answer is None:
        raise CannotFix(f"user {user} no longer exists")
    return sorted(answer.get("AccessKeyMetadata") or [], key=lambda k: str(k.get("CreateDate")))


def _age_days(moment: Any) -> int:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if moment is None:
        return 0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (datetime.now(UTC) - moment).days


def _deactivate(user: str, keys: list[dict[str, Any]]) -> Plan | None:
    if not keys:
        return None
    ids = [str(k["AccessKeyId"]) for k in keys]
    steps = [Step("iam", HOME, "update_access_key", {"UserName": user, "AccessKeyId": i, "Status": "Inactive"})
             for i in ids]
    undo = [Step("iam", HOME, "update_access_key", {"UserName": user, "AccessKeyId": i, "Status": "Active"})
            for i in ids]
    return [{"AccessKeyId": i, "Status": "Active"} for i in ids], steps, undo


def _last_used_days(reader: Reader, key_id: str, created: Any) -> int:
    answer = reader.call("iam", HOME, "get_access_key_last_used", AccessKeyId=key_id) or {}
    used = (answer.get("AccessKeyLastUsed") or {}).get("LastUsedDate")
    return _age_days(used if used else created)


@fix("iam.access_keys_rotated_90_days",
     summary="Deactivate active access keys older than 90 days (rotate: issue a new one first).",
     risk="high: whatever still signs with the key fails until it gets a new key",
     writes=["iam:UpdateAccessKey"])
def old_keys(reader: Reader, target: Target) -> Plan | None:
    user = re.sub(r"/key[12]$", "", target.resource_id)  # the check reports each key as USER/keyN
    return _deactivate(user, [k for k in _keys(reader, user)
                              if k.get("Status") == "Active" and _age_days(k.get("CreateDate")) > 90])


@fix("iam.user_single_active_access_key",
     summary="Deactivate every active access key of the user but the newest.",
     risk="high: whatever signs with the older key fails",
     writes=["iam:UpdateAccessKey"])
def extra_keys(reader: Reader, target: Target) -> Plan | None:
    user = target.resource_id
    active = [k for k in _keys(reader, user) if k.get("Status") == "Active"]
    return _deactivate(user, active[:-1])


@fix("iam.credentials_unused_45_days", "iam.no_access_key_at_user_setup",
     summary="Deactivate active access keys unused for 45 days or more (never used: counted from creation).",
     risk="medium: a rarely used job signing with the key fails",
     writes=["iam:UpdateAccessKey"])
def unused_keys(reader: Reader, target: Target) -> Plan | None:
    user = target.resource_id
    stale = [k for k in _keys(reader, user) if k.get("Status") == "Active"
             and _last_used_days(reader, str(k["AccessKeyId"]), k.get("CreateDate")) >= 45]
    if not stale:
        raise CannotFix("no active key is unused for 45 days (a console password is left to the owner)")
    return _deactivate(user, stale)


@fix("iam.no_administratoraccess_on_users",
     summary="Detach AdministratorAccess from the user (grant it through a group or role instead).",
     risk="high: the user loses administrator rights at once",
     writes=["iam:DetachUserPolicy", "iam:AttachUserPolicy"])
def detach_admin(reader: Reader, target: Target) -> Plan | None:
    user = target.resource_id.removeprefix("user/")
    answer = reader.call("iam", HOME, "list_attached_user_policies", absent=("NoSuchEntity",), UserName=user) or {}
    attached = [p["PolicyArn"] for p in answer.get("AttachedPolicies") or []
                if str(p.get("PolicyArn", "")).endswith(":policy/AdministratorAccess")]
    if not attached:
        return None
    return attached, [Step("iam", HOME, "detach_user_policy", {"UserName": user, "PolicyArn": a}) for a in attached], \
        [Step("iam", HOME, "attach_user_policy", {"UserName": user, "PolicyArn": a}) for a in attached]


def _role_with_policy(reader: Reader, target: Target, role: str, policy: str) -> Plan | None:
    partition = partition_of(target.resource_arn)
    account = target.account_id or target.resource_id
    policy_arn = f"arn:{partition}:iam::aws:policy/{policy}"
    if reader.call("iam", HOME, "get_role", absent=("NoSuchEntity",), RoleName=role) is not None:
        attached = reader.call("iam", HOME, "list_attached_role_policies", RoleName=role) or {}
        if any(p.get("PolicyArn") == policy_arn for p in attached.get("AttachedPolicies") or []):
            return None
        raise CannotFix(f"role {role} exists already without {policy}; attach it by hand")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
             "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}
    steps = [Step("iam", HOME, "create_role", {"RoleName": role, "AssumeRolePolicyDocument": json.dumps(trust),
                                                "Description": "created by cloudwarden fix"}),
             Step("iam", HOME, "attach_role_policy", {"RoleName": role, "PolicyArn": policy_arn})]
    # Undo removes only what the fix created.
    undo = [Step("iam", HOME, "detach_role_policy", {"RoleName": role, "PolicyArn": policy_arn}),
            Step("iam", HOME, "delete_role", {"RoleName": role})]
    return None, steps, undo


@fix("iam.support_role_exists",
     summary="Create the role cloudwarden-support (AWSSupportAccess), assumable by the account with MFA.",
     risk="low: a new role; only principals the account allows to assume roles can use it",
     writes=["iam:CreateRole", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:DeleteRole"])
def support_role(reader: Reader, target: Target) -> Plan | None:
    return _role_with_policy(reader, target, "cloudwarden-support", "AWSSupportAccess")


@fix("iam.security_audit_role_exists",
     summary="Create the role cloudwarden-security-audit (SecurityAudit), assumable by the account with MFA.",
     risk="low: a new read-only role",
     writes=["iam:CreateRole", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:DeleteRole"])
def audit_role(reader: Reader, target: Target) -> Plan | None:
    return _role_with_policy(reader, target, "cloudwarden-security-audit", "SecurityAudit")


@fix("iam.access_analyzer_enabled",
     summary="Create the external-access analyzer cloudwarden-external (zone of trust: the account) in the region. "
             "Undo deletes only that analyzer (its findings are derived from the policies, not kept data).",
     risk="low: no charge for external-access analyzers; findings appear for resources shared outside the account",
     writes=["accessanalyzer:CreateAnalyzer", "accessanalyzer:DeleteAnalyzer"])
def access_analyzer(reader: Reader, target: Target) -> Plan | None:
    region = target.region if target.region and target.region != "global" else HOME
    analyzers = (reader.call("accessanalyzer", region, "list_analyzers") or {}).get("analyzers") or []
    active = [a for a in analyzers if a.get("status") == "ACTIVE" and a.get("type") in EXTERNAL]
    if active:
        return None
    name = "cloudwarden-external"
    if any(a.get("name") == name for a in analyzers):
        raise CannotFix(f"analyzer {name} exists but is {next(a for a in analyzers if a.get('name') == name).get('status')}")
    return [a.get("name") for a in analyzers], \
        [Step("accessanalyzer", region, "create_analyzer", {"analyzerName": name, "type": "ACCOUNT"})], \
        [Step("accessanalyzer", region, "delete_analyzer", {"analyzerName": name})]
