"""Detective-control reads: CloudTrail, CloudWatch, Logs, SNS, Config, GuardDuty, Security Hub."""

from __future__ import annotations

from typing import Any

from cloudwarden.collect.spec import Call
from cloudwarden.inventory.snapshot import Snapshot


def _trail_home(trail: Any, _snapshot: Snapshot) -> str:
    return str(trail.get("HomeRegion") or "us-east-1")




def _at_home(trail: Any, region: str) -> bool:
    # A multi-region trail shows up in every region; read its status once, in its home region.
    return trail.get("HomeRegion", region) == region


SPECS = [
    Call("cloudtrail.trails", "cloudtrail", "describe_trails", "trailList",
         params={"includeShadowTrails": True}),
    Call("cloudtrail.trail_status", "cloudtrail", "get_trail_status", per="cloudtrail.trails",
         per_params=lambda t: {"Name": t["TrailARN"]}, per_key=lambda t: t["TrailARN"],
         per_region=_trail_home, per_filter=_at_home),
    Call("cloudtrail.event_selectors", "cloudtrail", "get_event_selectors",
         ("EventSelectors", "AdvancedEventSelectors"), per="cloudtrail.trails",
         per_params=lambda t: {"TrailName": t["TrailARN"]}, per_key=lambda t: t["TrailARN"],
         per_region=_trail_home, per_filter=_at_home),
    Call("logs.metric_filters", "logs", "describe_metric_filters", "metricFilters", paginate=True),
    Call("logs.log_groups", "logs", "describe_log_groups", "logGroups", paginate=True),
    Call("logs.resource_policies", "logs", "describe_resource_policies", "resourcePolicies", paginate=True),
    Call("cloudwatch.alarms", "cloudwatch", "describe_alarms", "MetricAlarms", paginate=True),
    Call("sns.subscriptions", "sns", "list_subscriptions", "Subscriptions", paginate=True),
    Call("config.recorders", "config", "describe_configuration_recorders", "ConfigurationRecorders"),
    Call("config.recorder_status", "config", "describe_configuration_recorder_status",
         "ConfigurationRecordersStatus"),
    Call("config.delivery_channels", "config", "describe_delivery_channels", "DeliveryChannels"),
    Call("guardduty.detector_ids", "guardduty", "list_detectors", "DetectorIds", paginate=True),
    Call("guardduty.detectors", "guardduty", "get_detector", per="guardduty.detector_ids",
         per_params=lambda detector_id: {"DetectorId": detector_id}, per_key=lambda d: d),
    # Not subscribed is an answer, not a gap: the value is then None.
    Call("securityhub.hub", "securityhub", "describe_hub",
         absent_codes=("InvalidAccessException", "ResourceNotFoundException")),
    Call("securityhub.enabled_standards", "securityhub", "get_enabled_standards", "StandardsSubscriptions",
         paginate=True,
         absent_codes=("InvalidAccessException", "ResourceNotFoundException")),
]
