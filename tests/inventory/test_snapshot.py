"""The snapshot file: round trip, schema version, damaged input."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from cloudwarden.core.errors import InputError
from cloudwarden.inventory.snapshot import (
    SCHEMA_VERSION,
    DataUnavailable,
    Gap,
    Snapshot,
    load_snapshot,
    save_snapshot,
)


def sample() -> Snapshot:
    snap = Snapshot(account_id="111122223333", collected_at="2026-11-28T12:00:00+00:00",
                    regions=["us-east-1", "eu-west-1"])
    snap.put("ec2.vpcs", "us-east-1", [{"VpcId": "vpc-1"}])
    snap.put_item("s3.bucket_policy", "global", "b1", None)
    snap.add_gap(Gap("ec2.vpcs", "ec2", "DescribeVpcs", "eu-west-1", "AccessDenied", "no", "ec2:DescribeVpcs"))
    snap.add_gap(Gap("s3.bucket_policy", "s3", "GetBucketPolicy", "global", "AccessDenied", "no",
                     "s3:GetBucketPolicy", resource="b2"))
    return snap


def test_round_trip_keeps_data_gaps_and_version(tmp_path: Path) -> None:
    path = save_snapshot(sample(), tmp_path / "a.snapshot")
    loaded = load_snapshot(path)
    assert loaded.schema_version == SCHEMA_VERSION
    assert loaded.get("ec2.vpcs", "us-east-1") == [{"VpcId": "vpc-1"}]
    assert loaded.item("s3.bucket_policy", "global", "b1") is None
    assert loaded.gaps == sample().gaps


def test_reading_a_gap_raises_with_reason_and_permission() -> None:
    snap = sample()
    with pytest.raises(DataUnavailable) as missing:
        snap.get("ec2.vpcs", "eu-west-1")
    assert "grant ec2:DescribeVpcs" in missing.value.reason
    with pytest.raises(DataUnavailable) as item_missing:
        snap.item("s3.bucket_policy", "global", "b2")
    assert item_missing.value.resource == "b2"
    regional = dict(snap.regional("ec2.vpcs"))
    assert isinstance(regional["eu-west-1"], DataUnavailable)


def test_other_schema_version_is_a_clear_error(tmp_path: Path) -> None:
    document = sample().to_dict()
    document["schema_version"] = SCHEMA_VERSION + 1
    path = tmp_path / "future.snapshot"
    with gzip.open(path, "wt") as handle:
        json.dump(document, handle)
    with pytest.raises(InputError) as error:
        load_snapshot(path)
    assert f"version {SCHEMA_VERSION + 1}" in error.value.message and error.value.hint


@pytest.mark.parametrize("content", [b"", b"not json at all", b"\x1f\x8b\x08\x00broken", b'{"a": 1}'])
def test_damaged_or_foreign_files_are_input_errors(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.snapshot"
    path.write_bytes(content)
    with pytest.raises(InputError):
        load_snapshot(path)


def test_truncated_snapshot_is_an_input_error(tmp_path: Path) -> None:
    path = save_snapshot(sample(), tmp_path / "a.snapshot")
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(InputError) as error:
        load_snapshot(path)
    assert "truncated" in error.value.message or "damaged" in error.value.message


# -- validation against the shipped JSON Schema --

def _document(**changes: object) -> dict[str, object]:
    from cloudwarden.inventory.snapshot import Snapshot

    document = Snapshot(account_id="111122223333", collected_at="2026-11-28T12:00:00+00:00",
                        regions=["us-east-1"]).to_dict()
    document.update(changes)
    return document


@pytest.mark.parametrize(("changes", "where"), [
    ({"datasets": []}, "$.datasets"),
    ({"regions": "us-east-1"}, "$.regions"),
    ({"datasets": {"ec2.instances": []}}, "$.datasets.ec2.instances"),
    ({"gaps": [{"dataset": "x"}]}, "$.gaps[0]"),
])
def test_a_snapshot_that_breaks_the_schema_is_refused_with_the_json_path(changes: dict[str, object],
                                                                         where: str) -> None:
    from cloudwarden.core.errors import InputError
    from cloudwarden.inventory.snapshot import Snapshot

    with pytest.raises(InputError, match=rf"at {re.escape(where)}:"):
        Snapshot.from_dict(_document(**changes))


def test_a_valid_snapshot_document_loads() -> None:
    from cloudwarden.inventory.snapshot import Snapshot

    assert Snapshot.from_dict(_document(datasets={"ec2.instances": {"us-east-1": []}})).regions == ["us-east-1"]
