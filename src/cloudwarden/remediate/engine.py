"""Plan, apply, undo and verify fixes for the FAILs of a findings.json document.

Planning reads the current value of every targeted resource (read-only calls) and keeps only the
resources that still need a change, so applying twice changes nothing the second time. Applying
runs each change's calls under its fix's allowlist and records the undo calls; undoing runs them
in reverse order under the same allowlist. Verification collects again only the datasets the
touched checks read, in the touched regions, and reruns those checks.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from cloudwarden.core.errors import InputError
from cloudwarden.remediate.clients import GuardedClients
from cloudwarden.remediate.model import FIXES, CannotFix, Change, Fix, Reader, Step, Target

PLAN_SCHEMA = "cloudwarden-fix-plan"
UNDO_SCHEMA = "cloudwarden-fix-undo"


def load_fixes() -> dict[str, Fix]:
    """Import every fix module (registration happens on import)."""
    import importlib
    import pkgutil

    import cloudwarden.remediate as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name.startswith("fixes_"):
            importlib.import_module(f"{package.__name__}.{module.name}")
    return FIXES


def read_findings(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file", hint="give the findings.json of `cloudwarden scan --out DIR`") from None
    except (OSError, ValueError) as error:
        raise InputError(f"{path}: not a findings document ({error})",
                         hint="give the findings.json of `cloudwarden scan --out DIR`") from None
    if not isinstance(document, dict) or document.get("schema") != "cloudwarden-findings":
        raise InputError(f"{path}: not a cloudwarden findings document",
                         hint="give the findings.json of `cloudwarden scan --out DIR`")
    return document


def select_targets(document: dict[str, Any], checks: Iterable[str] | None = None,
                   resource: str | None = None) -> list[Target]:
    fixes = load_fixes()
    wanted = set(checks or ())
    targets = []
    for finding in document.get("findings") or []:
        check_id = str(finding.get("check_id"))
        if finding.get("status") != "FAIL" or check_id not in fixes:
            continue
        if wanted and check_id not in wanted and check_id.split(".")[0] not in wanted:
            continue
        target = Target.from_finding(finding)
        if not target.account_id:
            target = Target(**{**target.__dict__, "account_id": str(document.get("account_id", ""))})
        if resource and not (fnmatch.fnmatchcase(target.resource_id, resource)
                             or fnmatch.fnmatchcase(target.resource_arn, resource)):
            continue
        targets.append(target)
    return targets


@dataclass
class FixPlan:
    changes: list[Change] = field(default_factory=list)
    compliant: list[Target] = field(default_factory=list)  # already fixed: nothing to do
    skipped: list[tuple[Target, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"schema": PLAN_SCHEMA, "schema_version": "1.0", "generated_at": _now(),
                "changes": [c.to_dict() for c in self.changes],
                "already_compliant": [{"check_id": t.check_id, "resource_id": t.resource_id, "region": t.region}
                                      for t in self.compliant],
                "skipped": [{"check_id": t.check_id, "resource_id": t.resource_id, "region": t.region,
                             "reason": reason} for t, reason in self.skipped]}


def plan_fixes(clients: GuardedClients, targets: list[Target], options: dict[str, Any] | None = None) -> FixPlan:
    fixes = load_fixes()
    reader = Reader(clients, options)
    plan = FixPlan()
    for target in targets:
        entry = fixes[target.check_id]
        try:
            planned = entry.planner(reader, target)
        except CannotFix as why:
            plan.skipped.append((target, str(why)))
            continue
        except (ClientError, BotoCoreError) as error:
            plan.skipped.append((target, f"reading the current value failed: {_error_text(error)}"))
            continue
        if planned is None or not planned[1]:
            plan.compliant.append(target)
            continue
        current, steps, undo = planned
        plan.changes.append(Change(target, current, steps, undo, entry.risk, entry.summary))
    return plan


@dataclass
class Applied:
    change: Change
    error: str = ""
    made: list[Step] = field(default_factory=list)
    undo: list[Step] = field(default_factory=list)  # with values known only after the apply filled in


def apply_plan(clients: GuardedClients, plan: FixPlan,
               say: Callable[[str], object] = lambda _text: None) -> list[Applied]:
    """Run every change; a call made once for an earlier change is not repeated (shared settings: a
    log bucket two fixes need is made once, and both see its answer). A step's parameters may name
    an answer of an earlier step of the same change (``{"$from_step": N, "$path": ...}``: the ARN of
    a key the change creates), resolved just before the call."""
    fixes = load_fixes()
    done: dict[str, Any] = {}
    results = []
    for change in plan.changes:
        result = Applied(change)
        answers: list[Any] = []
        with clients.allow(fixes[change.target.check_id].writes):
            for planned in change.steps:
                step = Step(planned.service, planned.region, planned.operation, _resolve(planned.params, answers))
                if step.key() in done:
                    answers.append(done[step.key()])
                    continue
                try:
                    answers.append(_run_settling(clients, step))
                except (ClientError, BotoCoreError) as error:
                    result.error = f"{step.action} failed: {_error_text(error)}"
                    break
                done[step.key()] = answers[-1]
                result.made.append(step)
        result.undo = [Step(s.service, s.region, s.operation, _resolve(s.params, answers)) for s in change.undo]
        say(f"{'FAILED' if result.error else 'applied'} {change.target.check_id} {change.target.resource_id}"
            + (f": {result.error}" if result.error else ""))
        results.append(result)
    return results


# Errors AWS gives while a role, key or bucket policy made a moment earlier in the same change has not
# propagated yet (IAM and S3 are eventually consistent): the call is retried, with a growing wait.
SETTLING = frozenset({"InvalidCloudWatchLogsRoleArnException", "InsufficientS3BucketPolicyException",
                      "InsufficientEncryptionPolicyException", "InsufficientDeliveryPolicyException",
                      "InvalidRoleException"})
SETTLE_WAITS = (2.0, 4.0, 8.0, 16.0)


def _run_settling(clients: GuardedClients, step: Step) -> Any:
    import time

    for wait in (*SETTLE_WAITS, None):
        try:
            return clients.run(step)
        except ClientError as error:
            if wait is None or error.response.get("Error", {}).get("Code") not in SETTLING:
                raise
            time.sleep(wait)
    raise AssertionError("unreachable")


def undo_document(results: list[Applied]) -> dict[str, Any]:
    entries = [{"check_id": r.change.target.check_id, "resource_id": r.change.target.resource_id,
                "region": r.change.target.region, "replaced": r.change.current,
                "undo": [s.to_dict() for s in r.undo]} for r in results if r.made]
    return {"schema": UNDO_SCHEMA, "schema_version": "1.0", "applied_at": _now(), "changes": entries}


def read_undo(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file", hint="give the undo file `cloudwarden fix --apply` wrote") from None
    except (OSError, ValueError) as error:
        raise InputError(f"{path}: not an undo file ({error})",
                         hint="give the undo file `cloudwarden fix --apply` wrote") from None
    if not isinstance(document, dict) or document.get("schema") != UNDO_SCHEMA:
        raise InputError(f"{path}: not a cloudwarden undo file", hint="give the undo file `cloudwarden fix --apply` wrote")
    return document


def undo_changes(clients: GuardedClients, document: dict[str, Any],
                 say: Callable[[str], object] = lambda _text: None) -> list[tuple[dict[str, Any], str]]:
    """Restore what each change replaced, last change first. Returns (entry, error or '')."""
    fixes = load_fixes()
    done: set[str] = set()
    outcome = []
    for entry in reversed(document.get("changes") or []):
        fix = fixes.get(str(entry.get("check_id")))
        if fix is None:
            raise InputError(f"the undo file names {entry.get('check_id')}, which has no fix in this version",
                             hint="undo with the cloudwarden version that applied the fix")
        error = ""
        with clients.allow(fix.writes):
            for raw in entry.get("undo") or []:
                step = Step.from_dict(raw)
                if step.key() in done:
                    continue
                try:
                    clients.run(step)
                except ClientError as failure:
                    if not _already_gone(step, failure):
                        error = f"{step.action} failed: {_error_text(failure)}"
                        break
                except BotoCoreError as failure:
                    error = f"{step.action} failed: {_error_text(failure)}"
                    break
                done.add(step.key())
        say(f"{'FAILED' if error else 'restored'} {entry.get('check_id')} {entry.get('resource_id')}"
            + (f": {error}" if error else ""))
        outcome.append((entry, error))
    return outcome


def verify(clients: GuardedClients, targets: list[Target], regions: list[str]) -> dict[tuple[str, str, str], str]:
    """Collect again what the touched checks read, rerun them, and give each target's new status."""
    from cloudwarden.assess import assess, select_checks
    from cloudwarden.collect import all_calls, collect_snapshot

    check_ids = sorted({t.check_id for t in targets})
    checks = select_checks(check_ids)
    calls = _calls_for({d for c in checks for d in c.meta.datasets}, all_calls())
    touched = sorted({t.region for t in targets if t.region and t.region != "global"} | set(regions))
    # The rescan reads through a client set of its own: collection clients are read-only for life
    # (collect.guard), and the remediation clients must keep their write allowlist.
    from cloudwarden.collect import AwsClients

    readers = AwsClients(profile=clients.session.profile_name if clients._explicit_profile else None,
                         endpoint_url=clients.endpoint_url)
    snapshot = collect_snapshot(regions=touched or None, calls=calls, clients=readers)
    findings = assess(snapshot, checks).findings
    status: dict[tuple[str, str, str], str] = {}
    for target in targets:
        matches = [f for f in findings if f.check_id == target.check_id and f.resource_id == target.resource_id
                   and (f.region == target.region or not target.region)]
        status[(target.check_id, target.resource_id, target.region)] = (
            ",".join(sorted({f.status.value for f in matches})) if matches else "GONE")
    return status


