"""`cloudwarden scan-org`: every account of an AWS organization in one run.

Discovers the accounts through Organizations, assumes the role in each, collects a few accounts at
a time (each with its own worker limit, all behind one request rate limit), and writes per account
`DIR/<account-id>/account.snapshot` and `findings.json`, then `DIR/organization.json`: each
account's status (ok, failed with the reason, skipped), and counts per account, per OU and per check.
One account's failure never stops the others; `--resume` keeps the snapshots already written.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cloudwarden.assess import assess, select_checks
from cloudwarden.cli.output import SNAPSHOT_FILE, ensure_writable_folder
from cloudwarden.cli.scan import comma_list, region_list
from cloudwarden.core.errors import CloudwardenError, UsageError
from cloudwarden.inventory.snapshot import load_snapshot, save_snapshot
from cloudwarden.report import write_reports

SUMMARY_FILE = "organization.json"
STATUS_ORDER = ("FAIL", "UNKNOWN", "PASS", "MUTED", "MANUAL", "ERROR", "NOT_APPLICABLE")


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "scan-org", help="scan every account of an AWS organization (assumes a role in each)",
        description="Run from the management account or a delegated administrator for Organizations. "
                    "Writes DIR/<account-id>/account.snapshot and findings.json, and DIR/organization.json.")
    parser.add_argument("--profile", help="AWS profile of the management (or delegated administrator) account")
    parser.add_argument("--endpoint-url", help="an AWS-compatible endpoint (moto, LocalStack)")
    parser.add_argument("--role-name", default="OrganizationAccountAccessRole",
                        help="role to assume in each member account (default OrganizationAccountAccessRole)")
    parser.add_argument("--external-id", help="external id the role's trust policy requires")
    parser.add_argument("--accounts", type=comma_list, metavar="IDS", help="only these account ids or names")
    parser.add_argument("--exclude", type=comma_list, metavar="IDS", help="leave out these account ids or names")
    parser.add_argument("--ous", type=comma_list, metavar="OUS",
                        help="only accounts under these OUs, nested ones included (ids, names or paths)")
    parser.add_argument("--regions", type=region_list,
                        help="comma-separated regions (default: every region enabled for each account)")
    parser.add_argument("--parallel", type=int, default=4, help="accounts scanned at once (default 4)")
    parser.add_argument("--workers", type=int, default=8, help="concurrent API calls per account (default 8)")
    parser.add_argument("--max-rps", type=float, default=0.0,
                        help="API requests per second across all accounts (default: no global limit)")
    parser.add_argument("--checks", type=comma_list, metavar="IDS", help="only these check ids or services")
    parser.add_argument("--skip-checks", type=comma_list, metavar="IDS", help="check ids or services to leave out")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the organization scan")
    parser.add_argument("--resume", action="store_true",
                        help="continue a scan in DIR: accounts whose snapshot is written are not collected again")
    parser.add_argument("--format", choices=("terminal", "json"), default="terminal",
                        help="summary on stdout (default terminal)")
    parser.add_argument("--quiet", action="store_true", help="no per-account progress lines")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from cloudwarden.collect.aws import AwsClients
    from cloudwarden.collect.organization import RateLimiter, discover, select

    for name in ("parallel", "workers"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name} must be at least 1")
    if args.max_rps < 0:
        raise UsageError("--max-rps must be positive (0: no global limit)")
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file", hint="give a folder for the organization scan")
    if not args.resume and out.is_dir() and ((out / SUMMARY_FILE).exists() or any(out.glob(f"*/{SNAPSHOT_FILE}"))):
        raise UsageError(f"--out {out} already holds an organization scan",
                         hint="pass --resume to continue it, or choose another folder")
    ensure_writable_folder(out)
    checks = select_checks(args.checks, args.skip_checks)  # unknown ids fail before any API call
    datasets = (sorted({d for c in checks for d in c.meta.datasets})
                if args.checks or args.skip_checks else None)

    management = AwsClients(profile=args.profile, endpoint_url=args.endpoint_url)
    home = management.session.region_name or (args.regions[0] if args.regions else "us-east-1")
    management.caller_identity(home)  # credential problems: one line with a hint, before anything else
    org = discover(management.session, args.endpoint_url, args.ous)
    chosen, skipped = select(org.accounts, args.accounts, args.exclude)
    if not chosen:
        raise UsageError("no account to scan", hint="check --accounts, --exclude and --ous")
    out.mkdir(parents=True, exist_ok=True)
    limiter = RateLimiter(args.max_rps) if args.max_rps else None
    started = time.monotonic()
    rows: dict[str, dict[str, Any]] = {}
    with ThreadPoolExecutor(max_workers=args.parallel, thread_name_prefix="account") as pool:
        futures = {pool.submit(_scan_account, account, org.caller_account_id, management.session, args,
                               checks, datasets, limiter): account for account in chosen}
        try:
            for future in as_completed(futures):
                row = future.result()
                rows[row["id"]] = row
                if not args.quiet:
                    detail = row.get("reason") or " ".join(f"{n} {s}" for s, n in row["counts"].items())
                    sys.stderr.write(f"[{len(rows)}/{len(chosen)}] {row['id']} {row['name']}: {row['status']}"
                                     f"{' (resumed)' if row.get('resumed') else ''} {detail}\n")
        except KeyboardInterrupt:
            # Accounts not started are dropped; those running finish writing their snapshot, so that
            # `--resume` picks up from here.
            pool.shutdown(wait=False, cancel_futures=True)
            sys.stderr.write(f"interrupted: {len(rows)} of {len(chosen)} accounts done; "
                             f"run again with --resume to continue\n")
            raise
    for account, reason in skipped:
        rows[account.id] = _row(account, "skipped", reason=reason, reason_code="skipped")
    summary = summarize(org, [rows[a.id] for a in org.accounts if a.id in rows], args,
                        round(time.monotonic() - started, 2))
    summary["organization_wide"] = organization_wide(out, org.management_account_id)
    partial = out / (SUMMARY_FILE + ".partial")
    partial.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    partial.replace(out / SUMMARY_FILE)
    if args.format == "json":
        json.dump(summary, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        render(summary, sys.stdout)
    totals = summary["totals"]
    if totals["failed"]:
        sys.stderr.write(f"note: {totals['failed']} of {totals['accounts']} accounts could not be scanned; "
                         f"see {out / SUMMARY_FILE}\n")
    # Nothing scanned at all is fatal; failed accounts beside scanned ones are reported, not fatal.
    return 3 if totals["ok"] == 0 else 0


def _row(account: Any, status: str, **extra: Any) -> dict[str, Any]:
    return {"id": account.id, "name": account.name, "ou_path": account.ou_path, "status": status,
            "reason": "", "reason_code": "", "counts": {}, "gaps": 0, "resumed": False, "seconds": 0.0, **extra}


def _scan_account(account: Any, caller_account: str, base_session: Any, args: argparse.Namespace,
                  checks: list[Any], datasets: list[str] | None, limiter: Any) -> dict[str, Any]:
    """One account, start to end; never raises: a failure becomes the row's reason."""
    from cloudwarden.collect import collect_snapshot
    from cloudwarden.collect.organization import AccountUnreachable, SessionClients, assume_session

    started = time.monotonic()
    folder: Path = args.out / account.id
    target = folder / SNAPSHOT_FILE
    resumed = False
    try:
        snapshot = None
        if args.resume and target.exists():
            try:
                snapshot = load_snapshot(target)
                resumed = True
            except CloudwardenError:
                snapshot = None  # unreadable (cut off mid-write by hand?): collect again
        if snapshot is None:
            # The account we run in needs no role: its own credentials are used.
            session = (base_session if account.id == caller_account else
                       assume_session(base_session, account.id, args.role_name, args.external_id,
                                      args.endpoint_url))
            clients = SessionClients(session, args.endpoint_url, max_pool=max(10, args.workers), limiter=limiter)
            snapshot = collect_snapshot(regions=args.regions, clients=clients, workers=args.workers,
                                        datasets=datasets)
            if snapshot.account_id != account.id:
                raise AccountUnreachable(f"the credentials reached account {snapshot.account_id}, not {account.id}",
                                         "WrongAccount")
            save_snapshot(snapshot, target)
        assessment = assess(snapshot, checks)
        write_reports(assessment, folder, ("json",))
    except AccountUnreachable as error:
        return _row(account, "failed", reason=str(error), reason_code=f"assume_role:{error.code}"
                    if error.code != "WrongAccount" else "wrong_account",
                    seconds=round(time.monotonic() - started, 2))
    except CloudwardenError as error:
        reason = error.message + (f" (hint: {error.hint})" if error.hint else "")
        return _row(account, "failed", reason=reason, reason_code=f"collection:{type(error).__name__}",
                    seconds=round(time.monotonic() - started, 2))
    except Exception as error:  # noqa: BLE001 - one account's bug must not stop the others
        return _row(account, "failed", reason=f"unexpected {type(error).__name__}: {error}",
                    reason_code="unexpected", seconds=round(time.monotonic() - started, 2))
    counts = Counter(f.status.value for f in assessment.findings)
    per_check: dict[str, dict[str, int]] = {}
    for finding in assessment.findings:
        entry = per_check.setdefault(finding.check_id, {})
        entry[finding.status.value] = entry.get(finding.status.value, 0) + 1
    return _row(account, "ok", counts=_ordered(counts), gaps=len(snapshot.gaps), resumed=resumed,
                seconds=round(time.monotonic() - started, 2), checks=per_check)


