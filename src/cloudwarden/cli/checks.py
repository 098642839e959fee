"""`cloudwarden checks`: the registry listed and filtered, one check in full (`checks show ID`).

`--format markdown` is docs/checks.md (generated, kept in sync by a test).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from cloudwarden.assess import select_checks
from cloudwarden.checks.registry import CheckDef, catalog
from cloudwarden.compliance import framework, frameworks
from cloudwarden.core.enums import Area, Severity
from cloudwarden.core.errors import UsageError


def register(sub: Any) -> None:
    checks = sub.add_parser("checks", help="list the checks (filter by area, service, severity, framework)")
    checks.add_argument("--area", action="append", metavar="AREA",
                        help="IAM, DET, INF, DP or IR (or the area's name); repeatable")
    checks.add_argument("--service", action="append", metavar="SERVICE",
                        help="catalogue service or id prefix (elbv2, elb, iam ...); repeatable")
    checks.add_argument("--severity", action="append", metavar="SEVERITY",
                        help="critical, high, medium, low; repeatable; 'high+' means high and above")
    checks.add_argument("--framework", metavar="ID",
                        help=f"only checks a framework maps to a control ({', '.join(frameworks())})")
    checks.add_argument("--format", choices=("terminal", "json", "markdown"), default="terminal",
                        help="markdown: the table in docs/checks.md (generated, never edited by hand)")
    checks.set_defaults(handler=run_list_checks)
    actions = checks.add_subparsers(dest="checks_action", metavar="show")
    show = actions.add_parser("show", help="one check's full metadata")
    show.add_argument("check_id", metavar="ID", help="a check id, e.g. s3.bucket_public_access_blocked")
    show.add_argument("--format", choices=("terminal", "json"), default="terminal", help="output format (default: terminal)")
    show.set_defaults(handler=run_show_check)


def framework_refs() -> dict[str, dict[str, list[str]]]:
    """check id -> framework id -> the control ids that name it."""
    refs: dict[str, dict[str, list[str]]] = {}
    for fw in frameworks().values():
        for control in fw.controls:
            for check_id in control.checks:
                refs.setdefault(check_id, {}).setdefault(fw.id, []).append(control.id)
    return refs


def _areas(values: list[str] | None) -> set[Area] | None:
    if not values:
        return None
    try:
        return {Area.parse(v.upper() if len(v) <= 3 else v) for v in values}
    except ValueError as error:
        raise UsageError(str(error), hint="use IAM, DET, INF, DP or IR") from None


def _severities(values: list[str] | None) -> set[Severity] | None:
    if not values:
        return None
    chosen: set[Severity] = set()
    for value in values:
        floor = Severity.parse(value.rstrip("+"))
        chosen |= {s for s in Severity if s.rank >= floor.rank} if value.endswith("+") else {floor}
    return chosen


def filter_checks(checks: list[CheckDef], args: argparse.Namespace) -> list[CheckDef]:
    areas, severities = _areas(args.area), _severities(args.severity)
    services = {s.lower() for s in args.service or []}
    mapped = None
    if args.framework:
        fw = framework(args.framework)
        mapped = {check_id for control in fw.controls for check_id in control.checks}
    chosen = []
    for c in checks:
        meta = c.meta
        if areas is not None and meta.area not in areas:
            continue
        if severities is not None and meta.severity not in severities:
            continue
        if services and not ({meta.service.lower(), meta.id.split(".")[0]} & services):
            continue
        if mapped is not None and meta.id not in mapped:
            continue
        chosen.append(c)
    return chosen


def run_list_checks(args: argparse.Namespace) -> int:
    checks = filter_checks(select_checks(), args)
    refs = framework_refs()
    if args.format == "json":
        json.dump([check_document(c, refs) for c in checks], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    if args.format == "markdown":
        sys.stdout.write(checks_markdown(checks, refs))
        return 0
    for c in checks:
        sys.stdout.write(f"{c.meta.id:<48} {c.meta.area.code:<4} {c.meta.severity.value:<9} {c.meta.title}\n")
    sys.stdout.write(f"{len(checks)} checks\n")
    return 0


def check_document(c: CheckDef, refs: dict[str, dict[str, list[str]]]) -> dict[str, Any]:
    meta = c.meta
    entry = catalog().get(meta.id, {})
    return {"id": meta.id, "title": meta.title, "area": meta.area.value, "severity": meta.severity.value,
            "service": meta.service, "resource_type": meta.resource_type, "datasets": list(meta.datasets),
            "rationale": meta.rationale, "remediation": meta.remediation.to_dict(),
            "compliance": meta.compliance, "frameworks": refs.get(meta.id, {}),
            "api_calls": list(entry.get("apis") or []), "moto": entry.get("moto", "")}


def run_show_check(args: argparse.Namespace) -> int:
    registry = {c.meta.id: c for c in select_checks()}
    if args.check_id not in registry:
        near = sorted(cid for cid in registry if args.check_id.split(".")[0] == cid.split(".")[0])[:8]
        raise UsageError(f"no such check: {args.check_id}",
                         hint=("did you mean one of: " + ", ".join(near)) if near else "`cloudwarden checks` lists the ids")
    document = check_document(registry[args.check_id], framework_refs())
    if args.format == "json":
        json.dump(document, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    rem = document["remediation"]
    lines = [f"{document['id']}: {document['title']}",
             f"  area          {document['area']}", f"  severity      {document['severity']}",
             f"  service       {document['service']}", f"  resource type {document['resource_type']}",
             f"  reads         {', '.join(document['datasets'])}", f"  API calls     {', '.join(document['api_calls'])}",
             f"  why           {document['rationale']}", f"  fix           {rem['summary']}"]
    if rem["cli"]:
        lines.append(f"  fix (CLI)     {rem['cli']}")
    if rem["doc_url"]:
        lines.append(f"  docs          {rem['doc_url']}")
    for fw_id, controls in document["frameworks"].items():
        lines.append(f"  {fw_id:<13} {', '.join(controls)}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def checks_markdown(checks: list[CheckDef], refs: dict[str, dict[str, list[str]]] | None = None) -> str:
    """docs/checks.md: every registered check, generated from the registry."""
    refs = refs if refs is not None else framework_refs()
    lines = [
        "# Checks",
        "",
        "Generated by `cloudwarden checks --format markdown` from the check registry; do not edit by hand.",
        f"{len(checks)} checks. Areas: IAM, DET (detective), INF (infrastructure), DP (data), IR (incident response).",
        "`cloudwarden checks show ID` prints one check in full; per-framework coverage is in docs/compliance-coverage.md.",
        "",
        "| id | area | severity | title | CIS v7.0 | Security Hub | WA security | reads |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in checks:
        meta = c.meta
        mapped = refs.get(meta.id, {})
        cis = ", ".join(mapped.get("cis-aws-7.0", [])) or "-"
        fsbp = ", ".join(mapped.get("aws-fsbp", [])) or "-"
        wa = ", ".join(mapped.get("wa-security", [])) or "-"
        lines.append(f"| `{meta.id}` | {meta.area.code} | {meta.severity.value} | {meta.title} | {cis} | {fsbp} | "
                     f"{wa} | {', '.join(meta.datasets)} |")
    return "\n".join(lines) + "\n"
