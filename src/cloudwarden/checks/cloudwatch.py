"""CloudWatch alarms: the 15 CIS metric-filter and alarm pairs, and alarms that notify someone.

A CIS pair counts when, on the log group of a multi-region trail that is logging read and write
management events, a metric filter detects the events (judged by running the filter over sample
CloudTrail events, see _cis_detections.py), an alarm watches the filter's metric, and the alarm
has an enabled action to an SNS topic with a confirmed subscriber. The FAIL message names the
first missing link. One account-wide verdict per detection.
"""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.checks._cis_detections import DETECTIONS, Detection
from cloudwarden.checks._filter_pattern import PatternError, compile_pattern
from cloudwarden.checks._trails import ACCOUNT_RESOURCE, SELECTORS, STATUS, TRAILS, Trail, monitored_trails
from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import failed, passed, verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.core.arn import parse_arn
from cloudwarden.inventory.snapshot import DataUnavailable
from cloudwarden.inventory.views.cloudwatch import ALARMS, FILTERS, SUBSCRIPTIONS, Alarm, CloudWatchView, MetricFilter

PAIR_DATA = [TRAILS, STATUS, SELECTORS, FILTERS, ALARMS, SUBSCRIPTIONS]
CW_DOC = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/"
TRAIL_ALARMS_DOC = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudwatch-alarms-for-cloudtrail.html"
NO_FILTER, NO_ALARM, NO_SUBSCRIBER, COMPLETE = range(4)


def filter_shortfalls(detection: Detection, pattern: str) -> list[str]:
    """What a filter pattern gets wrong for a detection: events it misses or wrongly matches."""
    try:
        matches = compile_pattern(pattern)
    except PatternError as error:
        return [str(error)]
    shortfalls = [f"misses {what}" for what, sample in detection.must if not matches(sample)]
    return shortfalls + [f"also matches {what}" for what, sample in detection.must_not if matches(sample)]


def _describe(shortfalls: list[str], limit: int = 3) -> str:
    missed = [s.removeprefix("misses ") for s in shortfalls if s.startswith("misses ")]
    listed = ", ".join(missed[:limit]) + (f" (+{len(missed) - limit} more)" if len(missed) > limit else "")
    others = [s for s in shortfalls if not s.startswith("misses ")]
    return "; ".join(([f"misses {listed}"] if missed else []) + others)


def _log_group(trail: Trail) -> tuple[str, str]:
    # arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*
    arn = parse_arn(trail.log_group_arn)
    if arn is None or not arn.resource.startswith("log-group:"):
        raise ValueError(f"not a log group ARN: {trail.log_group_arn}")
    return arn.region, arn.resource.split(":")[1]


def _subscribers(ctx: CheckContext, topic: str) -> int:
    arn = parse_arn(topic)
    region = arn.region if arn is not None else ""
    return sum(1 for s in ctx.view(CloudWatchView).subscriptions(region) if s.topic_arn == topic and s.confirmed)


def _notifying_topic(ctx: CheckContext, alarm: Alarm) -> tuple[str, int] | None:
    if not alarm.actions_enabled:
        return None
    for action in alarm.alarm_actions:
        if ":sns:" in action and (count := _subscribers(ctx, action)):
            return action, count
    return None


def _further(best: tuple[int, str] | None, outcome: tuple[int, str]) -> tuple[int, str]:
    """The outcome that got further along filter -> alarm -> subscriber (the first one on a tie)."""
    return outcome if best is None or outcome[0] > best[0] else best


