"""`cloudwarden history DIR`: the trend of recorded scans, how long each failure has been open, MTTR."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.table import Table

from cloudwarden.cli.weekly import print_json, view_console
from cloudwarden.core.enums import Area, Severity


def register(sub: Any) -> None:
    parser = sub.add_parser("history", help="trend, open-failure age and time to remediate over recorded scans",
                            description="Read the history that `cloudwarden scan --history DIR` (or assess) "
                            "appends to, and show the trend per area and severity, how long each open "
                            "failure has been open and the mean time to remediate closed ones.")
    parser.add_argument("directory", type=Path, metavar="DIR", help="the folder given to --history")
    parser.add_argument("--account", metavar="ID", help="only this account (default: every recorded account)")
    parser.add_argument("--format", choices=("terminal", "json"), default="terminal", help="output format (default: terminal)")
    parser.add_argument("--show", type=int, default=20, metavar="N", help="open failures listed (default 20)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from cloudwarden.posture.history import load_history

    document = load_history(args.directory, args.account).to_dict()
    if args.format == "json":
        print_json(document)
    else:
        render(document, sys.stdout, args.show)
    return 0


_SEVERITIES = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)


def render(document: dict[str, Any], stream: Any, show: int = 20) -> None:
    console = view_console(stream)
    if not document["scans"]:
        console.print("No scans recorded yet.")
        return
    table = Table(title="Trend (FAIL per area and severity)", title_justify="left")
    for column in ("collected", "account", "PASS", "FAIL", "MUTED", "UNKNOWN", *(a.code for a in Area),
                   *(s.value for s in _SEVERITIES)):
        table.add_column(column, justify="left" if column in ("collected", "account") else "right")
    for point in document["trend"]:
        status = point["by_status"]
        table.add_row(point["collected_at"][:16].replace("T", " "), point["account_id"],
                      *(str(status.get(s, 0)) for s in ("PASS", "FAIL", "MUTED", "UNKNOWN")),
                      *(str(point["fail_by_area"][a.code]) for a in Area),
                      *(str(point["fail_by_severity"][s.value]) for s in _SEVERITIES))
    console.print(table)
    open_failures = sorted(document["open_failures"], key=lambda f: (-f["days"], -Severity(f["severity"]).rank))
    console.print(f"\n[bold]Open failures ({len(open_failures)}), longest open first[/bold]")
    for failure in open_failures[:show]:
        where = "" if failure["region"] == "global" else f"[{failure['region']}] "
        console.print(f"  {failure['days']:>7.1f} days  {failure['severity'].upper():>8} {failure['check_id']} "
                      f"{where}{failure['resource_id']} (since {failure['opened'][:10]})", markup=False)
    if len(open_failures) > show:
        console.print(f"  … and {len(open_failures) - show} more (--format json lists all)")
    closed = document["closed_failures"]
    remediated = [f for f in closed if f["outcome"] == "remediated"]
    mttr = document["mean_time_to_remediate_days"]
    console.print(f"\n[bold]Closed failures[/bold]: {len(remediated)} remediated, "
                  f"{len(closed) - len(remediated)} muted")
    if mttr["all"] is None:
        console.print("Mean time to remediate: no failure remediated yet")
    else:
        parts = ", ".join(f"{s.value} {mttr[s.value]}" for s in _SEVERITIES if mttr[s.value] is not None)
        console.print(f"Mean time to remediate: {mttr['all']} days ({parts})")
