"""The evaluation request format (docs/iam.md): one JSON object holding the policies and the request.

``load_request(data)`` validates it and compiles every policy, raising ``PolicyError`` with the JSON
path of the first fault; ``evaluate_document`` adds the evaluation and returns the output object.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudwarden.engines.iam.errors import PolicyError
from cloudwarden.engines.iam.evaluator import evaluate
from cloudwarden.engines.iam.model import Level, PolicySet, Request, make_request
from cloudwarden.engines.iam.policy import CompiledPolicy, compile_policy

_TOP_KEYS = frozenset({"name", "policies", "request"})
_POLICY_KEYS = frozenset({"identity", "resource", "boundary", "scps", "rcps", "session"})
_REQUEST_KEYS = frozenset({"principal", "action", "resource", "resourceAccount", "context"})


@dataclass(frozen=True)
class LoadedRequest:
    name: str | None
    request: Request
    policies: PolicySet


def _check_keys(data: Any, allowed: frozenset[str], path: str, what: str) -> dict[str, Any]:
    if type(data) is dict and data.keys() <= allowed:
        return data
    if not isinstance(data, dict):
        raise PolicyError(f"{what} must be a JSON object", path)
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise PolicyError(f"unknown key {unknown[0]!r} (expected one of {', '.join(sorted(allowed))})", path)
    return data


def load_request(data: Any) -> LoadedRequest:
    top = _check_keys(data, _TOP_KEYS, "$", "a request file")
    name = top.get("name")
    if name is not None and not isinstance(name, str):
        raise PolicyError("name must be a string", "$.name")
    if "request" not in top:
        raise PolicyError("missing the request object", "$")
    body = _check_keys(top["request"], _REQUEST_KEYS, "$.request", "request")
    for required in ("principal", "action"):
        if required not in body:
            raise PolicyError(f"missing {required}", "$.request")
    request = make_request(
        body["principal"],
        body["action"],
        body.get("resource", "*"),
        body.get("resourceAccount"),
        body.get("context"),
        "$.request",
    )
    return LoadedRequest(name, request, load_policies(top.get("policies", {})))


def load_policies(data: Any, path: str = "$.policies") -> PolicySet:
    policies = _check_keys(data, _POLICY_KEYS, path, "policies")
    identity = policies.get("identity", [])
    if not isinstance(identity, list):
        raise PolicyError("identity must be a list of policy documents", f"{path}.identity")
    return PolicySet(
        identity=tuple([
            compile_policy(doc, "identity", f"identity[{i}]", f"{path}.identity[{i}]")
            for i, doc in enumerate(identity)
        ]),
        resource=_single(policies, "resource", path),
        boundary=_single(policies, "boundary", path),
        session=_single(policies, "session", path),
        scps=_levels(policies, "scps", "scp", path),
        rcps=_levels(policies, "rcps", "rcp", path),
    )


def _single(policies: dict[str, Any], key: str, path: str) -> CompiledPolicy | None:
    if policies.get(key) is None:
        return None
    return compile_policy(policies[key], key, key, f"{path}.{key}")


def _levels(policies: dict[str, Any], key: str, kind: str, path: str) -> tuple[Level, ...] | None:
    if key not in policies:
        return None
    raw = policies[key]
    if not isinstance(raw, list):
        raise PolicyError(f"{key} must be a list of levels (root first)", f"{path}.{key}")
    levels: list[Level] = []
    for number, level in enumerate(raw):
        documents = level if isinstance(level, list) else [level]
        prefix = f"{path}.{key}[{number}]"
        levels.append(
            tuple([
                compile_policy(
                    doc,
                    kind,
                    f"{key}[{number}][{i}]",
                    f"{prefix}[{i}]" if isinstance(level, list) else prefix,
                )
                for i, doc in enumerate(documents)
            ])
        )
    return tuple(levels)


def evaluate_document(data: Any, label: str) -> dict[str, Any]:
    """The output object for one request document (raises PolicyError when it is malformed)."""
    loaded = load_request(data)
    decision = evaluate(loaded.request, loaded.policies)
    return {"name": loaded.name if loaded.name is not None else label, **decision.to_dict()}
