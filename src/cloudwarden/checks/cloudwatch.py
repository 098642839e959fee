"""CloudWatch alarms: the 15 CIS metric-filter and alarm pairs, and alarms that notify someone.

A CIS pair counts when, on the log group of a multi-region trail that is logging read and write
management events, a metric filter detects the events (judged by running the filter over sample
CloudTrail events, see _cis_detections.py), an alarm watches the filter's metric, and the alarm
has an enabled action to an SNS topic with a confirmed subscriber. The FAIL message names the
first missing link. One account-wide verdict per detection.
"""

from __future__ import annotations

from typing import Any, Iterator

from cloudwarden.checks._cis_detections import DETECTIONS, Detection
from cloudwarden.checks._filter_pattern import PatternError, compile_pattern
from cloudwarden.checks._trails import ACCOUNT_RESOURCE, SELECTORS, STATUS, TRAILS, monitored_trails
from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import failed, passed, verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.inventory.snapshot import DataUnavailable

FILTERS = "logs.metric_filters"
ALARMS = "cloudwatch.alarms"
SUBSCRIPTIONS = "sns.subscriptions"
PAIR_DATA = [TRAILS, STATUS, SELECTORS, FILTERS, ALARMS, SUBSCRIPTIONS]
CW_DOC = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/"
NO_FILTER, NO_ALARM, NO_SUBSCRIBER, COMPLETE = range(4)


def filter_shortfalls(detection: Detection, pattern: str) -> list[str]:
    """What a filter pattern gets wrong for a detection: events it misses or wrongly matches."""
    try:
        matches = compile_pattern(pattern)
    except PatternError as error:
        return [str(error)]
    shortfalls = [f"misses {what}" for what, sample in detection.must if not matches(sample)]
    return shortfalls + [f"also matches {what}" for what, sample in detection.must_not if matches(sample)]


