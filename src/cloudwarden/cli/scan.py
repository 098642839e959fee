"""`scan`, `collect`, `assess`, `demo` and `permissions`: the foundation's commands (`checks` is in cli/checks.py)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from cloudwarden.assess import assess, select_checks
from cloudwarden.cli import weekly
from cloudwarden.cli.compliance import compliance_reports, write_reports
from cloudwarden.cli.exit_codes import assessment_exit_code
from cloudwarden.cli.output import SNAPSHOT_FILE, report_folder, save_or_rescue, snapshot_target
from cloudwarden.cli.progress import collection_progress
from cloudwarden.cli.report import add_format_option, emit
from cloudwarden.core.enums import Severity
from cloudwarden.core.errors import UsageError
from cloudwarden.core.redact import IdentifierRedactor
from cloudwarden.inventory.snapshot import Snapshot, load_snapshot, save_snapshot
from cloudwarden.report import ALL


def register(sub: Any) -> None:
    scan = sub.add_parser("scan", help="collect (read-only), assess and report in one go")
    # never parsed here: main() hands `scan --organization ...` to `scan-org` (cli/__init__.py)
    scan.add_argument("--organization", action="store_true",
                      help="every account of the AWS organization: the same as `cloudwarden scan-org` "
                           "(--role-name, --external-id, --accounts, --exclude, --ous, --resume; see scan-org --help)")
    _collect_options(scan)
    _assess_options(scan)
    scan.set_defaults(handler=run_scan)

    collect = sub.add_parser("collect", help="collect a snapshot (read-only API calls only)")
    _collect_options(collect)
    collect.add_argument("--out", required=True, metavar="PATH",
                         help=f"snapshot file to write, or a folder (existing, or ending in /) to hold {SNAPSHOT_FILE}")
    collect.add_argument("--force", action="store_true", help="replace the snapshot file if it exists")
    _selection_options(collect, "collect only the data these check ids or services need")
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
    parser.add_argument("--regions", type=region_list,
                        help="comma-separated regions (default: every region enabled for the account)")
    parser.add_argument("--endpoint-url", help="an AWS-compatible endpoint (moto, LocalStack)")
    parser.add_argument("--workers", type=int, default=24, help="concurrent API calls (default 24)")
    parser.add_argument("--quiet", action="store_true", help="no progress display")


def _assess_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, help="report folder: findings.json, the --format files (and the "
                        "snapshot, for scan)")
    add_format_option(parser)
    parser.add_argument("--fail-on", type=_severity, metavar="SEVERITY",
                        help="exit 1 if a FAIL, or an UNKNOWN (not evaluated), is at or above this severity "
                             "(critical, high, medium, low)")
    parser.add_argument("--allow-unknown", action="store_true",
                        help="with --fail-on: count FAIL results only, not checks that could not be evaluated")
    _selection_options(parser, "only these check ids or services (e.g. iam,s3.bucket_versioning_enabled)")
    parser.add_argument("--redact", action="store_true",
                        help="mask account ids, ARNs, access-key ids and IP addresses in every report written or "
                             "printed, for sharing outside the team (scan keeps its unmasked snapshot in "
                             "OUT-private/, not in the report folder)")
    weekly.add_options(parser)


def _selection_options(parser: argparse.ArgumentParser, only_help: str) -> None:
    parser.add_argument("--checks", type=comma_list, metavar="IDS", help=only_help)
    parser.add_argument("--skip-checks", type=comma_list, metavar="IDS", help="check ids or services to leave out")
    parser.add_argument("--compliance", action="append", metavar="ID",
                        help="also report a compliance framework's controls (cis-aws-7.0, aws-fsbp, wa-security)")


def _severity(text: str) -> Severity:
    try:
        return Severity.parse(text)
    except UsageError as error:
        raise argparse.ArgumentTypeError(f"{error.message} ({error.hint})") from None


def comma_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def region_list(text: str) -> list[str]:
    regions = comma_list(text)
    if not regions:
        raise argparse.ArgumentTypeError("give at least one region, e.g. us-east-1,eu-west-1")
    return regions


def collect_from_args(args: argparse.Namespace, checks: list[Any] | None = None) -> Snapshot:
    """Collect what the selected checks read (everything without a selection)."""
    from cloudwarden.collect import collect_snapshot

    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    datasets = None
    if getattr(args, "checks", None) or getattr(args, "skip_checks", None):
        datasets = sorted({d for c in checks or select_checks(args.checks, args.skip_checks) for d in c.meta.datasets})
    with collection_progress(enabled=not args.quiet) as progress:
        return collect_snapshot(profile=args.profile, regions=args.regions, endpoint_url=args.endpoint_url,
                                progress=progress, workers=args.workers, datasets=datasets)


def run_collect(args: argparse.Namespace) -> int:
    target = snapshot_target(args.out, args.force)
    checks = select_checks(args.checks, args.skip_checks)  # unknown ids fail before any API call
    snapshot = collect_from_args(args, checks)
    path, failure = save_or_rescue(snapshot, target)
    if failure:
        raise failure
    sys.stderr.write(f"wrote {path}: {len(snapshot.datasets)} datasets, {len(snapshot.gaps)} gaps, "
                     f"{snapshot.stats.get('api_requests', 0)} API requests\n")
    _warn_gaps(snapshot)
    return 0


def run_scan(args: argparse.Namespace) -> int:
    args.rule_set = weekly.load_suppressions(args)  # validated before any API call
    out = report_folder(args.out)
    checks = select_checks(args.checks, args.skip_checks)  # unknown ids fail before any API call
    snapshot = collect_from_args(args, checks)
    failure = None
    if out:
        path, failure = save_or_rescue(snapshot, _snapshot_path(out, getattr(args, "redact", False)))
        if failure and not getattr(args, "redact", False):
            args.out = path.parent  # the report goes beside the rescued snapshot
        elif getattr(args, "redact", False) and not failure:
            sys.stderr.write(f"wrote {path} (not redacted: keep it in the team; the report folder holds only "
                             "masked files)\n")
    _warn_gaps(snapshot)
    code = report(snapshot, args, checks)
    if failure:
        raise failure
    return code


def _snapshot_path(out: Path, redact: bool) -> Path:
    """Beside the reports; with --redact in a private sibling folder, so the shared folder leaks nothing."""
    if not redact:
        return out / SNAPSHOT_FILE
    return out.with_name(out.name + "-private") / SNAPSHOT_FILE


def run_assess(args: argparse.Namespace) -> int:
    report_folder(args.out)
    args.rule_set = weekly.load_suppressions(args)
    checks = select_checks(args.checks, args.skip_checks)
    return report(load_snapshot(args.snapshot), args, checks)


def report(snapshot: Snapshot, args: argparse.Namespace, checks: list[Any] | None = None) -> int:
    checks = checks if checks is not None else select_checks(args.checks, args.skip_checks)
    assessment = assess(snapshot, checks, getattr(args, "rule_set", None),
                        thresholds=getattr(args, "thresholds", None))  # from a config file (cli/_config.py)
    if getattr(args, "settings", None):
        assessment.sections["settings"] = args.settings  # the file read and the non-default settings
    weekly.add_views(assessment, snapshot)
    weekly.record_history(args, assessment)
    redactor = IdentifierRedactor() if getattr(args, "redact", False) else None
    frameworks = compliance_reports(assessment, getattr(args, "compliance", None), args.out, transform=redactor)
    if frameworks:
        # The HTML and JSON reports show the compliance view when a framework is chosen.
        assessment.sections["compliance"] = [r.to_dict() for r in frameworks]
    emit(assessment, Path(args.out) if args.out else None, args.format, redactor=redactor)
    if frameworks and args.format == "terminal":
        write_reports(frameworks, "terminal", brief=True, transform=redactor)
    return assessment_exit_code(assessment.findings, args.fail_on, args.allow_unknown)


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
    weekly.add_views(result.assessment, result.snapshot)  # shared responsibility, account strategy
    written = emit(result.assessment, Path(args.out), ALL)
    weak_ok = sum(v.ok for v in result.weaknesses)
    good_ok = sum(v.ok for v in result.counterparts)
    sys.stdout.write(
        f"\nDemo self-check: {weak_ok}/{len(result.weaknesses)} planted weaknesses reported FAIL, "
        f"{good_ok}/{len(result.counterparts)} compliant twins reported PASS "
        f"({len({v.expectation.check_id for v in result.verdicts})} checks involved).\n")
    misses = [v for v in result.verdicts if not v.ok]
    for verdict in misses:
        sys.stdout.write(f"  MISMATCH {verdict.describe()}\n")
    sys.stdout.write(f"Reports: {', '.join(str(p) for p in written)} and {Path(args.out) / SNAPSHOT_FILE}\n"
                     f"Try: {invoked_as()} assess {Path(args.out) / SNAPSHOT_FILE} --checks s3\n")
    return 1 if misses else 0


def invoked_as(argv0: str | None = None) -> str:
    """How to run this program again, as typed: `cloudwarden` when that is on PATH, else the path used."""
    import os
    import shlex
    import shutil

    argv0 = sys.argv[0] if argv0 is None else argv0
    if Path(argv0).name == "__main__.py":  # python -m cloudwarden
        return f"{shlex.quote(sys.executable)} -m cloudwarden"
    on_path = shutil.which("cloudwarden")
    if os.sep not in argv0 or (on_path and Path(on_path).resolve() == Path(argv0).resolve()):
        return "cloudwarden"
    return shlex.quote(argv0)


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
