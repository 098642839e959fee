"""The shared responsibility view: each service in use, its model, AWS's part and the customer's
duties with the status of the checks that cover each one (or that none does).

The table is package data (data/responsibility/); services in use come from the snapshot's
resources, or, for a findings file, from which covering checks had resources to judge.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from cloudwarden.core.enums import Status
from cloudwarden.core.findings import Finding
from cloudwarden.inventory.snapshot import Snapshot

DATA_FILE = "responsibility/shared_responsibility.yaml"


@lru_cache(maxsize=1)
def table() -> dict[str, Any]:
    text = resources.files("cloudwarden.data").joinpath(DATA_FILE).read_text(encoding="utf-8")
    document: dict[str, Any] = yaml.safe_load(text)
    return document


@dataclass(frozen=True)
class Coverage:
    """What is known of the checks: those registered (run), and those only in the catalogue."""

    registered: frozenset[str]
    catalogue: frozenset[str]
    ran: frozenset[str]


def responsibility_view(findings: list[Finding], coverage: Coverage, snapshot: Snapshot | None,
                        account_id: str = "") -> dict[str, Any]:
    by_check: dict[str, Counter[str]] = {}
    for finding in findings:
        by_check.setdefault(finding.check_id, Counter())[finding.status.value] += 1
    data = table()
    services = []
    for service in data["services"]:
        duties = [_duty(d, coverage, by_check) for d in service["customer"]]
        services.append({
            "id": service["id"], "name": service["name"], "model": service["model"],
            "model_meaning": data["models"][service["model"]],
            "in_use": _in_use(service, snapshot, duties),
            "aws_responsibility": list(service["aws"]),
            "customer_duties": duties,
            "summary": dict(Counter(d["status"] for d in duties)),
        })
    beyond = [_duty(d, coverage, by_check) for d in data.get("beyond_services") or []]
    uncovered = sum(d["status"] == "not covered" for s in services for d in s["customer_duties"])
    return {
        "source": data["source"], "summary": data["summary"], "account_id": account_id,
        "basis": "snapshot" if snapshot is not None else "findings",
        "services": services, "beyond_services": beyond,
        "totals": {"services_in_use": sum(s["in_use"] in ("yes", "account-wide") for s in services),
                   "duties": sum(len(s["customer_duties"]) for s in services), "duties_not_covered": uncovered},
    }


def _duty(duty: dict[str, Any], coverage: Coverage, by_check: dict[str, Counter[str]]) -> dict[str, Any]:
    patterns = list(duty.get("checks") or [])
    matched = sorted({cid for cid in coverage.catalogue | coverage.registered
                      if any(fnmatchcase(cid, p) for p in patterns)})
    covering = [cid for cid in matched if cid in coverage.registered]
    planned = [cid for cid in matched if cid not in coverage.registered]
    counts: Counter[str] = Counter()
    for cid in covering:
        counts.update(by_check.get(cid, Counter()))
    return {"duty": duty["duty"], "status": _status(covering, counts, coverage), "checks": covering,
            "results": {k: counts[k] for k in sorted(counts)}, "catalogue_only": planned}


def _status(covering: list[str], counts: Counter[str], coverage: Coverage) -> str:
    """not covered | not run | nothing to evaluate | FAIL | UNKNOWN | MUTED | PASS (worst first)."""
    if not covering:
        return "not covered"
    if not any(cid in coverage.ran for cid in covering):
        return "not run"
    if counts[Status.FAIL.value]:
        return Status.FAIL.value
    if counts[Status.UNKNOWN.value] or counts[Status.ERROR.value]:
        return Status.UNKNOWN.value
    if counts[Status.MUTED.value]:
        return Status.MUTED.value
    if counts[Status.PASS.value]:
        return Status.PASS.value
    return "nothing to evaluate"


def _in_use(service: dict[str, Any], snapshot: Snapshot | None, duties: list[dict[str, Any]]) -> str:
    """yes | no | account-wide (a duty of every account) | not collected | unknown (unreadable)."""
    marker = service["in_use"]
    if marker == "always":
        return "account-wide"
    if not marker:
        return "not collected"  # cloudwarden does not read this service's resources (yet)
    if snapshot is None:
        evaluated = [d for d in duties if d["results"]]
        return "yes" if evaluated else "unknown"
    seen_any = False
    for dataset in marker:
        per_region = snapshot.datasets.get(dataset, {})
        for region, value in per_region.items():
            if not snapshot.has(dataset, region):
                continue
            seen_any = True
            if value:
                return "yes"
    return "no" if seen_any else "unknown"


def coverage_for(ran: set[str]) -> Coverage:
    from cloudwarden.checks.registry import catalog, load_all_checks

    return Coverage(frozenset(load_all_checks()), frozenset(catalog()), frozenset(ran))
