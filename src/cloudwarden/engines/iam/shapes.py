"""msgspec shapes of a request line (imported only where msgspec is installed): the request's fields
as JSON values, each policy document as its raw JSON text (compiled once per distinct text)."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from cloudwarden.engines.iam.policy import ABSENT


class RequestBody(msgspec.Struct, forbid_unknown_fields=True):
    principal: Any
    action: Any
    resource: Any = "*"
    resourceAccount: Any = None  # noqa: N815 - the request format's key
    context: Any = None


class Policies(msgspec.Struct, forbid_unknown_fields=True):
    identity: list[msgspec.Raw] = msgspec.field(default_factory=list)
    # UNSET when absent; a JSON null given for resource, boundary or session is its raw text (no
    # policy), and a null for scps or rcps is refused here (the standard path words the error)
    resource: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    boundary: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    session: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    scps: list[msgspec.Raw] | msgspec.UnsetType = msgspec.UNSET
    rcps: list[msgspec.Raw] | msgspec.UnsetType = msgspec.UNSET


class RequestLine(msgspec.Struct, forbid_unknown_fields=True):
    request: RequestBody
    name: str | None = None
    policies: Policies = msgspec.field(default_factory=Policies)


# A policy document as msgspec checks it before compile_shaped reads it: the keys and JSON types of
# compile_policy's rules (what they cannot say, such as the form of an action, compile_shaped checks).
# An element that is not there is ABSENT, as compile_policy's quick path has it.
Strings = str | list[str]
Value = str | int | float | bool


class StatementShape(msgspec.Struct, forbid_unknown_fields=True):
    Effect: Literal["Allow", "Deny"]
    Sid: str | None = None
    Action: Strings = ABSENT
    NotAction: Strings = ABSENT
    Resource: Strings = ABSENT
    NotResource: Strings = ABSENT
    Principal: Any = ABSENT
    NotPrincipal: Any = ABSENT
    Condition: dict[str, dict[str, Value | list[Value]]] = ABSENT


class PolicyShape(msgspec.Struct, forbid_unknown_fields=True):
    Statement: StatementShape | list[StatementShape]
    Version: str | None = None
    Id: Any = None
