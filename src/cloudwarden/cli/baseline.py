"""`cloudwarden baseline [--regions R,...] [--org] [--out template.yaml]`: the security baseline as CloudFormation."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml


def register(sub: Any) -> None:
    parser = sub.add_parser("baseline", help="print or write the security baseline CloudFormation template")
    parser.add_argument("--out", type=Path, help="template file to write (default: stdout)")
    parser.add_argument("--regions", action="append", metavar="R,...",
                        help="deploy the per-region part (Config, GuardDuty, Security Hub, Access Analyzer) to "
                             "these regions through a StackSet; the first is the home region the stack is "
                             "deployed in (repeatable or comma-separated)")
    parser.add_argument("--org", action="store_true",
                        help="organization form: an organization trail here, and the per-account baseline in "
                             "every account of the given OUs through a service-managed StackSet")
    parser.set_defaults(handler=run_baseline)


class _NoAliases(yaml.SafeDumper):
    """CloudFormation rejects YAML aliases: write repeated values out in full."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def run_baseline(args: argparse.Namespace) -> int:
    from cloudwarden.remediate.baseline import NOT_IN_TEMPLATE, baseline_template

    template = baseline_template(regions=getattr(args, "regions", None), org=bool(getattr(args, "org", False)))
    text = yaml.dump(template, Dumper=_NoAliases, sort_keys=False, width=120)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        sys.stderr.write(f"wrote {args.out} ({len(template['Resources'])} resources)\n")
    else:
        sys.stdout.write(text)
    for check_id, why in NOT_IN_TEMPLATE.items():
        sys.stderr.write(f"note: {check_id}: {why}; apply it with `cloudwarden fix --check {check_id}`\n")
    return 0
