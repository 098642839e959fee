"""Shared loops of the data-store checks (RDS, KMS, DynamoDB, Glacier, EFS).

A :class:`Kind` says where a type of resource lives in the snapshot and how it is named; the
checks then only say how to judge one resource. Per-resource data that is missing (a gap for one
key, table or vault) becomes UNKNOWN for that resource through `ctx.resource`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.registry import Result

# (compliant, evidence), or None when the resource is out of the check's scope.
Outcome = tuple[bool, str] | None


@dataclass(frozen=True)
class Kind:
    dataset: str  # a regional list dataset (of dicts, or of plain names such as table names)
    id_key: str
    arn_key: str  # looked up in the resource, else in its per-resource entry
    resource_type: str

    def ident(self, resource: Any) -> str:
        return str(resource if isinstance(resource, str) else resource[self.id_key])

    def arn(self, resource: Any, entry: Any = None) -> str:
        for source in (resource, entry):
            if isinstance(source, dict) and source.get(self.arn_key):
                return str(source[self.arn_key])
        return ""


def judge_each(ctx: CheckContext, kind: Kind, judge: Callable[[Any], Outcome]) -> Iterator[Result]:
    """One verdict per resource of `kind` that `judge` does not skip."""
    for region, resource in ctx.each(kind.dataset):
        outcome = judge(resource)
        if outcome is not None:
            yield verdict(outcome[0], kind.ident(resource), outcome[1], region, kind.arn(resource),
                          kind.resource_type)


def judge_with_item(ctx: CheckContext, kind: Kind, dataset: str,
                    judge: Callable[[Any, Any], Outcome]) -> Iterator[Result]:
    """Like judge_each, with the resource's entry in the per-resource `dataset` (UNKNOWN if missing)."""
    for region, resource in ctx.each(kind.dataset):
        resource_id = kind.ident(resource)
        with ctx.resource(resource_id, region):
            entry = ctx.item(dataset, resource_id, region)
            outcome = judge(resource, entry)
            if outcome is not None:
                yield verdict(outcome[0], resource_id, outcome[1], region, kind.arn(resource, entry),
                              kind.resource_type)


def flag(ok: bool, good: str, bad: str) -> tuple[bool, str]:
    """(ok, the message that matches ok): the commonest judge of all."""
    return ok, good if ok else bad
