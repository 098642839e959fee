"""`scan`, `collect`, `assess`, `demo` and `permissions`: the foundation's commands (`checks` is in cli/checks.py)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from cloudwarden.assess import Assessment, assess, select_checks
from cloudwarden.cli.compliance import compliance_reports, write_reports
from cloudwarden.cli.progress import collection_progress
from cloudwarden.core.enums import Severity, Status
from cloudwarden.core.errors import UsageError
from cloudwarden.inventory.snapshot import Snapshot, load_snapshot, save_snapshot
from cloudwarden.report import findings_document, render_summary, write_findings

SNAPSHOT_FILE = "account.snapshot"


def register(sub: Any) -> None:
    scan = sub.add_parser("scan", help="collect (read-only), assess and report in one go")
    _collect_options(scan)
    _assess_options(scan)
    scan.set_defaults(handler=run_scan)

    collect = sub.add_parser("collect", help="collect a snapshot (read-only API calls only)")
    _collect_options(collect)
    collect.add_argument("--out", required=True, type=Path, help="snapshot file to write")
    collect.set_defaults(handler=run_collect)

    assess_p = sub.add_parser("assess", help="assess a snapshot offline")
    assess_p.add_argument("snapshot", type=Path, help="a snapshot written by `cloudwarden collect`")
    _assess_options(assess_p)
    assess_p.set_defaults(handler=run_assess)

    demo = sub.add_parser("demo", help="scan an embedded, deliberately vulnerable account (moto)")
    demo.add_argument("--out", type=Path, default=Path("demo-report"), help="report folder (default demo-report)")
    demo.add_argument("--quiet", action="store_true", help="no progress display")
    demo.set_defaults(handler=run_demo)

    permissions = sub.add_parser("permissions", help="print the least-privilege IAM policy a scan needs")
    permissions.set_defaults(handler=run_permissions)


def _collect_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", help="AWS profile (default: the standard credential chain)")
    parser.add_argument("--regions", type=_region_list,
                        help="comma-separated regions (default: every region enabled for the account)")
    parser.add_argument("--endpoint-url", help="an AWS-compatible endpoint (moto, LocalStack)")
    parser.add_argument("--workers", type=int, default=24, help="concurrent API calls (default 24)")
    parser.add_argument("--quiet", action="store_true", help="no progress display")


def _assess_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, help="report folder: findings.json (and the snapshot, for scan)")
    parser.add_argument("--format", choices=("terminal", "json"), default="terminal",
                        help="stdout: the terminal summary, or findings JSON for piping")
    parser.add_argument("--fail-on", type=_severity, metavar="SEVERITY",
                        help="exit 1 if a FAIL at or above this severity (critical, high, medium, low)")
    parser.add_argument("--checks", type=_csv, help="only these check ids or services (e.g. iam,s3.bucket_versioning_enabled)")
    parser.add_argument("--skip-checks", type=_csv, help="check ids or services to leave out")
    parser.add_argument("--compliance", action="append", metavar="ID",
                        help="also report a compliance framework's controls (cis-aws-7.0, aws-fsbp, wa-security)")


def _severity(text: str) -> Severity:
    try:
        return Severity.parse(text)
    except UsageError as error:
        raise argparse.ArgumentTypeError(f"{error.message} ({error.hint})") from None


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _region_list(text: str) -> list[str]:
    regions = _csv(text)
    if not regions:
        raise argparse.ArgumentTypeError("give at least one region, e.g. us-east-1,eu-west-1")
    return regions


def collect_from_args(args: argparse.Namespace) -> Snapshot:
    from cloudwarden.collect import collect_snapshot

    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    with collection_progress(enabled=not args.quiet) as progress:
        return collect_snapshot(profile=args.profile, regions=args.regions, endpoint_url=args.endpoint_url,
                                progress=progress, workers=args.workers)


def run_collect(args: argparse.Namespace) -> int:
    snapshot = collect_from_args(args)
    path = save_snapshot(snapshot, args.out)
    sys.stderr.write(f"wrote {path}: {len(snapshot.datasets)} datasets, {len(snapshot.gaps)} gaps, "
                     f"{snapshot.stats.get('api_requests', 0)} API requests\n")
    _warn_gaps(snapshot)
    return 0


def run_scan(args: argparse.Namespace) -> int:
    snapshot = collect_from_args(args)
    if args.out:
        save_snapshot(snapshot, Path(args.out) / SNAPSHOT_FILE)
    _warn_gaps(snapshot)
    return report(snapshot, args)


def run_assess(args: argparse.Namespace) -> int:
    return report(load_snapshot(args.snapshot), args)


def report(snapshot: Snapshot, args: argparse.Namespace) -> int:
    checks = select_checks(args.checks, args.skip_checks)
    assessment = assess(snapshot, checks)
    frameworks = compliance_reports(assessment, args.compliance, args.out)
    if args.out:
        path = write_findings(assessment, Path(args.out), snapshot.gaps)
        sys.stderr.write(f"wrote {path}\n")
    if args.format == "json":
        document = findings_document(assessment, snapshot.gaps)
        if frameworks:
            document["compliance"] = [r.to_dict() for r in frameworks]
        json.dump(document, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        render_summary(assessment, sys.stdout)
        write_reports(frameworks, "terminal", brief=True)
    return exit_code(assessment, args.fail_on)


def exit_code(assessment: Assessment, fail_on: Severity | None) -> int:
    if fail_on is None:
        return 0
    worst = [f for f in assessment.findings if f.status is Status.FAIL and f.severity.rank >= fail_on.rank]
    return 1 if worst else 0


def _warn_gaps(snapshot: Snapshot) -> None:
    if not snapshot.gaps:
        return
    denied = [g for g in snapshot.gaps if g.error_code in ("AccessDenied", "AccessDeniedException",
                                                          "UnauthorizedOperation")]
    codes: dict[str, int] = {}
    for gap in snapshot.gaps:
        codes[gap.error_code] = codes.get(gap.error_code, 0) + 1
    parts = ", ".join(f"{n} {code}" for code, n in sorted(codes.items(), key=lambda kv: -kv[1]))
    sys.stderr.write(f"note: {len(snapshot.gaps)} API reads failed ({parts}); the checks that needed them "
                     "report UNKNOWN\n")
    if denied:
        perms = sorted({g.permission for g in denied if g.permission})
        sys.stderr.write(f"  hint: grant {', '.join(perms[:6])}{' …' if len(perms) > 6 else ''} "
                         "(or attach the SecurityAudit policy)\n")


def run_demo(args: argparse.Namespace) -> int:
    from cloudwarden import demo

    with collection_progress(enabled=not args.quiet) as progress:
        result = demo.run(progress=progress)
    save_snapshot(result.snapshot, Path(args.out) / SNAPSHOT_FILE)
    path = write_findings(result.assessment, Path(args.out), result.snapshot.gaps)
    render_summary(result.assessment, sys.stdout)
    weak_ok = sum(v.ok for v in result.weaknesses)
    good_ok = sum(v.ok for v in result.counterparts)
    sys.stdout.write(
        f"\nDemo self-check: {weak_ok}/{len(result.weaknesses)} planted weaknesses reported FAIL, "
        f"{good_ok}/{len(result.counterparts)} compliant twins reported PASS "
        f"({len({v.expectation.check_id for v in result.verdicts})} checks involved).\n")
    misses = [v for v in result.verdicts if not v.ok]
    for verdict in misses:
        sys.stdout.write(f"  MISMATCH {verdict.describe()}\n")
    sys.stdout.write(f"Report: {path} and {Path(args.out) / SNAPSHOT_FILE}\n"
                     f"Try: cloudwarden assess {Path(args.out) / SNAPSHOT_FILE} --checks s3\n")
    return 1 if misses else 0


def run_permissions(_args: argparse.Namespace) -> int:
    """The IAM policy for scanning, generated from the collection specs (never written by hand)."""
    from cloudwarden.collect import all_calls

    # DescribeRegions finds the enabled regions; sts:GetCallerIdentity needs no permission.
    actions = sorted({"ec2:DescribeRegions"} | {action for call in all_calls() for action in call.all_permissions})
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "CloudwardenReadOnlyScan", "Effect": "Allow", "Action": actions, "Resource": "*"}]}
    json.dump(policy, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0
