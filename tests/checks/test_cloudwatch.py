"""The CIS metric-filter/alarm pairs (one shared implementation, 15 ids) and alarm actions.

Each pair needs: a multi-region logging trail sending to CloudWatch Logs, a metric filter on that
log group that detects the events (any equivalent pattern), an alarm on the filter's metric, and
an SNS topic with a confirmed subscriber as the alarm action.
"""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.checks._cis_detections import DETECTIONS
from cloudwarden.checks._filter_pattern import PatternError, compile_pattern
from cloudwarden.checks.cloudwatch import filter_shortfalls
from cloudwarden.inventory.snapshot import Gap
from tests.checks.cases import ACCOUNT, Case, Regional, assert_case
from tests.checks.test_cloudtrail import trail, trail_data

TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:security-alerts"
CONFIRMED = [{"SubscriptionArn": f"{TOPIC}:6f1b", "TopicArn": TOPIC, "Protocol": "email",
              "Endpoint": "soc@example.com"}]
PENDING = [{"SubscriptionArn": "PendingConfirmation", "TopicArn": TOPIC, "Protocol": "email"}]


def metric_filter(pattern: str, group: str = "cloudtrail", name: str = "cis") -> dict[str, Any]:
    return {"filterName": name, "filterPattern": pattern, "logGroupName": group,
            "metricTransformations": [{"metricName": name, "metricNamespace": "CISBenchmark", "metricValue": "1"}]}


def alarm(metric: str = "cis", actions: list[str] | None = None, **fields: Any) -> dict[str, Any]:
    record = {"AlarmName": f"{metric}-alarm", "AlarmArn": f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:x",
              "MetricName": metric, "Namespace": "CISBenchmark", "ActionsEnabled": True,
              "AlarmActions": [TOPIC] if actions is None else actions}
    record.update(fields)
    return record


def pair(pattern: str, alarms: list[dict[str, Any]] | None = None, subscriptions: list[Any] | None = None,
         group: str = "cloudtrail", base: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        **(base or trail_data()),
        "logs.metric_filters": Regional({"us-east-1": [metric_filter(pattern, group)], "eu-west-1": []}),
        "cloudwatch.alarms": Regional({"us-east-1": [alarm()] if alarms is None else alarms, "eu-west-1": []}),
        "sns.subscriptions": Regional({"us-east-1": CONFIRMED if subscriptions is None else subscriptions,
                                       "eu-west-1": []}),
    }


SG = "cloudwatch.alarm_security_group_changes"
ROUTES = "cloudwatch.alarm_route_table_changes"
MFA = "cloudwatch.alarm_console_signin_without_mfa"
UNAUTH = "cloudwatch.alarm_unauthorized_api_calls"
SG_V12 = ('{($.eventName=AuthorizeSecurityGroupIngress)||($.eventName=AuthorizeSecurityGroupEgress)||'
          '($.eventName=RevokeSecurityGroupIngress)||($.eventName=RevokeSecurityGroupEgress)||'
          '($.eventName=CreateSecurityGroup)||($.eventName=DeleteSecurityGroup)}')
ROUTES_SHORT = ('{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) '
                '|| ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) }')
UNAUTH_CIS = ('{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && '
              '($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }')
MATH_ALARM = alarm(MetricName=None, Namespace=None, Metrics=[
    {"Id": "m1", "MetricStat": {"Metric": {"Namespace": "CISBenchmark", "MetricName": "cis"}, "Period": 300}}])
SNS_GAP = Gap("sns.subscriptions", "sns", "ListSubscriptions", "us-east-1", "AccessDenied", "denied",
              "sns:ListSubscriptions")

