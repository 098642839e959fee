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

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import partial
from typing import TypeVar

from cloudwarden.checks.context import CheckContext, Skipped
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.registry import Result
from cloudwarden.inventory.snapshot import DataUnavailable
from cloudwarden.inventory.views.backup import PLANS, PROTECTED, SELECTIONS, BackupView, Selection, TagTest

BACKUP_DATASETS = [PLANS, SELECTIONS, PROTECTED]
BACKUP_DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources.html"
Tags = dict[str, str] | None  # None: not known
_TAG_PREFIX = "aws:ResourceTag/"
T = TypeVar("T")


@dataclass(frozen=True)
class Covered:
    yes: bool | None  # None: a selection's tag test could not be decided
    evidence: str


def _matches(pattern: str, arn: str) -> bool:
    return pattern == "*" or fnmatchcase(arn, pattern)


def _tag_test(tags: Tags, test: TagTest) -> bool | None:
    if tags is None:
        return None
    key = test.key[len(_TAG_PREFIX):] if test.key.startswith(_TAG_PREFIX) else test.key
    actual, value = tags.get(key), test.value
    if test.operator == "StringEquals":
        return actual == value
    if test.operator == "StringNotEquals":
        return actual != value
    if test.operator == "StringLike":
        return actual is not None and fnmatchcase(actual, value)
    if test.operator == "StringNotLike":
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


def selects(selection: Selection, arn: str, tags: Callable[[], Tags]) -> bool | None:
    """True/False, or None when it rests on tags that are not known."""
    if any(_matches(p, arn) for p in selection.not_resources):
        return False
    if not selection.resources and not selection.list_of_tags:
        candidate: bool | None = True
    else:
        named = any(_matches(p, arn) for p in selection.resources)
        candidate = True if named else _any([_tag_test(tags(), t) for t in selection.list_of_tags])
    if candidate is False:
        return False
    tests = [_tag_test(tags(), c) for c in selection.conditions]
    return _all([candidate, *tests]) if tests else candidate


def coverage(ctx: CheckContext, region: str, arn: str, tags: Callable[[], Tags]) -> Covered:
    """Whether a plan of the region assigns the resource; raises DataUnavailable when plans or a plan's
    selections were not read."""
    plans = ctx.view(BackupView).plans(region)
    undecided = []
    for plan in plans:
        for selection in plan.selections.get():
            chosen = selects(selection, arn, tags)
            label = f"plan {plan.name} (assignment {selection.label})"
            if chosen:
                return Covered(True, f"assigned to backup {label}")
            if chosen is None:
                undecided.append(label)
    if undecided:
        return Covered(None, f"the tags that decide {', '.join(undecided)} are not known")
    return Covered(False, "in no backup plan's resource assignment" if plans else "no backup plan in the region")


def foreign_copies(ctx: CheckContext, region: str, vault: str) -> list[str]:
    """'account X (plan P, rule R)' for every plan rule that backs up into the vault and copies to another
    account; raises DataUnavailable when plans or a plan's details were not read."""
    found = []
    for plan in ctx.view(BackupView).plans(region):
        details = plan.details.get()
        for rule in details.rules:
            if rule.target_vault == vault:
                found += [f"account {account} ({details.name or plan.name}, rule {rule.name})"
                          for account in rule.foreign_copies(ctx.account_id)]
    return found


def _last_backup(ctx: CheckContext, region: str, arn: str) -> str:
    try:
        protected = ctx.view(BackupView).protected(region)
    except DataUnavailable:
        return ""
    for entry in protected:
        if entry.arn == arn:
            return f"; last recovery point {entry.last_backup}"
    return ""


def plan_verdict(ctx: CheckContext, region: str, name: str, arn: str, resource_type: str,
                 tags: Callable[[], Tags]) -> Result | None:
    """The verdict for one resource (None when undecided: recorded as UNKNOWN)."""
    found = coverage(ctx, region, arn, tags)
    if found.yes is None:
        ctx.skipped.append(Skipped(name, region, found.evidence))
        return None
    return verdict(found.yes, name, found.evidence + _last_backup(ctx, region, arn), region, arn, resource_type)


def plan_verdicts(ctx: CheckContext, resource_type: str, resources: Iterable[tuple[str, T]],
                  name: Callable[[T], str], arn: Callable[[T], str], tags: Callable[[T], Tags]) -> Iterator[Result]:
    """``*.in_backup_plan``: one verdict per resource; data missing for one resource makes it UNKNOWN."""
    for region, resource in resources:
        ident = name(resource)
        with ctx.resource(ident, region):
            found = plan_verdict(ctx, region, ident, arn(resource), resource_type, partial(tags, resource))
            if found is not None:
                yield found