def _ordered(counts: Counter[str] | dict[str, int]) -> dict[str, int]:
    keys = [s for s in STATUS_ORDER if s in counts] + sorted(k for k in counts if k not in STATUS_ORDER)
    return {k: counts[k] for k in keys}


def summarize(org: Any, rows: list[dict[str, Any]], args: argparse.Namespace, seconds: float) -> dict[str, Any]:
    """The organization view: accounts, OUs (nested accounts counted in every enclosing OU), checks."""
    by_ou: dict[str, dict[str, Any]] = {}
    by_check: dict[str, dict[str, Any]] = {}
    for row in rows:
        parts = row["ou_path"].split("/")
        for depth in range(1, len(parts) + 1):
            entry = by_ou.setdefault("/".join(parts[:depth]), {"accounts": 0, "ok": 0, "failed": 0, "skipped": 0,
                                                                "counts": Counter()})
            entry["accounts"] += 1
            entry[row["status"]] += 1
            entry["counts"].update(row["counts"])
        for check_id, statuses in row.pop("checks", {}).items():
            entry = by_check.setdefault(check_id, {"counts": Counter(), "accounts_failing": []})
            entry["counts"].update(statuses)
            if statuses.get("FAIL"):
                entry["accounts_failing"].append(row["id"])
    status = Counter(r["status"] for r in rows)
    findings: Counter[str] = Counter()
    for row in rows:
        findings.update(row["counts"])
    return {
        "organization": {"id": org.id, "management_account_id": org.management_account_id,
                         "scanned_from": org.caller_account_id},
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": seconds,
        "role_name": args.role_name,
        "regions": args.regions,
        "totals": {"accounts": len(rows), "ok": status["ok"], "failed": status["failed"],
                   "skipped": status["skipped"], "findings": _ordered(findings)},
        "accounts": rows,
        "organizational_units": {path: {**e, "counts": _ordered(e["counts"])} for path, e in sorted(by_ou.items())},
        "checks": {cid: {"counts": _ordered(e["counts"]), "accounts_failing": sorted(e["accounts_failing"])}
                   for cid, e in sorted(by_check.items())},
    }


