"""What a finding learns from the snapshot beyond its check's verdict: the resource's tags, an ARN
for account-level results, and a remediation command filled with the finding's own identifiers."""

from __future__ import annotations

import dataclasses
import weakref

from cloudwarden.core.arn import ACCOUNT_RESOURCE_TYPES, account_root_arn
from cloudwarden.core.findings import Finding, fill_remediation_cli
from cloudwarden.inventory.resource_tags import tag_index
from cloudwarden.inventory.snapshot import Snapshot

# One index per snapshot, built for its first finding (snapshots are not hashable: keyed by id,
# with a weak reference proving the id still names the same snapshot).
_INDEXES: dict[int, tuple[weakref.ref[Snapshot], dict[str, dict[str, str]]]] = {}


def _tags_of(snapshot: Snapshot) -> dict[str, dict[str, str]]:
    cached = _INDEXES.get(id(snapshot))
    if cached is not None and cached[0]() is snapshot:
        return cached[1]
    index = tag_index(snapshot)
    key = id(snapshot)
    _INDEXES[key] = (weakref.ref(snapshot, lambda _ref: _INDEXES.pop(key, None)), index)
    return index


def enrich(snapshot: Snapshot, finding: Finding) -> Finding:
    arn = finding.resource_arn
    if not arn and (finding.resource_type in ACCOUNT_RESOURCE_TYPES or finding.resource_id == snapshot.account_id):
        arn = account_root_arn(snapshot.account_id, snapshot.partition or "aws")
    tags = _tags_of(snapshot)
    own = tags.get(finding.resource_id) or (tags.get(arn) if arn else None) or {}
    remediation = finding.remediation
    if remediation and remediation.cli:
        remediation = dataclasses.replace(remediation, cli=fill_remediation_cli(
            remediation.cli, resource_type=finding.resource_type, resource_id=finding.resource_id,
            resource_arn=arn, region=finding.region, account_id=finding.account_id))
    return dataclasses.replace(finding, resource_arn=arn, tags=dict(own) or dict(finding.tags),
                               remediation=remediation)
