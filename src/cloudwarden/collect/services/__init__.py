"""Every collection spec, one module per group of services. `all_calls()` is the full list.

Each module of this package that defines ``SPECS`` is picked up: adding a service is one module.
"""

from __future__ import annotations

import importlib
import pkgutil

from cloudwarden.collect.spec import Call

# The historical order first (it decides the order of datasets in a snapshot); new modules follow
# alphabetically.
_FIRST = ("iam", "s3", "ec2", "monitoring", "data", "response", "resource_policies")


def _module_names() -> list[str]:
    found = sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))
    return [n for n in _FIRST if n in found] + [n for n in found if n not in _FIRST]


def all_calls() -> list[Call]:
    calls: list[Call] = []
    for name in _module_names():
        module = importlib.import_module(f"{__name__}.{name}")
        calls.extend(getattr(module, "SPECS", ()))
    seen: set[str] = set()
    for call in calls:
        if call.dataset in seen:
            raise ValueError(f"dataset {call.dataset} is declared twice")
        seen.add(call.dataset)
    return calls
