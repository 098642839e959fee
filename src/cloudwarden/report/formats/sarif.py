"""findings.sarif: SARIF 2.1.0 for code-scanning dashboards.

One rule per check run, one result per finding that needs attention (FAIL as `fail`, UNKNOWN and
ERROR as `review`); PASS results stay in findings.json. Cloud resources have no source file, so a
result's location is a logical one (the resource's ARN or id). Collection gaps are the run's
tool execution notifications.
"""

from __future__ import annotations

import json
from typing import Any

from cloudwarden import __version__
from cloudwarden.assess import Assessment
from cloudwarden.checks.registry import CheckMeta
from cloudwarden.core.enums import Severity, Status
from cloudwarden.core.findings import Finding
from cloudwarden.report.common import compliance_ids, finding_uids, meta_for
from cloudwarden.report.json_report import sort_key

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note",
         Severity.INFORMATIONAL: "note"}
# GitHub code scanning ranks alerts by this property (a CVSS-like 0.0-10.0 string).
SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "3.0",
                     Severity.INFORMATIONAL: "0.0"}


class SarifReporter:
    name = "sarif"
    filename = "findings.sarif"
    description = "SARIF 2.1.0: FAIL, UNKNOWN and ERROR results as code-scanning alerts"

    def render(self, assessment: Assessment) -> str:
        return json.dumps(sarif_log(assessment), separators=(",", ":"), ensure_ascii=False) + "\n"


def sarif_log(assessment: Assessment) -> dict[str, Any]:
    attention = [f for f in sorted(assessment.findings, key=sort_key) if f.status is not Status.PASS
                 and f.status.value != "MUTED"]
    rule_ids = list(dict.fromkeys([*assessment.checks_run, *(f.check_id for f in attention)]))
    metas = {cid: _meta(assessment, cid, attention) for cid in rule_ids}
    index = {cid: i for i, cid in enumerate(rule_ids)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "cloudwarden",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule(metas[cid]) for cid in rule_ids],
            }},
            "invocations": [{
                "executionSuccessful": True,
                "toolExecutionNotifications": [
                    {"level": "warning", "descriptor": {"id": "collection-gap"},
                     "message": {"text": gap.reason}}
                    for gap in assessment.collection_gaps
                ],
            }],
            "automationDetails": {"id": f"cloudwarden/{assessment.account_id}/{assessment.collected_at}"},
            "properties": {"account_id": assessment.account_id, "regions": list(assessment.regions),
                           "collected_at": assessment.collected_at},
            "results": [_result(f, uid, index[f.check_id])
                        for f, uid in zip(attention, finding_uids(attention), strict=True)],
        }],
    }


def _meta(assessment: Assessment, check_id: str, findings: list[Finding]) -> CheckMeta:
    if check_id in assessment.check_meta:
        return assessment.check_meta[check_id]
    return meta_for(assessment, next(f for f in findings if f.check_id == check_id))


def _rule(meta: CheckMeta) -> dict[str, Any]:
    remediation = meta.remediation
    help_lines = [remediation.summary] + ([f"CLI: {remediation.cli}"] if remediation.cli else [])
    if remediation.manual:
        help_lines.append(f"No IaC form: {remediation.manual}")
    markdown = "\n\n".join(line for line in help_lines if line)
    for label, lang, body in (("CloudFormation", "yaml", remediation.cloudformation),
                              ("Terraform", "hcl", remediation.terraform)):
        if body:
            markdown += f"\n\n**{label}**\n\n```{lang}\n{body.rstrip()}\n```"
    rule: dict[str, Any] = {
        "id": meta.id,
        "name": "".join(part.capitalize() for part in meta.id.replace(".", "_").split("_")),
        "shortDescription": {"text": meta.title},
        "fullDescription": {"text": meta.rationale or meta.title},
        "help": {"text": "\n".join(line for line in help_lines if line) or meta.title,
                 **({"markdown": markdown} if markdown else {})},
        "defaultConfiguration": {"level": LEVEL[meta.severity]},
        "properties": {
            "tags": ["security", meta.area.code, *compliance_ids(meta.compliance)],
            "security-severity": SECURITY_SEVERITY[meta.severity],
            "area": meta.area.value,
            "resource_type": meta.resource_type,
        },
    }
    if remediation.doc_url:
        rule["helpUri"] = remediation.doc_url
    return rule


def _result(finding: Finding, uid: str, rule_index: int) -> dict[str, Any]:
    failed = finding.status is Status.FAIL
    return {
        "ruleId": finding.check_id,
        "ruleIndex": rule_index,
        "kind": "fail" if failed else "review",
        "level": LEVEL[finding.severity] if failed else "note",
        "message": {"text": f"{finding.resource_id}: {finding.message}" if finding.message else finding.resource_id},
        "locations": [{"logicalLocations": [{
            "name": finding.resource_id,
            "fullyQualifiedName": finding.resource_arn or f"{finding.account_id}/{finding.region}/{finding.resource_id}",
            "kind": "resource",
        }]}],
        "partialFingerprints": {"cloudwardenFinding/v1": uid},
        "properties": {"status": finding.status.value, "severity": finding.severity.value,
                       "account_id": finding.account_id, "region": finding.region,
                       "resource_type": finding.resource_type},
    }


REPORTER = SarifReporter()
