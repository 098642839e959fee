"""PASS, FAIL and UNKNOWN cases for the second batch: launch-template volumes, SSM, volume snapshots, RDS CA."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.core.enums import Status
from tests.checks.cases import Case, assert_case, findings_for
from tests.checks.test_ebs import snapshot, volume
from tests.checks.test_ec2 import here
from tests.checks.test_more_batch1 import vm
from tests.checks.test_rds import ONE_REGION, instance, rds


def template(encrypted: Any) -> dict[str, Any]:
    ebs = {"VolumeSize": 8} if encrypted is None else {"VolumeSize": 8, "Encrypted": encrypted}
    return {"LaunchTemplateId": "lt-1", "LaunchTemplateName": "web", "VersionNumber": 1,
            "LaunchTemplateData": {"BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": ebs}]}}


def templates(encrypted: Any, by_default: bool = False) -> dict[str, Any]:
    return {"ec2.launch_template_versions": [template(encrypted)], "ec2.ebs_encryption_by_default": by_default}


ONLINE = {"InstanceId": "i-1", "PingStatus": "Online", "AgentVersion": "3.3.0"}
CERT = {"CAIdentifier": "rds-ca-rsa2048-g1", "ValidTill": "2061-05-20T00:00:00+00:00"}

CASES = [
    here("pass-template-encrypted", "ec2.launch_template_ebs_encrypted", templates(True), message="encrypted"),
    here("pass-template-plain-but-default-on", "ec2.launch_template_ebs_encrypted", templates(None, True),
         message="encryption by default is on"),
    here("fail-template-plain", "ec2.launch_template_ebs_encrypted", templates(None),
         message="/dev/xvda not marked encrypted"),
    here("fail-template-encrypted-false", "ec2.launch_template_ebs_encrypted", templates(False)),
    here("pass-ssm-online", "ec2.instance_managed_by_ssm",
         {"ec2.instances": [vm()], "ssm.managed_instances": [ONLINE]}, message="ping status Online"),
    here("fail-ssm-missing", "ec2.instance_managed_by_ssm", {"ec2.instances": [vm()], "ssm.managed_instances": []},
         message="not registered"),
    here("fail-ssm-lost", "ec2.instance_managed_by_ssm",
         {"ec2.instances": [vm()], "ssm.managed_instances": [dict(ONLINE, PingStatus="ConnectionLost")]}),
    here("unknown-ssm-unread", "ec2.instance_managed_by_ssm", {"ec2.instances": [vm()]}),
    here("pass-volume-snapshotted", "ebs.volume_has_snapshot",
         {"ec2.volumes": [volume("vol-1")], "ec2.snapshots": [snapshot("snap-1")]}, message="1 snapshot"),
    here("fail-volume-no-snapshot", "ebs.volume_has_snapshot",
         {"ec2.volumes": [volume("vol-2")], "ec2.snapshots": [snapshot("snap-1")]}, message="no snapshot"),
    Case("pass-ca-valid", "rds.ca_certificate_valid", rds([instance(CertificateDetails=CERT)]), regions=ONE_REGION,
         message="rds-ca-rsa2048-g1 valid for"),
    Case("fail-ca-near-expiry", "rds.ca_certificate_valid",
         rds([instance(CertificateDetails=dict(CERT, ValidTill="2026-12-10T00:00:00Z"))]), regions=ONE_REGION,
         message="valid for 11 more days"),
    Case("fail-ca-expired", "rds.ca_certificate_valid",
         rds([instance(CertificateDetails=dict(CERT, ValidTill="2024-08-22T17:08:50Z"))]), regions=ONE_REGION,
         message="expired"),
    Case("unknown-ca-not-returned", "rds.ca_certificate_valid", rds([instance(CACertificateIdentifier="rds-ca-2019")]),
         regions=ONE_REGION),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)


def test_detached_volumes_are_left_to_the_unattached_check() -> None:
    findings = findings_for(here("pass-x", "ebs.volume_has_snapshot",
                                 {"ec2.volumes": [volume("vol-3", instance="")], "ec2.snapshots": []}))
    assert findings == []


def test_missing_snapshot_list_makes_volumes_unknown() -> None:
    findings = findings_for(here("unknown-x", "ebs.volume_has_snapshot", {"ec2.volumes": [volume("vol-1")]}))
    assert {f.status for f in findings} == {Status.UNKNOWN}
