"""Reading a suppressions file: cloudwarden's YAML or Prowler's mutelist, validated with line numbers.

Everything is checked before anything is scanned: a malformed file raises InputError naming the
line, and no rule of it is applied.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from cloudwarden.core.errors import InputError
from cloudwarden.suppress.rules import Matcher, Rule, RuleSet, glob_matcher, regex_matcher, tag_glob_matcher

DEFAULT_FILE = Path(".cloudwarden") / "suppressions.yaml"
HINT = "see docs/suppressions.md for the format"

_LIST_FIELDS = {"check": "checks", "resource": "resources", "account": "accounts", "region": "regions"}
_NATIVE_KEYS = {"id", "reason", "owner", "expires", "tags", *_LIST_FIELDS, *_LIST_FIELDS.values()}


class _Invalid(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def load_rules(path: Path, prowler_ids: dict[str, tuple[str, ...]] | None = None) -> RuleSet:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"suppressions file {path} does not exist", hint=HINT) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read suppressions file {path}: {error}", hint=HINT) from None
    return RuleSet(tuple(parse_rules(text, str(path), prowler_ids)), str(path))


def parse_rules(text: str, source: str = "suppressions", prowler_ids: dict[str, tuple[str, ...]] | None = None
                ) -> list[Rule]:
    """The rules of a suppressions document; `prowler_ids` maps our check ids to Prowler's."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise InputError(f"{source}, line {line}: not valid YAML: {error.problem or error}", hint=HINT) from None
    try:
        if root is None:
            return []
        top = _mapping(root, "the file")
        if "Mutelist" in top:
            return _prowler_rules(top["Mutelist"], prowler_ids or {})
        return _native_rules(root, top)
    except _Invalid as invalid:
        raise InputError(f"{source}, line {invalid.line}: {invalid.message}", hint=HINT) from None


# -- node helpers: keep each value's line for messages --
def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _mapping(node: yaml.Node, what: str) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        raise _Invalid(_line(node), f"{what} must be a mapping (key: value)")
    result: dict[str, yaml.Node] = {}
    for key, value in node.value:
        name = _scalar(key, "a key")
        if name in result:
            raise _Invalid(_line(key), f"{name!r} is given twice")
        result[name] = value
    return result


