"""Detective-control fixes: CloudTrail log-file validation and S3 data events, the 15 CIS metric
filters with their alarms, GuardDuty detectors and protection plans, Security Hub.

Undo steps may name a value only known after the apply (the id of a detector the fix creates) as
``{"$from_step": N, "$path": "JMESPath"}``; the engine resolves it from step N's answer.
"""

from __future__ import annotations

import re
from typing import Any

from cloudwarden.checks._cis_detections import DETECTIONS
from cloudwarden.core.arn import parse_arn, partition_of
from cloudwarden.remediate.model import CannotFix, Plan, Reader, Step, Target, fix, region_of

NAMESPACE = "CloudwardenCIS"


def _home(reader: Reader) -> str:
    return str(reader.options.get("home_region") or "us-east-1")


def monitoring_trail(reader: Reader, need_logs: bool = False) -> dict[str, Any]:
    """The multi-region, logging trail the account-level trail checks rely on."""
    home = _home(reader)
    answer = reader.call("cloudtrail", home, "describe_trails", includeShadowTrails=True) or {}
    candidates = []
    for trail in answer.get("trailList") or []:
        if not trail.get("IsMultiRegionTrail"):
            continue
        region = str(trail.get("HomeRegion") or home)
        status = reader.call("cloudtrail", region, "get_trail_status", Name=trail["TrailARN"]) or {}
        if status.get("IsLogging") and (trail.get("CloudWatchLogsLogGroupArn") or not need_logs):
            candidates.append(trail)
    if not candidates:
        raise CannotFix("no logging multi-region trail" + (" delivers to CloudWatch Logs" if need_logs else "")
                        + "; fix cloudtrail.multi_region_trail_logging / cloudwatch_logs_integration first")
    return sorted(candidates, key=lambda t: str(t["TrailARN"]))[0]


@fix("cloudtrail.log_file_validation",
     summary="Turn on log-file integrity validation (digest files) for the trail.",
     risk="low: CloudTrail writes an hourly digest file beside the logs",
     writes=["cloudtrail:UpdateTrail"])
def log_file_validation(reader: Reader, target: Target) -> Plan | None:
    name = target.resource_arn or target.resource_id
    answer = reader.call("cloudtrail", region_of(target), "describe_trails", trailNameList=[name]) or {}
    trails = answer.get("trailList") or []
    if not trails:
        raise CannotFix(f"trail {target.resource_id} no longer exists")
    trail = trails[0]
    if trail.get("LogFileValidationEnabled"):
        return None
    region = str(trail.get("HomeRegion") or region_of(target))
    return False, [Step("cloudtrail", region, "update_trail", {"Name": trail["TrailARN"], "EnableLogFileValidation": True})], \
        [Step("cloudtrail", region, "update_trail", {"Name": trail["TrailARN"], "EnableLogFileValidation": False})]


@fix("cloudtrail.s3_data_events_read", "cloudtrail.s3_data_events_write",
     summary="Add an event selector recording read and write S3 object-level events of every bucket to the "
             "multi-region trail.",
     risk="low: CloudTrail charges for data events; log volume grows",
     writes=["cloudtrail:PutEventSelectors"])
def s3_data_events(reader: Reader, _target: Target) -> Plan | None:
    trail = monitoring_trail(reader)
    region = str(trail.get("HomeRegion") or _home(reader))
    answer = reader.call("cloudtrail", region, "get_event_selectors", TrailName=trail["TrailARN"]) or {}
    if answer.get("AdvancedEventSelectors"):
        raise CannotFix(f"trail {trail['Name']} uses advanced event selectors; add the S3 data events there")
    current = answer.get("EventSelectors") or []
    # No selector at all means the default one (every management event); adding ours must keep it.
    kept = current or [{"ReadWriteType": "All", "IncludeManagementEvents": True}]
    partition = partition_of(str(trail["TrailARN"]))
    everything = f"arn:{partition}:s3"
    for selector in current:
        for resource in selector.get("DataResources") or []:
            if resource.get("Type") == "AWS::S3::Object" and everything in (resource.get("Values") or []) \
                    and selector.get("ReadWriteType") == "All":
                return None
    ours = {"ReadWriteType": "All", "IncludeManagementEvents": False,
            "DataResources": [{"Type": "AWS::S3::Object", "Values": [everything]}]}
    base = {"TrailName": trail["TrailARN"]}
    return current, [Step("cloudtrail", region, "put_event_selectors", {**base, "EventSelectors": [*kept, ours]})], \
        [Step("cloudtrail", region, "put_event_selectors", {**base, "EventSelectors": kept})]