CASES = [
    case
    for check_id, detection in DETECTIONS.items()
    for case in (
        Case("pass-reference-pattern", check_id, pair(detection.pattern), message="confirmed subscriber"),
        Case("fail-no-filter", check_id, pair(detection.pattern, group="other-group"),
             message="no metric filter on log group cloudtrail"),
    )
] + [
    Case("pass-v12-compact", SG, pair(SG_V12)),
    Case("pass-cis-precedence", UNAUTH, pair(UNAUTH_CIS)),
    Case("pass-v12-mfa", MFA, pair('{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }')),
    Case("pass-math-alarm", SG, pair(SG_V12, alarms=[MATH_ALARM])),
    Case("fail-missing-events", ROUTES, pair(ROUTES_SHORT),
         message="misses eventName=DeleteRoute, eventName=DisassociateRouteTable"),
    Case("fail-catch-all", SG, pair("{ $.eventName = * }"), message="also matches a routine DescribeInstances"),
    Case("fail-and-instead-of-or", SG, pair(SG_V12.replace("||", "&&")), message="misses"),
    Case("fail-mfa-used-too", MFA, pair('{ $.eventName = "ConsoleLogin" }'),
         message="also matches a console sign-in with MFA"),
    Case("fail-term-pattern", MFA, pair("ConsoleLogin"), message="not a JSON filter pattern"),
    Case("fail-no-alarm", SG, pair(SG_V12, alarms=[]), message="no alarm watches metric CISBenchmark/cis"),
    Case("fail-alarm-other-metric", SG, pair(SG_V12, alarms=[alarm("other")]), message="no alarm watches"),
    Case("fail-pending-subscription", SG, pair(SG_V12, subscriptions=PENDING),
         message="has no enabled action to an SNS topic with a confirmed subscriber"),
    Case("fail-actions-disabled", SG, pair(SG_V12, alarms=[alarm(ActionsEnabled=False)]),
         message="no enabled action"),
    Case("fail-no-actions", SG, pair(SG_V12, alarms=[alarm(actions=[])]), message="no enabled action"),
    Case("fail-single-region-trail", SG, pair(SG_V12, base=trail_data(trail(IsMultiRegionTrail=False))),
         message="no multi-region trail"),
    Case("fail-trail-not-in-cloudwatch", SG, pair(SG_V12, base=trail_data(trail(CloudWatchLogsLogGroupArn=None))),
         message="send nothing to CloudWatch Logs"),
    Case("fail-trail-stopped", SG, pair(SG_V12, base=trail_data(status={"IsLogging": False})),
         message="no multi-region trail"),
    Case("unknown-subscriptions-unread", SG, {**pair(SG_V12), "sns.subscriptions": Regional({"eu-west-1": []})},
         gaps=[SNS_GAP], message="AccessDenied"),
    Case("pass-alarm-has-action", "cloudwatch.alarms_have_actions",
         {"cloudwatch.alarms": Regional({"us-east-1": [alarm()], "eu-west-1": []})}, message=TOPIC),
    Case("fail-alarm-silent", "cloudwatch.alarms_have_actions",
         {"cloudwatch.alarms": Regional({"us-east-1": [alarm(actions=[])], "eu-west-1": []})},
         message="no action for the ALARM state"),
    Case("fail-alarm-actions-disabled", "cloudwatch.alarms_have_actions",
         {"cloudwatch.alarms": Regional({"us-east-1": [alarm(ActionsEnabled=False)], "eu-west-1": []})},
         message="are disabled"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)


@pytest.mark.parametrize("check_id", sorted(DETECTIONS))
def test_reference_pattern_detects_exactly_its_events(check_id: str) -> None:
    assert filter_shortfalls(DETECTIONS[check_id], DETECTIONS[check_id].pattern) == []


def test_not_equal_matches_an_absent_key_and_comparison_is_case_sensitive() -> None:
    matches = compile_pattern('{ $.additionalEventData.MFAUsed != "Yes" && $.eventName = "ConsoleLogin" }')
    assert matches({"eventName": "ConsoleLogin"})
    assert not matches({"eventName": "consolelogin"})
    assert not matches({"eventName": "ConsoleLogin", "additionalEventData": {"MFAUsed": "Yes"}})


def test_wildcards_numbers_and_existence_tests() -> None:
    matches = compile_pattern('{ ($.errorCode = "*Denied*") && ($.count >= 2) && ($.x NOT EXISTS) && ($.y IS NULL) }')
    assert matches({"errorCode": "AccessDeniedException", "count": 3, "y": None})
    assert not matches({"errorCode": "AccessDeniedException", "count": 1, "y": None})
    assert not matches({"errorCode": "AccessDeniedException", "count": 3, "y": None, "x": 1})


@pytest.mark.parametrize("text", ["ConsoleLogin", "{ $.eventName = ", "{ ($.a = 1 }", "{ eventName = x }"])
def test_unreadable_patterns_raise(text: str) -> None:
    with pytest.raises(PatternError):
        compile_pattern(text)
