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

from cloudwarden.engines.iam.conditions import (
    QUICK_CHECKS,
    ConditionTest,
    compile_condition_block,
    evaluate_once,
    policy_values,
)
from cloudwarden.engines.iam.errors import PolicyError
from cloudwarden.engines.iam.patterns import (
    ContextValue,
    compile_globs,
    compile_resource_patterns,
    wildcard_match,
)
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

# A statement is matched without compiling anything the first times it is asked (most policies are
# read for one request); past this many questions it compiles its matchers and uses them.
REUSE = 3


class Statement:
    """One validated statement. ``applies`` tests action, resource and conditions (not the principal).

    Matchers are made on demand: the action is first tested against the action list as written
    (one substring test for exact names, a direct glob match for wildcards); the resource and the
    conditions are looked at only when the action matched. A statement asked more than REUSE times
    compiles its action and resource matchers (sets, prefixes, regexes) and keeps them.
    """

    # No __slots__: most statements are made, asked once and dropped, so each instance sets only
    # what differs from these class-level defaults.
    _action: Callable[[str], bool] | None = None
    _actions: tuple[str, ...] = ()
    _action_list: str | None = None  # "\n" + the lower-cased actions joined by "\n" + "\n"
    _wild_actions: tuple[str, ...] = ()  # the lower-cased actions with * or ?
    _asked = 0
    _not_action = False
    _has_resource = False
    _resource: ResourceMatcher | None = None
    _resources: tuple[str, ...] = ()
    _templated = False  # the resources hold policy variables
    _resource_asked = 0
    _not_resource = False
    _variables = False  # Version 2012-10-17: policy variables are substituted
    _conditions: tuple[ConditionTest, ...] | None = ()  # None: not compiled yet
    _condition_block: Any = None
    _condition_path: tuple[str, bool] = ("$", True)  # (policy path, Statement was a list)
    principal: PrincipalMatcher | None = None
    not_principal = False
    source = ""  # the name of its policy (CompiledPolicy.source), for explanations
    patterns: tuple[str, ...] = ()  # the Resource element as written (empty for NotResource)

    def __init__(self, index: int, sid: str | None, allow: bool) -> None:
        self.index = index
        self.sid = sid
        self.allow = allow

    def matches_action(self, action_key: str) -> bool:
        """Could the statement apply to this (lower-cased) action, whatever the resource and context?"""
        matcher = self._action
        hit = matcher(action_key) if matcher is not None else self._first_actions(action_key)
        return hit != self._not_action

    def applies(self, action_key: str, resource: str, context: Mapping[str, ContextValue]) -> bool:
        matcher = self._action
        if (matcher(action_key) if matcher is not None else self._first_actions(action_key)) == self._not_action:
            return False
        if self._has_resource:
            found = self._resource
            hit = found(resource, context) if found is not None else self._first_resources(resource, context)
            if hit == self._not_resource:
                return False
        conditions = self._conditions
        if conditions is None:
            if self._asked <= REUSE:  # asked once or twice: read the block, compile nothing
                once = evaluate_once(self._condition_block, context, self._variables)
                if once is not None:
                    return once
            conditions = self._compile_conditions()
        for condition in conditions:  # noqa: SIM110 - a plain loop is faster on this hot path
            if not condition(context):
                return False
        return True

    def _first_actions(self, action_key: str) -> bool:
        self._asked += 1
        listed = self._action_list
        if listed is None or self._asked > REUSE:
            matcher = self._action = compile_globs(self._actions, ignore_case=True)
            return matcher(action_key)
        # the actions hold no newline (checked when listed), so a hit is an exact match
        if "\n" + action_key + "\n" in listed and "\n" not in action_key:
            return True
        for pattern in self._wild_actions:
            star = pattern.find("*")
            if star == len(pattern) - 1 and "?" not in pattern:  # the usual service:Prefix*
                if action_key.startswith(pattern[:-1]):
                    return True
            elif wildcard_match(pattern, action_key):
                return True
        return False

    def _first_resources(self, resource: str, context: Mapping[str, ContextValue]) -> bool:
        self._resource_asked += 1
        if self._templated or self._resource_asked > REUSE:
            matcher = self._resource = compile_resource_patterns(self._resources, self._variables)
            return matcher(resource, context)
        for pattern in self._resources:  # noqa: SIM110 - a plain loop is faster on this hot path
            if wildcard_match(pattern, resource):
                return True
        return False

    def _compile_conditions(self) -> tuple[ConditionTest, ...]:
        where, listed = self._condition_path
        path = f"{where}.Statement[{self.index}].Condition" if listed else f"{where}.Statement.Condition"
        conditions = self._conditions = compile_condition_block(self._condition_block, path, self._variables)
        return conditions

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
    """Validate a policy document and prepare its statements (PolicyError names the faulty JSON path)."""
    if kind not in KINDS:
        raise ValueError(f"unknown policy kind {kind!r}; one of {', '.join(KINDS)}")
    if type(document) is not dict:
        document = load_document(document, path)
    statements = _quick_statements(document, kind, path)
    if statements is None:  # something the quick checks do not vouch for: the full validation decides
        return _compile_precisely(document, kind, source, path)
    return _policy(source, kind, document.get("Version"), statements)