def metric_slug(check_id: str) -> str:
    """The metric (and filter/alarm suffix) name of a CIS detection: alarm_root_usage -> root-usage."""
    return re.sub(r"[^a-z0-9]+", "-", check_id.split(".", 1)[1].removeprefix("alarm_"))


TOPIC = "cloudwarden-cis-alarms"


def alarm_topic(reader: Reader, region: str, partition: str, account: str) -> tuple[str, list[Step], list[Step]]:
    """The alarms' SNS topic: --alarm-topic as given, or cloudwarden-cis-alarms with an e-mail
    subscription to --alarm-email (made if missing; undo deletes only a topic made here)."""
    topic = str(reader.options.get("alarm_topic") or "")
    if topic:
        if not topic.startswith("arn:"):
            raise CannotFix(f"--alarm-topic {topic!r} is not an SNS topic ARN")
        return topic, [], []
    email = str(reader.options.get("alarm_email") or "")
    if "@" not in email:
        raise CannotFix("give --alarm-topic ARN (an SNS topic with a confirmed subscriber, in the log group's "
                        "region) or --alarm-email ADDRESS (a topic is made and the address subscribed)")
    arn = f"arn:{partition}:sns:{region}:{account}:{TOPIC}"
    subscriptions = reader.call("sns", region, "list_subscriptions_by_topic", absent=("NotFound",), TopicArn=arn)
    if subscriptions is None:
        return arn, [Step("sns", region, "create_topic", {"Name": TOPIC}),
                     Step("sns", region, "subscribe", {"TopicArn": arn, "Protocol": "email", "Endpoint": email})], \
            [Step("sns", region, "delete_topic", {"TopicArn": arn})]
    if not any(s.get("Endpoint") == email for s in subscriptions.get("Subscriptions") or []):
        return arn, [Step("sns", region, "subscribe", {"TopicArn": arn, "Protocol": "email", "Endpoint": email})], []
    return arn, [], []


def _alarm_fix(check_id: str) -> None:
    detection = DETECTIONS[check_id]
    slug = metric_slug(check_id)

    @fix(check_id, summary=f"On the multi-region trail's log group, a metric filter for {detection.label} and an "
                           f"alarm on it notifying the SNS topic given with --alarm-topic (or the topic {TOPIC}, made "
                           "with an e-mail subscription to --alarm-email).",
         risk="low: adds a metric filter and an alarm; the topic's subscribers get notified",
         writes=["logs:PutMetricFilter", "logs:DeleteMetricFilter", "cloudwatch:PutMetricAlarm",
                 "cloudwatch:DeleteAlarms", "sns:CreateTopic", "sns:Subscribe", "sns:DeleteTopic"])
    def planner(reader: Reader, _target: Target) -> Plan | None:
        trail = monitoring_trail(reader, need_logs=True)
        group_arn = parse_arn(str(trail["CloudWatchLogsLogGroupArn"]))
        if group_arn is None or not group_arn.resource.startswith("log-group:"):
            raise CannotFix(f"not a log group ARN: {trail['CloudWatchLogsLogGroupArn']}")
        region, group = group_arn.region, group_arn.resource.split(":")[1]
        topic, topic_steps, topic_undo = alarm_topic(reader, region, group_arn.partition, group_arn.account)
        name = f"cloudwarden-{slug}"
        filters = reader.call("logs", region, "describe_metric_filters", logGroupName=group,
                              filterNamePrefix=name) or {}
        alarms = reader.call("cloudwatch", region, "describe_alarms", AlarmNames=[name]) or {}
        have_filter = any(f.get("filterName") == name for f in filters.get("metricFilters") or [])
        have_alarm = any(topic in (a.get("AlarmActions") or []) for a in alarms.get("MetricAlarms") or [])
        if have_filter and have_alarm:
            return None
        steps = [*topic_steps,
            Step("logs", region, "put_metric_filter", {
                "logGroupName": group, "filterName": name, "filterPattern": detection.pattern,
                "metricTransformations": [{"metricName": slug, "metricNamespace": NAMESPACE, "metricValue": "1"}]}),
            Step("cloudwatch", region, "put_metric_alarm", {
                "AlarmName": name, "AlarmDescription": f"CIS: {detection.label} (cloudwarden)",
                "MetricName": slug, "Namespace": NAMESPACE, "Statistic": "Sum", "Period": 300,
                "EvaluationPeriods": 1, "Threshold": 1.0, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "TreatMissingData": "notBreaching", "ActionsEnabled": True, "AlarmActions": [topic]}),
        ]
        # Undo removes only the filter and alarm the fix created (names prefixed cloudwarden-).
        undo = [Step("logs", region, "delete_metric_filter", {"logGroupName": group, "filterName": name}),
                Step("cloudwatch", region, "delete_alarms", {"AlarmNames": [name]}), *topic_undo]
        return {"metric_filter": have_filter, "alarm": have_alarm}, steps, undo


