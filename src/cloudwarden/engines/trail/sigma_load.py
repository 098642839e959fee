"""Loading Sigma rule files into ``Rule``s: metadata, conditions, aggregations.

SigmaHQ keeps a few AWS rules in the old aggregation syntax (``selection | count() by F > N`` with
``timeframe``, and ``a | near b``). pySigma refuses the pipe, so the part after it is parsed here
and the part before it goes to pySigma. ``count()`` without ``by`` is counted per principal: a
count over a whole organisation's trail would merge unrelated people into one detection. The rules
shipped with cloudwarden live in ``cloudwarden/data/sigma`` (DRL 1.1, SigmaHQ). Reads rule files.
"""

from __future__ import annotations

import copy
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from sigma.exceptions import SigmaError
from sigma.rule import SigmaRule

from cloudwarden.core.enums import Severity
from cloudwarden.core.errors import InputError
from cloudwarden.engines.trail.rules import ACTOR_SQL, SIGMA, Rule
from cloudwarden.engines.trail.schema import field_expression
from cloudwarden.engines.trail.sigma import (
    AGGREGATION,
    DEFAULT_NEAR_SECONDS,
    DURATION,
    NEAR,
    TECHNIQUE,
    UNIT_SECONDS,
    SigmaCompileError,
    compile_condition,
)

_LEVELS = {"informational": Severity.INFORMATIONAL, "low": Severity.LOW, "medium": Severity.MEDIUM,
           "high": Severity.HIGH, "critical": Severity.CRITICAL}


def default_rules_dir() -> Path:
    """The SigmaHQ CloudTrail rules shipped inside the package."""
    return Path(str(resources.files("cloudwarden") / "data" / "sigma"))


def _duration(text: Any, name: str) -> int:
    match = DURATION.match(str(text).strip())
    if not match:
        raise SigmaCompileError(f"{name}: cannot read timeframe {text!r}", hint="write it as 5m, 1h or 1d")
    return int(match["n"]) * UNIT_SECONDS[match["unit"]]


def _technique(rule: SigmaRule) -> str:
    for tag in rule.tags:
        match = TECHNIQUE.match(f"{tag.name}".lower()) if tag.namespace == "attack" else None
        if match:
            return "T" + match[1] + (f".{match[2]}" if match[2] else "")
    return ""


def _parse_where(document: dict[str, Any], condition: str, name: str) -> str:
    """SQL for ``condition`` evaluated against the document's detection section."""
    variant = copy.deepcopy(document)
    variant["detection"]["condition"] = condition
    variant["detection"].pop("timeframe", None)
    try:
        rule = SigmaRule.from_dict(variant)
        parsed = rule.detection.parsed_condition[0].parsed
    except SigmaError as exc:
        raise SigmaCompileError(f"{name}: {exc}", hint="check the rule against the Sigma specification") from exc
    return compile_condition(parsed, name)


def _aggregation(tail: str, document: dict[str, Any], name: str) -> dict[str, Any]:
    """Rule keyword arguments for the part of a condition after ``|``."""
    window = _duration(document["detection"].get("timeframe", "1h"), name)
    count = AGGREGATION.match(tail)
    if count:
        group_by = ACTOR_SQL
        if count["by"]:
            group_by = field_expression(count["by"]) or "CAST(NULL AS VARCHAR)"
        threshold = int(count["n"]) - (1 if count["op"] == ">=" else 0)
        distinct = field_expression(count["field"]) if count["field"] else None
        return {"threshold": threshold, "window_seconds": window, "group_by": group_by, "distinct": distinct}
    near = NEAR.match(tail)
    if near:
        seconds = window if "timeframe" in document["detection"] else DEFAULT_NEAR_SECONDS
        return {"near": _parse_where(document, near["other"], name), "window_seconds": seconds}
    raise SigmaCompileError(f"{name}: unsupported aggregation {tail!r}",
                            hint="use count() [by field] > N or near, or a Sigma correlation rule")


def rule_from_document(document: dict[str, Any], name: str) -> Rule:
    """A ``Rule`` from one parsed Sigma YAML document."""
    if not isinstance(document, dict) or "detection" not in document:
        raise SigmaCompileError(f"{name}: not a Sigma rule (no detection section)")
    logsource = document.get("logsource") or {}
    if logsource.get("product") != "aws" or logsource.get("service") not in (None, "cloudtrail"):
        raise SigmaCompileError(f"{name}: logsource is not aws/cloudtrail", hint="give CloudTrail rules only")
    condition = document["detection"].get("condition")
    if isinstance(condition, list):
        condition = " or ".join(f"({c})" for c in condition)
    if not isinstance(condition, str):
        raise SigmaCompileError(f"{name}: detection has no condition")
    head, _, tail = condition.partition("|")
    extra = _aggregation(tail.strip(), document, name) if tail.strip() else {}
    where = _parse_where(document, head.strip(), name)
    meta = SigmaRule.from_dict({**document, "detection": {**document["detection"], "condition": head.strip()}})
    references = tuple(str(r) for r in document.get("references") or ())
    return Rule(
        id=f"sigma.{document.get('id', name)}", title=str(document.get("title", name)),
        severity=_LEVELS.get(str(document.get("level", "medium")).lower(), Severity.MEDIUM),
        technique=_technique(meta), where=where, family="sigma", semantics=SIGMA,
        description=str(document.get("description", "")).strip(), author=str(document.get("author", "")),
        references=references, **extra,
    )


def load_rule_file(path: Path) -> Rule:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SigmaCompileError(f"cannot read Sigma rule {path}: {exc}", hint="check the YAML") from exc
    return rule_from_document(document, path.name)


def load_rules(directory: Path) -> list[Rule]:
    """Every ``*.yml``/``*.yaml`` Sigma rule under ``directory``; the first bad rule raises."""
    if not directory.is_dir():
        raise InputError(f"rules directory {directory} does not exist", hint="give a folder of Sigma YAML rules")
    paths = sorted(p for p in directory.rglob("*") if p.suffix in (".yml", ".yaml"))
    if not paths:
        raise InputError(f"no Sigma rules (*.yml) in {directory}", hint="give a folder of Sigma YAML rules")
    return [load_rule_file(path) for path in paths]
