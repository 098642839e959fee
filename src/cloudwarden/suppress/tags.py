"""Resource tags as far as the snapshot holds them, for tag-matching suppression rules.

No dataset is dedicated to tags: EC2, IAM, RDS, ELB and others return them inside their describe
answers (`Tags`, `TagList`, `TagSet`), as lists of Key/Value pairs or as plain mappings. Every
dict carrying such a field is indexed under each of its id-like values (ids, ARNs, names), so that
a finding's resource id or ARN finds its tags. Services whose tags are a separate call that is
not collected (S3 bucket tagging, for one) simply have none here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.inventory.snapshot import Snapshot

_TAG_FIELDS = ("Tags", "TagList", "TagSet", "tags")
_ID_SUFFIXES = ("Id", "Arn", "ARN", "Name", "Identifier")


def tag_index(snapshot: Snapshot) -> dict[str, dict[str, str]]:
    index: dict[str, dict[str, str]] = {}
    for per_region in snapshot.datasets.values():
        for value in per_region.values():
            for holder in _dicts(value, depth=0):
                tags = _tags_of(holder)
                if not tags:
                    continue
                for name, field_value in holder.items():
                    if isinstance(field_value, str) and field_value and name.endswith(_ID_SUFFIXES):
                        index.setdefault(field_value, {}).update(tags)
    return index


def _dicts(value: Any, depth: int) -> Iterator[dict[str, Any]]:
    # Deep enough for reservations -> instances and authorization details -> roles, not unbounded.
    if depth > 4:
        return
    if isinstance(value, dict):
        yield value
        for child in value.values():
            if isinstance(child, (dict, list)):
                yield from _dicts(child, depth + 1)
    elif isinstance(value, list):
        for child in value:
            yield from _dicts(child, depth + 1)


def _tags_of(holder: dict[str, Any]) -> dict[str, str]:
    for name in _TAG_FIELDS:
        raw = holder.get(name)
        if isinstance(raw, list) and raw and all(isinstance(t, dict) for t in raw):
            pairs = {str(t.get("Key", t.get("key", ""))): str(t.get("Value", t.get("value", ""))) for t in raw}
            return {k: v for k, v in pairs.items() if k}
        if isinstance(raw, dict) and raw and all(isinstance(v, str) for v in raw.values()):
            return dict(raw)
    return {}
