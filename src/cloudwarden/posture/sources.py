"""Reading what the weekly commands compare: a findings.json or a snapshot, told apart by content."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cloudwarden.assess import assess
from cloudwarden.core.errors import InputError
from cloudwarden.core.findings import Finding
from cloudwarden.inventory.snapshot import FORMAT_NAME, Snapshot, load_snapshot

FINDINGS_SCHEMA = "cloudwarden-findings"


@dataclass
class Results:
    """One side of a comparison: findings, with the snapshot they came from when there is one."""

    path: Path
    account_id: str
    collected_at: str
    findings: list[Finding]
    # Check ids that ran (for a findings file: those with results or without resources).
    checks: set[str] = field(default_factory=set)
    snapshot: Snapshot | None = None
    document: dict[str, Any] = field(default_factory=dict)


def load_results(path: Path) -> Results:
    """A findings.json as written, or a snapshot assessed now with every check."""
    data = _read_json(path)
    if isinstance(data, dict) and data.get("format") == FORMAT_NAME:
        snapshot = load_snapshot(path)
        assessment = assess(snapshot)
        return Results(path, snapshot.account_id, snapshot.collected_at, assessment.findings,
                       set(assessment.checks_run), snapshot)
    if isinstance(data, dict) and data.get("schema") == FINDINGS_SCHEMA:
        try:
            findings = [Finding.from_dict(item) for item in data.get("findings", [])]
        except (KeyError, ValueError, TypeError) as error:
            raise InputError(f"{path} has a damaged finding: {error}", hint="write it again with `--out`") from None
        checks = {f.check_id for f in findings} | set(data.get("checks_without_resources") or [])
        return Results(path, str(data.get("account_id", "")), str(data.get("collected_at", "")), findings,
                       checks, None, data)
    raise InputError(f"{path} is neither a cloudwarden snapshot nor a findings.json",
                     hint="give files written by `cloudwarden scan --out DIR` (DIR/findings.json or "
                          "DIR/account.snapshot)")


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise InputError(f"{path} does not exist", hint="check the path")
    raw = path.read_bytes()
    try:
        text = gzip.decompress(raw).decode("utf-8") if raw[:2] == b"\x1f\x8b" else raw.decode("utf-8")
        return json.loads(text)
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"{path} is not readable JSON: {error}", hint="is the file truncated?") from None
