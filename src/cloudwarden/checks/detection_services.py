"""Managed detection services per region: AWS Config, GuardDuty (and its protection plans), Security Hub.

Reads config.*, guardduty.* and securityhub.* (regional). GuardDuty protection plans are read
from the detector's `Features`, never the legacy `DataSources` block. Security Hub's hub is None
when the account is not subscribed in that region (an answer, not a gap).
"""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.checks._trails import ACCOUNT_RESOURCE
from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import every_region, verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.core.enums import Status
from cloudwarden.inventory.views.config import (
    CHANNELS,
    RECORDER_STATUS,
    RECORDERS,
    ConfigView,
    Recorder,
    RecorderStatus,
)
from cloudwarden.inventory.views.guardduty import DETECTOR_IDS, DETECTORS, DetectorDetail, GuardDutyView
from cloudwarden.inventory.views.securityhub import HUB, STANDARDS, Hub, SecurityHubView

CONFIG_DOC = "https://docs.aws.amazon.com/config/latest/developerguide/"
GD_DOC = "https://docs.aws.amazon.com/guardduty/latest/ug/"
SH_DOC = "https://docs.aws.amazon.com/securityhub/latest/userguide/"


# -- AWS Config --

def _statuses(ctx: CheckContext, region: str) -> dict[str, RecorderStatus]:
    return {s.name: s for s in ctx.view(ConfigView).statuses(region)}


def _recorder_state(recorder: Recorder, state: RecorderStatus | None) -> tuple[bool, str]:
    everything = recorder.records_everything
    recording = state is not None and state.recording
    scope = "all supported resource types" if everything else "only selected resource types"
    return everything and recording, (f"recorder {recorder.name} covers {scope} and is "
                                      + ("recording" if recording else "stopped"))


@check("config.recorder_all_regions", resource_type="AWS::Config::ConfigurationRecorder",
       datasets=[RECORDERS, RECORDER_STATUS],
       fix="In every region, record all supported resource types (global types in one region) and start "
           "the recorder.",
       cli="aws configservice put-configuration-recorder --configuration-recorder name=default,roleARN=ROLE "
           "--recording-group allSupported=true,includeGlobalResourceTypes=true && "
           "aws configservice start-configuration-recorder --configuration-recorder-name default",
       doc=CONFIG_DOC + "stop-start-recorder.html")
def recorder_all_regions(ctx: CheckContext) -> Iterator[Result]:
    global_recorded: list[str] = []
    for region, recorders in ctx.regions_of(ctx.view(ConfigView).recorders):
        resource = f"config/{region}"
        with ctx.resource(resource, region):
            states = _statuses(ctx, region)
            judged = [(_recorder_state(r, states.get(r.name)), r) for r in recorders]
            good = [r for (ok, _), r in judged if ok]
            global_recorded += [region for r in good if r.include_global]
            message = "; ".join(m for (_, m), _ in judged) or "no configuration recorder"
            yield verdict(bool(good), resource, message, region, ctx.arn("config", "recorder", region))
    yield from _global_types_verdict(ctx, global_recorded)


def _global_types_verdict(ctx: CheckContext, regions: list[str]) -> Iterator[Result]:
    if regions:
        yield verdict(True, ctx.account_id, f"global resource types (IAM) are recorded in {regions[0]}",
                      resource_type=ACCOUNT_RESOURCE)
    elif ctx.skipped:
        yield Result(Status.UNKNOWN, ctx.account_id, "not evaluated: global resource types may be "
                     "recorded in a region that could not be read", resource_type=ACCOUNT_RESOURCE)
    else:
        yield verdict(False, ctx.account_id, "no region records global resource types (IAM users, roles, "
                      "policies)", resource_type=ACCOUNT_RESOURCE)


@check("config.recorder_service_linked_role", resource_type="AWS::Config::ConfigurationRecorder",
       datasets=[RECORDERS],
       fix="Switch the recorder to the AWSServiceRoleForConfig service-linked role.",
       cli="aws configservice put-configuration-recorder --configuration-recorder name=default,roleARN="
           "arn:aws:iam::ACCOUNT:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
       doc=CONFIG_DOC + "using-service-linked-roles.html")
