"""PASS and FAIL cases for the EBS encryption, snapshot and volume checks."""

from __future__ import annotations

from typing import Any

import pytest

from tests.checks.cases import ACCOUNT, Case, Regional, assert_case
from tests.checks.test_ec2 import here


def volume(volume_id: str, encrypted: bool = True, instance: str = "i-1") -> dict[str, Any]:
    return {"VolumeId": volume_id, "Encrypted": encrypted, "State": "in-use" if instance else "available",
            "CreateTime": "2026-10-29T12:00:00+00:00",
            "Attachments": [{"InstanceId": instance, "State": "attached"}] if instance else []}


def snapshot(snapshot_id: str, encrypted: bool = True, owner: str = ACCOUNT) -> dict[str, Any]:
    return {"SnapshotId": snapshot_id, "VolumeId": "vol-1", "Encrypted": encrypted, "OwnerId": owner}


PUBLIC = {"ec2.snapshots": [snapshot("snap-1"), snapshot("snap-2")],
          "ec2.public_snapshots": {"snap-2": [{"Group": "all"}]}}

CASES = [
    Case("pass-default-encryption-everywhere", "ebs.default_encryption_enabled",
         {"ec2.ebs_encryption_by_default": Regional({"us-east-1": True, "eu-west-1": True})}),
    Case("fail-default-encryption-off-in-one-region", "ebs.default_encryption_enabled",
         {"ec2.ebs_encryption_by_default": Regional({"us-east-1": True, "eu-west-1": False})},
         resource="ec2/eu-west-1", message="off"),
    here("pass-volume-encrypted", "ebs.volume_encrypted", {"ec2.volumes": [volume("vol-1")]}),
    here("fail-volume-plain", "ebs.volume_encrypted", {"ec2.volumes": [volume("vol-1", encrypted=False)]},
         message="not encrypted; attached to i-1"),
    here("fail-detached-volume-plain", "ebs.volume_encrypted",
         {"ec2.volumes": [volume("vol-2", encrypted=False, instance="")]}, message="not attached"),
    here("pass-volume-attached", "ebs.unattached_volumes", {"ec2.volumes": [volume("vol-1")]}),
    here("fail-volume-unattached", "ebs.unattached_volumes", {"ec2.volumes": [volume("vol-1", instance="")]},
         message="created 30 days ago"),
    here("pass-snapshot-encrypted", "ebs.snapshot_encrypted",
         {"ec2.snapshots": [snapshot("snap-1"), snapshot("snap-amazon", encrypted=False, owner="801119661308")]}),
    here("fail-snapshot-plain", "ebs.snapshot_encrypted", {"ec2.snapshots": [snapshot("snap-1", encrypted=False)]}),
    here("pass-snapshot-private", "ebs.snapshot_not_public", PUBLIC, resource="snap-1"),
    here("pass-candidate-not-granted-all", "ebs.snapshot_not_public",
         {**PUBLIC, "ec2.public_snapshots": {"snap-2": [{"UserId": "444455556666"}]}}),
    here("fail-snapshot-public", "ebs.snapshot_not_public", PUBLIC, resource="snap-2", message="group 'all'"),
    here("unknown-public-snapshots-unread", "ebs.snapshot_not_public", {"ec2.snapshots": [snapshot("snap-1")]}),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)
