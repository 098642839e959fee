"""`cloudwarden accounts SNAPSHOT`: the estate against AWS's four account-strategy patterns, and what is missing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cloudwarden.cli.weekly import print_json, view_console

STYLE = {"follows": "green", "partly": "yellow", "no": "red", "unknown": "dim", "present": "green",
         "missing": "red"}


def register(sub: Any) -> None:
    parser = sub.add_parser("accounts", help="the account layout against AWS's four account-strategy patterns",
                            description="Compare the estate (from Organizations: accounts, OUs, names, tags, SCPs, "
                            "delegated administrators; from a single account: what it can see) with the four "
                            "account-strategy patterns, and list what is missing.")
    parser.add_argument("snapshot", type=Path, metavar="SNAPSHOT",
                        help="a snapshot, best collected from the management account")
    parser.add_argument("--format", choices=("terminal", "json"), default="terminal", help="output format (default: terminal)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from cloudwarden.inventory.snapshot import load_snapshot
    from cloudwarden.posture.accounts import account_strategy

    view = account_strategy(load_snapshot(args.snapshot))
    if args.format == "json":
        print_json(view)
    else:
        render(view, sys.stdout)
    return 0


def render(view: dict[str, Any], stream: Any) -> None:
    console = view_console(stream)
    org = view["organization"]
    where = (f"organization {org['id']} (management account {org['management_account_id']})" if org
             else "no organization")
    role = "the management account" if view["is_management_account"] else "seen from this account"
    console.print(f"[bold]Account strategy[/bold] · account {view['account_id']} · {where} · {role} · "
                  f"basis: {view['basis']}")
    if view["accounts"]:
        console.print(f"\n{len(view['accounts'])} accounts in {len(view['organizational_units'])} OUs")
        for account in sorted(view["accounts"], key=lambda a: (a["ou_path"], a["name"])):
            marks = [m for m, on in (("management", account["management"]), ("security", account["security"]),
                                     ("shared services", account["shared_services"])) if on]
            if account["environment"]:
                marks.append(account["environment"])
            console.print(f"  {account['id']}  {account['name'] or '-':<24} {account['ou_path'] or '-':<28} "
                          f"{', '.join(marks)}", markup=False)
    console.print("\n[bold]Patterns[/bold]")
    for pattern in view["patterns"]:
        status = pattern["status"]
        console.print(f"  [{STYLE[status]}]{status:>8}[/]  {pattern['pattern']}. {pattern['name']}", highlight=False)
        for line in pattern["evidence"]:
            console.print(f"            {line}", markup=False)
    console.print("\n[bold]What the guidance expects[/bold]")
    for item in view["missing"]:
        status = item["status"]
        console.print(f"  [{STYLE.get(status, 'yellow')}]{status:>8}[/]  {item['item']}: {item['evidence']}",
                      highlight=False)
    if view["not_seen"]:
        console.print(f"\n[dim]Not visible from this account ({len(view['not_seen'])}):[/dim]")
        for reason in view["not_seen"][:8]:
            console.print(f"  {reason}", markup=False, style="dim")
