"""Options `scan` and `assess` share with the week-after-week commands: suppressions and history.

Suppressions are read and validated before anything is collected, so a malformed file costs no
API call and no scan.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cloudwarden.suppress import DEFAULT_FILE, RuleSet, load_rules


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--suppressions", type=Path, metavar="FILE",
                        help=f"accepted risks to mute (YAML, or Prowler's mutelist); default {DEFAULT_FILE} "
                             "when it exists")
    parser.add_argument("--history", type=Path, metavar="DIR",
                        help="append this scan's results to the history in DIR (see `cloudwarden history`)")


def load_suppressions(args: argparse.Namespace) -> RuleSet | None:
    from cloudwarden.checks.registry import catalog
    from cloudwarden.suppress.loader import prowler_aliases

    path = getattr(args, "suppressions", None)
    if path is None:
        if not DEFAULT_FILE.is_file():
            return None
        path = DEFAULT_FILE
    rules = load_rules(path, prowler_aliases(catalog()))
    sys.stderr.write(f"suppressions: {len(rules.rules)} rules from {path}\n")
    return rules


def record_history(args: argparse.Namespace, assessment: Any) -> None:
    directory = getattr(args, "history", None)
    if directory is None:
        return
    from cloudwarden.posture.diff import diff
    from cloudwarden.posture.history import load_history, previous_results, record
    from cloudwarden.posture.sources import Results

    # What changed since the last recorded scan, for the report, before this one is added.
    previous = previous_results(directory, assessment.account_id, assessment.collected_at)
    if previous is not None:
        old = Results(directory, assessment.account_id, previous[0], previous[1], {f.check_id for f in previous[1]})
        new = Results(Path("."), assessment.account_id, assessment.collected_at, assessment.findings,
                      set(assessment.checks_run))
        changes = diff(old, new).to_dict()
        assessment.sections["changes_since_last_scan"] = {k: changes[k] for k in ("old", "new", "counts", "changes")}
        counts = changes["counts"]
        sys.stderr.write(f"history: since the scan of {previous[0]}: {counts['new']['total']} new failures "
                         f"({counts['new']['critical']} critical, {counts['new']['high']} high), "
                         f"{counts['resolved']['total']} resolved, {counts['newly_unknown']['total']} newly unknown\n")
    added = record(directory, assessment)
    if added:
        sys.stderr.write(f"history: recorded {len(assessment.findings)} results in {directory}\n")
    else:
        sys.stderr.write(f"history: this snapshot ({assessment.collected_at}) is already in {directory}\n")
    assessment.sections["history"] = load_history(directory, assessment.account_id).to_dict()


def add_views(assessment: Any, snapshot: Any) -> None:
    """The optional views every findings.json carries, for the JSON and HTML reporters."""
    from cloudwarden.posture.responsibility import coverage_for, responsibility_view

    assessment.sections["shared_responsibility"] = responsibility_view(
        assessment.findings, coverage_for(set(assessment.checks_run)), snapshot, assessment.account_id)
    from cloudwarden.posture.accounts import account_strategy

    if snapshot is not None:
        assessment.sections["account_strategy"] = account_strategy(snapshot)


def view_console(stream: Any) -> Any:
    """The console the weekly views (diff, history, responsibility, accounts) render on."""
    from rich.console import Console

    return Console(file=stream, width=None if stream.isatty() else 140, highlight=False,
                   soft_wrap=not stream.isatty())


def print_json(document: Any) -> None:
    import json
    import sys

    json.dump(document, sys.stdout, indent=2)
    sys.stdout.write("\n")
