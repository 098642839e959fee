"""findings.json as written follows the schema shipped in the package (data/schemas/findings.schema.json)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema

from cloudwarden.assess import assess
from cloudwarden.inventory.snapshot import Gap
from cloudwarden.report.json_report import write_findings
from tests.checks.cases import Regional, snapshot_with


def schema() -> dict[str, object]:
    text = resources.files("cloudwarden.data").joinpath("schemas/findings.schema.json").read_text(encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def test_written_findings_follow_the_schema(tmp_path: Path) -> None:
    gap = Gap("iam.password_policy", "iam", "GetAccountPasswordPolicy", "global", "AccessDenied", "denied",
              "iam:GetAccountPasswordPolicy")
    snapshot = snapshot_with({"rds.db_instances": Regional({"us-east-1": [
        {"DBInstanceIdentifier": "db", "PubliclyAccessible": True, "DBInstanceArn": "arn:aws:rds:::db"}]})},
        gaps=[gap])
    document = json.loads(write_findings(assess(snapshot), tmp_path, [gap]).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema()).validate(document)
    assert document["findings"], "the assessment wrote no finding to validate"


def test_the_schema_refuses_a_finding_without_status() -> None:
    full = schema()
    validator = jsonschema.Draft202012Validator({"$defs": full["$defs"], "$ref": "#/$defs/finding"})  # type: ignore[index]
    finding = {"check_id": "rds.multi_az", "title": "t", "area": "a", "severity": "high", "account_id": "1",
               "region": "r", "resource_type": "t", "resource_id": "i", "resource_arn": "", "message": "m",
               "remediation": None, "compliance": {}}
    assert validator.is_valid({**finding, "status": "PASS"})
    assert not validator.is_valid(finding)
    assert not validator.is_valid({**finding, "status": "PASS", "severity": "urgent"})
