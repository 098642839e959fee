"""`iam escalation DIR` and `iam who-can DIR ...` over an organization scan's folder: every account's
snapshot at once, with the cross-account trusts between them (engines/iam/estate.py)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from cloudwarden.core.arn import account_of
from cloudwarden.core.errors import InputError

EXIT_OK = 0


def _estate(folder: str) -> Any:
    from cloudwarden.engines.iam.estate import describe, load_estate, snapshot_files
    from cloudwarden.inventory.snapshot import load_snapshot

    files = snapshot_files(Path(folder))
    if not files:
        raise InputError(f"{folder}: no snapshots in it",
                         hint="give the --out folder of `cloudwarden scan --organization` (ACCOUNT/account.snapshot), "
                              "or a folder of .snapshot files")
    estate = load_estate(load_snapshot(p) for p in files)
    facts = describe(estate)
    sys.stderr.write(f"cloudwarden: {len(facts['accounts'])} accounts, {facts['principals']} principals, "
                     f"{facts['cross_account_edges']} cross-account edges"
                     + (f", organization {facts['organization']}" if facts["organization"] else "") + "\n")
    for note in facts["notes"]:
        sys.stderr.write(f"cloudwarden: note: {note}\n")
    for account_id, member in sorted(estate.members.items()):
        for text in (member.account.organization.note, member.account.organization.rcp_note):
            if text:
                sys.stderr.write(f"cloudwarden: note: account {account_id}: {text}\n")
    return estate


def _emit(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data) + "\n")


def _steps_text(steps: list[Any]) -> list[str]:
    lines = []
    for number, step in enumerate(steps, 1):
        via = f" on {step.via}" if step.via else ""
        lines.append(f"  {number}. {step.source} -> {step.target}  [{step.kind}] with {step.permission}{via}")
        if step.assumption:
            lines.append(f"     assumes: {step.assumption}")
    return lines


def escalation_estate(args: argparse.Namespace) -> int:
    from cloudwarden.engines.iam.estate import escalations, reach_across

    estate = _estate(args.snapshot)
    target = args.target or "admin"
    as_json = getattr(args, "format", "terminal") == "json"
    if target.lower() != "admin":
        from cloudwarden.engines.iam import reach

        action, resource = (args.action, target) if args.action else reach.default_action(target)
        found = [(who, steps, holder) for who, steps, holder in reach_across(estate, action, resource)
                 if steps and (not args.explain or who.endswith(args.explain))]
        for who, steps, holder in found:
            if as_json:
                _emit({"principal": who, "holder": holder, "path": [s.to_dict() for s in steps]})
            else:
                sys.stdout.write("\n".join([f"{who} can reach {action} on {resource} in {len(steps)} step(s):",
                                            *_steps_text(steps)]) + "\n")
        if not as_json and not found:
            sys.stdout.write(f"No principal reaches {action} on {resource} by escalation.\n")
        return EXIT_OK
    paths = escalations(estate)
    if args.explain:
        paths = [p for p in paths if p[0] == args.explain or p[0].endswith(args.explain)]
        if not paths:
            sys.stdout.write(f"{args.explain} cannot reach administrator of any account in the folder\n")
            return EXIT_OK
    if as_json:
        for who, account, steps in paths:
            _emit({"principal": who, "account": account_of(who, ""), "reaches_admin_of": account,
                   "path": [step.to_dict() for step in steps]})
        return EXIT_OK
    if not paths:
        sys.stdout.write("No principal can reach administrator of any account (beyond those that already are).\n")
        return EXIT_OK
    lines: list[str] = []
    for who, account, steps in paths:
        where = "its own account" if account == account_of(who, "") else f"account {account}"
        lines.append(f"{who} can reach administrator of {where} in {len(steps)} step{'s' if len(steps) != 1 else ''}:")
        lines.extend(_steps_text(steps))
    crossing = sum(1 for who, account, _ in paths if account != account_of(who, ""))
    lines.append(f"{len(paths)} principals can escalate, {crossing} of them into another account; "
                 "--format json for the statements that allow each step")
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_OK


def who_can_estate(args: argparse.Namespace, resource: str) -> int:
    from cloudwarden.engines.iam.estate import reach_across, who_can_across

    estate = _estate(args.snapshot)
    if getattr(args, "via_escalation", False):
        for who, steps, holder in reach_across(estate, args.action, resource):
            data: dict[str, Any] = {"principal": who, "direct": not steps, "path": [s.to_dict() for s in steps]}
            if steps:
                data["holder"] = holder
            _emit(data)
        return EXIT_OK
    for principal, decision in who_can_across(estate, args.action, resource):
        _emit({"principal": principal, **decision.to_dict()})
    return EXIT_OK
