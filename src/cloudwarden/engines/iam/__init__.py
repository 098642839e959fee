"""The iam engine: exact evaluation of AWS IAM policies (a pure library: standard library + networkx).

Public API::

    policy = compile_policy(document, kind="identity", source="AdminPolicy")
    request = make_request("arn:aws:iam::111111111111:user/alice", "s3:GetObject", "arn:aws:s3:::b/k",
                           resource_account="111111111111", context={"aws:SourceIp": "203.0.113.7"})
    decision = evaluate(request, PolicySet(identity=(policy,)))
    decision.decision  # "Allow" | "ExplicitDeny" | "ImplicitDeny"; decision.explain: the reasons
"""

from cloudwarden.engines.iam.errors import PolicyError
from cloudwarden.engines.iam.evaluator import evaluate
from cloudwarden.engines.iam.model import (
    ALLOW,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    Decision,
    PolicySet,
    Reason,
    Request,
    make_request,
)
from cloudwarden.engines.iam.policy import CompiledPolicy, allow_all, compile_policy, load_document

__all__ = [
    "ALLOW",
    "EXPLICIT_DENY",
    "IMPLICIT_DENY",
    "CompiledPolicy",
    "Decision",
    "PolicyError",
    "PolicySet",
    "Reason",
    "Request",
    "allow_all",
    "compile_policy",
    "evaluate",
    "load_document",
    "make_request",
]
