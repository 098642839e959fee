"""CLI of the trail engine: `trail ingest`, `trail hunt`, `trail timeline`.

Each handler returns an exit code (0 clean, 1 an incident at or above --fail-on); library errors
propagate as CloudwardenError for cli/__init__ to print. With --format json, stdout holds JSON
only; progress and warnings go to stderr.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cloudwarden.cli import exit_codes
from cloudwarden.core.enums import Severity
from cloudwarden.core.errors import UsageError

_RELATIVE = re.compile(r"^(\d+)([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def parse_time(text: str | None) -> datetime | None:
    """A naive UTC datetime from ISO text (date or date-time) or a relative age like 24h / 7d."""
    if not text:
        return None
    relative = _RELATIVE.match(text.strip())
    if relative:
        now = datetime.now(UTC).replace(tzinfo=None)
        return now - timedelta(**{_UNITS[relative[2]]: int(relative[1])})
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"cannot read time {text!r}",
                         hint="use 2024-05-01, 2024-05-01T12:00:00Z, or an age such as 24h or 7d") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `trail` and its sub-commands."""
    trail = subparsers.add_parser("trail", help="hunt through CloudTrail logs: ingest, hunt, timeline, watch, rules")
    commands = trail.add_subparsers(dest="trail_command", metavar="COMMAND")
    commands.required = True

    ingest = commands.add_parser("ingest", help="read CloudTrail files into a columnar store")
    ingest.add_argument("sources", nargs="+", metavar="SOURCE", help="folder, file or s3://bucket/prefix")
    ingest.add_argument("--store", required=True, metavar="DIR|s3://...",
                        help="store directory (with --engine spark also s3://bucket/prefix)")
    ingest.add_argument("--format", choices=("terminal", "json"), default="terminal", help="output format (default: terminal)")
    _engine(ingest)
    ingest.set_defaults(handler=run_ingest)

    hunt = commands.add_parser("hunt", help="run detections over a store and group them into incidents")
    hunt.add_argument("store", nargs="?", metavar="STORE",
                      help="store directory from `trail ingest` (with --engine spark also s3://bucket/prefix)")
    hunt.add_argument("--store", dest="store_option", metavar="DIR|s3://...", help="the store, as an option")
    _engine(hunt)
    _time_range(hunt)
    hunt.add_argument("--rules", type=Path, metavar="DIR",
                      help="Sigma rules to run instead of the shipped SigmaHQ CloudTrail rules")
    hunt.add_argument("--window", type=int, default=60, metavar="MINUTES",
                      help="detections of one actor this close belong to one incident (default 60)")
    hunt.add_argument("--fail-on", metavar="SEVERITY", help="exit 1 if an incident is at least this severe")
    hunt.add_argument("--format", choices=("terminal", "json"), default="terminal", help="output format (default: terminal)")
    hunt.set_defaults(handler=run_hunt)

    timeline = commands.add_parser("timeline", help="every event of one actor, following role assumption")
    timeline.add_argument("store", type=Path, metavar="STORE", help="store directory from `trail ingest`")
    actor = timeline.add_mutually_exclusive_group(required=True)
    actor.add_argument("--principal", metavar="ARN|NAME", help="user or role ARN (or its name, as `iam can` takes)")
    actor.add_argument("--access-key", metavar="ID", help="events signed with this access key (AKIA.../ASIA...)")
    actor.add_argument("--ip", metavar="IP", help="events from this source IP address")
    actor.add_argument("--resource", metavar="ARN", help="events that name this resource ARN")
    _time_range(timeline)
    timeline.add_argument("--limit", type=int, metavar="N", help="at most N events")
    timeline.add_argument("--format", choices=("terminal", "json"), default="terminal", help="output format (default: terminal)")
    timeline.set_defaults(handler=run_timeline)


    watch = commands.add_parser("watch", help="ingest new log files as they arrive and send each new incident once")
    watch.add_argument("sources", nargs="+", metavar="SOURCE", help="folder or s3://bucket/prefix")
    watch.add_argument("--store", required=True, type=Path, metavar="DIR", help="store directory")
    watch.add_argument("--interval", type=float, default=60, metavar="SECONDS",
                       help="seconds between cycles (default 60)")
    watch.add_argument("--notify", metavar="TARGET",
                       help="sns:TOPIC_ARN, https://webhook, or file:PATH (default: JSON lines on stdout)")
    watch.add_argument("--once", action="store_true", help="run one cycle and exit")
    watch.set_defaults(handler=run_watch)

    rules = commands.add_parser("rules", help="list the detection rules, or the technique coverage table")
    rules.add_argument("--coverage", action="store_true",
                       help="Stratus Red Team and ATT&CK IaaS techniques -> the rules that detect them")
    rules.add_argument("--rules", type=Path, metavar="DIR", help="Sigma rules instead of the shipped set")
    rules.add_argument("--format", choices=("terminal", "json", "markdown"), default="terminal",
                       help="output format (default: terminal)")
    rules.set_defaults(handler=run_rules)


