"""The detection, response and organization views: the shapes AWS gives, and gap semantics (a region
or entry not read is a gap that raises, an answer of "none" is None or empty, never the other way)."""

from __future__ import annotations

import pytest

from cloudwarden.inventory.snapshot import DataUnavailable, Gap
from cloudwarden.inventory.views.cloudwatch import CloudWatchView
from cloudwarden.inventory.views.events import EventsView, source_matchers
from cloudwarden.inventory.views.guardduty import GuardDutyView
from cloudwarden.inventory.views.organizations import OrganizationsView
from cloudwarden.inventory.views.securityhub import SecurityHubView
from tests.checks.cases import Regional, snapshot_with

DENIED = Gap("securityhub.hub", "securityhub", "DescribeHub", "eu-west-1", "AccessDeniedException", "denied")


def test_a_hub_per_region_is_an_answer_or_a_gap() -> None:
    snapshot = snapshot_with({"securityhub.hub": Regional({"us-east-1": None, "eu-west-1": {"HubArn": "x"}})},
                             gaps=[DENIED])
    hubs = SecurityHubView(snapshot).hub
    assert hubs.part("us-east-1").known and hubs("us-east-1") is None  # not subscribed: an answer
    missing = hubs.part("eu-west-1")
    assert not missing.known and "denied" in missing.reason
    with pytest.raises(DataUnavailable):
        hubs("eu-west-1")


def test_an_alarm_watches_the_metrics_of_its_math_expression_and_acts_unless_disabled() -> None:
    alarm = {"AlarmName": "a", "AlarmActions": ["arn:aws:sns:us-east-1:1:t"], "Metrics": [
        {"Id": "m1", "MetricStat": {"Metric": {"Namespace": "CIS", "MetricName": "RootUse"}}}]}
    view = CloudWatchView(snapshot_with({"cloudwatch.alarms": Regional({"us-east-1": [alarm]})}, ("us-east-1",)))
    (read,) = view.alarms("us-east-1")
    assert read.watches(("CIS", "RootUse")) and not read.watches(("CIS", "Other"))
    assert read.actions_enabled  # ActionsEnabled left out: AWS's default is on


def test_a_delegated_administrators_unread_services_are_a_gap_not_none() -> None:
    snapshot = snapshot_with({"organizations.organization": {"Id": "o-1", "MasterAccountId": "111122223333"},
                              "organizations.delegated_administrators": [{"Id": "222233334444"}, {"Id": "333344445555"}],
                              "organizations.delegated_services": {"222233334444": []}})
    view = OrganizationsView(snapshot)
    first, second = view.delegated_administrators()
    assert first.services.get() == ()
    with pytest.raises(DataUnavailable):
        second.services.get()
    assert view.organization() is not None and view.organization().management == "111122223333"  # type: ignore[union-attr]


def test_a_standalone_account_has_no_organization_and_an_scp_carries_its_targets_and_text() -> None:
    snapshot = snapshot_with({"organizations.organization": None,
                              "organizations.scps": [{"Id": "p-1", "Name": "guard"}],
                              "organizations.policy_targets": {"p-1": [{"TargetId": "r-1", "Type": "ROOT"}]},
                              "organizations.scp_content": {"p-1": "{}"},
                              "organizations.resource_policy": {"Id": "rp-1", "Content": "{\"Statement\": []}"}})
    view = OrganizationsView(snapshot)
    assert view.organization() is None
    (scp,) = view.scps()
    assert [(t.id, t.type) for t in scp.targets.get()] == [("r-1", "ROOT")]
    assert scp.content is not None and scp.content.get() == "{}"
    assert view.resource_policy() is not None and view.resource_policy().text == "{\"Statement\": []}"  # type: ignore[union-attr]
    with pytest.raises(DataUnavailable):
        view.accounts()  # not collected at all


def test_a_detectors_administrator_and_findings_are_per_detector_parts() -> None:
    snapshot = snapshot_with({"guardduty.detector_ids": Regional({"us-east-1": ["d-1"]}),
                              "guardduty.administrator": Regional({"us-east-1": {"d-1": None}}),
                              "guardduty.org_admin_accounts": Regional({"us-east-1": [
                                  {"AdminAccountId": "222233334444", "AdminStatus": "ENABLED"}]})}, ("us-east-1",))
    view = GuardDutyView(snapshot)
    (detector,) = view.detectors("us-east-1")
    assert not detector.administrator.get().manages  # not a member: an answer
    with pytest.raises(DataUnavailable):
        detector.high_findings.get()
    assert [a.account_id for a in view.org_admins("us-east-1") if a.enabled] == ["222233334444"]


@pytest.mark.parametrize(("pattern", "expected"), [
    ('{"source": ["aws.guardduty"]}', (("exact", "aws.guardduty"),)),
    ('{"source": [{"prefix": "aws."}, 7]}', (("prefix", "aws."),)),
    ("not json", ()),
    (None, ()),
])
def test_an_event_patterns_source_matchers(pattern: str | None, expected: tuple[tuple[str, str], ...]) -> None:
    assert source_matchers(pattern) == expected


def test_a_rules_targets_are_read_only_when_asked_for() -> None:
    snapshot = snapshot_with({"events.rules": Regional({"us-east-1": [{"Name": "r", "State": "DISABLED"}]})},
                             ("us-east-1",))
    (rule,) = EventsView(snapshot).rules("us-east-1")
    assert not rule.enabled and rule.sources == ()
    with pytest.raises(DataUnavailable):
        rule.targets.get()
