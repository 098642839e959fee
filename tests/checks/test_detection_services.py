"""PASS and FAIL cases for AWS Config, GuardDuty (detector and protection plans) and Security Hub."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.inventory.snapshot import Gap
from tests.checks.cases import ACCOUNT, Case, Regional, assert_case

SLR = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"


def recorder(all_supported: bool = True, global_types: bool = True, role: str = SLR) -> dict[str, Any]:
    return {"name": "default", "roleARN": role, "recordingGroup": {
        "allSupported": all_supported, "includeGlobalResourceTypes": global_types,
        "resourceTypes": [] if all_supported else ["AWS::EC2::Instance"]}}


def status(recording: bool = True, last: str = "SUCCESS", **fields: Any) -> dict[str, Any]:
    return {"name": "default", "recording": recording, "lastStatus": last, **fields}


CHANNEL = {"name": "default", "s3BucketName": "config-history"}


def config(east: tuple[Any, Any, Any], west: tuple[Any, Any, Any] | None = None) -> dict[str, Any]:
    """(recorders, statuses, channels) for us-east-1 and eu-west-1 (default: regional-only recorder)."""
    west = west or ([recorder(global_types=False)], [status()], [CHANNEL])
    return {name: Regional({"us-east-1": east[i], "eu-west-1": west[i]})
            for i, name in enumerate(("config.recorders", "config.recorder_status", "config.delivery_channels"))}


GOOD = ([recorder()], [status()], [CHANNEL])
CUSTOM = ([recorder(role=f"arn:aws:iam::{ACCOUNT}:role/config")], [status()], [CHANNEL])


def detector(status_: str = "ENABLED", *features: tuple[str, str], extra: dict[str, str] | None = None
             ) -> dict[str, Any]:
    listed = [{"Name": name, "Status": state} for name, state in features]
    if extra:
        listed[0]["AdditionalConfiguration"] = [{"Name": k, "Status": v} for k, v in extra.items()]
    return {"Status": status_, "Features": listed,
            "DataSources": {"S3Logs": {"Status": "DISABLED"}}}  # legacy block: must be ignored


def guardduty(east: dict[str, Any] | None, west: dict[str, Any] | None = None) -> dict[str, Any]:
    west = west if west is not None else detector()
    per_region = {"us-east-1": ("d-east", east), "eu-west-1": ("d-west", west)}
    return {"guardduty.detector_ids": Regional({r: [i] if d else [] for r, (i, d) in per_region.items()}),
            "guardduty.detectors": Regional({r: {i: d} if d else {} for r, (i, d) in per_region.items()})}


HUB = {"HubArn": f"arn:aws:securityhub:us-east-1:{ACCOUNT}:hub/default", "SubscribedAt": "2026-01-01T00:00:00Z"}
FSBP = {"StandardsArn": "arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0",
        "StandardsStatus": "READY"}
CIS = {"StandardsArn": "arn:aws:securityhub:us-east-1::standards/cis-aws-foundations-benchmark/v/3.0.0",
       "StandardsStatus": "READY"}
REC, DELIVERY = "config.recorder_all_regions", "config.delivery_channel_healthy"
GD = "guardduty.enabled_all_regions"
STD_GAP = Gap("securityhub.enabled_standards", "securityhub", "GetEnabledStandards", "us-east-1",
              "NotImplemented", "the endpoint does not implement this operation")

FEATURE_CASES = [
    ("guardduty.s3_protection", "S3_DATA_EVENTS"), ("guardduty.rds_protection", "RDS_LOGIN_EVENTS"),
    ("guardduty.ec2_malware_protection", "EBS_MALWARE_PROTECTION"), ("guardduty.eks_audit_logs", "EKS_AUDIT_LOGS"),
    ("guardduty.lambda_protection", "LAMBDA_NETWORK_LOGS"),
]
AGENTS = {"EKS_ADDON_MANAGEMENT": "ENABLED", "ECS_FARGATE_AGENT_MANAGEMENT": "ENABLED",
          "EC2_AGENT_MANAGEMENT": "ENABLED"}

CASES = [
    Case("pass-all-regions", REC, config(GOOD), message="global resource types (IAM) are recorded in us-east-1"),
    Case("fail-stopped", REC, config(([recorder()], [status(recording=False)], [CHANNEL])),
         resource="config/us-east-1", message="is stopped"),
    Case("fail-selected-types", REC, config(([recorder(all_supported=False)], [status()], [CHANNEL])),
         resource="config/us-east-1", message="only selected resource types"),
    Case("fail-no-recorder", REC, config(([], [], [])), resource="config/us-east-1",
         message="no configuration recorder"),
    Case("fail-no-global-types", REC, config(([recorder(global_types=False)], [status()], [CHANNEL])),
         resource=ACCOUNT, message="no region records global resource types"),
    Case("unknown-status-unread", REC, {**config(GOOD), "config.recorder_status": Regional({"eu-west-1": [status()]})},
         resource="config/us-east-1", message="not evaluated"),
    Case("pass-slr", "config.recorder_service_linked_role", config(GOOD)),
    Case("fail-custom-role", "config.recorder_service_linked_role",
         config(CUSTOM, CUSTOM), message="role/config"),
    Case("pass-delivering", DELIVERY, config(GOOD), message="s3://config-history"),
    Case("fail-no-channel", DELIVERY, config(([recorder()], [status()], [])), resource="config/us-east-1",
         message="no delivery channel"),
    Case("fail-delivery-error", DELIVERY, config(([recorder()], [status(
        last="FAILURE", lastErrorCode="NoSuchBucketException", lastErrorMessage="bucket gone")], [CHANNEL])),
         resource="config/us-east-1", message="NoSuchBucketException bucket gone"),
    Case("pass-guardduty", GD, guardduty(detector()), message="is enabled"),
    Case("fail-no-detector", GD, guardduty(None), resource="guardduty/us-east-1", message="no GuardDuty detector"),
    Case("fail-suspended", GD, guardduty(detector("DISABLED")), resource="guardduty/us-east-1",
         message="is DISABLED"),
    Case("pass-runtime", "guardduty.runtime_monitoring", guardduty(
        detector("ENABLED", ("RUNTIME_MONITORING", "ENABLED"), extra=AGENTS), {}), resource="d-east"),
    Case("fail-runtime-no-ecs", "guardduty.runtime_monitoring", guardduty(detector(
        "ENABLED", ("RUNTIME_MONITORING", "ENABLED"), extra={**AGENTS, "ECS_FARGATE_AGENT_MANAGEMENT": "DISABLED"}),
        {}), message="ECS_FARGATE_AGENT_MANAGEMENT not enabled"),
    Case("pass-hub", "securityhub.enabled", {"securityhub.hub": Regional({"us-east-1": HUB, "eu-west-1": HUB})}),
    Case("fail-no-hub", "securityhub.enabled", {"securityhub.hub": Regional({"us-east-1": HUB, "eu-west-1": None})},
         resource="securityhub/eu-west-1", message="not enabled"),
    Case("pass-standards", "securityhub.standards_enabled", {
        "securityhub.hub": Regional({"us-east-1": HUB, "eu-west-1": HUB}),
        "securityhub.enabled_standards": Regional({"us-east-1": [FSBP, CIS], "eu-west-1": [CIS, FSBP]})}),
    Case("fail-cis-missing", "securityhub.standards_enabled", {
        "securityhub.hub": Regional({"us-east-1": HUB, "eu-west-1": HUB}),
        "securityhub.enabled_standards": Regional({"us-east-1": [FSBP], "eu-west-1": [CIS, FSBP]})},
         resource="securityhub/us-east-1", message="not enabled: CIS AWS Foundations"),
    Case("fail-standards-no-hub", "securityhub.standards_enabled", {
        "securityhub.hub": Regional({"us-east-1": None, "eu-west-1": HUB}),
        "securityhub.enabled_standards": Regional({"us-east-1": None, "eu-west-1": [CIS, FSBP]})},
         resource="securityhub/us-east-1", message="Security Hub is not enabled"),
    Case("unknown-standards-unread", "securityhub.standards_enabled", {
        "securityhub.hub": Regional({"us-east-1": HUB, "eu-west-1": HUB}),
        "securityhub.enabled_standards": Regional({"eu-west-1": [CIS, FSBP]})}, gaps=[STD_GAP],
         resource="securityhub/us-east-1", message="does not implement"),
] + [
    case
    for check_id, feature in FEATURE_CASES
    for case in (
        Case("pass-feature-enabled", check_id, guardduty(detector("ENABLED", (feature, "ENABLED")), {}),
             message=f"{feature} is ENABLED"),
        Case("fail-feature-disabled", check_id, guardduty(detector("ENABLED", (feature, "DISABLED")), {}),
             message=f"{feature} is DISABLED"),
        Case("fail-feature-absent", check_id, guardduty(detector(), {}), message="not configured"),
        Case("fail-detector-suspended", check_id, guardduty(detector("DISABLED", (feature, "ENABLED")), {}),
             message="detector is DISABLED"),
    )
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)
