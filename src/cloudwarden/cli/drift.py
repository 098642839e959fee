"""`cloudwarden drift BASELINE SNAPSHOT`: where the account deviates from its baseline template, as findings."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    parser = sub.add_parser("drift", help="compare a baseline template with a snapshot; deviations as findings")
    parser.add_argument("baseline", type=Path, help="CloudFormation template (e.g. from `cloudwarden baseline`)")
    parser.add_argument("snapshot", type=Path, help="snapshot JSON (from `cloudwarden collect`)")
    parser.add_argument("--region", help="region the baseline stack is deployed in (default: the snapshot's first)")
    parser.add_argument("--out", type=Path, help="write the findings as JSON to this file")
    parser.add_argument("--fail-on-drift", action="store_true", help="exit 1 when anything differs or is unknown")
    parser.set_defaults(handler=run_drift)


def run_drift(args: argparse.Namespace) -> int:
    from cloudwarden.inventory.snapshot import load_snapshot
    from cloudwarden.remediate.drift import drift, load_template

    template = load_template(args.baseline)
    snapshot = load_snapshot(args.snapshot)
    findings = drift(template, snapshot, args.region)
    for finding in findings:
        sys.stdout.write(f"{finding.status.value:8} {finding.resource_type:32} {finding.message}\n")
    counts = {s: sum(1 for f in findings if f.status.value == s) for s in ("PASS", "FAIL", "UNKNOWN")}
    sys.stdout.write(f"drift: {counts['PASS']} in place, {counts['FAIL']} differ, {counts['UNKNOWN']} unknown\n")
    if args.out:
        args.out.write_text(json.dumps({"findings": [f.to_dict() for f in findings]}, indent=2) + "\n",
                            encoding="utf-8")
        sys.stderr.write(f"wrote {args.out}\n")
    return 1 if args.fail_on_drift and (counts["FAIL"] or counts["UNKNOWN"]) else 0
