"""`cloudwarden report`: render an earlier findings.json again, in any formats, without rescanning.

Also the one place that decides where reports go, for `scan`, `assess` and `demo` as well:
with `--out DIR` every chosen format is a file in DIR and stdout shows the terminal summary;
without it, one chosen format is printed on stdout (for piping) and several are a usage error.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import Any

from cloudwarden.assess import Assessment
from cloudwarden.core.errors import UsageError
from cloudwarden.core.redact import IdentifierRedactor
from cloudwarden.report import load_findings, parse_formats, render_summary, reporters, write_reports
from cloudwarden.report.base import ALL, TERMINAL, format_help

FORMAT_METAVAR = "FORMATS"


def register(sub: Any) -> None:
    parser = sub.add_parser("report", help="render an earlier findings.json again (HTML, OCSF, ASFF, SARIF, CSV)",
                            description="Re-render a findings.json written by scan, assess or demo; "
                                        "no AWS call is made.")
    parser.add_argument("findings", type=Path, help="a findings.json")
    parser.add_argument("--format", default=ALL, metavar=FORMAT_METAVAR, type=checked_formats,
                        help=f"{format_help()} (default {ALL}: every format but json, which is the input)")
    parser.add_argument("--out", type=Path, help="folder to write into (default: the findings file's folder)")
    parser.add_argument("--redact", action="store_true",
                        help="mask account ids, ARNs, access-key ids and IP addresses (one placeholder per value, "
                             "the same in every format) for a report shared outside the team")
    parser.set_defaults(handler=run_report)


def add_format_option(parser: argparse.ArgumentParser, default: str = TERMINAL) -> None:
    """`--format` for scan and assess: its choices come from the reporter registry."""
    parser.add_argument("--format", default=default, metavar=FORMAT_METAVAR, type=checked_formats,
                        help=f"{format_help()}; with --out each is a file there (findings.json always), "
                             f"without it one format is printed on stdout (default {default})")


def checked_formats(text: str) -> str:
    """Checked when the command line is parsed, so that a typo never costs a whole scan."""
    try:
        parse_formats(text)
    except UsageError as error:
        raise argparse.ArgumentTypeError(f"{error.message} ({error.hint})") from None
    return text


def run_report(args: argparse.Namespace) -> int:
    assessment = load_findings(args.findings)
    choice = parse_formats(args.format)
    names = [n for n in choice.files if n != "json" or "json" in _named(args.format)]
    if not names:
        raise UsageError("nothing to render", hint=format_help())
    out = args.out if args.out is not None else args.findings.parent
    redactor = IdentifierRedactor() if getattr(args, "redact", False) else None
    if args.out is None and len(names) == 1 and _named(args.format) != [ALL]:
        text = reporters()[names[0]].render(assessment)
        sys.stdout.write(redactor(text) if redactor else text)
        return 0
    if redactor and args.out is None:
        raise UsageError("--redact writes a copy to share and never over the findings' own folder",
                         hint="add --out DIR for the redacted reports")
    written = write_reports(assessment, out, names, transform=redactor)
    for path in written:
        sys.stderr.write(f"wrote {path}{' (redacted)' if redactor else ''}\n")
    return 0


def emit(assessment: Assessment, out: Path | None, formats: str,
         redactor: IdentifierRedactor | None = None) -> list[Path]:
    """Write and print what `--format`/`--out` ask for; returns the files written.

    With a `redactor` (`--redact`) every text written or printed is masked first, the terminal
    summary included, with one placeholder per value across all of them.
    """
    choice = parse_formats(formats)
    mask = redactor or (lambda text: text)
    if out is None:
        if len(choice.files) > 1:
            raise UsageError("several report formats need a folder to write them into",
                             hint="add --out DIR (or choose one format to print on stdout)")
        if choice.files and not choice.terminal:
            sys.stdout.write(mask(reporters()[choice.files[0]].render(assessment)))
            return []
        _summary(assessment, redactor)
        return []
    written = write_reports(assessment, out, ("json", *choice.files), transform=redactor)
    for path in written:
        sys.stderr.write(f"wrote {path}{' (redacted)' if redactor else ''}\n")
    _summary(assessment, redactor, written)
    return written


def _summary(assessment: Assessment, redactor: IdentifierRedactor | None, written: list[Path] | None = None) -> None:
    if redactor is None:
        render_summary(assessment, sys.stdout, written=written)
        return
    buffer = io.StringIO()
    render_summary(assessment, buffer, written=written)
    sys.stdout.write(redactor(buffer.getvalue()))


def _named(text: str) -> list[str]:
    return [part.strip().lower() for part in text.split(",") if part.strip()]