for _check_id in DETECTIONS:
    _alarm_fix(_check_id)


def protection_plans() -> list[dict[str, Any]]:
    """Every protection plan the guardduty.* plan checks ask for, enabled (as the baseline template has them)."""
    features = []
    for feature, agents in FEATURES.values():
        entry: dict[str, Any] = {"Name": feature, "Status": "ENABLED"}
        if agents:
            entry["AdditionalConfiguration"] = [{"Name": a, "Status": "ENABLED"} for a in agents]
        features.append(entry)
    return features


@fix("guardduty.enabled_all_regions",
     summary="Create the region's GuardDuty detector with every protection plan (S3, EKS audit logs, EBS malware, "
             "RDS logins, Lambda, runtime monitoring), or re-enable a disabled one.",
     risk="low: GuardDuty and each protection plan are billed by analysed volume",
     writes=["guardduty:CreateDetector", "guardduty:UpdateDetector"])
def guardduty_detector(reader: Reader, target: Target) -> Plan | None:
    region = region_of(target)
    ids = (reader.call("guardduty", region, "list_detectors") or {}).get("DetectorIds") or []
    if not ids:
        # Undo disables the new detector rather than deleting it (deleting drops its findings).
        return None, [Step("guardduty", region, "create_detector", {
            "Enable": True, "FindingPublishingFrequency": "FIFTEEN_MINUTES", "Features": protection_plans()})], \
            [Step("guardduty", region, "update_detector",
                  {"DetectorId": {"$from_step": 0, "$path": "DetectorId"}, "Enable": False})]
    detector = reader.call("guardduty", region, "get_detector", DetectorId=ids[0]) or {}
    if detector.get("Status") == "ENABLED":
        return None
    return detector.get("Status"), [Step("guardduty", region, "update_detector", {"DetectorId": ids[0], "Enable": True})], \
        [Step("guardduty", region, "update_detector", {"DetectorId": ids[0], "Enable": False})]


FEATURES = {
    "guardduty.s3_protection": ("S3_DATA_EVENTS", ()),
    "guardduty.rds_protection": ("RDS_LOGIN_EVENTS", ()),
    "guardduty.ec2_malware_protection": ("EBS_MALWARE_PROTECTION", ()),
    "guardduty.runtime_monitoring": ("RUNTIME_MONITORING", ("EKS_ADDON_MANAGEMENT", "ECS_FARGATE_AGENT_MANAGEMENT",
                                                            "EC2_AGENT_MANAGEMENT")),
    "guardduty.eks_audit_logs": ("EKS_AUDIT_LOGS", ()),
    "guardduty.lambda_protection": ("LAMBDA_NETWORK_LOGS", ()),
}


