"""findings.json (docs/findings.md): the record every other format can be rendered from again."""

from __future__ import annotations

from cloudwarden.assess import Assessment
from cloudwarden.report.json_report import FINDINGS_FILE, render_findings_json


class FindingsJsonReporter:
    name = "json"
    filename = FINDINGS_FILE
    description = "cloudwarden's own findings document, with check metadata, gaps and sections"

    def render(self, assessment: Assessment) -> str:
        return render_findings_json(assessment)


REPORTER = FindingsJsonReporter()