def _engine(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb",
                        help="duckdb (default: this machine) or spark (pip install 'cloudwarden[spark]'; a cluster)")
    parser.add_argument("--master", metavar="URL",
                        help="Spark master with --engine spark (default local[*], or spark-submit's --master)")


def _time_range(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", metavar="T", help="from this time (ISO, or an age: 24h, 7d)")
    parser.add_argument("--until", metavar="T", help="before this time (ISO, or an age)")


def _progress() -> tuple[Callable[[int, int, int], None] | None, Callable[[], None]]:
    """A progress callback drawing on stderr when it is a terminal, and a function ending it."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bar = Progress(TextColumn("ingesting"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                   transient=True)
    task = bar.add_task("", total=None)
    bar.start()

    def update(done: int, total: int, events: int) -> None:
        bar.update(task, completed=done, total=total, description=f"{events:,} events")

    return update, bar.stop


def run_ingest(args: argparse.Namespace) -> int:
    from cloudwarden.engines.trail.ingest import ingest

    if args.master and args.engine != "spark":
        raise UsageError("--master needs --engine spark", hint="add --engine spark")
    progress, stop = _progress()
    try:
        if args.engine == "spark":
            from cloudwarden.engines.trail import spark_ingest

            store = args.store if "://" in args.store else Path(args.store)
            report = spark_ingest.ingest(args.sources, store, progress=progress, master=args.master)
        else:
            if "://" in args.store:
                raise UsageError(f"--engine duckdb writes a store folder, not {args.store}",
                                 hint="ingest into an s3:// store with --engine spark, or give a folder")
            report = ingest(args.sources, Path(args.store), progress=progress)
    finally:
        stop()
    if args.format == "json":
        _print_json(report.to_dict())
        return _ingest_exit_code(report)
    for skipped in report.not_cloudtrail:
        label = "skipped" if skipped.stored == 0 else "warning"
        print(f"{label}: {skipped.path}: {skipped.reason}", file=sys.stderr)
    for problem in report.problems:
        label = "skipped" if problem.events_kept == 0 else "warning"
        print(f"{label}: {problem.path}: {problem.error}; {problem.bad_items} unreadable item(s), "
              f"{problem.events_kept} good events kept", file=sys.stderr)
    rate = report.events / report.seconds if report.seconds else 0.0
    print(f"files read: {report.files_ingested}, skipped: {len(report.skipped_files)} (not CloudTrail, empty or "
          f"unreadable), already in the store: {report.files_already_ingested}; events stored: {report.events:,} "
          f"into {args.store} in {report.seconds:.1f} s ({rate:,.0f} events/s)")
    if report.rejected:
        print(f"warning: {report.rejected:,} records are not CloudTrail events (no eventTime, eventName or "
              "eventSource) and were not stored", file=sys.stderr)
    if report.problems:
        print(f"{len(report.problems)} damaged files, {report.bad_items} unreadable items", file=sys.stderr)
    code = _ingest_exit_code(report)
    if code:
        print("cloudwarden: error: no CloudTrail event was stored" + (
            "" if report.files_found else f": no log file (*.json, *.json.gz, *.jsonl ...) under {' '.join(args.sources)}"),
            file=sys.stderr)
        print("  hint: give CloudTrail log files (the AWSLogs/... objects, an export or a JSON-lines stream); "
              "digest files are left out", file=sys.stderr)
    return code


def _ingest_exit_code(report: Any) -> int:
    """2 when this run stored nothing although it had files to read (or found none at all); 0 otherwise,
    also when every file was already in the store."""
    if report.events:
        return 0
    if report.files_found and report.files_already_ingested == report.files_found:
        return 0
    return exit_codes.USAGE.code


def run_hunt(args: argparse.Namespace) -> int:
    from cloudwarden.engines.trail.hunt import hunt

    fail_on = Severity.parse(args.fail_on) if args.fail_on else None
    if args.window <= 0:
        raise UsageError("--window must be a positive number of minutes", hint="for example --window 60")
    store = args.store_option or args.store
    if not store or (args.store and args.store_option):
        raise UsageError("give the store once: `trail hunt STORE` or `trail hunt --store STORE`",
                         hint="for example: cloudwarden trail hunt --store ./trail-store")
    if args.master and args.engine != "spark":
        raise UsageError("--master needs --engine spark", hint="add --engine spark")
    if args.engine == "spark":
        from cloudwarden.engines.trail import spark as spark_engine

        result = spark_engine.hunt(store if "://" in store else Path(store), parse_time(args.since),
                                   parse_time(args.until), args.rules, timedelta(minutes=args.window),
                                   master=args.master)
    else:
        if "://" in store:
            raise UsageError(f"--engine duckdb reads a store folder, not {store}",
                             hint="hunt an s3:// store with --engine spark, or copy it to a folder")
        result = hunt(Path(store), parse_time(args.since), parse_time(args.until), args.rules,
                      timedelta(minutes=args.window))
    if args.format == "json":
        _print_json(result.to_dict())
    else:
        _print_incidents(result)
    if fail_on and any(i.severity.rank >= fail_on.rank for i in result.incidents):
        return 1
    return 0


def _print_incidents(result: Any) -> None:
    print(f"{len(result.incidents)} incidents from {len(result.detections)} detections "
          f"({result.rules} rules over {result.events_scanned:,} events in {result.seconds:.2f} s)")
    for incident in result.incidents:
        who = ", ".join(incident.principals[:3]) or "unknown actor"
        print(f"\n{incident.id} [{incident.severity.value.upper()}] {incident.first_seen} .. "
              f"{incident.last_seen}  {who}")
        if incident.access_keys:
            print(f"  access keys: {', '.join(incident.access_keys[:5])}")
        for detection in incident.detections:
            rule = detection.rule
            credit = f" (Sigma rule by {rule.author}, SigmaHQ)" if rule.family == "sigma" and rule.author else ""
            print(f"  - {rule.severity.value:<13} {rule.technique or '-':<10} {rule.title}: "
                  f"{detection.event_count} events{credit}  [{rule.id}]")


def run_watch(args: argparse.Namespace) -> int:
    from cloudwarden.cli._trail_notify import sender
    from cloudwarden.engines.trail.watch import CycleResult, watch

    if args.interval <= 0:
        raise UsageError("--interval must be a positive number of seconds", hint="for example --interval 60")
    send = sender(args.notify)
    failures = []

    def report(cycle: CycleResult) -> None:
        stamp = datetime.now(UTC).strftime("%H:%M:%S")
        print(f"{stamp} cycle: {cycle.files_ingested} new files, {cycle.events:,} events, "
              f"{cycle.incidents_sent} incidents sent", file=sys.stderr)
        if cycle.error:
            failures.append(cycle.error)
            print(f"warning: {cycle.error}; {cycle.unsent} incident(s) will be retried next cycle", file=sys.stderr)

    try:
        watch(args.sources, args.store, send, args.interval, args.once, on_cycle=report)
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    return 3 if args.once and failures else 0  # 3: an incident could not be delivered


def run_rules(args: argparse.Namespace) -> int:
    from cloudwarden.engines.trail import coverage
    from cloudwarden.engines.trail.hunt import rule_set

    rules = rule_set(args.rules)
    if args.coverage:
        if args.format == "json":
            _print_json({"counts": coverage.counts(rules), "stratus": coverage.stratus_rows(rules),
                         "attack_iaas": [entry.to_dict() for entry in coverage.attack_coverage(rules)]})
        elif args.format == "markdown":
            sys.stdout.write(coverage.coverage_markdown(rules))
        else:
            _print_coverage(coverage, rules)
        return 0
    if args.format == "json":
        _print_json({"rules": [rule.to_dict() for rule in rules]})
    elif args.format == "markdown":
        print("| rule | title | severity | ATT&CK | kind |\n|---|---|---|---|---|")
        for rule in rules:
            print(f"| `{rule.id}` | {rule.title} | {rule.severity.value} | {rule.technique or '-'} | {rule.kind} |")
    else:
        for rule in rules:
            print(f"{rule.id:<58} {rule.severity.value:<13} {rule.technique or '-':<10} {rule.kind:<10} {rule.title}")
        print(f"{len(rules)} rules", file=sys.stderr)
    return 0


def _print_coverage(coverage: Any, rules: Any) -> None:
    total = coverage.counts(rules)
    print(f"Stratus Red Team AWS techniques: {total['stratus_covered']} of {total['stratus_techniques']} detected")
    for row in coverage.stratus_rows(rules):
        names = ", ".join(r["rule_id"] for r in row["rules"])
        print(f"  {row['id']:<62} {row['attack']:<10} {names}")
    print(f"\nMITRE ATT&CK IaaS: {total['attack_covered']} covered, {total['attack_not_observable']} not observable, "
          f"{total['attack_missing']} missing (of {total['attack_iaas_techniques']})")
    for entry in coverage.attack_coverage(rules):
        detail = ", ".join(entry.rules[:3]) + (f" (+{len(entry.rules) - 3})" if len(entry.rules) > 3 else "")
        print(f"  {entry.technique.id:<10} {entry.status:<15} {entry.technique.name[:60]:<60} "
              f"{detail or entry.technique.not_observable[:80]}")


def run_timeline(args: argparse.Namespace) -> int:
    from cloudwarden.engines.trail.timeline import timeline

    events = timeline(args.store, principal=args.principal, access_key=args.access_key, ip=args.ip,
                      resource=args.resource, since=parse_time(args.since), until=parse_time(args.until),
                      limit=args.limit)
    if args.format == "json":
        _print_json({"events": [event.to_dict() for event in events]})
        return 0
    for event in events:
        issued = f" -> issued {event.issued_key}" if event.issued_key else ""
        error = f" [{event.error_code}]" if event.error_code else ""
        print(f"{event.time}  {event.via:<7} {event.event_source or '-'}:{event.event_name or '-'}{error}  "
              f"{event.principal or '-'} key={event.access_key or '-'} ip={event.source_ip or '-'}{issued}")
    print(f"{len(events)} events", file=sys.stderr)
    return 0


def _print_json(data: dict[str, Any]) -> None:
    json.dump(data, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
