"""Validation of written reports against their published definitions, shared by unit and e2e tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import botocore.session
from botocore.validate import ParamValidator
from jsonschema import Draft4Validator
from py_ocsf_models.events.findings.detection_finding import DetectionFinding

SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "schemas"


def ocsf_errors(events: list[dict[str, Any]]) -> list[str]:
    errors = []
    for event in events:
        model = DetectionFinding.model_validate(event)  # raises on a shape the class does not allow
        if model.class_uid != 2004:
            errors.append(f"class_uid {model.class_uid}")
    return errors


def asff_errors(findings: list[dict[str, Any]]) -> list[str]:
    """botocore's own Security Hub model, on BatchImportFindings requests of 100 (its batch size)."""
    shape = botocore.session.get_session().get_service_model("securityhub").operation_model(
        "BatchImportFindings").input_shape
    errors = []
    for start in range(0, len(findings), 100):
        report = ParamValidator().validate({"Findings": findings[start:start + 100]}, shape)
        if report.has_errors():
            errors.append(report.generate_report())
    return errors


def sarif_errors(log: dict[str, Any]) -> list[str]:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return [str(e) for e in Draft4Validator(schema).iter_errors(log)]
