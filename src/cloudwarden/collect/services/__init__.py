"""Every collection spec, one module per group of services. `all_calls()` is the full list."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from cloudwarden.collect.services import data, ec2, iam, monitoring, response, s3
from cloudwarden.collect.spec import Call

_MODULES = [iam, s3, ec2, monitoring, data, response]


_OPTIONAL = ("resource_policies",)


def _optional_modules() -> list[ModuleType]:
    """Spec modules other engines add (resource policies for the IAM engine)."""
    found = []
    for name in _OPTIONAL:
        qualified = f"{__name__}.{name}"
        if importlib.util.find_spec(qualified) is not None:
            found.append(importlib.import_module(qualified))
    return found


def all_calls() -> list[Call]:
    calls: list[Call] = []
    for module in _MODULES:
        calls.extend(module.SPECS)
    for module in _optional_modules():
        calls.extend(module.SPECS)
    seen: set[str] = set()
    for call in calls:
        if call.dataset in seen:
            raise ValueError(f"dataset {call.dataset} is declared twice")
        seen.add(call.dataset)
    return calls
