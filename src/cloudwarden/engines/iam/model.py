"""Requests, policy sets and decisions: the values the evaluator takes and returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii as _quoted  # json.dumps's strings (ensure_ascii)
from typing import Any

from cloudwarden.core.arn import account_of
from cloudwarden.engines.iam.errors import PolicyError
from cloudwarden.engines.iam.patterns import ContextValue
from cloudwarden.engines.iam.policy import CompiledPolicy, Statement
from cloudwarden.engines.iam.principals import RequestPrincipal, parse_principal

ALLOW, EXPLICIT_DENY, IMPLICIT_DENY = "Allow", "ExplicitDeny", "ImplicitDeny"


# The frozen dataclasses below that are made once or more per evaluated request set their fields
# at once in __init__ (the generated one sets them one by one through object.__setattr__, which
# cost more than some evaluations); they stay frozen, compared and hashed by value.


@dataclass(frozen=True, init=False)
class Request:
    principal: RequestPrincipal
    action: str
    resource: str
    resource_account: str
    context: Mapping[str, ContextValue]
    action_key: str = ""  # the action lower-cased (actions match without regard to case)

    def __init__(self, principal: RequestPrincipal, action: str, resource: str, resource_account: str,
                 context: Mapping[str, ContextValue], action_key: str = "") -> None:
        self.__dict__.update(principal=principal, action=action, resource=resource,
                             resource_account=resource_account, context=context, action_key=action_key)


def make_request(
    principal: str,
    action: str,
    resource: str = "*",
    resource_account: str | None = None,
    context: Mapping[str, Any] | None = None,
    path: str = "$",
    principals: dict[tuple[str, Any], RequestPrincipal] | None = None,
) -> Request:
    """Build a request; context keys are lower-cased, values become strings or lists of strings.
    ``principals``: parsed principals kept by (principal, aws:PrincipalArn) for the next requests."""
    normalised = normalise_context(context or {}, f"{path}.context")
    if principals is None or type(principal) is not str:
        parsed = parse_principal(principal, normalised, f"{path}.principal")
    else:  # a session's role is read from aws:PrincipalArn: the only context that parsing reads
        given = normalised.get("aws:principalarn")
        key = (principal, given if type(given) is str else None)  # parsing reads it only as a string
        found = principals.get(key)
        if found is None:
            found = parse_principal(principal, normalised, f"{path}.principal")
            if len(principals) < 4096:
                principals[key] = found
        parsed = found
    if not isinstance(action, str) or (action != "*" and ":" not in action):
        raise PolicyError("action must be a string of the form service:Action", f"{path}.action")
    if not isinstance(resource, str) or not resource:
        raise PolicyError("resource must be a non-empty string (an ARN, or * )", f"{path}.resource")
    if resource_account is None:
        resource_account = account_of(resource, parsed.account)
    elif not isinstance(resource_account, str):
        raise PolicyError("resourceAccount must be a string", f"{path}.resourceAccount")
    return Request(parsed, action, resource, resource_account, normalised, action.lower())


def normalise_context(context: Mapping[str, Any], path: str) -> dict[str, ContextValue]:
    if not isinstance(context, Mapping):
        raise PolicyError("context must be an object of condition keys", path)
    for value in context.values():
        if type(value) is not str:
            break
    else:  # strings only (the common case): nothing to convert
        return {key.lower(): value for key, value in context.items()}
    normalised: dict[str, ContextValue] = {}
    for key, value in context.items():
        if type(value) is str:  # the common case first; paths are only built for an error
            normalised[key.lower()] = value
        elif isinstance(value, list):
            normalised[key.lower()] = [item if type(item) is str else _scalar(item, f"{path}.{key}[{i}]")
                                       for i, item in enumerate(value)]
        else:
            normalised[key.lower()] = _scalar(value, f"{path}.{key}")
    return normalised


def _scalar(value: Any, path: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise PolicyError("context values must be strings, numbers, booleans or lists of them", path)


Level = tuple[CompiledPolicy, ...]


@dataclass(frozen=True, init=False)
class PolicySet:
    """The policies that apply to one request. ``scps``/``rcps`` None = not governed by an organization."""

    identity: tuple[CompiledPolicy, ...] = ()
    resource: CompiledPolicy | None = None
    boundary: CompiledPolicy | None = None
    session: CompiledPolicy | None = None
    scps: tuple[Level, ...] | None = None
    rcps: tuple[Level, ...] | None = None

    def __init__(self, identity: tuple[CompiledPolicy, ...] = (), resource: CompiledPolicy | None = None,
                 boundary: CompiledPolicy | None = None, session: CompiledPolicy | None = None,
                 scps: tuple[Level, ...] | None = None, rcps: tuple[Level, ...] | None = None) -> None:
        self.__dict__.update(identity=identity, resource=resource, boundary=boundary, session=session,
                             scps=scps, rcps=rcps)


@dataclass(frozen=True, init=False)
class Reason:
    """One line of an explanation: a decisive statement, or a layer that gave no Allow."""

    layer: str
    policy: str = ""
    statement: int | None = None
    sid: str | None = None
    effect: str = ""
    detail: str = ""

    def __init__(self, layer: str, policy: str = "", statement: int | None = None, sid: str | None = None,
                 effect: str = "", detail: str = "") -> None:
        self.__dict__.update(layer=layer, policy=policy, statement=statement, sid=sid, effect=effect,
                             detail=detail)

    @classmethod
    def of(cls, layer: str, statement: Statement, detail: str = "") -> Reason:
        return cls(
            layer,
            statement.source,
            statement.index,
            statement.sid,
            "Allow" if statement.allow else "Deny",
            detail,
        )

    def to_json(self) -> str:
        """json.dumps(self.to_dict()), character for character, without making the dict."""
        text = '{"layer": ' + _quoted(self.layer)
        if self.policy:
            text += ', "policy": ' + _quoted(self.policy)
        if self.statement is not None:
            text += ', "statement": ' + int.__repr__(self.statement)
        if self.sid:
            text += ', "sid": ' + _quoted(self.sid)
        if self.effect:
            text += ', "effect": ' + _quoted(self.effect)
        if self.detail:
            text += ', "detail": ' + _quoted(self.detail)
        return text + "}"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"layer": self.layer}
        if self.policy:
            data["policy"] = self.policy
        if self.statement is not None:
            data["statement"] = self.statement
        if self.sid:
            data["sid"] = self.sid
        if self.effect:
            data["effect"] = self.effect
        if self.detail:
            data["detail"] = self.detail
        return data


@dataclass(frozen=True, init=False)
class Decision:
    decision: str
    explain: tuple[Reason, ...] = field(default_factory=tuple)

    def __init__(self, decision: str, explain: tuple[Reason, ...] = ()) -> None:
        self.__dict__.update(decision=decision, explain=explain)

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOW

    def to_dict(self) -> dict[str, Any]:
        return {"decision": self.decision, "explain": [reason.to_dict() for reason in self.explain]}

    def to_json(self, name: str) -> str:
        """json.dumps({"name": name, **self.to_dict()}), character for character (the output line
        of `iam evaluate`), without making the dicts."""
        return ('{"name": ' + _quoted(name) + ', "decision": ' + _quoted(self.decision) + ', "explain": ['
                + ", ".join([reason.to_json() for reason in self.explain]) + "]}")