def _brief(items: list[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" (+{len(items) - limit} more)" if len(items) > limit else "")


def _log_group(trail: dict[str, Any]) -> tuple[str, str]:
    # arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*
    parts = str(trail["CloudWatchLogsLogGroupArn"]).split(":")
    return parts[3], parts[6]


def _metrics(metric_filter: dict[str, Any]) -> list[tuple[str, str]]:
    return [(str(t.get("metricNamespace")), str(t.get("metricName")))
            for t in metric_filter.get("metricTransformations") or []]


def _watches(alarm: dict[str, Any], metric: tuple[str, str]) -> bool:
    """The alarm's metric, or one metric of its math expression, is `metric` (namespace, name)."""
    watched = [alarm] + [((query.get("MetricStat") or {}).get("Metric") or {})
                         for query in alarm.get("Metrics") or []]
    return any((w.get("Namespace"), w.get("MetricName")) == metric for w in watched)


def _subscribers(ctx: CheckContext, topic: str) -> int:
    region = topic.split(":")[3]
    return sum(1 for s in ctx.get(SUBSCRIPTIONS, region) or []
               if s.get("TopicArn") == topic and str(s.get("SubscriptionArn", "")).startswith("arn:"))


def _notifying_topic(ctx: CheckContext, alarm: dict[str, Any]) -> tuple[str, int] | None:
    if alarm.get("ActionsEnabled") is False:
        return None
    for action in alarm.get("AlarmActions") or []:
        if ":sns:" in str(action) and (count := _subscribers(ctx, str(action))):
            return str(action), count
    return None


def _judge_filter(ctx: CheckContext, region: str, name: str, metric_filter: dict[str, Any]) -> tuple[int, str]:
    progress = (NO_ALARM, f"metric filter '{name}' has no metric")
    for metric in _metrics(metric_filter):
        alarms = [a for a in ctx.get(ALARMS, region) or [] if _watches(a, metric)]
        if not alarms:
            progress = max(progress, (NO_ALARM, f"metric filter '{name}' detects it but no alarm watches "
                                                f"metric {metric[0]}/{metric[1]}"))
        for alarm in alarms:
            notifying = _notifying_topic(ctx, alarm)
            if notifying:
                return COMPLETE, (f"metric filter '{name}' -> alarm '{alarm['AlarmName']}' -> SNS topic "
                                  f"{notifying[0]} ({notifying[1]} confirmed subscriber(s))")
            progress = max(progress, (NO_SUBSCRIBER, f"alarm '{alarm['AlarmName']}' on {metric[0]}/{metric[1]} "
                                      "has no enabled action to an SNS topic with a confirmed subscriber"))
    return progress


def _judge_group(ctx: CheckContext, detection: Detection, region: str, group: str) -> tuple[int, str]:
    filters = [f for f in ctx.get(FILTERS, region) or [] if f.get("logGroupName") == group]
    if not filters:
        return NO_FILTER, f"no metric filter on log group {group} ({region})"
    judged = [(filter_shortfalls(detection, str(f.get("filterPattern", ""))), f) for f in filters]
    matching = [f for shortfalls, f in judged if not shortfalls]
    if not matching:
        shortfalls, closest = min(judged, key=lambda pair: len(pair[0]))
        return NO_FILTER, (f"no metric filter on log group {group} detects {detection.label}; closest, "
                           f"'{closest.get('filterName')}', {_brief(shortfalls)}")
    return max(_judge_filter(ctx, region, str(f.get("filterName")), f) for f in matching)


def _alarm_pair(ctx: CheckContext, detection: Detection) -> Iterator[Result]:
    monitored, missing = monitored_trails(ctx)
    delivering = [(home, t) for home, t in monitored if t.get("CloudWatchLogsLogGroupArn")]
    best: tuple[int, str] | None = None
    for _home, trail in delivering:
        try:
            outcome = _judge_group(ctx, detection, *_log_group(trail))
        except DataUnavailable as gap:
            missing = missing or gap
            continue
        if outcome[0] == COMPLETE:
            yield passed(ctx.account_id, outcome[1], resource_type=ACCOUNT_RESOURCE)
            return
        best = max(best, outcome) if best else outcome
    if missing is not None:
        raise missing
    yield failed(ctx.account_id, best[1] if best else "no multi-region trail logging read and write "
                 "management events sends them to CloudWatch Logs", resource_type=ACCOUNT_RESOURCE)


def _register(check_id: str, detection: Detection) -> None:
    @check(check_id, resource_type=ACCOUNT_RESOURCE, datasets=PAIR_DATA,
           fix=f"On the trail's log group, add a metric filter for {detection.label}, an alarm on its "
               "metric, and an SNS topic with a subscriber as the alarm action.",
           cli=f"aws logs put-metric-filter --log-group-name GROUP --filter-name NAME --filter-pattern "
               f"'{detection.pattern}' --metric-transformations "
               "metricName=NAME,metricNamespace=CISBenchmark,metricValue=1",
           doc="https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudwatch-alarms-for-cloudtrail.html")
    def alarm_pair(ctx: CheckContext) -> Iterator[Result]:
        yield from _alarm_pair(ctx, detection)


for _check_id, _detection in DETECTIONS.items():
    _register(_check_id, _detection)


@check("cloudwatch.alarms_have_actions", resource_type="AWS::CloudWatch::Alarm", datasets=[ALARMS],
       fix="Give every alarm an enabled action for the ALARM state (an SNS topic someone reads).",
       cli="aws cloudwatch put-metric-alarm --alarm-name NAME ... --actions-enabled --alarm-actions TOPIC_ARN",
       doc=CW_DOC + "AlarmThatSendsEmail.html")
def alarms_have_actions(ctx: CheckContext) -> Iterator[Result]:
    for region, alarm in ctx.each(ALARMS):
        actions = alarm.get("AlarmActions") or []
        enabled = alarm.get("ActionsEnabled") is not False
        ok = bool(actions) and enabled
        message = ("no action for the ALARM state" if not actions else
                   f"ALARM actions {', '.join(actions)}" + ("" if enabled else " are disabled"))
        yield verdict(ok, str(alarm.get("AlarmName")), message, region, str(alarm.get("AlarmArn", "")))
