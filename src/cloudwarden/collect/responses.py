"""Answers that are not answers: a 2xx whose body is empty, cut short, not JSON/XML, or the wrong XML.

botocore parses such a body into an empty result (JSON that does not parse becomes
``{"message": body}``; an empty body becomes ``{}``), which a check would read as "nothing there":
no public bucket, no open port. Run on botocore's ``before-parse`` event, this hook turns each of
them into :class:`MalformedResponse`, which the runner records as a gap — UNKNOWN, never PASS.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

_XML_PROTOCOLS = ("query", "ec2")


class MalformedResponse(Exception):
    """A successful HTTP status with a body that cannot be the operation's result."""


def _body_members(shape: Any) -> list[str]:
    """Output members carried in the body (not in headers or the status code)."""
    if shape is None:
        return []
    return [name for name, member in shape.members.items()
            if member.serialization.get("location") not in ("header", "headers", "statusCode")]


def _payload_is_raw(shape: Any) -> bool:
    payload = shape.serialization.get("payload") if shape is not None else None
    return bool(payload) and shape.members[payload].type_name in ("blob", "string")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def check_response(operation_model: Any = None, response_dict: Any = None, **_: Any) -> None:
    if operation_model is None or not response_dict:
        return
    status = int(response_dict.get("status_code") or 0)
    if not 200 <= status < 300 or operation_model.has_streaming_output:
        return
    body: bytes = response_dict.get("body") or b""
    headers = {str(k).lower(): v for k, v in (response_dict.get("headers") or {}).items()}
    name = operation_model.name
    declared = headers.get("content-length")
    if declared and not headers.get("content-encoding") and str(declared).isdigit() and int(declared) != len(body):
        raise MalformedResponse(f"{name}: body of {len(body)} bytes, Content-Length says {declared}")
    shape = operation_model.output_shape
    members = _body_members(shape)
    protocol = operation_model.service_model.resolved_protocol
    if protocol in ("json", "rest-json"):
        _check_json(name, body, members, strict_empty=protocol == "json")
    elif protocol in _XML_PROTOCOLS:
        _check_xml(name, body, expected_root=f"{name}Response")
    elif protocol == "rest-xml" and members and not _payload_is_raw(shape):
        _check_xml(name, body, expected_root=None)
    elif protocol == "rest-xml" and _payload_is_raw(shape) and shape.serialization.get("payload") == "Policy":
        # GetBucketPolicy and its kin return the policy document itself as the body: an empty or
        # non-JSON body is a damaged answer (the API says "no policy" with NoSuchBucketPolicy, an error).
        _check_json(name, body, ["Policy"], strict_empty=True)


def _check_json(name: str, body: bytes, members: list[str], strict_empty: bool) -> None:
    if not body.strip():
        if members and (strict_empty or body == b""):
            raise MalformedResponse(f"{name}: empty body where a JSON result was expected")
        return
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedResponse(f"{name}: the body is not JSON ({error}): {_excerpt(body)}") from None
    if parsed is None and not members:
        return  # `null` for an operation that declares no output (moto's EnableKeyRotation): nothing to lose
    if not isinstance(parsed, dict):
        raise MalformedResponse(f"{name}: the JSON body is a {type(parsed).__name__}, not an object")


def _check_xml(name: str, body: bytes, expected_root: str | None) -> None:
    if not body.strip():
        raise MalformedResponse(f"{name}: empty body where an XML result was expected")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        raise MalformedResponse(f"{name}: the body is not XML ({error}): {_excerpt(body)}") from None
    tag = _local(root.tag)
    if tag.lower() == "html" or (expected_root and tag != expected_root):
        raise MalformedResponse(f"{name}: the XML root is <{tag}>, not the operation's result")


def _excerpt(body: bytes) -> str:
    text = body[:80].decode("utf-8", errors="replace").replace("\n", " ")
    return text + ("…" if len(body) > 80 else "")
