"""Is a resource assigned to an AWS Backup plan? The resource assignments (selections) of the region's
plans, evaluated as AWS Backup does, shared by dynamodb/rds/ebs ``*.in_backup_plan``.

A selection picks a resource when it is named by ``Resources`` (ARNs, ``*`` wildcards) or matches one
of ``ListOfTags`` (OR; no Resources and no ListOfTags: every supported resource), is not in
``NotResources``, and matches every one of ``Conditions`` (AND: StringEquals, StringNotEquals,
StringLike, StringNotLike on ``aws:ResourceTag/KEY``). A tag test on a resource whose tags are not
known is undecided: the verdict is UNKNOWN, not a guess.

``backup.protected_resources`` (ListProtectedResources: resources with a recovery point) only adds
wording: an on-demand backup is not a plan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from cloudwarden.checks.context import CheckContext, Skipped
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.registry import Result
from cloudwarden.inventory.snapshot import DataUnavailable

PLANS, SELECTIONS, PROTECTED = "backup.plans", "backup.selections", "backup.protected_resources"
BACKUP_DATASETS = [PLANS, SELECTIONS, PROTECTED]
BACKUP_DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources.html"
Tags = dict[str, str] | None  # None: not known
_TAG_PREFIX = "aws:ResourceTag/"


@dataclass(frozen=True)
class Covered:
    yes: bool | None  # None: a selection's tag test could not be decided
    evidence: str


def _matches(pattern: str, arn: str) -> bool:
    return pattern == "*" or fnmatchcase(arn, pattern)


def _tag_test(tags: Tags, operator: str, key: str, value: str) -> bool | None:
    if tags is None:
        return None
    key = key[len(_TAG_PREFIX):] if key.startswith(_TAG_PREFIX) else key
    actual = tags.get(key)
    if operator == "StringEquals":
        return actual == value
    if operator == "StringNotEquals":
        return actual != value
    if operator == "StringLike":
        return actual is not None and fnmatchcase(actual, value)
    if operator == "StringNotLike":
        return actual is None or not fnmatchcase(actual, value)
    return None


def _all(results: list[bool | None]) -> bool | None:
    if any(r is False for r in results):
        return False
    return None if any(r is None for r in results) else True


def _any(results: list[bool | None]) -> bool | None:
    if any(r is True for r in results):
        return True
    return None if any(r is None for r in results) else False


def selects(selection: dict[str, Any], arn: str, tags: Callable[[], Tags]) -> bool | None:
    """True/False, or None when it rests on tags that are not known."""
    if any(_matches(str(p), arn) for p in selection.get("NotResources") or []):
        return False
    resources = [str(p) for p in selection.get("Resources") or []]
    listed = selection.get("ListOfTags") or []
    if not resources and not listed:
        candidate: bool | None = True
    else:
        named = any(_matches(p, arn) for p in resources)
        candidate = True if named else _any([_tag_test(tags(), str(t.get("ConditionType", "StringEquals")),
                                                       str(t.get("ConditionKey")), str(t.get("ConditionValue")))
                                             for t in listed])
    if candidate is False:
        return False
    conditions = selection.get("Conditions") or {}
    tests = [_tag_test(tags(), operator, str(c.get("ConditionKey")), str(c.get("ConditionValue")))
             for operator, entries in conditions.items() for c in entries or []]
    return _all([candidate, *tests]) if tests else candidate


def coverage(ctx: CheckContext, region: str, arn: str, tags: Callable[[], Tags]) -> Covered:
    """Whether a plan of the region assigns the resource; raises DataUnavailable when plans or a plan's
    selections were not read."""
    plans = ctx.get(PLANS, region) or []
    undecided = []
    for plan in plans:
        plan_id = str(plan.get("BackupPlanId"))
        name = str(plan.get("BackupPlanName") or plan_id)
        for selection in ctx.item(SELECTIONS, plan_id, region) or []:
            chosen = selects(selection, arn, tags)
            label = f"plan {name} (assignment {selection.get('SelectionName') or selection.get('SelectionId')})"
            if chosen:
                return Covered(True, f"assigned to backup {label}")
            if chosen is None:
                undecided.append(label)
    if undecided:
        return Covered(None, f"the tags that decide {', '.join(undecided)} are not known")
    return Covered(False, "in no backup plan's resource assignment" if plans else "no backup plan in the region")


def _last_backup(ctx: CheckContext, region: str, arn: str) -> str:
    try:
        protected = ctx.get(PROTECTED, region) or []
    except DataUnavailable:
        return ""
    for entry in protected:
        if entry.get("ResourceArn") == arn:
            return f"; last recovery point {entry.get('LastBackupTime') or '?'}"
    return ""


def plan_verdict(ctx: CheckContext, region: str, name: str, arn: str, resource_type: str,
                 tags: Callable[[], Tags]) -> Result | None:
    """The verdict for one resource (None when undecided: recorded as UNKNOWN)."""
    found = coverage(ctx, region, arn, tags)
    if found.yes is None:
        ctx.skipped.append(Skipped(name, region, found.evidence))
        return None
    return verdict(found.yes, name, found.evidence + _last_backup(ctx, region, arn), region, arn, resource_type)


def tag_dict(tags: Any) -> dict[str, str]:
    """[{'Key':..,'Value':..}] (EC2, RDS, DynamoDB) as a dict."""
    return {str(t.get("Key")): str(t.get("Value", "")) for t in tags or []}
