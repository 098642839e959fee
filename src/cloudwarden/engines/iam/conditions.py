"""The Condition element: operator names, missing-key rules, IfExists and ForAllValues/ForAnyValue.

``compile_condition_block`` turns ``{Operator: {Key: values}}`` into one predicate per (operator, key);
a statement's conditions hold when every predicate does (several values of one key are OR, or NOR
for negated operators). Context keys arrive lower-cased, so keys are matched without regard to case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from cloudwarden.engines.iam import operators as ops
from cloudwarden.engines.iam.errors import PolicyError
from cloudwarden.engines.iam.patterns import (
    ContextValue,
    Template,
    glob_chunks_to_regex,
    parse_template,
    wildcard_match,
)

Context = Mapping[str, ContextValue]
ConditionTest = Callable[[Context], bool]
Factory = Callable[[Sequence[str]], ops.ValuePredicate]

_ORDERED = ("Equals", "NotEquals", "LessThan", "LessThanEquals", "GreaterThan", "GreaterThanEquals")

# base operator -> (factory, negated, wildcard operator whose variables stay literal after substitution)
BASE_OPERATORS: dict[str, tuple[Factory, bool, str]] = {
    "StringEquals": (ops.string_equals, False, ""),
    "StringNotEquals": (ops.string_equals, True, ""),
    "StringEqualsIgnoreCase": (ops.string_equals_ignore_case, False, ""),
    "StringNotEqualsIgnoreCase": (ops.string_equals_ignore_case, True, ""),
    "StringLike": (ops.string_like, False, "glob"),
    "StringNotLike": (ops.string_like, True, "glob"),
    "Bool": (ops.boolean, False, ""),
    "BinaryEquals": (ops.binary, False, ""),
    "IpAddress": (ops.ip_address, False, ""),
    "NotIpAddress": (ops.ip_address, True, ""),
    "ArnEquals": (ops.arn_like, False, "arn"),
    "ArnLike": (ops.arn_like, False, "arn"),
    "ArnNotEquals": (ops.arn_like, True, "arn"),
    "ArnNotLike": (ops.arn_like, True, "arn"),
}
for _suffix in _ORDERED:
    BASE_OPERATORS["Numeric" + _suffix] = (partial(ops.numeric, suffix=_suffix), _suffix == "NotEquals", "")
    BASE_OPERATORS["Date" + _suffix] = (partial(ops.date, suffix=_suffix), _suffix == "NotEquals", "")


@dataclass(frozen=True)
class ParsedOperator:
    base: str
    set_operator: str  # "", "ForAnyValue" or "ForAllValues"
    if_exists: bool


def parse_operator(name: str, path: str) -> ParsedOperator:
    set_operator, _, base = name.rpartition(":")
    if set_operator not in ("", "ForAnyValue", "ForAllValues"):
        raise PolicyError(f"unknown set operator {set_operator!r} (ForAnyValue or ForAllValues)", path)
    if_exists = base.endswith("IfExists")
    if if_exists:
        base = base[: -len("IfExists")]
    if base == "Null":
        if if_exists:
            raise PolicyError("Null takes no IfExists suffix", path)
        return ParsedOperator(base, set_operator, False)
    if base not in BASE_OPERATORS:
        raise PolicyError(f"unknown condition operator {name!r}", path)
    return ParsedOperator(base, set_operator, if_exists)


def policy_values(raw: Any, path: str) -> list[str]:
    """Condition values as strings (JSON booleans and numbers are accepted, as AWS does)."""
    items = raw if isinstance(raw, list) else [raw]
    values: list[str] = []
    for index, item in enumerate(items):
        if isinstance(item, bool):
            values.append("true" if item else "false")
        elif isinstance(item, (str, int, float)):
            values.append(str(item))
        else:
            where = f"{path}[{index}]" if isinstance(raw, list) else path
            raise PolicyError(
                f"condition value must be a string, number or boolean, not {_kind(item)}", where
            )
    return values


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", type(None): "null"}.get(type(value), type(value).__name__)


def compile_condition_block(block: Any, path: str, variables: bool) -> tuple[ConditionTest, ...]:
    if not isinstance(block, dict):
        raise PolicyError(f"Condition must be an object, not {_kind(block)}", path)
    tests: list[ConditionTest] = []
    for name, keys in block.items():
        op_path = f"{path}.{name}"
        parsed = parse_operator(name, op_path)
        if not isinstance(keys, dict):
            raise PolicyError(
                f"condition operator {name} needs an object of keys, not {_kind(keys)}", op_path
            )
        for key, raw in keys.items():
            key_path = f"{op_path}.{key}"
            values = policy_values(raw, key_path)
            if parsed.base == "Null":
                tests.append(_null_test(key.lower(), values, key_path))
            else:
                predicate = _value_predicate(parsed.base, values, key_path, variables)
                tests.append(_keyed_test(parsed, key.lower(), predicate))
    return tuple(tests)


RequestPredicate = Callable[[str, Context], bool]


def _value_predicate(base: str, values: list[str], path: str, variables: bool) -> RequestPredicate:
    factory, _negated, wildcard_kind = BASE_OPERATORS[base]
    templated = [v for v in values if variables and "${" in v]
    static = [v for v in values if not (variables and "${" in v)]
    try:
        static_predicate = factory(static) if static else None
    except ValueError as error:
        raise PolicyError(f"{base}: {error}", path) from None
    if not templated:
        if static_predicate is None:  # an empty list of values matches nothing
            return lambda _value, _context: False
        return lambda value, _context: static_predicate(value)
    builder = ops.arn_chunks_to_regex if wildcard_kind == "arn" else glob_chunks_to_regex
    templates = [Template(parse_template(v), builder) for v in templated]

    def predicate(value: str, context: Context) -> bool:
        if static_predicate is not None and static_predicate(value):
            return True
        for template in templates:
            if wildcard_kind:
                regex = template.regex(context)
                if regex is not None and regex.match(value):
                    return True
                continue
            text = template.text(context)
            if text is not None and _resolved_match(factory, text, value):
                return True
        return False

    return predicate


def _resolved_match(factory: Factory, text: str, value: str) -> bool:
    try:
        return factory([text])(value)
    except ValueError:
        return False  # a substituted value that is no number/date/IP matches nothing


def _keyed_test(parsed: ParsedOperator, key: str, predicate: RequestPredicate) -> ConditionTest:
    negated = BASE_OPERATORS[parsed.base][1]
    if_exists = parsed.if_exists
    if parsed.set_operator == "ForAnyValue":

        def for_any(context: Context) -> bool:
            values = _as_list(context.get(key))
            if not values:
                return if_exists
            return any(predicate(v, context) != negated for v in values)

        return for_any
    if parsed.set_operator == "ForAllValues":

        def for_all(context: Context) -> bool:
            values = _as_list(context.get(key))
            return all(predicate(v, context) != negated for v in values)

        return for_all
    absent_result = if_exists or negated

    def single(context: Context) -> bool:
        value = context.get(key)
        if value is None:
            return absent_result
        if isinstance(value, str):
            return predicate(value, context) != negated
        if not value:
            return absent_result
        return any(predicate(v, context) for v in value) != negated

    return single


def _as_list(value: ContextValue | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else value


def _null_test(key: str, values: list[str], path: str) -> ConditionTest:
    wanted: set[bool] = set()
    for value in values:
        if value.lower() not in ("true", "false"):
            raise PolicyError(f"Null takes true or false, not {value!r}", path)
        wanted.add(value.lower() == "true")

    def null(context: Context) -> bool:
        value = context.get(key)
        absent = value is None or (isinstance(value, list) and not value)
        return absent in wanted

    return null


# -- quick validation --------------------------------------------------------------------------
# For every operator name compile_condition_block accepts: None when its values need no check
# beyond their JSON type, else a check of the values (as strings) that is True exactly when
# compile_condition_block would accept them. Policies are validated with it and their predicates
# made only when a request reaches the statement.
QuickCheck = Callable[[list[str], bool], bool]


def _null_check(values: list[str], _variables: bool) -> bool:
    return all(value.lower() in ("true", "false") for value in values)


def _bool_check(values: list[str], variables: bool) -> bool:
    for value in values:  # noqa: SIM110 - a plain loop is faster on this hot path
        if value.lower() not in ("true", "false") and not (variables and "${" in value):
            return False
    return True


def _parsed_check(parse: Callable[[str], Any]) -> QuickCheck:
    """A check for operators whose factory accepts the values exactly when ``parse`` returns no None."""

    valid: set[str] = set()  # values already parsed (policies in a batch repeat their ranges and dates)

    def check(values: list[str], variables: bool) -> bool:
        for value in values:
            if value in valid or (variables and "${" in value):
                continue
            if parse(value) is None:
                return False
            if len(valid) < 4096:
                valid.add(value)
        return True

    return check


def _network_or_none(value: str) -> Any:
    text = value.strip()
    quick = ops.quick_network(text, False)
    if quick is not None:
        return quick
    try:
        return ops.parse_network(text)
    except ValueError:
        return None


_UNCHECKED = (ops.string_equals, ops.string_equals_ignore_case, ops.string_like, ops.arn_like)
_CHECKS: dict[Any, QuickCheck] = {
    ops.boolean: _bool_check,
    ops.ip_address: _parsed_check(_network_or_none),
    ops.binary: _parsed_check(ops.b64),
}
QUICK_CHECKS: dict[str, QuickCheck | None] = {}
for _set in ("", "ForAnyValue:", "ForAllValues:"):
    QUICK_CHECKS[_set + "Null"] = _null_check
    for _base, (_factory, *_) in BASE_OPERATORS.items():
        if _factory in _UNCHECKED:
            _check = None
        elif _base.startswith("Numeric"):
            _check = _parsed_check(ops.parse_number)
        elif _base.startswith("Date"):
            _check = _parsed_check(ops.parse_date)
        else:
            _check = _CHECKS[_factory]
        QUICK_CHECKS[_set + _base] = QUICK_CHECKS[_set + _base + "IfExists"] = _check


# -- one-off evaluation ------------------------------------------------------------------------
# A statement asked once gains nothing from predicates compiled for it: evaluate_once reads the
# Condition block directly (a block that has already passed compile_condition_block's checks). It
# covers the plain operators (no ForAnyValue/ForAllValues) on values without policy variables, and
# answers None for anything else, which the compiled predicates then decide.
def _like(values: Sequence[str]) -> ops.ValuePredicate:
    return lambda value: any(wildcard_match(pattern, value) for pattern in values)


_DIRECT: dict[str, tuple[Factory | None, bool, bool]] = {"Null": (None, False, False)}
for _base, (_factory, _negated, _wildcards) in BASE_OPERATORS.items():
    _direct = _like if _factory is ops.string_like else _factory
    _DIRECT[_base] = (_direct, _negated, False)
    _DIRECT[_base + "IfExists"] = (_direct, _negated, True)


def evaluate_once(block: dict[str, Any], context: Context, variables: bool) -> bool | None:
    for name, keys in block.items():
        spec = _DIRECT.get(name)
        if spec is None:
            return None
        factory, negated, if_exists = spec
        for key, raw in keys.items():
            if type(raw) is str:
                if variables and "${" in raw:
                    return None
                values = [raw]
            else:
                values = policy_values(raw, "")
                if variables and any("${" in v for v in values):
                    return None
            value = context.get(key.lower())
            if factory is None:  # Null
                absent = value is None or (not isinstance(value, str) and not value)
                if absent not in {v.lower() == "true" for v in values}:
                    return False
                continue
            if value is None or (not isinstance(value, str) and not value):
                if not (if_exists or negated):
                    return False
                continue
            if factory is ops.string_equals:  # the usual operators, without making a predicate
                hit = value in values if type(value) is str else any(v in values for v in value)
            elif factory is ops.boolean:
                wanted = [v.lower() for v in values]
                hit = value.lower() in wanted if type(value) is str else any(v.lower() in wanted for v in value)
            else:
                predicate = factory(values) if values else _nothing
                if isinstance(value, str):
                    hit = predicate(value)
                else:
                    hit = any(predicate(v) for v in value)
            if hit == negated:
                return False
    return True


def _nothing(_value: str) -> bool:
    return False