def recorder_service_linked_role(ctx: CheckContext) -> Iterator[Result]:
    for region, recorder in ctx.over(ctx.view(ConfigView).recorders):
        role = recorder.role_arn
        linked = role.endswith("/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig")
        yield verdict(linked, recorder.name, f"recorder role {role or '(none)'}", region)


@check("config.delivery_channel_healthy", resource_type="AWS::Config::DeliveryChannel",
       datasets=[RECORDERS, RECORDER_STATUS, CHANNELS],
       fix="Create a delivery channel to an S3 bucket Config can write to, and fix the reported error.",
       cli="aws configservice put-delivery-channel --delivery-channel name=default,s3BucketName=BUCKET",
       doc=CONFIG_DOC + "manage-delivery-channel.html")
def delivery_channel_healthy(ctx: CheckContext) -> Iterator[Result]:
    # Regions without a recorder have nothing to deliver; recorder_all_regions reports them.
    config = ctx.view(ConfigView)
    for region, recorders in ctx.regions_of(config.recorders):
        if not recorders:
            continue
        with ctx.resource(f"config/{region}", region):
            channels = config.channels(region)
            failing = [s for s in _statuses(ctx, region).values() if s.failing]
            if not channels:
                ok, message = False, "a recorder exists but there is no delivery channel"
            elif failing:
                state = failing[0]
                ok, message = False, f"recorder {state.name} last delivery failed: {state.last_error}"
            else:
                targets = ", ".join(str(c) for c in channels)
                ok, message = True, f"delivery channel {targets}; no failure reported"
            yield verdict(ok, f"config/{region}", message, region)


# -- GuardDuty --

def _detectors(ctx: CheckContext) -> Iterator[tuple[str, list[tuple[str, DetectorDetail]]]]:
    """(region, [(detector id, detector)]) per readable region; a missing detector is UNKNOWN."""
    for region, detectors in ctx.regions_of(ctx.view(GuardDutyView).detectors):
        with ctx.resource(f"guardduty/{region}", region):
            yield region, [(d.id, d.detail.get()) for d in detectors]


@check("guardduty.enabled_all_regions", resource_type="AWS::GuardDuty::Detector",
       datasets=[DETECTOR_IDS, DETECTORS],
       fix="Enable GuardDuty in every region (ideally organization-wide from a delegated administrator).",
       cli="aws guardduty create-detector --enable --region REGION", doc=GD_DOC + "guardduty_settingup.html")
def enabled_all_regions(ctx: CheckContext) -> Iterator[Result]:
    for region, detectors in _detectors(ctx):
        enabled = [i for i, d in detectors if d.enabled]
        if enabled:
            message = f"detector {enabled[0]} is enabled"
        elif detectors:
            message = f"detector {detectors[0][0]} is {detectors[0][1].status}"
        else:
            message = "no GuardDuty detector"
        yield verdict(bool(enabled), f"guardduty/{region}", message, region,
                      ctx.arn("guardduty", "detector", region))


def _feature_state(detector: DetectorDetail, feature: str, agents: tuple[str, ...]) -> tuple[bool, str]:
    found = detector.feature(feature)
    status = found.status
    extras = dict(found.extras)
    off = [a for a in agents if extras.get(a) != "ENABLED"]
    if not detector.enabled:
        return False, f"detector is {detector.status}; {feature} {status}"
    if status != "ENABLED":
        return False, f"{feature} is {status}"
    return not off, f"{feature} is ENABLED" + (f" but {', '.join(off)} not enabled" if off else "")


