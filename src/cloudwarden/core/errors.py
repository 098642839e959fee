"""Typed errors. Each carries a one-line hint; only the CLI turns them into messages and exit codes."""

from __future__ import annotations


class CloudwardenError(Exception):
    """Base error. `exit_code` follows the CLI contract: 2 usage/input, 3 credentials/fatal."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(CloudwardenError):
    """The command line or configuration is wrong."""

    exit_code = 2


class InputError(CloudwardenError):
    """An input file (snapshot, policy, log) is missing, malformed or of another version."""

    exit_code = 2


class CredentialsError(CloudwardenError):
    """No credentials, expired ones, or an unknown profile."""

    exit_code = 3


class CollectionError(CloudwardenError):
    """Collection cannot proceed at all (endpoint unreachable, identity unknown)."""

    exit_code = 3