def _feature_fix(check_id: str, feature: str, agents: tuple[str, ...]) -> None:
    @fix(check_id, summary=f"Enable the GuardDuty feature {feature}" + (f" with {', '.join(agents)}" if agents else "")
         + " on the detector.", risk="low: billed by analysed volume",
         writes=["guardduty:UpdateDetector"])
    def planner(reader: Reader, target: Target) -> Plan | None:
        region = region_of(target)
        detector = reader.call("guardduty", region, "get_detector", absent=("BadRequestException",),
                               DetectorId=target.resource_id)
        if detector is None:
            raise CannotFix(f"detector {target.resource_id} no longer exists")
        found: dict[str, Any] = next((f for f in detector.get("Features") or [] if f.get("Name") == feature), {})
        extras = {c.get("Name"): c.get("Status") for c in found.get("AdditionalConfiguration") or []}
        if found.get("Status") == "ENABLED" and all(extras.get(a) == "ENABLED" for a in agents):
            return None
        wanted: dict[str, Any] = {"Name": feature, "Status": "ENABLED"}
        if agents:
            wanted["AdditionalConfiguration"] = [{"Name": a, "Status": "ENABLED"} for a in agents]
        old: dict[str, Any] = {"Name": feature, "Status": found.get("Status") or "DISABLED"}
        if agents:
            old["AdditionalConfiguration"] = [{"Name": a, "Status": extras.get(a) or "DISABLED"} for a in agents]
        base = {"DetectorId": target.resource_id}
        return found or None, [Step("guardduty", region, "update_detector", {**base, "Features": [wanted]})], \
            [Step("guardduty", region, "update_detector", {**base, "Features": [old]})]


for _check_id, (_feature, _agents) in FEATURES.items():
    _feature_fix(_check_id, _feature, _agents)


@fix("securityhub.enabled",
     summary="Enable Security Hub in the region (without its default standards; see securityhub.standards_enabled).",
     risk="low: billed per check and finding ingested",
     writes=["securityhub:EnableSecurityHub", "securityhub:DisableSecurityHub"])
def securityhub_on(reader: Reader, target: Target) -> Plan | None:
    region = region_of(target)
    hub = reader.call("securityhub", region, "describe_hub",
                      absent=("InvalidAccessException", "ResourceNotFoundException"))
    if hub:
        return None
    return None, [Step("securityhub", region, "enable_security_hub", {"EnableDefaultStandards": False})], \
        [Step("securityhub", region, "disable_security_hub", {})]


STANDARDS = {"aws-foundational-security-best-practices": "standards/aws-foundational-security-best-practices/v/1.0.0",
             "cis-aws-foundations-benchmark": "standards/cis-aws-foundations-benchmark/v/3.0.0"}


@fix("securityhub.standards_enabled",
     summary="Subscribe Security Hub to the AWS Foundational Security Best Practices (1.0.0) and CIS AWS "
             "Foundations (3.0.0) standards where neither version is enabled.",
     risk="low: billed per security check; controls start producing findings",
     writes=["securityhub:BatchEnableStandards", "securityhub:BatchDisableStandards"])
def securityhub_standards(reader: Reader, target: Target) -> Plan | None:
    region = region_of(target)
    hub = reader.call("securityhub", region, "describe_hub",
                      absent=("InvalidAccessException", "ResourceNotFoundException"))
    if not hub:
        raise CannotFix("Security Hub is not enabled in the region; fix securityhub.enabled first")
    partition = partition_of(str(hub.get("HubArn") or "arn:aws:"))
    enabled = (reader.call("securityhub", region, "get_enabled_standards") or {}).get("StandardsSubscriptions") or []
    active = [str(s.get("StandardsArn")) for s in enabled if s.get("StandardsStatus") not in ("DELETING", "FAILED")]
    missing = [f"arn:{partition}:securityhub:{region}::{path}" for key, path in STANDARDS.items()
               if not any(key in a for a in active)]
    if not missing:
        return None
    return active, [Step("securityhub", region, "batch_enable_standards", {
        "StandardsSubscriptionRequests": [{"StandardsArn": a} for a in missing]})], \
        [Step("securityhub", region, "batch_disable_standards", {"StandardsSubscriptionArns": {
            "$from_step": 0, "$path": "StandardsSubscriptions[].StandardsSubscriptionArn"}})]
