"""Fixes as data: what one fix reads, which calls it makes, what they replace, and its risk.

A :class:`Fix` binds catalogue check ids to a planner. The planner reads the current value through
a :class:`Reader` (read-only calls) and returns a :class:`Change`: the calls that make the resource
compliant and the calls that restore what they replace. A planner that finds the resource
already compliant returns None (a second apply changes nothing); one that cannot act raises
:class:`CannotFix` with the reason. Every write a fix may make is listed in ``writes`` and enforced
at run time by the clients (:mod:`cloudwarden.remediate.clients`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.core.errors import CloudwardenError

READ_PREFIXES = ("Get", "List", "Describe", "Head")


class CannotFix(Exception):
    """The fix does not apply to this resource as it is (a parameter is missing, a prerequisite fails)."""


class OperationNotAllowed(CloudwardenError):
    """A remediation client was asked for a write that is not on the running fix's allowlist."""

    exit_code = 3


@dataclass(frozen=True)
class Step:
    """One API call: boto3 client name, region, method name and parameters (JSON-able)."""

    service: str
    region: str
    operation: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def operation_name(self) -> str:
        return "".join(part.capitalize() for part in self.operation.split("_"))

    @property
    def action(self) -> str:
        return f"{self.service}:{self.operation_name}"

    def key(self) -> str:
        return json.dumps([self.service, self.region, self.operation, self.params], sort_keys=True, default=str)

    def to_dict(self) -> dict[str, Any]:
        return {"service": self.service, "region": self.region, "operation": self.operation,
                "action": self.action, "params": self.params}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Step:
        return cls(str(data["service"]), str(data["region"]), str(data["operation"]), dict(data.get("params") or {}))

    def describe(self) -> str:
        return f"{self.action} [{self.region}] {json.dumps(self.params, sort_keys=True, default=str)}"


@dataclass(frozen=True)
class Target:
    """The failing resource a fix acts on, from findings.json."""

    check_id: str
    resource_id: str
    region: str
    resource_arn: str = ""
    resource_type: str = ""
    account_id: str = ""
    message: str = ""

    @classmethod
    def from_finding(cls, data: dict[str, Any]) -> Target:
        return cls(str(data["check_id"]), str(data.get("resource_id", "")), str(data.get("region", "")),
                   str(data.get("resource_arn", "")), str(data.get("resource_type", "")),
                   str(data.get("account_id", "")), str(data.get("message", "")))


@dataclass
class Change:
    """The planned fix of one finding."""

    target: Target
    current: Any
    steps: list[Step]
    undo: list[Step]
    risk: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"check_id": self.target.check_id, "resource_id": self.target.resource_id,
                "region": self.target.region, "resource_arn": self.target.resource_arn,
                "risk": self.risk, "note": self.note, "current": self.current,
                "steps": [s.to_dict() for s in self.steps], "undo": [s.to_dict() for s in self.undo]}


class Reader:
    """Read-only access for planners: one call, with error codes that mean "not configured"."""

    def __init__(self, clients: Any, options: dict[str, Any] | None = None) -> None:
        self.clients = clients
        self.options = options or {}

    def call(self, service: str, region: str, operation: str, absent: Iterable[str] = (), **params: Any) -> Any:
        from botocore.exceptions import ClientError

        name = "".join(p.capitalize() for p in operation.split("_"))
        if not name.startswith(READ_PREFIXES):
            raise OperationNotAllowed(f"a planner tried {service}:{name}, which is not a read",
                                      hint="planners read; writes belong in the change's steps")
        try:
            answer = getattr(self.clients.client(service, region), operation)(**params)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in set(absent):
                return None
            raise
        answer.pop("ResponseMetadata", None)
        return answer


Plan = tuple[Any, list[Step], list[Step]]  # current value, steps, undo steps
Planner = Callable[[Reader, Target], Plan | None]


@dataclass(frozen=True)
class Fix:
    check_ids: tuple[str, ...]
    summary: str
    risk: str
    writes: frozenset[str]  # "service:OperationName", boto3 client names
    planner: Planner


FIXES: dict[str, Fix] = {}


def fix(*check_ids: str, summary: str, risk: str, writes: Iterable[str]) -> Callable[[Planner], Planner]:
    """Register `planner` as the fix of `check_ids`, allowed to make only the `writes` listed."""

    def register(planner: Planner) -> Planner:
        entry = Fix(tuple(check_ids), summary, risk, frozenset(writes), planner)
        for check_id in check_ids:
            if check_id in FIXES:
                raise ValueError(f"{check_id} has two fixes")
            FIXES[check_id] = entry
        return planner

    return register


def region_of(target: Target, default: str = "us-east-1") -> str:
    return target.region if target.region and target.region != "global" else default
