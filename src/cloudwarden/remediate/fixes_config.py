"""AWS Config through the fix path: a recorder of all supported resource types (global types in the
home region only) using the AWSServiceRoleForConfig service-linked role, a delivery channel to the
cloudwarden log bucket (made if missing, the one the trail fix makes), and the recorder started.

Each part is planned only when missing or short, so a second run changes nothing. Undo stops the
recorder and removes the channel and recorder the fix created (recorded configuration history stays
in the bucket), or puts back the recorder settings it replaced; the service-linked role and the
bucket are kept.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.remediate.fixes_trail import BUCKET_WRITES, account_of, home_region, log_bucket_steps
from cloudwarden.remediate.model import CannotFix, Plan, Reader, Step, Target, fix

LINKED_ROLE_PATH = "/aws-service-role/config.amazonaws.com/"
LINKED_ROLE = "AWSServiceRoleForConfig"


def _linked_role(reader: Reader, account: str, partition: str) -> tuple[str, list[Step]]:
    arn = f"arn:{partition}:iam::{account}:role{LINKED_ROLE_PATH}{LINKED_ROLE}"
    roles = reader.call("iam", "us-east-1", "list_roles", PathPrefix=LINKED_ROLE_PATH) or {}
    if roles.get("Roles"):
        return arn, []
    return arn, [Step("iam", "us-east-1", "create_service_linked_role", {"AWSServiceName": "config.amazonaws.com"})]


def _recording_group(region: str, home: str, current: dict[str, Any] | None) -> dict[str, Any]:
    group = dict(current or {})
    group.pop("exclusionByResourceTypes", None)
    group.pop("recordingStrategy", None)
    group.update(allSupported=True, resourceTypes=[])
    group["includeGlobalResourceTypes"] = bool(group.get("includeGlobalResourceTypes")) or region == home
    return group


def config_plan(reader: Reader, target: Target, use_linked_role: bool) -> Plan | None:
    home = home_region(reader)
    region = target.region if target.region and target.region != "global" else home
    recorders = (reader.call("config", region, "describe_configuration_recorders") or {}).get(
        "ConfigurationRecorders") or []
    channels = (reader.call("config", region, "describe_delivery_channels") or {}).get("DeliveryChannels") or []
    statuses = (reader.call("config", region, "describe_configuration_recorder_status") or {}).get(
        "ConfigurationRecordersStatus") or []
    account, partition = account_of(reader, target)
    steps: list[Step] = []
    undo: list[Step] = []
    recorder = recorders[0] if recorders else None
    name = str(recorder["name"]) if recorder else "default"
    role = str((recorder or {}).get("roleARN") or "")
    if recorder is None or (use_linked_role and not role.endswith(f"{LINKED_ROLE_PATH}{LINKED_ROLE}")):
        role, made = _linked_role(reader, account, partition)
        steps += made
    group = _recording_group(region, home, (recorder or {}).get("recordingGroup"))
    wanted = {"name": name, "roleARN": role, "recordingGroup": group}
    old_group = (recorder or {}).get("recordingGroup") or {}
    if recorder is None or role != recorder.get("roleARN") or not old_group.get("allSupported") \
            or group["includeGlobalResourceTypes"] != bool(old_group.get("includeGlobalResourceTypes")):
        steps.append(Step("config", region, "put_configuration_recorder", {"ConfigurationRecorder": wanted}))
    if not channels:
        bucket, made = log_bucket_steps(reader, account, partition)
        steps += made
        steps.append(Step("config", region, "put_delivery_channel", {"DeliveryChannel": {
            "name": "default", "s3BucketName": bucket,
            "configSnapshotDeliveryProperties": {"deliveryFrequency": "TwentyFour_Hours"}}}))
    elif target.check_id == "config.delivery_channel_healthy":
        failing = [s for s in statuses if s.get("lastStatus") == "FAILURE"]
        if failing:
            raise CannotFix(f"the delivery channel exists but delivery fails ({failing[0].get('lastErrorCode')}: "
                            f"{failing[0].get('lastErrorMessage')}); fix the bucket or its policy by hand")
    recording = any(s.get("name") == name and s.get("recording") for s in statuses)
    if not recording:
        steps.append(Step("config", region, "start_configuration_recorder", {"ConfigurationRecorderName": name}))
    if not steps:
        return None
    # Undo, last made first: stop, drop the channel made, then the recorder made or its old settings.
    if not recording:
        undo.append(Step("config", region, "stop_configuration_recorder", {"ConfigurationRecorderName": name}))
    if not channels:
        undo.append(Step("config", region, "delete_delivery_channel", {"DeliveryChannelName": "default"}))
    if recorder is None:
        undo.append(Step("config", region, "delete_configuration_recorder", {"ConfigurationRecorderName": name}))
    elif any(s.operation == "put_configuration_recorder" for s in steps):
        old = {k: recorder[k] for k in ("name", "roleARN", "recordingGroup") if k in recorder}
        undo.append(Step("config", region, "put_configuration_recorder", {"ConfigurationRecorder": old}))
    current = {"recorder": recorder, "delivery_channels": channels, "recording": recording}
    return current, steps, undo


_WRITES = [*BUCKET_WRITES, "iam:CreateServiceLinkedRole", "config:PutConfigurationRecorder",
           "config:PutDeliveryChannel", "config:StartConfigurationRecorder", "config:StopConfigurationRecorder",
           "config:DeleteDeliveryChannel", "config:DeleteConfigurationRecorder"]


@fix("config.recorder_all_regions", "config.delivery_channel_healthy",
     summary="Make the region's AWS Config record all supported resource types (global ones in the home region), "
             "with the AWSServiceRoleForConfig service-linked role for a new recorder, a delivery channel to the "
             "cloudwarden log bucket, and the recorder started.",
     risk="low: AWS Config is billed per configuration item recorded",
     writes=_WRITES)
def config_recording(reader: Reader, target: Target) -> Plan | None:
    return config_plan(reader, target, use_linked_role=False)


@fix("config.recorder_service_linked_role",
     summary="Switch the recorder to the AWSServiceRoleForConfig service-linked role (created if missing).",
     risk="low: the service-linked role has the permissions Config needs; a custom role's extras are no longer used",
     writes=_WRITES)
def config_linked_role(reader: Reader, target: Target) -> Plan | None:
    return config_plan(reader, target, use_linked_role=True)
