"""The snapshot's form of a redacted value: a marker in place of a secret-bearing field.

The collector (collect/secrets.py) writes the markers; checks read them through `secrets_in` to
report that a secret sits somewhere, with its type, a redacted excerpt and the field's path.
"""

from __future__ import annotations

from typing import Any

MARKER = "cloudwarden_redacted"


def is_marker(value: Any) -> bool:
    return isinstance(value, dict) and value.get(MARKER) is True


def secrets_in(value: Any, path: str = "") -> list[dict[str, Any]]:
    """Every secret recorded in the markers under `value`, with the JSON path of its field."""
    if is_marker(value):
        return [{**secret, "path": path} for secret in value.get("secrets") or []]
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(secrets_in(child, f"{path}.{key}" if path else str(key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(secrets_in(child, f"{path}[{index}]"))
    return found
