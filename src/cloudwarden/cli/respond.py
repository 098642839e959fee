"""`cloudwarden respond ACTION TARGET`: incident-response actions, dry-run unless --apply; logged."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cloudwarden.core.errors import UsageError


def register(sub: Any) -> None:
    from cloudwarden.remediate.respond import ACTIONS

    parser = sub.add_parser("respond", help="incident-response actions (dry-run unless --apply)")
    parser.add_argument("action", nargs="?", choices=sorted(ACTIONS),
                        help="the response: " + ", ".join(sorted(ACTIONS)) + " (or --incident ID)")
    parser.add_argument("target", nargs="?", help="USER:KEY_ID, user, role, bucket, trail name/ARN or instance id")
    parser.add_argument("--incident", metavar="ID", help="propose the actions for an incident of `trail hunt`")
    parser.add_argument("--hunt", type=Path, default=Path("hunt.json"),
                        help="JSON of `cloudwarden trail hunt --format json` (default: hunt.json)")
    parser.add_argument("--plan", action="store_true", help="with --incident: print the proposed actions (default)")
    parser.add_argument("--region", default="us-east-1", help="region of the target (default: us-east-1)")
    parser.add_argument("--apply", action="store_true", help="make the calls (default: print them)")
    parser.add_argument("--log", type=Path, default=Path("respond-log.jsonl"), help="action log (JSON lines)")
    parser.add_argument("--profile", help="AWS profile to act with (default: the credential chain)")
    parser.add_argument("--endpoint-url", help="send the calls to this endpoint (e.g. a local moto server)")
    parser.set_defaults(handler=run_respond)


def run_respond(args: argparse.Namespace) -> int:
    from cloudwarden.remediate import GuardedClients
    from cloudwarden.remediate.respond import ACTIONS, READS_FIRST, plan_action, plan_isolate, run_steps

    if args.incident:
        return _run_incident(args)
    if not args.action or not args.target:
        raise UsageError("respond needs ACTION TARGET, or --incident ID", hint="see `cloudwarden respond --help`")
    clients = GuardedClients(profile=args.profile, endpoint_url=args.endpoint_url)
    replaced: dict[str, Any] = {}
    if args.action in READS_FIRST:
        steps, undo, replaced = plan_isolate(clients, args.target, args.region)
    else:
        steps, undo = plan_action(args.action, args.target, args.region)
    for step in steps:
        sys.stdout.write(f"{'call' if args.apply else 'would call'}: {step.describe()}\n")
    if replaced:
        sys.stdout.write(f"replaces: {json.dumps(replaced)}\n")
    if args.apply:
        with clients.allow(ACTIONS[args.action]):
            run_steps(clients, steps)
    entry = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "action": args.action, "target": args.target,
             "applied": bool(args.apply), "replaced": replaced, "steps": [s.to_dict() for s in steps], "undo": [s.to_dict() for s in undo]}
    with args.log.open("a", encoding="utf-8") as log:
        log.write(json.dumps(entry) + "\n")
    sys.stderr.write(f"logged to {args.log}\n")
    return 0


def _run_incident(args: argparse.Namespace) -> int:
    from cloudwarden.remediate.incident import load_incident, propose

    if args.action or args.target:
        raise UsageError("--incident takes no ACTION TARGET", hint="its actions come from the incident")
    incident = load_incident(args.hunt, args.incident)
    proposals, notes = propose(incident)
    sys.stdout.write(f"{args.incident}: {len(proposals)} action(s) proposed"
                     f"{' (applying)' if args.apply else ' (dry-run; add --apply to make them)'}\n")
    for note in notes:
        sys.stdout.write(f"  note: {note}\n")
    status = 0
    for proposal in proposals:
        sys.stdout.write(f"\n{proposal.action} {proposal.target}  # {proposal.why}\n")
        one = argparse.Namespace(**{**vars(args), "incident": None, "action": proposal.action,
                                    "target": proposal.target})
        status = max(status, run_respond(one))
    return status