# Checks that judge the organization as a whole; they are answered in the management account.
ORGANIZATION_CHECKS = ("cloudtrail.organization_trail", "config.org_aggregator", "guardduty.centrally_managed",
                       "securityhub.delegated_admin_all_regions")


def organization_wide(out: Path, management_id: str) -> dict[str, Any]:
    """What only the management account can tell: the organization-level checks' results, the SCPs
    and RCPs in force on each account, and the account-strategy items (security / log-archive
    account, OUs per environment, SCPs, centralised root access)."""
    from cloudwarden.posture.accounts import account_strategy
    from cloudwarden.posture.guardrails import in_force, limiting
    from cloudwarden.report import load_findings

    folder = out / management_id
    if not (folder / SNAPSHOT_FILE).exists():
        return {"available": False, "reason": f"the management account {management_id} was not scanned "
                                              "(it was excluded or failed): its reads answer these"}
    snapshot = load_snapshot(folder / SNAPSHOT_FILE)
    checks: list[dict[str, Any]] = []
    findings_file = folder / "findings.json"
    if findings_file.exists():
        for finding in load_findings(findings_file).findings:
            if finding.check_id.startswith("org.") or finding.check_id in ORGANIZATION_CHECKS:
                checks.append({"check_id": finding.check_id, "status": finding.status.value,
                               "resource": finding.resource_id, "message": finding.message})
    guardrails = in_force(snapshot)
    per_account = {account_id: {"ou_path": row["ou_path"], "scps": limiting(row["scps"]), "rcps": limiting(row["rcps"]),
                                "scp_levels": row["scps"], "rcp_levels": row["rcps"]}
                   for account_id, row in guardrails["accounts"].items()}
    strategy = account_strategy(snapshot)
    return {"available": True, "management_account": management_id, "checks": checks,
            "guardrails": per_account, "guardrails_unknown": guardrails["unknown"],
            "strategy": strategy.get("missing", [])}


