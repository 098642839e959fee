"""`cloudwarden compliance`: a framework's controls with their status, from a findings.json."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cloudwarden.compliance import ComplianceReport, coverage, evaluate, framework, frameworks
from cloudwarden.compliance.render import coverage_markdown, report_text
from cloudwarden.core.errors import InputError, UsageError
from cloudwarden.core.findings import Finding

FINDINGS_FILE = "findings.json"


def register(sub: Any) -> None:
    parser = sub.add_parser("compliance", help="a compliance framework's controls: pass / fail / manual / not assessed")
    parser.add_argument("findings", nargs="?", type=Path,
                        help="findings.json written by scan/assess --out (or its folder)")
    parser.add_argument("--framework", action="append", metavar="ID",
                        help=f"framework id, repeatable (default all): {', '.join(frameworks())}")
    parser.add_argument("--format", choices=("terminal", "json", "markdown"), default="terminal",
                        help="markdown only with --coverage")
    parser.add_argument("--brief", action="store_true", help="one line per control, no resource lists")
    parser.add_argument("--coverage", action="store_true",
                        help="controls covered and automated per framework (no findings needed)")
    parser.set_defaults(handler=run_compliance)


def run_compliance(args: argparse.Namespace) -> int:
    ids = args.framework or list(frameworks())
    chosen = [framework(i) for i in ids]
    if args.coverage:
        rows = coverage_rows([f.id for f in chosen])
        if args.format == "json":
            json.dump([{"framework": r.framework.id, "controls": r.controls, "covered": r.covered,
                        "automated": r.automated, "covered_percent": r.percent(r.covered),
                        "automated_percent": r.percent(r.automated)} for r in rows], sys.stdout, indent=2)
            sys.stdout.write("\n")
        else:
            sys.stdout.write(coverage_markdown(rows))
        return 0
    if args.findings is None:
        raise UsageError("give a findings.json (or --coverage)",
                         hint="cloudwarden scan --out report && cloudwarden compliance report/findings.json")
    if args.format == "markdown":
        raise UsageError("--format markdown goes with --coverage", hint="use terminal or json for a findings file")
    findings, ran = load_findings(args.findings)
    reports = [evaluate(f, findings, ran, implemented_ids()) for f in chosen]
    write_reports(reports, args.format, brief=args.brief)
    return 0


def implemented_ids() -> list[str]:
    from cloudwarden.checks.registry import load_all_checks

    return list(load_all_checks())


def coverage_rows(ids: list[str]) -> list[Any]:
    from cloudwarden.checks.registry import catalog

    return [coverage(framework(i), implemented_ids(), catalog()) for i in ids]


def write_reports(reports: list[ComplianceReport], fmt: str, *, brief: bool = False,
                  transform: Callable[[str], str] | None = None) -> None:
    mask = transform or (lambda text: text)
    if fmt == "json":
        sys.stdout.write(mask(json.dumps([r.to_dict() for r in reports], indent=2)) + "\n")
        return
    for report in reports:
        sys.stdout.write(mask(report_text(report, verbose=not brief)) + "\n")


def load_findings(path: Path) -> tuple[list[Finding], list[str]]:
    """Findings and the ids of the checks that ran, from findings.json; bad input is an InputError."""
    target = path / FINDINGS_FILE if path.is_dir() else path
    try:
        document = json.loads(target.read_text(encoding="utf-8"))
        findings = [Finding.from_dict(item) for item in document["findings"]]
    except FileNotFoundError:
        raise InputError(f"no such findings file: {target}",
                         hint="write one with `cloudwarden scan --out DIR` or `cloudwarden assess SNAPSHOT --out DIR`"
                         ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{target} is not JSON: {error}", hint="pass the findings.json cloudwarden wrote") from None
    except (KeyError, TypeError, ValueError) as error:
        raise InputError(f"{target} is not a cloudwarden findings document ({type(error).__name__}: {error})",
                         hint="pass the findings.json written by scan/assess --out") from None
    ran = {f.check_id for f in findings} | set(document.get("checks_without_resources") or [])
    return findings, sorted(ran)


def compliance_reports(assessment: Any, ids: list[str] | None, out: Path | None,
                       transform: Callable[[str], str] | None = None) -> list[ComplianceReport]:
    """scan/assess --compliance: the frameworks' reports, written beside findings.json under --out."""
    reports = [evaluate(framework(i), assessment.findings, assessment.checks_run, implemented_ids())
               for i in ids or []]
    if out is not None:
        for report in reports:
            Path(out).mkdir(parents=True, exist_ok=True)
            target = Path(out) / f"compliance-{report.framework.id}.json"
            text = json.dumps(report.to_dict(), indent=2) + "\n"
            target.write_text(transform(text) if transform else text, encoding="utf-8")
            sys.stderr.write(f"wrote {target}\n")
    return reports
