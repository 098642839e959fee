"""The coverage table: which rules detect which attack techniques, and what CloudTrail cannot see.

Two data files in the package: ``data/trail/stratus_techniques.yaml`` (the 44 AWS techniques of
Stratus Red Team's catalogue, each with its ATT&CK id and the rules that detect it, proven by the
tests) and ``data/trail/attack_iaas.yaml`` (MITRE ATT&CK's IaaS matrix; a technique is covered when a
rule of the set carries its id, or for a parent technique one of its sub-techniques; otherwise the
file says why CloudTrail cannot observe it, or it is missing). Reads the package's data only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from cloudwarden.engines.trail.rules import Rule

COVERED = "covered"
NOT_OBSERVABLE = "not observable"
MISSING = "missing"


@dataclass(frozen=True)
class StratusTechnique:
    id: str
    title: str
    attack: str
    rules: tuple[str, ...]


@dataclass(frozen=True)
class AttackTechnique:
    id: str
    name: str
    tactics: tuple[str, ...]
    not_observable: str = ""  # why CloudTrail records nothing that shows it ("" when it can)


@dataclass(frozen=True)
class AttackCoverage:
    technique: AttackTechnique
    status: str
    rules: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.technique.id, "name": self.technique.name, "tactics": list(self.technique.tactics),
                "status": self.status, "rules": list(self.rules), "reason": self.technique.not_observable}


def _data(name: str) -> Any:
    return yaml.safe_load((resources.files("cloudwarden") / "data" / "trail" / name).read_text(encoding="utf-8"))


@cache
def stratus_techniques() -> tuple[StratusTechnique, ...]:
    return tuple(StratusTechnique(item["id"], item["title"], item["attack"], tuple(item["rules"]))
                 for item in _data("stratus_techniques.yaml"))


@cache
def attack_iaas() -> tuple[AttackTechnique, ...]:
    return tuple(AttackTechnique(item["id"], item["name"], tuple(item["tactics"]), item.get("not_observable", ""))
                 for item in _data("attack_iaas.yaml"))


def attack_coverage(rules: Sequence[Rule]) -> list[AttackCoverage]:
    """Each IaaS technique with the rules carrying its id (a parent: or a sub-technique's) and a status."""
    result = []
    for technique in attack_iaas():
        matching = tuple(sorted(r.id for r in rules if r.technique == technique.id
                                or ("." not in technique.id and r.technique.startswith(technique.id + "."))))
        status = COVERED if matching else NOT_OBSERVABLE if technique.not_observable else MISSING
        result.append(AttackCoverage(technique, status, matching))
    return result


def stratus_rows(rules: Sequence[Rule]) -> list[dict[str, Any]]:
    """Each Stratus technique with its ATT&CK id and rules (id and title); unknown rule ids are kept, titled '?'."""
    titles = {rule.id: rule.title for rule in rules}
    return [{"id": t.id, "title": t.title, "attack": t.attack,
             "rules": [{"rule_id": r, "title": titles.get(r, "?")} for r in t.rules],
             "covered": any(r in titles for r in t.rules)} for t in stratus_techniques()]


def counts(rules: Sequence[Rule]) -> dict[str, int]:
    attack = attack_coverage(rules)
    return {"stratus_techniques": len(stratus_techniques()),
            "stratus_covered": sum(1 for row in stratus_rows(rules) if row["covered"]),
            "attack_iaas_techniques": len(attack),
            "attack_covered": sum(1 for a in attack if a.status == COVERED),
            "attack_not_observable": sum(1 for a in attack if a.status == NOT_OBSERVABLE),
            "attack_missing": sum(1 for a in attack if a.status == MISSING)}


def coverage_markdown(rules: Sequence[Rule]) -> str:
    """The coverage tables as Markdown (docs/trail.md carries this text, checked by a test)."""
    total = counts(rules)
    lines = [f"Stratus Red Team AWS techniques: **{total['stratus_covered']} of {total['stratus_techniques']}"
             "** detected.", "", "| Stratus technique | ATT&CK | rules |", "|---|---|---|"]
    for row in stratus_rows(rules):
        names = ", ".join(f"`{r['rule_id']}`" for r in row["rules"])
        lines.append(f"| `{row['id']}` {row['title']} | {row['attack']} | {names} |")
    lines += ["", f"MITRE ATT&CK IaaS techniques: **{total['attack_covered']} covered, "
              f"{total['attack_not_observable']} not observable in CloudTrail, {total['attack_missing']} missing** "
              f"(of {total['attack_iaas_techniques']}).", "",
              "| ATT&CK | technique | status | rules or reason |", "|---|---|---|---|"]
    for entry in attack_coverage(rules):
        shown = list(entry.rules[:4]) + ([f"... {len(entry.rules) - 4} more"] if len(entry.rules) > 4 else [])
        detail = ", ".join(f"`{r}`" if not r.startswith("...") else r for r in shown) or entry.technique.not_observable
        lines.append(f"| {entry.technique.id} | {entry.technique.name} | {entry.status} | {detail} |")
    return "\n".join(lines) + "\n"
