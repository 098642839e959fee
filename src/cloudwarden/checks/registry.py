"""The check registry: `@check` binds a pure function of the inventory to its catalogue entry.

Metadata that the catalogue holds (title, area, severity, rationale, CIS and Security Hub ids)
comes from `data/catalog.yaml`; the decorator adds what belongs beside the code: the resource
type, the datasets read and the remediation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from cloudwarden.checks._iac import iac_for
from cloudwarden.core.enums import Area, Severity, Status
from cloudwarden.core.findings import Remediation

CATALOG_FILE = "catalog.yaml"


@dataclass(frozen=True)
class Result:
    """One verdict of a check on one resource; the framework turns it into a Finding."""

    status: Status
    resource_id: str
    message: str
    region: str = "global"
    resource_arn: str = ""
    resource_type: str = ""
    # Overrides the catalogue severity for this one result (e.g. by port class of an exposure).
    severity: Severity | None = None


@dataclass(frozen=True)
class CheckMeta:
    id: str
    title: str
    area: Area
    severity: Severity
    resource_type: str
    datasets: tuple[str, ...]
    rationale: str
    remediation: Remediation
    compliance: dict[str, list[str]] = field(default_factory=dict)
    service: str = ""
    # Declared datasets that only change the wording of a verdict, never the verdict itself.
    optional: tuple[str, ...] = ()


CheckFn = Callable[[Any], Iterable[Result]]


@dataclass(frozen=True)
class CheckDef:
    meta: CheckMeta
    fn: CheckFn


REGISTRY: dict[str, CheckDef] = {}


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, Any]]:
    text = resources.files("cloudwarden.data").joinpath(CATALOG_FILE).read_text(encoding="utf-8")
    # The C loader parses the catalogue in a tenth of the time of the pure-Python one.
    document = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    # "beyond_the_peers" holds the checks that need an engine (reachability, exact IAM evaluation).
    entries = list(document["checks"]) + list(document.get("beyond_the_peers") or [])
    return {entry["id"]: entry for entry in entries}


def check(
    check_id: str,
    *,
    resource_type: str,
    datasets: Iterable[str],
    fix: str,
    cli: str = "",
    doc: str = "",
    optional: Iterable[str] = (),
) -> Callable[[CheckFn], CheckFn]:
    """Register `fn` as the implementation of catalogue entry `check_id`.

    `datasets` are every dataset the check reads (a meta-test records reads and holds it to this);
    `optional` names those of them that only change wording: a gap in any other one must make the
    verdict UNKNOWN (another meta-test gaps each in turn over the check's pass-cases).
    """
    optional = tuple(optional)
    if not set(optional) <= set(datasets := tuple(datasets)):
        raise ValueError(f"{check_id}: optional datasets must also be declared in datasets")
    entry = catalog().get(check_id)
    if entry is None:
        raise KeyError(f"{check_id} is not in the check catalogue")

    def register(fn: CheckFn) -> CheckFn:
        if check_id in REGISTRY:
            raise ValueError(f"check {check_id} is registered twice")
        compliance = {"cis_aws_v7.0": list(entry.get("cis") or []),
                      "aws_fsbp": list(entry.get("fsbp") or [])}
        meta = CheckMeta(
            id=check_id,
            title=entry["title"],
            area=Area.parse(entry["area"]),
            severity=Severity(entry["severity"]),
            resource_type=resource_type,
            datasets=tuple(datasets),
            rationale=entry.get("rationale", ""),
            remediation=Remediation(summary=fix, cli=cli, doc_url=doc, **iac_for(check_id)),
            compliance={k: v for k, v in compliance.items() if v},
            service=entry.get("service", ""),
            optional=optional,
        )
        REGISTRY[check_id] = CheckDef(meta, fn)
        return fn

    return register


def load_all_checks() -> dict[str, CheckDef]:
    """Import every check module (registration happens on import) and return the registry."""
    import importlib
    import pkgutil

    import cloudwarden.checks as package

    for module in pkgutil.iter_modules(package.__path__):
        if not module.name.startswith("_") and module.name not in ("registry", "context", "helpers", "kinds"):
            importlib.import_module(f"{package.__name__}.{module.name}")
    return REGISTRY