FEATURES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "guardduty.s3_protection": ("S3_DATA_EVENTS", (), "s3-protection.html"),
    "guardduty.rds_protection": ("RDS_LOGIN_EVENTS", (), "rds-protection.html"),
    "guardduty.ec2_malware_protection": ("EBS_MALWARE_PROTECTION", (), "malware-protection.html"),
    "guardduty.runtime_monitoring": ("RUNTIME_MONITORING", ("EKS_ADDON_MANAGEMENT",
                                     "ECS_FARGATE_AGENT_MANAGEMENT", "EC2_AGENT_MANAGEMENT"),
                                     "runtime-monitoring.html"),
    "guardduty.eks_audit_logs": ("EKS_AUDIT_LOGS", (), "kubernetes-protection.html"),
    "guardduty.lambda_protection": ("LAMBDA_NETWORK_LOGS", (), "lambda-protection.html"),
}


def _register_feature(check_id: str, feature: str, agents: tuple[str, ...], page: str) -> None:
    extra = "".join(f',{{"Name":"{a}","Status":"ENABLED"}}' for a in agents).lstrip(",")
    config = f',"AdditionalConfiguration":[{extra}]' if agents else ""

    @check(check_id, resource_type="AWS::GuardDuty::Detector", datasets=[DETECTOR_IDS, DETECTORS],
           fix=f"Turn on the GuardDuty {feature} protection plan on each region's detector"
               + (" with automated agent management." if agents else "."),
           cli=f"aws guardduty update-detector --detector-id ID --features "
               f"'[{{\"Name\":\"{feature}\",\"Status\":\"ENABLED\"{config}}}]'",
           doc=GD_DOC + page)
    def feature_enabled(ctx: CheckContext) -> Iterator[Result]:
        for region, detectors in _detectors(ctx):
            for detector_id, detector in detectors:
                ok, message = _feature_state(detector, feature, agents)
                arn = ctx.arn("guardduty", f"detector/{detector_id}", region)
                yield verdict(ok, detector_id, message, region, arn)


for _check_id, (_feature, _agents, _page) in FEATURES.items():
    _register_feature(_check_id, _feature, _agents, _page)


# -- Security Hub --

@check("securityhub.enabled", resource_type="AWS::SecurityHub::Hub", datasets=[HUB],
       fix="Enable Security Hub in every region (and aggregate findings into one region).",
       cli="aws securityhub enable-security-hub --enable-default-standards --region REGION",
       doc=SH_DOC + "securityhub-settingup.html")
def securityhub_enabled(ctx: CheckContext) -> Iterator[Result]:
    def judge(_region: str, hub: Hub | None) -> tuple[bool, str]:
        if hub is None:
            return False, "Security Hub is not enabled"
        return True, f"enabled since {hub.subscribed_at}"
    yield from every_region(ctx, ctx.view(SecurityHubView).hub, judge, "securityhub")


_WANTED_STANDARDS = {"aws-foundational-security-best-practices": "AWS FSBP",
                     "cis-aws-foundations-benchmark": "CIS AWS Foundations"}


@check("securityhub.standards_enabled", resource_type="AWS::SecurityHub::Hub", datasets=[HUB, STANDARDS],
       fix="Enable the AWS Foundational Security Best Practices and CIS AWS Foundations standards.",
       cli="aws securityhub batch-enable-standards --standards-subscription-requests "
           "StandardsArn=arn:aws:securityhub:REGION::standards/"
           "aws-foundational-security-best-practices/v/1.0.0",
       doc=SH_DOC + "enable-standards.html")
def standards_enabled(ctx: CheckContext) -> Iterator[Result]:
    hubs = ctx.view(SecurityHubView)
    for region, hub in ctx.region_values(hubs.hub):
        resource = f"securityhub/{region}"
        with ctx.resource(resource, region):
            if hub is None:
                yield verdict(False, resource, "Security Hub is not enabled, so no standard runs", region)
                continue
            active = [s.arn for s in hubs.standards(region) if s.active]
            missing = [label for key, label in _WANTED_STANDARDS.items() if not any(key in a for a in active)]
            yield verdict(not missing, resource, f"not enabled: {', '.join(missing)}" if missing
                          else "AWS FSBP and CIS AWS Foundations standards are enabled", region,
                          ctx.arn("securityhub", "hub/default", region))
