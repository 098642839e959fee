"""The exit codes of every command, in one table (docs/exit-codes.md is generated from it)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cloudwarden.core.enums import Severity, Status
from cloudwarden.core.findings import Finding


@dataclass(frozen=True)
class ExitCode:
    code: int
    name: str
    meaning: str


OK = ExitCode(0, "ok", "the command did its work; with --fail-on, nothing at or above that severity failed "
                       "or went unevaluated")
FINDINGS = ExitCode(1, "findings", "--fail-on: a FAIL at or above that severity, or an UNKNOWN at or above it "
                                   "(a check that could not be evaluated) unless --allow-unknown")
USAGE = ExitCode(2, "usage", "bad command line, configuration or input file (snapshot, policy, log); "
                             "an output path that exists or cannot be written")
FATAL = ExitCode(3, "fatal", "credentials or endpoint unusable, so nothing could be collected; also an "
                             "internal error (a bug: please report it)")
CHECK_ERROR = ExitCode(4, "check-error", "a check raised (an ERROR result): the assessment is incomplete, "
                                         "whatever --fail-on says; wins over 1")
INTERRUPTED = ExitCode(130, "interrupted", "stopped by Ctrl-C")

TABLE = (OK, FINDINGS, USAGE, FATAL, CHECK_ERROR, INTERRUPTED)


def assessment_exit_code(findings: Iterable[Finding], fail_on: Severity | None, allow_unknown: bool = False) -> int:
    """The exit code of `scan` and `assess`: ERROR first, then the --fail-on gate."""
    findings = list(findings)
    if any(f.status is Status.ERROR for f in findings):
        return CHECK_ERROR.code
    if fail_on is None:
        return OK.code
    gating = {Status.FAIL} if allow_unknown else {Status.FAIL, Status.UNKNOWN}
    if any(f.status in gating and f.severity.rank >= fail_on.rank for f in findings):
        return FINDINGS.code
    return OK.code


def markdown() -> str:
    lines = ["# Exit codes", "",
             "Generated from `src/cloudwarden/cli/exit_codes.py` (a test keeps this file in sync).", "",
             "| code | name | meaning |", "|---|---|---|"]
    lines += [f"| {e.code} | {e.name} | {e.meaning} |" for e in TABLE]
    lines += ["", "`scan` and `assess` without `--fail-on` exit 0 even with FAIL results, but never with an "
              "ERROR result. With `--fail-on SEVERITY`, a check that could not be evaluated (UNKNOWN: data "
              "not collected, typically AccessDenied) counts as failing at its severity, because a gate "
              "that passes when nothing was checked is no gate; `--allow-unknown` counts FAIL only.", ""]
    return "\n".join(lines)


def epilog() -> str:
    return "exit codes: " + "; ".join(f"{e.code} {e.name}" for e in TABLE) + " (docs/exit-codes.md)"
