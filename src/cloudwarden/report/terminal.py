"""Terminal summary: counts per area and severity, then the failures, most severe first.

Readable at any size: failures are grouped by check and counted, a few examples each, at most
`max_checks` checks; what is left out is counted and the note says which file holds all of it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table

from cloudwarden.assess import Assessment
from cloudwarden.core.enums import Area, Severity, Status
from cloudwarden.core.findings import Finding
from cloudwarden.report.json_report import sort_key

SEVERITY_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFORMATIONAL: "dim",
}
STATUS_STYLE = {Status.PASS: "green", Status.FAIL: "red", Status.UNKNOWN: "yellow", Status.ERROR: "magenta",
                Status.MUTED: "dim",
                Status.MANUAL: "cyan"}


# Above this many failures, each check shows fewer examples.
MANY_FAILURES = 200


def render_summary(assessment: Assessment, stream: TextIO, per_check: int = 8, width: int | None = None,
                   max_checks: int = 30, written: list[Path] | None = None) -> None:
    # 80 columns when not a terminal (CI logs, files); evidence lines longer than that are cut.
    console = Console(file=stream, width=width or (None if stream.isatty() else 80), highlight=False)
    counts = assessment.counts()
    console.print(evaluation_line(assessment))
    console.print(
        f"[bold]cloudwarden[/bold] account {assessment.account_id} · regions {', '.join(assessment.regions)} "
        f"· collected {assessment.collected_at}"
    )
    console.print(
        f"{len(assessment.checks_run)} checks, {len(assessment.findings)} results: "
        + ", ".join(f"[{STATUS_STYLE.get(s, 'white')}]{counts[s.value]} {s.value}[/]" for s in Status)
    )
    if assessment.checks_without_resources:
        console.print(f"[dim]{len(assessment.checks_without_resources)} checks found nothing to evaluate "
                      "(no such resources); listed in findings.json[/dim]")
    console.print(_area_table(assessment.findings))
    where = _where_the_rest_is(written)
    _print_failures(console, assessment.findings, per_check, max_checks, where)
    _print_unknowns(console, assessment.findings, where)
    _print_suppressions(console, assessment.sections.get("suppressions"))


def _where_the_rest_is(written: list[Path] | None) -> str:
    if not written:
        return "write every result with --out DIR"
    preferred = [p for p in written if p.name in ("report.html", "findings.csv")] or written
    return "all in " + " and ".join(str(p) for p in preferred[:2])


def evaluation_line(assessment: Assessment) -> str:
    """The first line: how many checks could not be evaluated, before any count of passes."""
    total = len(assessment.checks_run)
    unknown = {f.check_id for f in assessment.findings if f.status is Status.UNKNOWN}
    errors = {f.check_id for f in assessment.findings if f.status is Status.ERROR}
    if not unknown and not errors:
        return f"[green]All {total} checks were evaluated.[/green]"
    parts = []
    if unknown:
        parts.append(f"{len(unknown)} of {total} checks could not be evaluated (UNKNOWN)")
    if errors:
        parts.append(f"{len(errors)} raised an error")
    return "[bold yellow]" + "; ".join(parts) + ".[/bold yellow]"


def _area_table(findings: list[Finding]) -> Table:
    table = Table(title="Results by area (FAIL by severity)", title_justify="left", expand=False,
                  caption=" · ".join(f"{a.code} {a.value}" for a in Area), caption_justify="left")
    table.add_column("Area")
    for status in Status:
        table.add_column(status.value, justify="right", style=STATUS_STYLE.get(status, "white"))
    for severity in (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW):
        table.add_column(severity.value, justify="right")
    rows: dict[Area, Counter[str]] = defaultdict(Counter)
    for finding in findings:
        rows[finding.area][finding.status.value] += 1
        if finding.status is Status.FAIL:
            rows[finding.area][finding.severity.value] += 1
    for area in Area:
        row = rows[area]
        table.add_row(area.code, *(str(row[s.value]) for s in Status),
                      *(str(row[s.value]) for s in (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)))
    return table


def _print_failures(console: Console, findings: list[Finding], per_check: int, max_checks: int,
                    where: str) -> None:
    failures = sorted((f for f in findings if f.status in (Status.FAIL, Status.ERROR)), key=sort_key)
    if not failures:
        console.print("[green]No failures.[/green]")
        return
    if len(failures) > MANY_FAILURES:
        per_check = min(per_check, 3)
    else:
        max_checks = max(max_checks, len(failures))
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for finding in failures:
        grouped[finding.check_id].append(finding)
    console.print(f"\n[bold]Failures ({len(failures)} in {len(grouped)} checks), most severe first[/bold]")
    for check_id, group in list(grouped.items())[:max_checks]:
        first = group[0]
        style = SEVERITY_STYLE[first.severity]
        console.print(f"[{style}]{first.severity.value.upper():>8}[/] {check_id} — {first.title} ({len(group)})")
        for finding in group[:per_check]:
            where_found = "" if finding.region == "global" else f"[{finding.region}] "
            # Messages that already start with the resource's name are not prefixed with it twice.
            text = (finding.message if finding.message.startswith(finding.resource_id)
                    else f"{finding.resource_id}: {finding.message}")
            console.print(f"           {where_found}{_clip(text)}", markup=False, no_wrap=True, overflow="ellipsis")
        if len(group) > per_check:
            console.print(f"           … and {len(group) - per_check} more ({where})", markup=False)
    rest = list(grouped.values())[max_checks:]
    if rest:
        by_severity = Counter(g[0].severity.value for g in rest for _ in g)
        counted = ", ".join(f"{by_severity[s.value]} {s.value}" for s in Severity if by_severity[s.value])
        console.print(f"… and {len(rest)} more checks with {sum(len(g) for g in rest)} failures ({counted}); "
                      f"{where}", markup=False)


def _clip(text: str, limit: int = 240) -> str:
    """One result is one line: long evidence (a policy, a path) is cut, the files hold it whole."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _print_unknowns(console: Console, findings: list[Finding], where: str) -> None:
    unknown = [f for f in findings if f.status is Status.UNKNOWN]
    if not unknown:
        return
    reasons = Counter(f"{f.check_id}" for f in unknown)
    console.print(f"\n[yellow]Not evaluated (UNKNOWN): {len(unknown)} results in {len(reasons)} checks[/yellow]"
                  " — data that could not be collected; never counted as PASS:")
    for finding in _first_per_check(unknown)[:10]:
        console.print(f"           {finding.check_id} ({reasons[finding.check_id]}): {_clip(finding.message)}",
                      markup=False, no_wrap=True, overflow="ellipsis")
    if len(reasons) > 10:
        console.print(f"           … and {len(reasons) - 10} more checks ({where})", markup=False)


def _first_per_check(findings: list[Finding]) -> list[Finding]:
    seen: dict[str, Finding] = {}
    for finding in findings:
        seen.setdefault(finding.check_id, finding)
    return list(seen.values())


def _print_suppressions(console: Console, section: dict[str, Any] | None) -> None:
    """Muted results apart from failures, with each rule's count; expired and stale rules listed."""
    if not section:
        return
    console.print(f"\n[dim]Muted (accepted risks, not counted as FAIL): {section['muted']} results by "
                  f"{len(section['rules'])} active rules from {section['file']}[/dim]")
    for rule in section["rules"]:
        if rule["muted"]:
            until = f", until {rule['expires']}" if rule["expires"] else ""
            console.print(f"           {rule['id']}: {rule['muted']} muted — {rule['reason']} "
                          f"(owner {rule['owner']}{until})", markup=False)
    for rule in section["expired"]:
        console.print(f"[yellow]  expired[/yellow]  {rule['id']} (line {rule['line']}) expired on {rule['expires']}: "
                      "no longer applied", highlight=False)
    for rule in section["stale"]:
        console.print(f"[yellow]    stale[/yellow]  {rule['id']} (line {rule['line']}) muted nothing in this scan: "
                      f"{rule['matches']}", highlight=False)
