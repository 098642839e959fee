"""`cloudwarden diff OLD NEW`: what changed since the last scan, with a gate for CI (--fail-on-new)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from cloudwarden.cli.weekly import print_json, view_console
from cloudwarden.core.enums import Severity
from cloudwarden.core.errors import UsageError

LABELS = {"new": "New failures", "resolved": "Resolved", "still_failing": "Still failing",
          "newly_unknown": "Newly unknown (no longer evaluated)", "newly_muted": "Newly muted"}


def register(sub: Any) -> None:
    parser = sub.add_parser("diff", help="what changed between two scans (findings.json files or snapshots)",
                            description="Compare two findings.json files or two snapshots: new, resolved, still "
                            "failing and newly unknown results by severity; for two snapshots also the "
                            "security-relevant configuration changes behind them.")
    parser.add_argument("old", type=Path, metavar="OLD", help="the earlier findings.json or snapshot")
    parser.add_argument("new", type=Path, metavar="NEW", help="the later findings.json or snapshot")
    parser.add_argument("--format", choices=("terminal", "json"), default="terminal", help="output format (default: terminal)")
    parser.add_argument("--fail-on-new", type=_severity, metavar="SEVERITY",
                        help="exit 1 when a new FAIL at or above this severity appeared (CI gate)")
    parser.add_argument("--show", type=int, default=20, metavar="N", help="results listed per category (default 20)")
    parser.set_defaults(handler=run)


def _severity(text: str) -> Severity:
    try:
        return Severity.parse(text)
    except UsageError as error:
        raise argparse.ArgumentTypeError(f"{error.message} ({error.hint})") from None


def run(args: argparse.Namespace) -> int:
    from cloudwarden.posture.diff import diff
    from cloudwarden.posture.sources import load_results

    old, new = load_results(args.old), load_results(args.new)
    if old.account_id and new.account_id and old.account_id != new.account_id:
        sys.stderr.write(f"note: comparing two accounts ({old.account_id} and {new.account_id})\n")
    result = diff(old, new)
    if args.format == "json":
        print_json(result.to_dict())
    else:
        render(result.to_dict(), sys.stdout, args.show)
    if args.fail_on_new is not None and result.new_at_or_above(args.fail_on_new):
        return 1
    return 0


def render(document: dict[str, Any], stream: Any, show: int = 20) -> None:
    console = view_console(stream)
    old, new = document["old"], document["new"]
    console.print(f"[bold]cloudwarden diff[/bold] {old['path']} ({old['collected_at']}) → {new['path']} "
                  f"({new['collected_at']})")
    table = Table(title="Changes by severity", title_justify="left")
    table.add_column("")
    severities = [s.value for s in Severity]
    for severity in severities:
        table.add_column(severity, justify="right")
    table.add_column("total", justify="right", style="bold")
    for category, row in document["counts"].items():
        table.add_row(LABELS[category], *(str(row[s]) for s in severities), str(row["total"]))
    console.print(table)
    for category in ("new", "resolved", "newly_unknown", "newly_muted"):
        changes = document["changes"][category]
        if not changes:
            continue
        console.print(f"\n[bold]{LABELS[category]} ({len(changes)})[/bold]")
        for change in changes[:show]:
            after = change["after"] or {"message": "resource no longer reported"}
            where = "" if change["region"] == "global" else f"[{change['region']}] "
            console.print(f"  {change['severity'].upper():>8} {change['check_id']} {where}{change['resource_id']}: "
                          f"{after['message']}", markup=False)
        if len(changes) > show:
            console.print(f"           … and {len(changes) - show} more (--format json lists all)")
    _render_configuration(console, document.get("configuration_changes"), show)


def _render_configuration(console: Console, section: dict[str, Any] | None, show: int) -> None:
    if section is None:
        return
    worse = [r for r in section["resources"] if r["worse"]]
    console.print(f"\n[bold]Configuration changes behind them[/bold] ({len(worse)} resources worse, "
                  f"{len(section['resources']) - len(worse)} better)")
    for exposure in section["internet_exposure_opened"][:show]:
        console.print(f"  [red]port opened[/red]  [{exposure['region']}] {exposure['resource_id']}: "
                      f"{exposure['ports']} now reachable from {exposure['source']}", highlight=False)
    for exposure in section["internet_exposure_closed"][:show]:
        console.print(f"  [green]port closed[/green]  [{exposure['region']}] {exposure['resource_id']}: "
                      f"{exposure['ports']} no longer reachable from {exposure['source']}", highlight=False)
    for resource in section["resources"][:show]:
        for item in resource["worse"]:
            console.print(f"  [red]{item['kind']}[/red]  {resource['resource_id']}: no longer “{item['condition']}” "
                          f"— now {_short(item['after'])}", highlight=False)
        for item in resource["better"]:
            console.print(f"  [green]{item['kind']}[/green]  {resource['resource_id']}: “{item['condition']}” again — "
                          f"{_short(item['after'])}", highlight=False)


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
