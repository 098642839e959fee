"""`cloudwarden fix FINDINGS`: plan (default), apply with an undo file, verify; `fix --undo FILE`."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cloudwarden.core.errors import UsageError


def register(sub: Any) -> None:
    parser = sub.add_parser("fix", help="plan, apply, verify and undo fixes for the FAILs of a findings.json")
    parser.add_argument("findings", nargs="?", type=Path, help="findings.json from `cloudwarden scan --out DIR`")
    parser.add_argument("--check", action="append", metavar="ID", help="only this check id or service (repeatable)")
    parser.add_argument("--resource", metavar="GLOB", help="only resources whose id or ARN matches this glob")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--plan", action="store_true", help="print and write the plan, change nothing (the default)")
    mode.add_argument("--apply", action="store_true", help="apply the plan (asks first unless --yes)")
    mode.add_argument("--undo", type=Path, metavar="FILE", help="restore what an apply replaced, from its undo file")
    mode.add_argument("--list", action="store_true", help="list the checks that have a fix")
    parser.add_argument("--yes", action="store_true", help="apply without asking")
    parser.add_argument("--out", type=Path, help="plan JSON to write (default fix-plan.json)")
    parser.add_argument("--undo-file", type=Path, help="undo file to write on --apply (default fix-undo-TIME.json)")
    parser.add_argument("--no-verify", action="store_true", help="do not rescan the touched resources after --apply")
    parser.add_argument("--alarm-topic", metavar="ARN", help="SNS topic for the CIS alarms the fixes create")
    parser.add_argument("--alarm-email", metavar="ADDRESS",
                        help="without --alarm-topic: make the topic cloudwarden-cis-alarms and subscribe this address")
    parser.add_argument("--kms-key", metavar="KEY", help="KMS key for SSE-KMS fixes (default: the AWS managed key)")
    parser.add_argument("--profile", help="AWS profile")
    parser.add_argument("--endpoint-url", help="an AWS-compatible endpoint (moto, LocalStack)")
    parser.add_argument("--format", choices=("terminal", "json"), default="terminal", help="stdout format")
    parser.set_defaults(handler=run_fix)


def _recorded_threshold(document: dict[str, Any], key: str) -> Any:
    """A threshold the assessment ran with, when a config file changed it (docs/configuration.md)."""
    settings = (document.get("sections") or {}).get("settings") or document.get("settings") or {}
    return ((settings.get("non_default") or {}).get(key) or {}).get("value")


def run_fix(args: argparse.Namespace) -> int:
    from cloudwarden import remediate

    if args.list:
        for check_id, entry in sorted(remediate.load_fixes().items()):
            sys.stdout.write(f"{check_id:<48} {entry.summary}\n")
        sys.stdout.write(f"{len(remediate.load_fixes())} checks have a fix\n")
        return 0
    clients = remediate.GuardedClients(profile=args.profile, endpoint_url=args.endpoint_url)
    if args.undo:
        return _undo(clients, args)
    if args.findings is None:
        raise UsageError("give the findings.json to fix", hint="cloudwarden fix report/findings.json [--apply]")
    document = remediate.read_findings(args.findings)
    targets = remediate.select_targets(document, args.check, args.resource)
    home = (document.get("regions") or ["us-east-1"])[0]
    options = {"alarm_topic": args.alarm_topic, "alarm_email": args.alarm_email, "kms_key": args.kms_key, "home_region": home,
               "rds_min_backup_days": _recorded_threshold(document, "thresholds.rds.min_backup_retention_days"),
               "logs_min_retention_days": _recorded_threshold(document, "thresholds.logs.min_retention_days")}
    clients.caller_identity(home)  # credentials problems surface as one line, before any plan
    plan = remediate.plan_fixes(clients, targets, options)
    out = args.out or Path("fix-plan.json")
    out.write_text(json.dumps(plan.to_dict(), indent=2, default=str) + "\n", encoding="utf-8")
    if args.format == "json":
        json.dump(plan.to_dict(), sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        _print_plan(plan, len(targets))
    sys.stderr.write(f"wrote {out}\n")
    if not args.apply or not plan.changes:
        return 0
    if not args.yes and not _confirm(len(plan.changes)):
        sys.stderr.write("nothing applied\n")
        return 0
    results = remediate.apply_plan(clients, plan, say=lambda text: sys.stderr.write(text + "\n"))
    later, final = _later_rounds(clients, plan, results, options, args)
    if final is not plan:  # the plan file holds every round's changes and what is still skipped
        merged = remediate.FixPlan([*plan.changes, *[r.change for r in later]], [*plan.compliant, *final.compliant],
                                   final.skipped)
        out.write_text(json.dumps(merged.to_dict(), indent=2, default=str) + "\n", encoding="utf-8")
    results += later
    undo_path = args.undo_file or Path(f"fix-undo-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json")
    undo_path.write_text(json.dumps(remediate.undo_document(results), indent=2, default=str) + "\n", encoding="utf-8")
    failed = [r for r in results if r.error]
    sys.stdout.write(f"applied {len(results) - len(failed)} change(s), {len(failed)} failed; undo with "
                     f"`cloudwarden fix --undo {undo_path}`\n")
    if args.no_verify:
        return 1 if failed else 0
    applied = [r.change.target for r in results if not r.error]
    status = remediate.verify(clients, applied, [home])
    # GONE: the check no longer reports the resource (a deactivated key is not judged for its age).
    passed = sum(1 for s in status.values() if s in ("PASS", "GONE"))
    gone = sum(1 for s in status.values() if s == "GONE")
    for (check_id, resource, region), value in sorted(status.items()):
        if value not in ("PASS", "GONE"):
            sys.stdout.write(f"  still {value}: {check_id} {resource} [{region}]\n")
    sys.stdout.write(f"verified by rescan: {passed}/{len(status)} now PASS"
                     + (f" ({gone} no longer reported: the failing credential is inactive)" if gone else "") + "\n")
    return 1 if failed or passed < len(status) else 0


MAX_ROUNDS = 4


def _later_rounds(clients: Any, plan: Any, results: list[Any], options: dict[str, Any],
                  args: argparse.Namespace) -> tuple[list[Any], Any]:
    """Fixes that waited for another (the CIS alarms need the trail the trail fix makes; the Security
    Hub standards need the hub) are planned again once a round has changed something, and applied
    (with the same confirmation) until a round changes nothing."""
    from cloudwarden import remediate

    later: list[Any] = []
    for round_number in range(2, MAX_ROUNDS + 1):
        if not plan.skipped or not any(r.made for r in results):
            break
        plan = remediate.plan_fixes(clients, [target for target, _ in plan.skipped], options)
        if not plan.changes:
            for target, reason in plan.skipped:
                sys.stdout.write(f"still skipped {target.check_id} {target.resource_id}: {reason}\n")
            break
        sys.stdout.write(f"\nround {round_number}: fixes that waited for an earlier one\n")
        _print_plan(plan, len(plan.changes) + len(plan.compliant) + len(plan.skipped))
        if not args.yes and not _confirm(len(plan.changes)):
            break
        results = remediate.apply_plan(clients, plan, say=lambda text: sys.stderr.write(text + "\n"))
        later += results
    return later, plan


def _print_plan(plan: Any, targets: int) -> None:
    write = sys.stdout.write
    write(f"{targets} failing finding(s) with a fix: {len(plan.changes)} to change, "
          f"{len(plan.compliant)} already compliant, {len(plan.skipped)} skipped\n")
    for change in plan.changes:
        t = change.target
        write(f"\n{t.check_id} {t.resource_id} [{t.region}]\n  risk: {change.risk}\n"
              f"  replaces: {json.dumps(change.current, default=str)[:300]}\n")
        for step in change.steps:
            write(f"  call: {step.describe()[:400]}\n")
    for target, reason in plan.skipped:
        write(f"skipped {target.check_id} {target.resource_id}: {reason}\n")


def _confirm(count: int) -> bool:
    if not sys.stdin.isatty():
        raise UsageError("--apply needs a confirmation and stdin is not a terminal", hint="add --yes")
    answer = input(f"apply {count} change(s)? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def _undo(clients: Any, args: argparse.Namespace) -> int:
    from cloudwarden import remediate

    document = remediate.read_undo(args.undo)
    if not args.yes and not _confirm(len(document.get("changes") or [])):
        sys.stderr.write("nothing undone\n")
        return 0
    outcome = remediate.undo_changes(clients, document, say=lambda text: sys.stderr.write(text + "\n"))
    failed = [entry for entry, error in outcome if error]
    sys.stdout.write(f"restored {len(outcome) - len(failed)} change(s), {len(failed)} failed\n")
    return 1 if failed else 0
