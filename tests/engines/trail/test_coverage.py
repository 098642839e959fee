"""The coverage table: data files consistent with the rules, docs/trail.md generated from them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cloudwarden.cli import main
from cloudwarden.engines.trail import coverage
from cloudwarden.engines.trail.hunt import rule_set

DOCS = Path(__file__).resolve().parents[3] / "docs" / "trail.md"
BEGIN, END = "<!-- coverage:begin -->", "<!-- coverage:end -->"


def test_attack_matrix_entries_are_well_formed() -> None:
    entries = coverage.attack_iaas()
    assert len({e.id for e in entries}) == len(entries)
    assert all(re.fullmatch(r"T\d{4}(\.\d{3})?", e.id) and e.name and e.tactics for e in entries)


def test_every_observable_technique_is_covered_or_listed_missing() -> None:
    rows = coverage.attack_coverage(rule_set())
    for row in rows:
        # a technique said to be invisible to CloudTrail must not also have a rule claiming it
        assert not (row.technique.not_observable and row.rules), row.technique.id
    counts = coverage.counts(rule_set())
    assert counts["stratus_covered"] == counts["stratus_techniques"] == 44
    assert counts["attack_covered"] + counts["attack_not_observable"] + counts["attack_missing"] == len(rows)


def test_docs_carry_the_generated_table() -> None:
    text = DOCS.read_text()
    assert BEGIN in text and END in text
    section = text.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n") + "\n"
    assert section == coverage.coverage_markdown(rule_set()), (
        "docs/trail.md coverage table is stale: replace the text between the coverage markers with "
        "`cloudwarden trail rules --coverage --format markdown`")


def test_cli_prints_coverage_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trail", "rules", "--coverage", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["stratus_covered"] == 44
    first = data["stratus"][0]
    assert first["id"] == "aws.credential-access.ec2-get-password-data" and first["rules"][0]["rule_id"]