def _policy(source: str, kind: str, version: str | None, statements: list[Statement]) -> CompiledPolicy:
    # The frozen dataclass's fields set at once (its __init__ sets them one by one through
    # object.__setattr__, a measurable part of compiling a policy that is used once).
    policy = object.__new__(CompiledPolicy)
    policy.__dict__.update(
        source=source,
        kind=kind,
        version=version,
        statements=tuple(statements),
        allows=tuple([s for s in statements if s.allow]),
        denies=tuple([s for s in statements if not s.allow]),
    )
    if source:  # the name, not the policy itself: a statement that pointed back at its policy would
        for statement in statements:  # make a reference cycle, left to the garbage collector to free
            statement.source = source
    return policy


_DOCUMENT_KEYS = frozenset({"Version", "Id", "Statement"})
_VALUE_TYPES = frozenset({str, int, float, bool})


def compile_shaped(shape: Any, kind: str, source: str, path: str = "$") -> CompiledPolicy | None:
    """A policy document decoded by msgspec into engines/iam/shapes.py's PolicyShape (its keys and
    JSON types already checked): compiled as compile_policy compiles it, or None where the quick
    checks do not vouch for it (compile_policy on the decoded document then decides)."""
    version = shape.Version
    if version is not None and version not in VERSIONS:
        return None
    raw = shape.Statement
    listed = type(raw) is list
    variables = version == "2012-10-17"
    where = (path, listed)
    statements: list[Statement] = []
    for index, item in enumerate(raw if listed else (raw,)):
        statement = _quick_fields(
            index, kind, variables, where, item.Effect, item.Sid, item.Action, item.NotAction, item.Resource,
            item.NotResource, item.Principal, item.NotPrincipal, item.Condition, True,
        )
        if statement is None:
            return None
        statements.append(statement)
    return _policy(source, kind, version, statements)


def _quick_statements(document: Any, kind: str, path: str) -> list[Statement] | None:
    """The statements of a document that passes every check, made without compiling any matcher;
    None as soon as a check fails (or is not one this quick pass can vouch for). It accepts only
    documents that _compile_precisely accepts, and gives statements that decide as those do."""
    if type(document) is not dict or not document.keys() <= _DOCUMENT_KEYS:
        return None
    version = document.get("Version")
    if (version is not None and version not in VERSIONS) or "Statement" not in document:
        return None
    raw = document["Statement"]
    listed = type(raw) is list
    variables = version == "2012-10-17"
    where = (path, listed)  # made into a JSON path only if a Condition block is compiled
    statements: list[Statement] = []
    for index, item in enumerate(raw if listed else (raw,)):
        statement = _quick_statement(item, index, kind, variables, where)
        if statement is None:
            return None
        statements.append(statement)
    return statements


def _quick_statement(
    raw: Any, index: int, kind: str, variables: bool, where: tuple[str, bool]
) -> Statement | None:
    if type(raw) is not dict:
        return None
    get = raw.get
    if raw.keys() <= _PLAIN_KEYS:  # no Principal or NotPrincipal
        principal = not_principal = _ABSENT
    elif raw.keys() <= _STATEMENT_KEYS:
        principal, not_principal = get("Principal", _ABSENT), get("NotPrincipal", _ABSENT)
    else:
        return None
    return _quick_fields(
        index, kind, variables, where, get("Effect"), get("Sid"), get("Action", _ABSENT),
        get("NotAction", _ABSENT), get("Resource", _ABSENT), get("NotResource", _ABSENT), principal,
        not_principal, get("Condition", _ABSENT), False,
    )


