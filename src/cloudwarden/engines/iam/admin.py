"""Who is an administrator: decided by evaluation over a probe of requests, never by matching ``*``.

A principal is an administrator when every request of ``ADMIN_PROBE`` is allowed for it. The probe
spans the services and, above all, the IAM writes that turn any foothold into full control (create
users and keys, attach and put policies, pass and assume roles), so a policy that allows everything
*except* a few IAM writes (``NotAction``) is not taken for an administrator, while one that allows
every probe by whatever wording (``*``, ``iam:*`` plus the rest, ``NotAction`` on an unrelated
action) is.

``is_administrator(allows)`` takes a callable ``allows(action, resource) -> bool``, so that any
caller (the escalation graph, the checks, a test) decides with its own evaluator and context. The
question is what the principal's own policies (identity, boundary, SCPs) allow: for requests that a
resource policy must also allow (``sts:AssumeRole`` on the probe role, ``kms:`` on the probe key),
callers evaluate against ``probe_resource_policy(account_id)``, a trust / key policy that admits the
account (as the default key policy does), so that only the principal's side decides.
The module is pure standard library and its API is stable: other branches copy it as it is.
"""

from __future__ import annotations

from collections.abc import Callable

_ANY = "*"
# representative ARNs in a placeholder account that stands for the principal's own account: callers
# evaluate the probe in that account (``probe_for`` substitutes a real account id and partition)
PROBE_ACCOUNT = "111122223333"
_ACCOUNT = PROBE_ACCOUNT
_USER = f"arn:aws:iam::{_ACCOUNT}:user/cloudwarden-probe"
_ROLE = f"arn:aws:iam::{_ACCOUNT}:role/cloudwarden-probe"
_GROUP = f"arn:aws:iam::{_ACCOUNT}:group/cloudwarden-probe"
_POLICY = f"arn:aws:iam::{_ACCOUNT}:policy/cloudwarden-probe"

ADMIN_PROBE: tuple[tuple[str, str], ...] = (
    # IAM writes: each of these alone is a way to full control
    ("iam:CreateUser", _USER),
    ("iam:CreateAccessKey", _USER),
    ("iam:CreateLoginProfile", _USER),
    ("iam:UpdateLoginProfile", _USER),
    ("iam:AttachUserPolicy", _USER),
    ("iam:PutUserPolicy", _USER),
    ("iam:AddUserToGroup", _GROUP),
    ("iam:AttachGroupPolicy", _GROUP),
    ("iam:PutGroupPolicy", _GROUP),
    ("iam:CreateRole", _ROLE),
    ("iam:AttachRolePolicy", _ROLE),
    ("iam:PutRolePolicy", _ROLE),
    ("iam:UpdateAssumeRolePolicy", _ROLE),
    ("iam:DeleteRolePermissionsBoundary", _ROLE),
    ("iam:DeleteUserPermissionsBoundary", _USER),
    ("iam:CreatePolicy", _POLICY),
    ("iam:CreatePolicyVersion", _POLICY),
    ("iam:SetDefaultPolicyVersion", _POLICY),
    ("iam:PassRole", _ROLE),
    ("iam:GetAccountAuthorizationDetails", _ANY),
    ("sts:AssumeRole", _ROLE),
    # data and keys
    ("s3:GetObject", "arn:aws:s3:::cloudwarden-probe/object"),
    ("s3:PutObject", "arn:aws:s3:::cloudwarden-probe/object"),
    ("s3:PutBucketPolicy", "arn:aws:s3:::cloudwarden-probe"),
    ("s3:DeleteBucket", "arn:aws:s3:::cloudwarden-probe"),
    ("kms:Decrypt", f"arn:aws:kms:us-east-1:{_ACCOUNT}:key/00000000-0000-0000-0000-000000000000"),
    ("kms:PutKeyPolicy", f"arn:aws:kms:us-east-1:{_ACCOUNT}:key/00000000-0000-0000-0000-000000000000"),
    ("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:us-east-1:{_ACCOUNT}:secret:probe-AbCdEf"),
    ("dynamodb:Scan", f"arn:aws:dynamodb:us-east-1:{_ACCOUNT}:table/cloudwarden-probe"),
    ("rds:DeleteDBInstance", f"arn:aws:rds:us-east-1:{_ACCOUNT}:db:cloudwarden-probe"),
    # compute that runs with a role
    ("ec2:RunInstances", _ANY),
    ("ec2:TerminateInstances", f"arn:aws:ec2:us-east-1:{_ACCOUNT}:instance/i-0123456789abcdef0"),
    ("lambda:CreateFunction", f"arn:aws:lambda:us-east-1:{_ACCOUNT}:function:cloudwarden-probe"),
    ("lambda:UpdateFunctionCode", f"arn:aws:lambda:us-east-1:{_ACCOUNT}:function:cloudwarden-probe"),
    ("cloudformation:CreateStack", f"arn:aws:cloudformation:us-east-1:{_ACCOUNT}:stack/probe/*"),
    ("ssm:SendCommand", _ANY),
    ("ecs:RunTask", _ANY),
    # logging, detection and the organization
    ("cloudtrail:StopLogging", f"arn:aws:cloudtrail:us-east-1:{_ACCOUNT}:trail/cloudwarden-probe"),
    ("cloudtrail:DeleteTrail", f"arn:aws:cloudtrail:us-east-1:{_ACCOUNT}:trail/cloudwarden-probe"),
    ("guardduty:DeleteDetector", _ANY),
    ("config:DeleteConfigurationRecorder", _ANY),
    ("organizations:LeaveOrganization", _ANY),
    ("organizations:DetachPolicy", _ANY),
    ("account:CloseAccount", _ANY),
    ("support:CreateCase", _ANY),
)


def probe_for(account_id: str = PROBE_ACCOUNT, partition: str = "aws") -> tuple[tuple[str, str], ...]:
    """ADMIN_PROBE with its resources in the given account and partition."""
    if account_id == PROBE_ACCOUNT and partition == "aws":
        return ADMIN_PROBE
    return tuple(
        (action, resource.replace(f":{PROBE_ACCOUNT}:", f":{account_id}:").replace("arn:aws:", f"arn:{partition}:", 1))
        for action, resource in ADMIN_PROBE
    )


def probe_resource_policy(account_id: str = PROBE_ACCOUNT, partition: str = "aws") -> dict[str, object]:
    """The trust and key policy the probe resources are taken to have: they admit the account, which
    delegates to the principal's own policies (a same-account Allow by account still needs them)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
                "Action": "*",
                "Resource": "*",
            }
        ],
    }


def is_administrator(
    allows: Callable[[str, str], bool], account_id: str = PROBE_ACCOUNT, partition: str = "aws"
) -> bool:
    """True only when every (action, resource) of the probe is allowed (stops at the first refusal)."""
    return all(allows(action, resource) for action, resource in probe_for(account_id, partition))


def missing_for_admin(
    allows: Callable[[str, str], bool], account_id: str = PROBE_ACCOUNT, partition: str = "aws"
) -> list[tuple[str, str]]:
    """The probe requests that are not allowed (empty for an administrator)."""
    return [(a, r) for a, r in probe_for(account_id, partition) if not allows(a, r)]
