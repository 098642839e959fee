"""Shared shapes of checks: verdict constructors, 'every region has', policy-document parsing.

Whether a resource policy is public is decided by the IAM evaluator (see _public.py); the
string-level helpers below remain for role trust policies (is_public_principal, narrowing keys).

150 checks should read like a table: what repeats lives here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar
from urllib.parse import unquote

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.registry import Result
from cloudwarden.core.enums import Status
from cloudwarden.inventory.snapshot import GLOBAL
from cloudwarden.inventory.views import PerRegion, PerRegionValue
from cloudwarden.inventory.views.organizations import ACCOUNTS, OrganizationsView

V = TypeVar("V")


def passed(resource_id: str, message: str, region: str = GLOBAL, arn: str = "",
           resource_type: str = "") -> Result:
    return Result(Status.PASS, resource_id, message, region, arn, resource_type)


def failed(resource_id: str, message: str, region: str = GLOBAL, arn: str = "",
           resource_type: str = "") -> Result:
    return Result(Status.FAIL, resource_id, message, region, arn, resource_type)


def verdict(ok: bool, resource_id: str, message: str, region: str = GLOBAL, arn: str = "",
            resource_type: str = "") -> Result:
    return Result(Status.PASS if ok else Status.FAIL, resource_id, message, region, arn, resource_type)


def every_region(ctx: CheckContext, dataset: str | PerRegion[Any] | PerRegionValue[Any],
                 judge: Callable[[str, Any], tuple[bool, str]], service: str) -> Iterator[Result]:
    """One verdict per scanned region: `judge(region, value)` says (compliant, evidence). `dataset` is
    a dataset name (the raw value) or a view's regional part (its typed value)."""
    values: Iterator[tuple[str, Any]] = (ctx.regional(dataset) if isinstance(dataset, str) else
                                         ctx.regions_of(dataset) if isinstance(dataset, PerRegion) else
                                         ctx.region_values(dataset))
    for region, value in values:
        ok, message = judge(region, value)
        yield verdict(ok, f"{service}/{region}", message, region, ctx.arn(service, "account", region))


def tags_of(resource: dict[str, Any]) -> dict[str, str]:
    return {t.get("Key", ""): t.get("Value", "") for t in resource.get("Tags") or []}


def name_or_id(resource: dict[str, Any], id_key: str) -> str:
    name = tags_of(resource).get("Name")
    return f"{resource[id_key]} ({name})" if name else str(resource[id_key])


# -- policy documents --

def parse_policy(document: Any) -> dict[str, Any] | None:
    """A policy as a dict from a dict, JSON text, or the URL-encoded JSON IAM returns."""
    if document is None or isinstance(document, dict):
        return document
    text = str(document)
    if text.lstrip().startswith("%7B") or text.lstrip().startswith("%7b"):
        text = unquote(text)
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        try:
            parsed = json.loads(unquote(text))
        except json.JSONDecodeError:
            return None
    return parsed if isinstance(parsed, dict) else None


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def statements(document: Any) -> list[dict[str, Any]]:
    policy = parse_policy(document)
    if not policy:
        return []
    return [s for s in as_list(policy.get("Statement")) if isinstance(s, dict)]


def allow_statements(document: Any) -> Iterable[dict[str, Any]]:
    return (s for s in statements(document) if s.get("Effect") == "Allow")


# Condition keys that tie a public-looking principal to a known network, organization or account.
_NARROWING_KEYS = {
    "aws:sourceip", "aws:sourcevpc", "aws:sourcevpce", "aws:principalorgid", "aws:principalaccount",
    "aws:sourceaccount", "aws:sourcearn", "aws:principalarn", "aws:sourceorgid", "aws:principalorgpaths",
    "aws:sourceowner", "kms:calleraccount", "kms:viaservice", "aws:userid", "aws:username",
    "sts:externalid",
}


def is_public_principal(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return any(p == "*" for p in as_list(principal.get("AWS"))) or any(
            p == "*" for p in as_list(principal.get("CanonicalUser")))
    return False


def has_narrowing_condition(statement: dict[str, Any]) -> bool:
    for keys in (statement.get("Condition") or {}).values():
        if not isinstance(keys, dict):
            continue
        if any(key.lower() in _NARROWING_KEYS for key in keys):
            return True
    return False


# -- the organization --

ORG_ACCOUNTS = ACCOUNTS


def organization_members(ctx: CheckContext) -> frozenset[str] | None:
    """The account ids of the organization; None when organizations.accounts was not read."""
    listed = ctx.view(OrganizationsView).accounts.part()
    return frozenset(a.id for a in listed.value or ()) if listed.known else None


def trusted_accounts(ctx: CheckContext) -> set[str]:
    """This account and its organization's (unread, only this account is known to be trusted)."""
    return {ctx.account_id} | set(organization_members(ctx) or ())
