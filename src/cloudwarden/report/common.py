"""What several formats share: a finding's stable identity, times, and its check's metadata."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from cloudwarden.assess import Assessment
from cloudwarden.checks.registry import CheckMeta
from cloudwarden.core.findings import Finding, Remediation


def finding_uid(finding: Finding) -> str:
    """The same check on the same resource gives the same id in every scan, so re-imports update."""
    key = "\x1f".join((finding.account_id, finding.region, finding.check_id, finding.resource_arn or "",
                       finding.resource_id))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def finding_uids(findings: list[Finding]) -> list[str]:
    """One distinct id per finding, in order. A check may judge one resource more than once (one
    UNKNOWN per missing dataset, one FAIL per open port): those are told apart by their message."""
    base = [finding_uid(f) for f in findings]
    counts = Counter(base)
    uids: list[str] = []
    seen: Counter[str] = Counter()
    for uid, finding in zip(base, findings, strict=True):
        if counts[uid] > 1:
            uid = hashlib.sha256(f"{uid}\x1f{finding.status.value}\x1f{finding.message}".encode()).hexdigest()[:32]
        seen[uid] += 1
        uids.append(uid if seen[uid] == 1 else f"{uid}-{seen[uid]}")
    return uids


def collected_time(assessment: Assessment) -> datetime:
    """When the data was collected (the snapshot's time), in UTC; now if it cannot be read."""
    try:
        parsed = datetime.fromisoformat(assessment.collected_at.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return datetime.now(UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso_z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def meta_for(assessment: Assessment, finding: Finding) -> CheckMeta:
    """The check's metadata; built from the finding itself when the assessment lacks it."""
    meta = assessment.check_meta.get(finding.check_id)
    if meta is not None:
        return meta
    return CheckMeta(id=finding.check_id, title=finding.title, area=finding.area, severity=finding.severity,
                     resource_type=finding.resource_type, datasets=(), rationale="",
                     remediation=finding.remediation or Remediation(summary=""), compliance=finding.compliance,
                     service=finding.check_id.split(".")[0])


def service_of(finding: Finding, meta: CheckMeta | None = None) -> str:
    return (meta.service if meta and meta.service else "") or finding.check_id.split(".")[0]


def compliance_ids(compliance: dict[str, list[str]]) -> list[str]:
    """`{"cis_aws_v7.0": ["2.10"]}` → `["cis_aws_v7.0:2.10"]`."""
    return [f"{framework}:{control}" for framework, controls in sorted(compliance.items()) for control in controls]


def json_lines_array(items: Sequence[Any]) -> str:
    """A JSON array with one compact item a line: a tenth of the size of indented JSON, still greppable."""
    if not items:
        return "[]\n"
    return "[\n" + ",\n".join(json.dumps(item, separators=(",", ":"), ensure_ascii=False) for item in items) + "\n]\n"
