"""Errors of the iam engine: a malformed policy or request names the JSON path that is wrong."""

from __future__ import annotations

from cloudwarden.core.errors import InputError


class PolicyError(InputError):
    """A policy document or evaluation request is malformed; ``path`` is the JSON path of the fault."""

    def __init__(self, message: str, path: str = "$", hint: str | None = None) -> None:
        super().__init__(
            f"{path}: {message}",
            hint=hint or "see docs/iam.md for the policy and request formats",
        )
        self.path = path
        self.reason = message
