"""`cloudwarden exposure`: what the internet truly reaches in a snapshot, and why or why not.

Reads a snapshot file, runs the network engine per region and prints exposures (terminal or JSON)
or, with ``--explain``, one resource's verdict hop by hop. Returns an exit code; never exits.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from cloudwarden.core.errors import InputError, UsageError
from cloudwarden.engines.network import Explanation, Exposure, NetworkModel, analyze, explain, model_from_snapshot
from cloudwarden.inventory import DataUnavailable, load_snapshot

EXIT_OK = 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `exposure` command."""
    parser = subparsers.add_parser(
        "exposure",
        help="internet exposure from routes, NACLs, security groups and public addresses",
        description="List what the internet can reach in a snapshot (resource, port, source and the "
        "path hop by hop), or explain why one resource is or is not reachable.",
    )
    parser.add_argument("snapshot", metavar="SNAPSHOT", help="snapshot file from `cloudwarden collect`")
    parser.add_argument("--port", type=int, metavar="P", help="only exposures that include port P")
    parser.add_argument("--format", choices=("terminal", "json"), default="terminal", help="output format")
    parser.add_argument("--explain", metavar="RESOURCE_ID",
                        help="why this instance, interface, DB instance or load balancer is (not) reachable")
    parser.add_argument("--regions", type=region_list, metavar="REGIONS",
                        help="comma-separated regions, as `scan` takes (default: every region in the snapshot)")
    parser.add_argument("--region", action="append", metavar="REGION",
                        help="only this region (repeatable; same as --regions)")
    parser.set_defaults(handler=run)


def region_list(text: str) -> list[str]:
    regions = [part.strip() for part in text.split(",") if part.strip()]
    if not regions:
        raise argparse.ArgumentTypeError("give at least one region, e.g. us-east-1,eu-west-1")
    return regions


def _models(path: str, regions: list[str] | None, warn: TextIO) -> list[NetworkModel]:
    snapshot = load_snapshot(path)
    chosen = regions or snapshot.regions
    unknown = [r for r in chosen if r not in snapshot.regions]
    if unknown:
        raise UsageError(f"region {', '.join(unknown)} is not in the snapshot",
                         hint=f"the snapshot holds {', '.join(snapshot.regions) or 'no regions'}")
    models: list[NetworkModel] = []
    for region in chosen:
        try:
            model = model_from_snapshot(snapshot, region)
        except DataUnavailable as missing:
            warn.write(f"cloudwarden: warning: {region} skipped: {missing.reason}\n")
            continue
        for gap in model.gaps:
            warn.write(f"cloudwarden: warning: {region}: {gap}; the answer may be incomplete\n")
        models.append(model)
    if not models:
        raise InputError(f"{path} holds no network data for {', '.join(chosen) or 'any region'}",
                         hint="collect EC2 networking data (ec2:Describe* permissions) with `cloudwarden collect`")
    return models


def run(args: argparse.Namespace) -> int:
    if args.port is not None and not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port} is not a port", hint="use a number from 0 to 65535")
    regions = [*(args.regions or []), *(args.region or [])]
    models = _models(args.snapshot, regions or None, sys.stderr)
    if args.explain:
        return _explain(models, args.explain, args.port, args.format)
    exposures = [
        e for model in models for e in analyze(model)
        if args.port is None or e.from_port <= args.port <= e.to_port
    ]
    if args.format == "json":
        json.dump([e.to_dict() for e in exposures], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_exposures(exposures))
    return EXIT_OK


def _explain(models: list[NetworkModel], resource_id: str, port: int | None, fmt: str) -> int:
    for model in models:
        explanation = explain(model, resource_id, port)
        if explanation.found:
            if fmt == "json":
                json.dump({"region": model.region, **explanation.to_dict()}, sys.stdout, indent=2)
                sys.stdout.write("\n")
            else:
                sys.stdout.write(render_explanation(explanation, model.region))
            return EXIT_OK
    raise InputError(f"no instance, interface, DB instance or load balancer {resource_id} in the snapshot",
                     hint="run `cloudwarden exposure SNAPSHOT` to list exposed resources")


def render_exposures(exposures: list[Exposure]) -> str:
    if not exposures:
        return "Nothing in the snapshot is reachable from the internet.\n"
    lines: list[str] = []
    resources = {(e.region, e.resource_id) for e in exposures}
    lines.append(f"{len(resources)} resource(s) reachable from the internet, {len(exposures)} path(s):")
    current: tuple[str, str, str | None] | None = None
    for exposure in exposures:
        head = (exposure.region, exposure.resource_id, exposure.interface_id)
        if head != current:
            current = head
            via = f" via {exposure.interface_id}" if exposure.interface_id else ""
            lines.append(f"\n{exposure.resource_id} ({exposure.resource_type}, {exposure.region}){via} "
                         f"at {exposure.address}")
        lines.append(f"  {exposure.port_text():<14} IPv{exposure.ip_version}  from {exposure.source:<18} "
                     f"{exposure.severity} ({exposure.port_class.value})")
        for number, hop in enumerate(exposure.path):
            lines.append(f"      {'->' if number else '  '} {hop}")
    return "\n".join(lines) + "\n"


def render_explanation(explanation: Explanation, region: str) -> str:
    port = f" on port {explanation.port}" if explanation.port is not None else ""
    verdict = "REACHABLE" if explanation.reachable else "NOT reachable"
    lines = [f"{explanation.resource_id} ({explanation.resource_type}, {region}): {verdict} from the internet{port}"]
    for attempt in explanation.attempts:
        blocked = attempt.blocked_at
        outcome = f"blocked at {blocked.kind} {blocked.id}".rstrip() if blocked else "passes every hop"
        lines.append(f"\n  {attempt.entry} over IPv{attempt.ip_version}: {outcome}")
        for step in attempt.steps:
            mark = "ok  " if step.passed else "STOP"
            lines.append(f"    [{mark}] {step.kind} {step.id}: {step.detail}".replace("  :", ":"))
    if explanation.exposures:
        lines.append("\n  Reachable:")
        lines.extend(f"    {e.port_text()} IPv{e.ip_version} from {e.source} ({e.severity})"
                     for e in explanation.exposures)
    lines.extend(f"\n  note: {note}" for note in explanation.notes)
    return "\n".join(lines) + "\n"


def exposures_as_json(exposures: list[Exposure]) -> list[dict[str, Any]]:
    return [e.to_dict() for e in exposures]
