"""Reports: they see assessment results only (terminal, JSON; HTML/OCSF/SARIF have their own issue)."""

from cloudwarden.report.json_report import FINDINGS_FILE, findings_document, write_findings
from cloudwarden.report.terminal import render_summary

__all__ = ["FINDINGS_FILE", "findings_document", "write_findings", "render_summary"]
