"""Every check's remediation carries infrastructure as code, and the code is valid.

CloudFormation fragments are linted with cfn-lint (as a whole template, us-east-1); Terraform
snippets are parsed with python-hcl2 and every `var.X` they use must be declared in them. A check
with no declarative form says why in `manual` instead.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from cloudwarden.checks._iac import snippets
from cloudwarden.checks.registry import catalog, load_all_checks

CHECKS = load_all_checks()
ENTRIES = snippets()


def _distinct(field: str) -> list[str]:
    """One check id per distinct snippet (checks sharing a snippet through a YAML anchor lint once)."""
    first: dict[str, str] = {}
    for check_id in sorted(ENTRIES):
        body = ENTRIES[check_id].get(field)
        if body:
            first.setdefault(body, check_id)
    return sorted(first.values())


CFN_IDS = _distinct("cloudformation")
TF_IDS = _distinct("terraform")


def test_every_check_has_iac_or_says_why_not() -> None:
    missing = sorted(set(CHECKS) - set(ENTRIES))
    assert not missing, f"checks without an IaC entry in data/remediation_iac.yaml: {missing}"
    unknown = sorted(set(ENTRIES) - set(catalog()))
    assert not unknown, f"IaC entries for ids that are not in the catalogue: {unknown}"
    for check_id, entry in ENTRIES.items():
        if not (entry.get("cloudformation") or entry.get("terraform")):
            assert len(entry.get("manual", "")) >= 40, f"{check_id}: no IaC and no reason why"


def test_remediation_metadata_carries_the_snippets() -> None:
    meta = CHECKS["s3.bucket_versioning_enabled"].meta.remediation
    assert "AWS::S3::Bucket" in meta.cloudformation and "aws_s3_bucket_versioning" in meta.terraform
    assert meta.to_dict()["terraform"] == meta.terraform
    assert "terraform" not in meta.to_dict(iac=False)


@pytest.fixture(scope="module")
def cfn_lint() -> Any:
    cfnlint_api = pytest.importorskip("cfnlint.api")
    return cfnlint_api


@pytest.mark.parametrize("check_id", CFN_IDS)
def test_cloudformation_snippet_lints_clean(check_id: str, cfn_lint: Any) -> None:
    body = ENTRIES[check_id]["cloudformation"]
    template = "AWSTemplateFormatVersion: '2010-09-09'\n" + body
    matches = cfn_lint.lint(template, config=cfn_lint.ManualArgs(regions=["us-east-1"]))
    problems = [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches
                if m.rule.id[0] in "EW"]
    assert not problems, f"{check_id}:\n" + "\n".join(problems)


DECLARED = re.compile(r'^\s*variable\s+"([A-Za-z0-9_]+)"', re.M)
USED = re.compile(r"\bvar\.([A-Za-z0-9_]+)")


@pytest.mark.parametrize("check_id", TF_IDS)
def test_terraform_snippet_parses_and_declares_its_variables(check_id: str) -> None:
    hcl2 = pytest.importorskip("hcl2")
    body = ENTRIES[check_id]["terraform"]
    parsed = hcl2.loads(body)
    assert parsed.get("resource") or parsed.get("data") or parsed.get("module"), check_id
    for block in parsed.get("resource", []):
        for resource_type in block:
            assert resource_type.strip("\"").startswith("aws_"), (check_id, resource_type)
    undeclared = set(USED.findall(body)) - set(DECLARED.findall(body))
    assert not undeclared, f"{check_id}: undeclared variables {sorted(undeclared)}"


def test_findings_json_keeps_the_snippets_once_per_check(tmp_path: Any) -> None:
    from cloudwarden.report.json_report import load_findings, write_findings
    from tests.report.conftest import build_assessment

    path = write_findings(build_assessment(), tmp_path)
    document = json.loads(path.read_text())
    remediation = document["checks"]["ec2.sg_no_ssh_from_internet"]["remediation"]
    assert "AWS::EC2::SecurityGroup" in remediation["cloudformation"]
    assert all("cloudformation" not in (f["remediation"] or {}) for f in document["findings"])
    back = load_findings(path).check_meta["ec2.sg_no_ssh_from_internet"].remediation
    assert back == CHECKS["ec2.sg_no_ssh_from_internet"].meta.remediation