def _scalar(node: yaml.Node, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise _Invalid(_line(node), f"{what} must be a single value")
    return str(node.value)


def _strings(node: yaml.Node, what: str) -> list[str]:
    if isinstance(node, yaml.ScalarNode):
        values = [str(node.value)]
    elif isinstance(node, yaml.SequenceNode):
        values = [_scalar(item, f"each entry of {what}") for item in node.value]
    else:
        raise _Invalid(_line(node), f"{what} must be a value or a list of values")
    if not values or any(not v.strip() for v in values):
        raise _Invalid(_line(node), f"{what} must not be empty")
    return values


# -- cloudwarden's format --
def _native_rules(root: yaml.Node, top: dict[str, yaml.Node]) -> list[Rule]:
    unknown = set(top) - {"version", "suppressions"}
    if unknown:
        raise _Invalid(_line(root), f"unknown top-level key {sorted(unknown)[0]!r} (expected `suppressions:` "
                       "or Prowler's `Mutelist:`)")
    if "version" in top and _scalar(top["version"], "version") != "1":
        raise _Invalid(_line(top["version"]), "only version 1 is understood")
    items = top.get("suppressions")
    if items is None or (isinstance(items, yaml.ScalarNode) and items.value in ("", "null", "~")):
        return []
    if not isinstance(items, yaml.SequenceNode):
        raise _Invalid(_line(items), "`suppressions` must be a list of rules")
    rules = [_native_rule(item, index) for index, item in enumerate(items.value, start=1)]
    seen: dict[str, int] = {}
    for rule in rules:
        if rule.id in seen:
            raise _Invalid(rule.line, f"rule id {rule.id!r} is used twice (first on line {seen[rule.id]})")
        seen[rule.id] = rule.line
    return rules


def _native_rule(node: yaml.Node, index: int) -> Rule:
    fields = _mapping(node, "a rule")
    line = _line(node)
    for key in fields:
        if key not in _NATIVE_KEYS:
            raise _Invalid(_line(fields[key]), f"unknown key {key!r} in a rule (known: {', '.join(sorted(_NATIVE_KEYS))})")
    for required in ("reason", "owner"):
        if required not in fields or not _scalar(fields[required], required).strip():
            raise _Invalid(line, f"the rule is missing its `{required}` (every suppression needs a reason and an owner)")
    patterns: dict[str, list[str]] = {}
    for single, plural in _LIST_FIELDS.items():
        if single in fields and plural in fields:
            raise _Invalid(_line(fields[single]), f"give either `{single}` or `{plural}`, not both")
        node_for = fields.get(single) or fields.get(plural)
        if node_for is not None:
            patterns[plural] = _strings(node_for, plural)
    tags = _native_tags(fields["tags"]) if "tags" in fields else []
    if not patterns and not tags:
        raise _Invalid(line, "the rule matches nothing in particular: give at least one of check, resource, "
                       "account, region or tags")
    described = "; ".join(f"{k}={','.join(v)}" for k, v in patterns.items())
    if tags:
        described += ("; " if described else "") + "tags=" + ",".join(f"{k}={v}" for k, v in tags)
    return Rule(
        id=_scalar(fields["id"], "id") if "id" in fields else f"rule-{index}",
        reason=_scalar(fields["reason"], "reason").strip(),
        owner=_scalar(fields["owner"], "owner").strip(),
        line=line,
        expires=_date(fields["expires"]) if "expires" in fields else None,
        checks=_globs(patterns.get("checks")),
        resources=_globs(patterns.get("resources")),
        accounts=_globs(patterns.get("accounts")),
        regions=_globs(patterns.get("regions")),
        tags=tuple(tag_glob_matcher(key, value) for key, value in tags),
        describe=described,
    )


def _native_tags(node: yaml.Node) -> list[tuple[str, str]]:
    pairs = [(key, _scalar(value, f"tag {key}")) for key, value in _mapping(node, "tags").items()]
    if not pairs:
        raise _Invalid(_line(node), "tags must not be empty")
    return pairs


def _globs(patterns: list[str] | None) -> tuple[Matcher, ...]:
    return tuple(glob_matcher(p) for p in patterns or ())


def _date(node: yaml.Node) -> date:
    text = _scalar(node, "expires")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _Invalid(_line(node), f"expires {text!r} is not a date (write YYYY-MM-DD)") from None


# -- Prowler's mutelist --
_PROWLER_CHECK_KEYS = {"Regions", "Resources", "Tags", "Description", "Exceptions"}
_PROWLER_EXCEPTION_KEYS = {"Accounts", "Regions", "Resources", "Tags"}


def _prowler_rules(node: yaml.Node, prowler_ids: dict[str, tuple[str, ...]]) -> list[Rule]:
    mutelist = _mapping(node, "Mutelist")
    if "Accounts" not in mutelist:
        raise _Invalid(_line(node), "Mutelist needs an `Accounts:` mapping")
    rules: list[Rule] = []
    for account, account_node in _mapping(mutelist["Accounts"], "Accounts").items():
        per_account = _mapping(account_node, f"account {account}")
        if "Checks" not in per_account:
            raise _Invalid(_line(account_node), f"account {account} needs a `Checks:` mapping")
        for check, check_node in _mapping(per_account["Checks"], "Checks").items():
            rules.append(_prowler_rule(account, check, check_node, prowler_ids))
    return rules


def _prowler_rule(account: str, check: str, node: yaml.Node, prowler_ids: dict[str, tuple[str, ...]]) -> Rule:
    fields = _mapping(node, f"check {check}")
    for key in fields:
        if key not in _PROWLER_CHECK_KEYS:
            raise _Invalid(_line(fields[key]), f"unknown key {key!r} under check {check}")
    if "Regions" not in fields or "Resources" not in fields:
        raise _Invalid(_line(node), f"check {check} needs `Regions:` and `Resources:` (use \"*\" for all)")
    description = _scalar(fields["Description"], "Description").strip() if "Description" in fields else ""
    exceptions: tuple[Rule, ...] = ()
    if "Exceptions" in fields:
        exceptions = (_prowler_exception(fields["Exceptions"], check),)
    return Rule(
        id=f"mutelist:{account}/{check}",
        reason=description or "muted by a Prowler mutelist entry (no Description given)",
        owner="Prowler mutelist",
        line=_line(node),
        checks=(_regex(check, node),),
        accounts=(_regex(account, node),),
        regions=_regexes(fields["Regions"], "Regions"),
        resources=_regexes(fields["Resources"], "Resources"),
        tags=_regexes(fields["Tags"], "Tags") if "Tags" in fields else (),
        exceptions=exceptions,
        source="prowler-mutelist",
        describe=f"account={account}; check={check}",
        aliases=prowler_ids,
    )


def _prowler_exception(node: yaml.Node, check: str) -> Rule:
    fields = _mapping(node, f"Exceptions of {check}")
    for key in fields:
        if key not in _PROWLER_EXCEPTION_KEYS:
            raise _Invalid(_line(fields[key]), f"unknown key {key!r} under Exceptions")

    def optional(name: str) -> tuple[Matcher, ...]:
        # Prowler writes empty exception lists as `[]`: they except nothing.
        target = fields.get(name)
        if target is None or (isinstance(target, yaml.SequenceNode) and not target.value):
            return ()
        return _regexes(target, name)

    return Rule(id=f"exception:{check}", reason="", owner="", line=_line(node), accounts=optional("Accounts"),
                regions=optional("Regions"), resources=optional("Resources"), tags=optional("Tags"))


def _regexes(node: yaml.Node, what: str) -> tuple[Matcher, ...]:
    return tuple(_regex(value, node) for value in _strings(node, what))


def _regex(pattern: str, node: yaml.Node) -> Matcher:
    try:
        return regex_matcher(pattern)
    except re.error as error:
        raise _Invalid(_line(node), f"{pattern!r} is not a valid regular expression: {error}") from None


def prowler_aliases(catalog: dict[str, dict[str, Any]]) -> dict[str, tuple[str, ...]]:
    """cloudwarden check id -> the Prowler check ids the catalogue maps it to."""
    return {cid: tuple(entry.get("prowler") or ()) for cid, entry in catalog.items() if entry.get("prowler")}
