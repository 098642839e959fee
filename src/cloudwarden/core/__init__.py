"""Core types shared by every layer. Standard library only; imports nothing else of cloudwarden."""

from cloudwarden.core.enums import Area, Severity, Status
from cloudwarden.core.errors import (
    CloudwardenError,
    CollectionError,
    CredentialsError,
    InputError,
    UsageError,
)
from cloudwarden.core.findings import FINDINGS_SCHEMA_VERSION, Finding

__all__ = [
    "Area",
    "Severity",
    "Status",
    "CloudwardenError",
    "CollectionError",
    "CredentialsError",
    "InputError",
    "UsageError",
    "Finding",
    "FINDINGS_SCHEMA_VERSION",
]
