"""Reports: they see assessment results only. Formats are modules of `report.formats` (see base.py)."""

from cloudwarden.report.base import ALL, TERMINAL, FormatChoice, Reporter, parse_formats, reporters, write_reports
from cloudwarden.report.json_report import FINDINGS_FILE, findings_document, load_findings, write_findings
from cloudwarden.report.terminal import render_summary

__all__ = ["ALL", "FINDINGS_FILE", "TERMINAL", "FormatChoice", "Reporter", "findings_document", "load_findings",
           "parse_formats", "render_summary", "reporters", "write_findings", "write_reports"]
