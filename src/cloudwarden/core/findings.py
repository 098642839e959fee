"""The finding: one check's verdict on one resource, and its documented JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudwarden.core.enums import Area, Severity, Status

# Bump on any change a consumer of findings.json would notice; docs/findings.md describes it.
FINDINGS_SCHEMA_VERSION = "1.0"


@dataclass(frozen=True)
class Remediation:
    summary: str
    cli: str = ""
    doc_url: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"summary": self.summary, "cli": self.cli, "doc_url": self.doc_url}


@dataclass(frozen=True)
class Finding:
    check_id: str
    title: str
    area: Area
    severity: Severity
    status: Status
    account_id: str
    region: str
    resource_type: str
    resource_id: str
    resource_arn: str
    message: str
    remediation: Remediation | None = None
    compliance: dict[str, list[str]] = field(default_factory=dict)
    # MUTED results only: the rule that muted it, its reason, owner, expiry and the original status.
    suppression: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {
            "check_id": self.check_id,
            "title": self.title,
            "area": self.area.value,
            "area_code": self.area.code,
            "severity": self.severity.value,
            "status": self.status.value,
            "account_id": self.account_id,
            "region": self.region,
            "resource_type": self.resource_type,
            "resource_id": self.resource_id,
            "resource_arn": self.resource_arn,
            "message": self.message,
            "remediation": self.remediation.to_dict() if self.remediation else None,
            "compliance": {k: list(v) for k, v in self.compliance.items()},
        }
        if self.suppression is not None:
            data["suppression"] = dict(self.suppression)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        rem = data.get("remediation")
        return cls(
            check_id=data["check_id"],
            title=data["title"],
            area=Area.parse(data["area"]),
            severity=Severity(data["severity"]),
            status=Status(data["status"]),
            account_id=data.get("account_id", ""),
            region=data.get("region", ""),
            resource_type=data.get("resource_type", ""),
            resource_id=data.get("resource_id", ""),
            resource_arn=data.get("resource_arn", ""),
            message=data.get("message", ""),
            remediation=Remediation(**rem) if rem else None,
            compliance={k: list(v) for k, v in (data.get("compliance") or {}).items()},
            suppression=data.get("suppression"),
        )
