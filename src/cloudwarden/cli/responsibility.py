"""`cloudwarden responsibility SNAPSHOT|FINDINGS`: the shared responsibility model for this account."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from cloudwarden.cli.weekly import print_json, view_console

STATUS_STYLE = {"FAIL": "red", "UNKNOWN": "yellow", "MUTED": "dim", "PASS": "green", "not covered": "magenta",
                "not run": "dim", "nothing to evaluate": "dim"}


def register(sub: Any) -> None:
    parser = sub.add_parser("responsibility", help="the shared responsibility model: AWS's part, yours, and "
                            "the status of the checks covering each of your duties",
                            description="For each service in use: its model (infrastructure, container, "
                            "abstracted), what AWS secures, what the customer must, and the status of the checks "
                            "that cover each customer duty; duties no check covers are shown as such.")
    parser.add_argument("source", type=Path, metavar="SNAPSHOT|FINDINGS", help="a snapshot or a findings.json")
    parser.add_argument("--all", action="store_true", help="also the services not in use")
    parser.add_argument("--format", choices=("terminal", "json"), default="terminal", help="output format (default: terminal)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from cloudwarden.posture.responsibility import coverage_for, responsibility_view
    from cloudwarden.posture.sources import load_results

    results = load_results(args.source)
    view = responsibility_view(results.findings, coverage_for(results.checks), results.snapshot, results.account_id)
    if not args.all:
        view["services"] = [s for s in view["services"] if s["in_use"] != "no"]
    if args.format == "json":
        print_json(view)
    else:
        render(view, sys.stdout)
    return 0


def render(view: dict[str, Any], stream: Any) -> None:
    console = view_console(stream)
    console.print(f"[bold]Shared responsibility[/bold] · account {view['account_id']} · from the {view['basis']}")
    console.print(f"[dim]{view['summary']}[/dim]")
    for service in view["services"]:
        console.print(f"\n[bold]{service['name']}[/bold] — {service['model']} · in use: {service['in_use']}")
        console.print(f"  AWS: {'; '.join(service['aws_responsibility'])}", markup=False)
        for duty in service["customer_duties"]:
            _duty_line(console, duty)
    console.print("\n[bold]Beyond any single service[/bold]")
    for duty in view["beyond_services"]:
        _duty_line(console, duty)
    totals = view["totals"]
    console.print(f"\n{totals['services_in_use']} services in use or account-wide; {totals['duties']} customer "
                  f"duties, {totals['duties_not_covered']} not covered by any check")


def _duty_line(console: Console, duty: dict[str, Any]) -> None:
    status = duty["status"]
    results = ", ".join(f"{n} {s}" for s, n in duty["results"].items())
    count = len(duty["checks"])
    detail = f"{count} check{'s' if count != 1 else ''}" + (f": {results}" if results else "")
    if status == "not covered":
        detail = "no check covers this" + (f" yet (catalogue: {', '.join(duty['catalogue_only'][:3])})"
                                           if duty["catalogue_only"] else "")
    console.print(f"  [{STATUS_STYLE.get(status, '')}]{status:>19}[/] {duty['duty']} [dim]({detail})[/dim]",
                  highlight=False)