def _quick_fields(
    index: int, kind: str, variables: bool, where: tuple[str, bool], effect: Any, sid: Any, actions: Any,
    not_actions: Any, resources: Any, not_resources: Any, principal: Any, not_principal: Any, block: Any,
    typed: bool,
) -> Statement | None:
    """The statement from its elements (ABSENT where the element is not there), or None where the
    full validation must decide. ``typed``: msgspec has already checked the Condition block's types."""
    if effect == "Allow":
        statement = Statement(index, None, True)
    elif effect == "Deny":
        statement = Statement(index, None, False)
    else:
        return None
    if sid is not None:
        if type(sid) is not str:
            return None
        statement.sid = sid
    if variables:
        statement._variables = True
    # Action / NotAction: strings of the form service:Action (or *)
    if actions is _ABSENT:
        actions = not_actions
        if actions is _ABSENT:
            return None
        statement._not_action = True
    elif not_actions is not _ABSENT:
        return None
    if type(actions) is str:
        if ":" not in actions and actions != "*":
            return None
        statement._actions = (actions,)
        if "\n" not in actions:
            lowered = actions.lower()
            statement._action_list = "\n" + lowered + "\n"
            if "*" in lowered or "?" in lowered:
                statement._wild_actions = (lowered,)
    elif type(actions) is list:
        try:
            joined = "\n".join(actions)
        except TypeError:
            return None
        for action in actions:
            if ":" not in action and action != "*":
                return None
        statement._actions = tuple(actions)
        if joined.count("\n") == len(actions) - 1:  # no action holds a newline
            lowered = joined.lower()
            statement._action_list = "\n" + lowered + "\n"
            if "*" in lowered or "?" in lowered:
                statement._wild_actions = tuple([a for a in lowered.split("\n") if "*" in a or "?" in a])
    else:
        return None
    # Resource / NotResource: strings
    if resources is _ABSENT:
        resources = not_resources
        if resources is not _ABSENT:
            statement._not_resource = True
        elif kind not in _RESOURCE_OPTIONAL:
            return None
    elif not_resources is not _ABSENT:
        return None
    if resources is not _ABSENT:
        if type(resources) is str:
            listed: tuple[str, ...] = (resources,)
            joined = resources
        elif type(resources) is list:
            try:
                joined = "\n".join(resources)
            except TypeError:
                return None
            listed = tuple(resources)
        else:
            return None
        statement._has_resource = True
        statement._resources = listed
        if variables and "${" in joined:
            statement._templated = True
        if not statement._not_resource:
            statement.patterns = listed
    # Principal / NotPrincipal: only in resource policies and RCPs
    if principal is _ABSENT and not_principal is _ABSENT:
        if kind == "resource":
            return None
    else:
        if kind not in _PRINCIPAL_KINDS or (principal is not _ABSENT and not_principal is not _ABSENT):
            return None
        negated = not_principal is not _ABSENT
        element = not_principal if negated else principal
        if negated and (statement.allow or kind == "rcp"):
            return None
        if kind == "rcp" and element != "*" and element != {"AWS": "*"}:
            return None
        try:
            statement.principal = compile_principal(element, "$")
        except PolicyError:
            return None
        statement.not_principal = negated
    if block is not _ABSENT:
        if not _quick_conditions(block, variables, typed):
            return None
        statement._condition_block = block
        statement._condition_path = where
        statement._conditions = None  # compiled when the action and resource first match
    return statement


_ABSENT: Any = object()
ABSENT = _ABSENT  # an element that is not there (the default of engines/iam/shapes.py's shapes)
_PLAIN_KEYS = frozenset({"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"})


def _quick_conditions(block: Any, variables: bool, typed: bool = False) -> bool:
    """Every check of compile_condition_block, without making its predicates (``typed``: the JSON
    types of the block were checked by msgspec: only the operators and the values remain)."""
    if type(block) is not dict:
        return False
    for name, keys in block.items():
        if type(keys) is not dict or name not in QUICK_CHECKS:
            return False
        check = QUICK_CHECKS[name]
        if typed and check is None:
            continue
        for key, raw in keys.items():
            if not typed:
                if type(key) is not str:
                    return False
                items = raw if type(raw) is list else (raw,)
                for item in items:
                    if type(item) not in _VALUE_TYPES:
                        return False
            if check is not None and not check([raw] if type(raw) is str else policy_values(raw, ""), variables):
                return False
    return True


def _compile_precisely(document: Any, kind: str, source: str, path: str) -> CompiledPolicy:
    """Full validation in document order, raising PolicyError at the first fault; matchers compiled."""
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
    statements = [
        _compile_statement(
            item,
            index,
            kind,
            version == "2012-10-17",
            f"{path}.Statement[{index}]" if isinstance(raw, list) else f"{path}.Statement",
        )
        for index, item in enumerate(items)
    ]
    return _policy(source, kind, version, statements)


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
    statement._variables = variables
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
    statement._actions = actions
    statement._action = compile_globs(actions, ignore_case=True)
    statement._not_action = key == "NotAction"


def _compile_resource(
    statement: Statement, raw: dict[str, Any], kind: str, variables: bool, path: str
) -> None:
    key = _one_of(raw, "Resource", path, required=kind not in _RESOURCE_OPTIONAL)
    if key is None:
        return
    resources = _strings(raw[key], f"{path}.{key}")
    statement._has_resource = True
    statement._resources = resources
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


def allow_all(whose: str) -> CompiledPolicy:
    """An identity policy that allows every action on every resource: the stand-in for IAM policies
    the snapshot does not hold (another account's, a member's own), so that only the policies that
    are held (a resource policy, SCPs, RCPs) decide. ``whose`` names them in explanations."""
    return compile_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
                          "identity", f"assumed: {whose} IAM policies allow")