def render(summary: dict[str, Any], stream: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=stream, width=None if stream.isatty() else 160, highlight=False)
    org, totals = summary["organization"], summary["totals"]
    console.print(f"[bold]Organization {org['id']}[/bold] · management account {org['management_account_id']} · "
                  f"{totals['ok']} scanned, {totals['failed']} failed, {totals['skipped']} skipped · "
                  f"{summary['seconds']} s")
    accounts = Table("account", "name", "OU", "status", "FAIL", "UNKNOWN", "PASS", "reason", box=None)
    for row in summary["accounts"]:
        style = {"ok": "green", "failed": "red"}.get(row["status"], "dim")
        accounts.add_row(row["id"], row["name"], row["ou_path"], f"[{style}]{row['status']}[/]",
                         *(str(row["counts"].get(s, "")) for s in ("FAIL", "UNKNOWN", "PASS")), row["reason"])
    console.print(accounts)
    units = Table("OU", "accounts", "ok", "failed", "FAIL", "UNKNOWN", "PASS", box=None)
    for path, entry in summary["organizational_units"].items():
        units.add_row(path, *(str(entry[k]) for k in ("accounts", "ok", "failed")),
                      *(str(entry["counts"].get(s, 0)) for s in ("FAIL", "UNKNOWN", "PASS")))
    console.print(units)
    _render_organization_wide(console, summary.get("organization_wide") or {})
    worst = sorted(summary["checks"].items(), key=lambda kv: -len(kv[1]["accounts_failing"]))[:15]
    if worst and worst[0][1]["accounts_failing"]:
        checks = Table("check", "accounts failing", "FAIL", "PASS", box=None)
        for check_id, entry in worst:
            if entry["accounts_failing"]:
                checks.add_row(check_id, str(len(entry["accounts_failing"])), str(entry["counts"].get("FAIL", 0)),
                               str(entry["counts"].get("PASS", 0)))
        console.print(checks)


def _render_organization_wide(console: Any, wide: dict[str, Any]) -> None:
    from rich.table import Table

    if not wide.get("available"):
        if wide:
            console.print(f"[dim]organization-wide checks: {wide.get('reason')}[/dim]")
        return
    checks = Table("organization-wide check", "status", "resource", "detail", box=None)
    for row in sorted(wide["checks"], key=lambda r: (r["status"] != "FAIL", r["check_id"], r["resource"])):
        checks.add_row(row["check_id"], row["status"], row["resource"], row["message"][:90])
    if wide["checks"]:
        console.print(checks)
    guard = Table("account", "OU", "SCPs beyond FullAWSAccess", "RCPs beyond RCPFullAWSAccess", box=None)
    unknown = wide.get("guardrails_unknown", {})
    for account_id, row in sorted(wide["guardrails"].items()):
        cells = []
        for key in ("scps", "rcps"):
            names = row[key]
            cells.append(("unknown" if key in unknown else "-") if names is None else (", ".join(names) or "none"))
        if account_id == wide["management_account"]:
            cells = ["(management account: not bound)"] * 2
        guard.add_row(account_id, row["ou_path"], *cells)
    if wide["guardrails"]:
        console.print(guard)
    for why in unknown.values():
        console.print(f"[dim]{why}[/dim]")
    strategy = Table("account strategy", "status", "evidence", box=None)
    for item in wide.get("strategy", []):
        strategy.add_row(item["item"], item["status"], item["evidence"][:100])
    if wide.get("strategy"):
        console.print(strategy)
