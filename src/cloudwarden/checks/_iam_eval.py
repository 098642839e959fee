"""IAM questions of the checks, answered by the IAM evaluator (engines.iam), never by string matching.

A policy document is compiled once and asked "is (action, resource) allowed?" for a principal of the
scanned account. Wildcards, `?`, case, NotAction, NotResource, Deny statements and (when given) a
permissions boundary all count, because the evaluator decides.

Stable API (other check modules build on it):

    probe = IdentityProbe.of(document, account, partition, boundary=None)  # raises PolicyError
    probe.allows("iam:CreateUser", "arn:aws:iam::111122223333:user/x") -> bool
    probe.is_administrator() -> bool          # engines.iam.admin: every ADMIN_PROBE request allowed
    probe.escalation_sets() -> list[str]      # escalation actions / PassRole pairs allowed on any resource
    probe.assumes_any_role() -> bool          # sts:AssumeRole on a role it does not name
    compiled_or_unknown(document, dataset, resource) -> IdentityProbe  (DataUnavailable if unparsable)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cloudwarden.engines.iam import PolicyError, PolicySet, compile_policy, evaluate, make_request
from cloudwarden.engines.iam.admin import is_administrator, probe_for, probe_resource_policy
from cloudwarden.engines.iam.policy import CompiledPolicy
from cloudwarden.inventory.snapshot import GLOBAL, DataUnavailable

# Single actions that let a principal raise its own privileges.
ESCALATION_ACTIONS = (
    "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy", "iam:AttachRolePolicy", "iam:PutUserPolicy", "iam:PutGroupPolicy",
    "iam:PutRolePolicy", "iam:AddUserToGroup", "iam:UpdateAssumeRolePolicy", "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile", "iam:CreateAccessKey", "iam:DeleteUserPermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
)
# Actions that run code with a passed role: escalation together with iam:PassRole.
PASSROLE_PAIRS = ("ec2:runinstances", "lambda:createfunction", "cloudformation:createstack",
                  "glue:createdevendpoint", "codebuild:createproject", "sagemaker:createnotebookinstance")
_PROBE_NAME = "cloudwarden-probe-any"


@lru_cache(maxsize=8)
def _resources_by_action(account: str, partition: str) -> dict[str, str]:
    return {action.lower(): resource for action, resource in probe_for(account, partition)}


@lru_cache(maxsize=8)
def _resource_policy(account: str, partition: str) -> CompiledPolicy:
    return compile_policy(probe_resource_policy(account, partition), "resource", "probe resource policy")


@dataclass(frozen=True)
class IdentityProbe:
    policy: CompiledPolicy
    account: str
    partition: str = "aws"
    boundary: CompiledPolicy | None = None

    @classmethod
    def of(cls, document: Any, account: str, partition: str = "aws", boundary: Any = None,
           source: str = "policy") -> IdentityProbe:
        compiled = compile_policy(document, "identity", source)
        bound = compile_policy(boundary, "identity", "boundary") if boundary is not None else None
        return cls(compiled, account, partition, bound)

    def allows(self, action: str, resource: str) -> bool:
        principal = f"arn:{self.partition}:iam::{self.account}:role/{_PROBE_NAME}"
        request = make_request(principal, action, resource, self.account)
        policies = PolicySet(identity=(self.policy,), resource=_resource_policy(self.account, self.partition),
                             boundary=self.boundary)
        return evaluate(request, policies).allowed

    def resource_for(self, action: str) -> str:
        """A resource the policy does not name: the probe's own (in this account), else '*'."""
        return _resources_by_action(self.account, self.partition).get(action.lower(), "*")

    def is_administrator(self) -> bool:
        return is_administrator(self.allows, self.account, self.partition)

    def escalation_sets(self) -> list[str]:
        hits = [a for a in ESCALATION_ACTIONS if self.allows(a, self.resource_for(a))]
        if self.allows("iam:PassRole", self.resource_for("iam:PassRole")):
            hits += [f"iam:PassRole+{pair}" for pair in PASSROLE_PAIRS if self.allows(pair, self.resource_for(pair))]
        return hits

    def assumes_any_role(self) -> bool:
        role = f"arn:{self.partition}:iam::{self.account}:role/{_PROBE_NAME}"
        return self.allows("sts:AssumeRole", role)


def compiled_or_unknown(document: Any, account: str, partition: str, dataset: str, resource: str,
                        boundary: Any = None) -> IdentityProbe:
    """The probe for a document; a document the evaluator cannot read makes the resource UNKNOWN."""
    try:
        return IdentityProbe.of(document, account, partition, boundary, resource)
    except PolicyError as error:
        raise DataUnavailable(dataset, GLOBAL, f"its policy could not be evaluated: {error}", resource) from None
