"""Policy documents compiled once into statement matchers.

``compile_policy(doc, kind=..., source=...)`` validates a document (raising ``PolicyError`` with the
JSON path of the fault) and prepares every matcher up front: action and resource wildcards become
set lookups, prefix tests or one regex; conditions become predicates. Evaluation then only runs them.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cloudwarden.engines.iam.conditions import ConditionTest, compile_condition_block
from cloudwarden.engines.iam.errors import PolicyError
from cloudwarden.engines.iam.patterns import ContextValue, compile_globs, compile_resource_patterns
from cloudwarden.engines.iam.principals import PrincipalMatcher, RequestPrincipal, compile_principal

KINDS = ("identity", "resource", "boundary", "session", "scp", "rcp")
VERSIONS = ("2012-10-17", "2008-10-17")
_STATEMENT_KEYS = frozenset(
    {
        "Sid",
        "Effect",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Principal",
        "NotPrincipal",
        "Condition",
    }
)
_PRINCIPAL_KINDS = ("resource", "rcp")
_RESOURCE_OPTIONAL = ("resource", "scp", "rcp")

ResourceMatcher = Callable[[str, Mapping[str, ContextValue]], bool]


class Statement:
    """One compiled statement. ``applies`` tests action, resource and conditions (not the principal)."""

    __slots__ = (
        "_action",
        "_conditions",
        "_not_action",
        "_not_resource",
        "_resource",
        "allow",
        "index",
        "not_principal",
        "patterns",
        "policy",
        "principal",
        "sid",
    )

    def __init__(self, index: int, sid: str | None, allow: bool) -> None:
        self.index = index
        self.sid = sid
        self.allow = allow
        self._action: Callable[[str], bool] = bool
        self._not_action = False
        self._resource: ResourceMatcher | None = None
        self._not_resource = False
        self.principal: PrincipalMatcher | None = None
        self.not_principal = False
        self._conditions: tuple[ConditionTest, ...] = ()
        self.policy: CompiledPolicy | None = None
        self.patterns: tuple[str, ...] = ()  # the Resource element as written (empty for NotResource)

    def matches_action(self, action_key: str) -> bool:
        """Could the statement apply to this (lower-cased) action, whatever the resource and context?"""
        return self._action(action_key) != self._not_action

    def applies(self, action_key: str, resource: str, context: Mapping[str, ContextValue]) -> bool:
        if self._action(action_key) == self._not_action:
            return False
        matcher = self._resource
        if matcher is not None and matcher(resource, context) == self._not_resource:
            return False
        for condition in self._conditions:  # noqa: SIM110 - a plain loop is faster on this hot path
            if not condition(context):
                return False
        return True

    def names(self, principal: RequestPrincipal, has_boundary: bool) -> int:
        """For resource policies: how Principal names the requester (NotPrincipal: EXACT if not spared)."""
        matcher = self.principal
        if matcher is None:
            return 3
        if self.not_principal:
            return 0 if matcher.spares(principal) and not has_boundary else 3
        return matcher.how(principal)


@dataclass(frozen=True)
class CompiledPolicy:
    source: str
    kind: str
    version: str | None
    statements: tuple[Statement, ...]
    allows: tuple[Statement, ...]
    denies: tuple[Statement, ...]


def load_document(document: Any, path: str = "$") -> Any:
    """A policy as stored by AWS: a dict, JSON text, or URL-encoded JSON text (IAM's GetAccount...)."""
    if not isinstance(document, str):
        return document
    text = document.strip()
    if text.startswith(("%7B", "%7b")):
        text = urllib.parse.unquote(text)
    try:
        return json.loads(text)
    except ValueError as error:
        raise PolicyError(f"policy is not valid JSON ({error})", path) from None


def compile_policy(
    document: Any, kind: str = "identity", source: str = "policy", path: str = "$"
) -> CompiledPolicy:
    if kind not in KINDS:
        raise ValueError(f"unknown policy kind {kind!r}; one of {', '.join(KINDS)}")
    document = load_document(document, path)
    if not isinstance(document, dict):
        raise PolicyError("a policy document must be a JSON object", path)
    unknown = set(document) - {"Version", "Id", "Statement"}
    if unknown:
        raise PolicyError(f"unknown policy element {min(unknown)!r}", path)
    version = document.get("Version")
    if version is not None and version not in VERSIONS:
        raise PolicyError(f"Version must be one of {', '.join(VERSIONS)}", f"{path}.Version")
    if "Statement" not in document:
        raise PolicyError("policy has no Statement", path)
    raw = document["Statement"]
    items = raw if isinstance(raw, list) else [raw]
    statements = tuple(
        _compile_statement(
            item,
            index,
            kind,
            version == "2012-10-17",
            f"{path}.Statement[{index}]" if isinstance(raw, list) else f"{path}.Statement",
        )
        for index, item in enumerate(items)
    )
    policy = CompiledPolicy(
        source,
        kind,
        version,
        statements,
        tuple(s for s in statements if s.allow),
        tuple(s for s in statements if not s.allow),
    )
    for statement in statements:
        statement.policy = policy
    return policy


def _compile_statement(raw: Any, index: int, kind: str, variables: bool, path: str) -> Statement:
    if not isinstance(raw, dict):
        raise PolicyError("a statement must be a JSON object", path)
    unknown = set(raw) - _STATEMENT_KEYS
    if unknown:
        raise PolicyError(f"unknown statement element {min(unknown)!r}", path)
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise PolicyError("Sid must be a string", f"{path}.Sid")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError('Effect must be "Allow" or "Deny"', f"{path}.Effect")
    statement = Statement(index, sid, effect == "Allow")
    _compile_action(statement, raw, path)
    _compile_resource(statement, raw, kind, variables, path)
    _compile_principal(statement, raw, kind, path)
    if "Condition" in raw:
        statement._conditions = compile_condition_block(raw["Condition"], f"{path}.Condition", variables)
    return statement


def _one_of(raw: dict[str, Any], name: str, path: str, required: bool) -> str | None:
    present = [key for key in (name, "Not" + name) if key in raw]
    if len(present) == 2:
        raise PolicyError(f"a statement takes {name} or Not{name}, not both", path)
    if not present and required:
        raise PolicyError(f"statement has no {name} or Not{name}", path)
    return present[0] if present else None


def _strings(raw: Any, path: str) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else [raw]
    for index, item in enumerate(items):
        if not isinstance(item, str):
            where = f"{path}[{index}]" if isinstance(raw, list) else path
            raise PolicyError("expected a string or a list of strings", where)
    return tuple(items)


def _compile_action(statement: Statement, raw: dict[str, Any], path: str) -> None:
    key = _one_of(raw, "Action", path, required=True)
    assert key is not None
    actions = _strings(raw[key], f"{path}.{key}")
    for index, action in enumerate(actions):
        if action != "*" and ":" not in action:
            where = f"{path}.{key}[{index}]" if isinstance(raw[key], list) else f"{path}.{key}"
            raise PolicyError(f"action {action!r} is not of the form service:Action", where)
    statement._action = compile_globs(actions, ignore_case=True)
    statement._not_action = key == "NotAction"


def _compile_resource(
    statement: Statement, raw: dict[str, Any], kind: str, variables: bool, path: str
) -> None:
    key = _one_of(raw, "Resource", path, required=kind not in _RESOURCE_OPTIONAL)
    if key is None:
        return
    resources = _strings(raw[key], f"{path}.{key}")
    statement._resource = compile_resource_patterns(resources, variables)
    statement._not_resource = key == "NotResource"
    if key == "Resource":
        statement.patterns = resources


def _compile_principal(statement: Statement, raw: dict[str, Any], kind: str, path: str) -> None:
    key = _one_of(raw, "Principal", path, required=kind == "resource")
    if key is None:
        return
    if kind not in _PRINCIPAL_KINDS:
        raise PolicyError(f"{key} is not allowed in {kind} policies", f"{path}.{key}")
    if key == "NotPrincipal" and (statement.allow or kind == "rcp"):
        raise PolicyError("NotPrincipal is supported only with Deny in resource policies", f"{path}.{key}")
    if kind == "rcp" and raw[key] != "*" and raw[key] != {"AWS": "*"}:
        raise PolicyError('the Principal of an RCP must be "*"', f"{path}.{key}")
    statement.principal = compile_principal(raw[key], f"{path}.{key}")
    statement.not_principal = key == "NotPrincipal"
