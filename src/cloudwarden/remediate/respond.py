"""Incident-response actions as plans of calls, dry-run unless applied, each with its undo.

Covered: deactivate-access-key, quarantine-user (deny-all inline policy), revoke-role-sessions (deny
for sessions issued before now, on aws:TokenIssueTime), block-public-access (bucket), enable-trail-logging.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from cloudwarden.core.errors import UsageError
from cloudwarden.remediate.model import Step

HOME = "us-east-1"
QUARANTINE = "cloudwarden-quarantine"
REVOKE = "cloudwarden-revoke-older-sessions"
ALL_BLOCKED = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
               "RestrictPublicBuckets": True}
ACTIONS = {
    "deactivate-access-key": ["iam:UpdateAccessKey"],
    "quarantine-user": ["iam:PutUserPolicy", "iam:DeleteUserPolicy"],
    "revoke-role-sessions": ["iam:PutRolePolicy", "iam:DeleteRolePolicy"],
    "block-public-access": ["s3:PutPublicAccessBlock", "s3:DeletePublicAccessBlock"],
    "enable-trail-logging": ["cloudtrail:StartLogging", "cloudtrail:StopLogging"],
}


def _deny(condition: dict[str, object] | None = None) -> str:
    statement: dict[str, object] = {"Effect": "Deny", "Action": "*", "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def plan_action(action: str, target: str, region: str = HOME) -> tuple[list[Step], list[Step]]:
    """(steps, undo steps) for one action on one target."""
    if action == "deactivate-access-key":
        user, _, key = target.partition(":")
        if not key:
            raise UsageError("deactivate-access-key takes USER:ACCESS_KEY_ID", hint="e.g. alice:AKIA...")
        base = {"UserName": user, "AccessKeyId": key}
        return [Step("iam", HOME, "update_access_key", {**base, "Status": "Inactive"})], \
            [Step("iam", HOME, "update_access_key", {**base, "Status": "Active"})]
    if action == "quarantine-user":
        return [Step("iam", HOME, "put_user_policy", {"UserName": target, "PolicyName": QUARANTINE,
                                                      "PolicyDocument": _deny()})], \
            [Step("iam", HOME, "delete_user_policy", {"UserName": target, "PolicyName": QUARANTINE})]
    if action == "revoke-role-sessions":
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        document = _deny({"DateLessThan": {"aws:TokenIssueTime": now}})
        return [Step("iam", HOME, "put_role_policy", {"RoleName": target, "PolicyName": REVOKE,
                                                      "PolicyDocument": document})], \
            [Step("iam", HOME, "delete_role_policy", {"RoleName": target, "PolicyName": REVOKE})]
    if action == "block-public-access":
        return [Step("s3", region, "put_public_access_block", {"Bucket": target,
                                                               "PublicAccessBlockConfiguration": ALL_BLOCKED})], \
            [Step("s3", region, "delete_public_access_block", {"Bucket": target})]
    if action == "enable-trail-logging":
        return [Step("cloudtrail", region, "start_logging", {"Name": target})], \
            [Step("cloudtrail", region, "stop_logging", {"Name": target})]
    raise UsageError(f"unknown action {action}", hint="one of " + ", ".join(ACTIONS))
