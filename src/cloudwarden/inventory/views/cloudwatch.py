"""CloudWatch alarms, CloudWatch Logs metric filters and SNS subscriptions as typed views: the links
of a "metric filter -> alarm -> SNS topic -> confirmed subscriber" chain, each a regional list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views import PerRegion

ALARMS, FILTERS, SUBSCRIPTIONS = "cloudwatch.alarms", "logs.metric_filters", "sns.subscriptions"

Metric = tuple[Any, Any]  # (namespace, metric name), as reported (None when absent)


@dataclass(frozen=True)
class MetricFilter:
    region: str
    name: str
    log_group: str
    pattern: str
    metrics: tuple[tuple[str, str], ...]  # the metrics it publishes: (namespace, name)


def _filter(region: str, raw: dict[str, Any]) -> MetricFilter:
    return MetricFilter(region, str(raw.get("filterName")), str(raw.get("logGroupName")),
                        str(raw.get("filterPattern", "")),
                        tuple((str(t.get("metricNamespace")), str(t.get("metricName")))
                              for t in raw.get("metricTransformations") or []))


@dataclass(frozen=True)
class Alarm:
    region: str
    name: str
    arn: str
    actions_enabled: bool  # ActionsEnabled is not False (AWS's default is enabled)
    alarm_actions: tuple[str, ...]  # the actions for the ALARM state
    metrics: tuple[Metric, ...]  # its own metric, then each metric of its math expression

    def watches(self, metric: tuple[str, str]) -> bool:
        """The alarm's metric, or one metric of its math expression, is `metric` (namespace, name)."""
        return any(watched == metric for watched in self.metrics)


def _alarm(region: str, raw: dict[str, Any]) -> Alarm:
    watched = [raw] + [((query.get("MetricStat") or {}).get("Metric") or {}) for query in raw.get("Metrics") or []]
    return Alarm(region, str(raw.get("AlarmName")), str(raw.get("AlarmArn", "")), raw.get("ActionsEnabled") is not False,
                 tuple(str(a) for a in raw.get("AlarmActions") or []),
                 tuple((w.get("Namespace"), w.get("MetricName")) for w in watched))


@dataclass(frozen=True)
class Subscription:
    region: str
    topic_arn: str
    arn: str  # "PendingConfirmation" (or similar) until the endpoint confirms

    @property
    def confirmed(self) -> bool:
        return self.arn.startswith("arn:")


class CloudWatchView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.alarms: PerRegion[Alarm] = PerRegion(snapshot, ALARMS, _alarm)
        self.metric_filters: PerRegion[MetricFilter] = PerRegion(snapshot, FILTERS, _filter)
        self.subscriptions: PerRegion[Subscription] = PerRegion(
            snapshot, SUBSCRIPTIONS, lambda region, raw: Subscription(region, str(raw.get("TopicArn")),
                                                                      str(raw.get("SubscriptionArn", ""))))


__all__ = ["Alarm", "CloudWatchView", "MetricFilter", "Subscription"]
