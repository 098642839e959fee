"""Declarative API-call specs: what to read, where, and with which IAM permission.

A :class:`Call` names one read-only operation and the dataset its result fills. A call with
``per`` runs once for every item of another dataset (a bucket's policy, a key's rotation status),
storing a mapping from the item's id to the value.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from cloudwarden.collect.permissions import iam_action

Scope = Literal["regional", "global"]


@dataclass(frozen=True)
class Call:
    dataset: str
    service: str  # boto3 client name
    operation: str  # boto3 method name, e.g. "describe_security_groups"
    # The response key holding the data; a tuple merges several keys; None: the whole response.
    result_key: str | tuple[str, ...] | None = None
    scope: Scope = "regional"
    paginate: bool = False
    params: dict[str, Any] = field(default_factory=dict)
    # Error codes that mean "not configured" rather than "could not read": the value becomes None.
    absent_codes: tuple[str, ...] = ()
    # Per-item calls: the parent dataset, how to build params and the key from one parent item.
    per: str | None = None
    per_params: Callable[[Any], dict[str, Any]] | None = None
    per_key: Callable[[Any], str] | None = None
    # Optional filter on (parent item, snapshot region): skip items the call does not apply to.
    per_filter: Callable[[Any, str], bool] | None = None
    # Batch APIs (BatchGet*): one call per batch of up to this many parent items; per_params and
    # per_key then receive the list of items (0: one call per item).
    per_batch: int = 0
    # Region to send a per-item call to, from the item and the snapshot so far (S3 buckets).
    per_region: Callable[[Any, Any], str] | None = None
    # (parent item, snapshot so far) -> True when AWS's rules settle the answer without asking: the item
    # cannot have the setting (S3 allows no replication or Object Lock on a bucket whose versioning was
    # never enabled). The call is then not made and the item's value is None, as the API's "not
    # configured" answer (an `absent_codes` error) would give. It may only read datasets named in `after`,
    # and must answer False when what it reads is a gap (then the call is made as usual).
    per_known_absent: Callable[[Any, Any], bool] | None = None
    # Datasets that must be complete before this call runs (besides `per`).
    after: tuple[str, ...] = ()
    # Custom fetch for calls that are not one plain operation (credential report polling, ...).
    fetch: Callable[[Any, dict[str, Any]], Any] | None = None
    # Post-processing of the extracted value (flatten reservations, decode CSV, ...).
    transform: Callable[[Any], Any] | None = None
    # Extra read-only operations a custom fetch makes, for the allowlist and the permission list.
    extra_operations: tuple[str, ...] = ()
    # Overrides the IAM action from the Service Authorization Reference (data/iam_actions.json).
    permission: str = ""

    @property
    def operation_name(self) -> str:
        return _operation_name(self.service, self.operation)

    @property
    def operation_names(self) -> list[str]:
        """The API operations this call makes, its custom fetch's extra operations included."""
        return [self.operation_name, *(_operation_name(self.service, op) for op in self.extra_operations)]

    @property
    def iam_permission(self) -> str:
        if self.permission:
            return self.permission
        return _action_for(self.service, self.operation_name)

    @property
    def all_permissions(self) -> list[str]:
        """Every IAM action this call needs, its custom fetch's extra operations included."""
        extra = [_action_for(self.service, _operation_name(self.service, op)) for op in self.extra_operations]
        return [self.iam_permission, *extra]


def _operation_name(service: str, method: str) -> str:
    """The API's own name for a boto3 method (list_saml_providers -> ListSAMLProviders)."""
    return _api_names(service).get(method) or "".join(part.capitalize() for part in method.split("_"))


_NAMES_LOCK = threading.Lock()


_CLIENT_NAMES: dict[str, dict[str, str]] = {}


def remember_api_names(service: str, method_to_api: dict[str, str]) -> None:
    """A client's own method -> operation mapping, so a gap's name costs no second model load."""
    with _NAMES_LOCK:
        _CLIENT_NAMES.setdefault(service, dict(method_to_api))


def _api_names(service: str) -> dict[str, str]:
    # functools.cache does not stop concurrent misses: without the lock, every collector thread that
    # records a gap at once loads its own copy of the service model (hundreds of MB for RDS or EC2).
    with _NAMES_LOCK:
        known = _CLIENT_NAMES.get(service)
        return known if known is not None else _load_api_names(service)


@cache
def _load_api_names(service: str) -> dict[str, str]:
    import botocore.session
    from botocore import xform_name
    from botocore.exceptions import UnknownServiceError

    try:
        model = botocore.session.get_session().get_service_model(service)
    except UnknownServiceError:
        return {}
    return {xform_name(name): name for name in model.operation_names}


def _action_for(service: str, operation_name: str) -> str:
    # The Service Authorization Reference's answer; a spec added since the mapping was last
    # generated falls back to the usual shape (tests/collect/test_permissions.py flags it).
    return iam_action(service, operation_name) or f"{service}:{operation_name}"