_REMOVING = ("delete_", "stop_", "disable_", "detach_", "remove_", "disassociate_")


def _already_gone(step: Step, error: ClientError) -> bool:
    """An undo call that removes or stops something that does not exist has nothing to do: an apply
    that failed part-way never made it. The rest of the change's undo still runs."""
    code = str(error.response.get("Error", {}).get("Code", ""))
    missing = code.startswith("NoSuch") or code.endswith(("NotFound", "NotFoundException", "NoSuchEntity")) \
        or code in ("404", "NoSuchEntity")
    return step.operation.startswith(_REMOVING) and missing


def _resolve(value: Any, answers: list[Any]) -> Any:
    """Fill in `{"$from_step": N, "$path": EXPR}` placeholders from the answers of the apply."""
    import jmespath

    if isinstance(value, dict):
        if "$from_step" in value:
            index = int(value["$from_step"])
            answer = answers[index] if index < len(answers) else None
            return jmespath.search(str(value["$path"]), answer or {})
        return {k: _resolve(v, answers) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, answers) for v in value]
    return value


def _calls_for(datasets: set[str], calls: list[Any]) -> list[Any]:
    by_dataset = {c.dataset: c for c in calls}
    wanted = set()
    pending = [d for d in datasets if d in by_dataset]
    while pending:
        name = pending.pop()
        if name in wanted:
            continue
        wanted.add(name)
        call = by_dataset[name]
        pending.extend(d for d in (call.per, *call.after) if d and d in by_dataset)
    return [c for c in calls if c.dataset in wanted]


def _error_text(error: Exception) -> str:
    if isinstance(error, ClientError):
        info = error.response.get("Error", {})
        return f"{info.get('Code', 'ClientError')}: {str(info.get('Message', ''))[:200]}"
    return f"{type(error).__name__}: {str(error)[:200]}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