def _judge_filter(ctx: CheckContext, region: str, metric_filter: MetricFilter, label: str) -> tuple[int, str]:
    name = metric_filter.name
    progress: tuple[int, str] = (NO_ALARM, f"metric filter '{name}' publishes no metric")
    for index, metric in enumerate(metric_filter.metrics):
        alarms = [a for a in ctx.view(CloudWatchView).alarms(region) if a.watches(metric)]
        where = f"{metric[0]}/{metric[1]}"
        outcome = (NO_ALARM, f"metric filter '{name}' detects {label} but no alarm watches metric {where}")
        for alarm in alarms:
            notifying = _notifying_topic(ctx, alarm)
            if notifying:
                return COMPLETE, (f"metric filter '{name}' -> alarm '{alarm.name}' -> SNS topic "
                                  f"{notifying[0]} ({notifying[1]} confirmed subscriber(s))")
            silent = (f"alarm '{alarm.name}' on {where} has no enabled action to an SNS topic "
                      "with a confirmed subscriber")
            outcome = _further(outcome, (NO_SUBSCRIBER, silent))
        progress = outcome if index == 0 else _further(progress, outcome)
    return progress


def _judge_group(ctx: CheckContext, detection: Detection, region: str, group: str) -> tuple[int, str]:
    filters = [f for f in ctx.view(CloudWatchView).metric_filters(region) if f.log_group == group]
    if not filters:
        return NO_FILTER, f"no metric filter on log group {group} ({region})"
    judged = [(filter_shortfalls(detection, f.pattern), f) for f in filters]
    matching = [f for shortfalls, f in judged if not shortfalls]
    if not matching:
        shortfalls, closest = min(judged, key=lambda pair: len(pair[0]))
        return NO_FILTER, (f"no metric filter on log group {group} detects {detection.label}; closest, "
                           f"'{closest.name}', {_describe(shortfalls)}")
    best: tuple[int, str] | None = None
    for metric_filter in matching:
        best = _further(best, _judge_filter(ctx, region, metric_filter, detection.label))
    return best or (NO_FILTER, "")


def _alarm_pair(ctx: CheckContext, detection: Detection) -> Iterator[Result]:
    monitored, missing = monitored_trails(ctx)
    delivering = [(home, t) for home, t in monitored if t.log_group_arn]
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
        best = _further(best, outcome)
    if missing is not None:
        raise missing
    if best is None:
        names = ", ".join(t.name for _, t in monitored)
        best = (NO_FILTER, f"multi-region trail(s) {names} send nothing to CloudWatch Logs" if monitored else
                "no multi-region trail is logging read and write management events for a metric filter "
                "to see")
    yield failed(ctx.account_id, best[1], resource_type=ACCOUNT_RESOURCE)


def _register(check_id: str, detection: Detection) -> None:
    @check(check_id, resource_type=ACCOUNT_RESOURCE, datasets=PAIR_DATA,
           fix=f"On the trail's log group, add a metric filter for {detection.label}, an alarm on its "
               "metric, and an SNS topic with a subscriber as the alarm action.",
           cli=f"aws logs put-metric-filter --log-group-name GROUP --filter-name NAME --filter-pattern "
               f"'{detection.pattern}' --metric-transformations "
               "metricName=NAME,metricNamespace=CISBenchmark,metricValue=1",
           doc=TRAIL_ALARMS_DOC)
    def alarm_pair(ctx: CheckContext) -> Iterator[Result]:
        yield from _alarm_pair(ctx, detection)


for _check_id, _detection in DETECTIONS.items():
    _register(_check_id, _detection)


@check("cloudwatch.alarms_have_actions", resource_type="AWS::CloudWatch::Alarm", datasets=[ALARMS],
       fix="Give every alarm an enabled action for the ALARM state (an SNS topic someone reads).",
       cli="aws cloudwatch put-metric-alarm --alarm-name NAME ... --actions-enabled "
           "--alarm-actions TOPIC_ARN",
       doc=CW_DOC + "AlarmThatSendsEmail.html")
def alarms_have_actions(ctx: CheckContext) -> Iterator[Result]:
    for region, alarm in ctx.over(ctx.view(CloudWatchView).alarms):
        actions, enabled = alarm.alarm_actions, alarm.actions_enabled
        message = ("no action for the ALARM state" if not actions else
                   f"ALARM actions {', '.join(actions)}" + ("" if enabled else " are disabled"))
        yield verdict(bool(actions) and enabled, alarm.name, message, region, alarm.arn)
