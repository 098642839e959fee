"""Hunting: the rule set, run over a store's time range, grouped into incidents.

The public entry point for ``cloudwarden trail hunt``. Rules are the CIS monitoring detections,
the built-in behaviours and a Sigma rule set (SigmaHQ's CloudTrail rules shipped with the package,
or the folder given with ``rules_dir``). Reads the store; returns plain data.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cloudwarden.engines.trail.builtin import builtin_rules
from cloudwarden.engines.trail.builtin_attack import attack_rules
from cloudwarden.engines.trail.builtin_matrix import matrix_rules
from cloudwarden.engines.trail.cis import cis_rules
from cloudwarden.engines.trail.detect import Detection, run_rules
from cloudwarden.engines.trail.incidents import DEFAULT_WINDOW, Incident, group_incidents
from cloudwarden.engines.trail.rules import Rule
from cloudwarden.engines.trail.sigma_load import default_rules_dir, load_rules
from cloudwarden.engines.trail.store import Store, connect


def rule_set(rules_dir: Path | None = None) -> list[Rule]:
    """CIS + built-in rules (builtin, builtin_attack, builtin_matrix), plus the Sigma rules of ``rules_dir`` (default: the shipped SigmaHQ set)."""
    return cis_rules() + builtin_rules() + attack_rules() + matrix_rules() + load_rules(rules_dir or default_rules_dir())


@dataclass
class HuntResult:
    events_scanned: int
    rules: int
    seconds: float
    detections: list[Detection] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "events_scanned": self.events_scanned,
            "rules": self.rules,
            "seconds": round(self.seconds, 3),
            "incidents": [incident.to_dict() for incident in self.incidents],
        }


def hunt(store_dir: Path, since: datetime | None = None, until: datetime | None = None,
         rules_dir: Path | None = None, window: timedelta = DEFAULT_WINDOW,
         rules: list[Rule] | None = None) -> HuntResult:
    """Run every rule over the store (limited to [since, until)) and group the detections."""
    store = Store.open(store_dir)
    chosen = rules if rules is not None else rule_set(rules_dir)
    connection = connect()
    try:
        store.attach(connection, since, until)
        started = time.perf_counter()
        row = connection.execute("SELECT count(*) FROM events").fetchone()
        detections = run_rules(connection, chosen)
        seconds = time.perf_counter() - started
    finally:
        connection.close()
    return HuntResult(int(row[0]) if row else 0, len(chosen), seconds, detections,
                      group_incidents(detections, window))
