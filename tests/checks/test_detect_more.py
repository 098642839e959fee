"""PASS and FAIL cases for the organization trail, the Config organization aggregator, Inspector and
Detective (Detective on hand-built ListGraphs responses: moto has no Detective backend)."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.inventory.snapshot import Gap
from tests.checks.cases import ACCOUNT, Case, Regional, assert_case

ORG = {"Id": "o-abc123", "MasterAccountId": "999988887777", "FeatureSet": "ALL"}


def trail(org: bool = True, multi: bool = True, name: str = "org-trail") -> dict[str, Any]:
    return {"Name": name, "TrailARN": f"arn:aws:cloudtrail:us-east-1:999988887777:trail/{name}",
            "HomeRegion": "us-east-1", "IsOrganizationTrail": org, "IsMultiRegionTrail": multi}


def trails(east: list[Any], west: list[Any] | None = None) -> Regional:
    return Regional({"us-east-1": east, "eu-west-1": west if west is not None else []})


def aggregator(org: bool = True, all_regions: bool = True) -> dict[str, Any]:
    source = {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/config-agg", "AllAwsRegions": all_regions,
              **({} if all_regions else {"AwsRegions": ["us-east-1"]})}
    if org:
        return {"ConfigurationAggregatorName": "org", "OrganizationAggregationSource": source}
    return {"ConfigurationAggregatorName": "accounts",
            "AccountAggregationSources": [{"AccountIds": [ACCOUNT], "AllAwsRegions": True}]}


def inspector(ec2: str = "ENABLED", ecr: str = "ENABLED", lam: str = "DISABLED") -> list[dict[str, Any]]:
    return [{"accountId": ACCOUNT, "state": {"status": "ENABLED"},
             "resourceState": {"ec2": {"status": ec2}, "ecr": {"status": ecr}, "lambda": {"status": lam}}}]


GRAPH = [{"Arn": f"arn:aws:detective:us-east-1:{ACCOUNT}:graph:0123456789abcdef",
          "CreatedTime": "2026-01-01T00:00:00Z"}]
WEST_GAP = Gap("config.aggregators", "config", "DescribeConfigurationAggregators", "eu-west-1",
               "AccessDeniedException", "denied")
TRAIL_GAP = Gap("cloudtrail.trails", "cloudtrail", "DescribeTrails", "eu-west-1", "AccessDeniedException", "denied")
OT, AGG = "cloudtrail.organization_trail", "config.org_aggregator"
GDC, SECURITY = "guardduty.centrally_managed", "222233334444"


def gd(admin: dict[str, Any] | None, org_admins: list[dict[str, Any]] | None = None,
       detector: bool = True) -> dict[str, Any]:
    ids = ["d-1"] if detector else []
    return {"guardduty.detector_ids": Regional({"us-east-1": ids, "eu-west-1": ids}),
            "guardduty.administrator": Regional({r: {"d-1": admin} if detector else {} for r in ("us-east-1", "eu-west-1")}),
            "guardduty.org_admin_accounts": Regional({r: org_admins or [] for r in ("us-east-1", "eu-west-1")})}


MEMBER_OF = {"AccountId": SECURITY, "RelationshipStatus": "Enabled", "InvitedAt": "2026-01-01T00:00:00Z"}

CASES = [
    # No administrator relationship: the delegated-admin list decides, so unread it is UNKNOWN (the
    # pass-case with an enabled relationship does not rest on it: the OPEN entry of test_gaps_meta).
    Case("unknown-org-admins-unread", GDC, {k: v for k, v in gd(None).items() if k != "guardduty.org_admin_accounts"},
         message="guardduty.org_admin_accounts"),
    Case("pass-org-trail", OT, {"organizations.organization": ORG, "cloudtrail.trails": trails([trail()])},
         message="covers every account"),
    Case("pass-org-trail-seen-as-shadow", OT, {"organizations.organization": ORG,
         "cloudtrail.trails": trails([], [trail()])}, message="org-trail"),
    Case("fail-no-org-trail", OT, {"organizations.organization": ORG,
         "cloudtrail.trails": trails([trail(org=False, name="local")])}, message="no multi-region organization"),
    Case("fail-org-trail-single-region", OT, {"organizations.organization": ORG,
         "cloudtrail.trails": trails([trail(multi=False)])}, message="single-region organization trail"),
    Case("fail-standalone", OT, {"organizations.organization": None, "cloudtrail.trails": trails([trail()])},
         message="standalone"),
    Case("unknown-trails-gapped-west", OT, {"organizations.organization": ORG,
         "cloudtrail.trails": Regional({"us-east-1": []})}, gaps=[TRAIL_GAP], resource=ACCOUNT,
         message="eu-west-1 could not be read"),
    Case("pass-org-aggregator", AGG, {"config.aggregators": Regional({"us-east-1": [aggregator()], "eu-west-1": []})},
         message="all accounts and all regions"),
    Case("fail-aggregator-some-regions", AGG, {"config.aggregators": Regional(
         {"us-east-1": [aggregator(all_regions=False)], "eu-west-1": []})}, message="covers only us-east-1"),
    Case("fail-account-aggregator", AGG, {"config.aggregators": Regional(
         {"us-east-1": [aggregator(org=False)], "eu-west-1": []})}, message="not the organization"),
    Case("fail-no-aggregator", AGG, {"config.aggregators": Regional({"us-east-1": [], "eu-west-1": []})},
         message="no Config aggregator"),
    Case("unknown-aggregator-region-gapped", AGG, {"config.aggregators": Regional({"us-east-1": []})},
         gaps=[WEST_GAP], resource=ACCOUNT, message="could not be read"),
    Case("pass-inspector-ec2", "inspector.enabled", {"inspector2.account_status": Regional(
         {"us-east-1": inspector(), "eu-west-1": inspector()})}, resource="inspector2/us-east-1",
         message="ec2 ENABLED"),
    Case("fail-inspector-ec2-disabled", "inspector.enabled", {"inspector2.account_status": Regional(
         {"us-east-1": inspector(ec2="DISABLED"), "eu-west-1": inspector()})}, resource="inspector2/us-east-1",
         message="ec2 DISABLED"),
    Case("fail-inspector-suspended", "inspector.enabled", {"inspector2.account_status": Regional(
         {"us-east-1": inspector(), "eu-west-1": inspector(ec2="SUSPENDED")})}, resource="inspector2/eu-west-1",
         message="ec2 SUSPENDED"),
    Case("fail-inspector-no-status", "inspector.enabled", {"inspector2.account_status": Regional(
         {"us-east-1": [], "eu-west-1": inspector()})}, resource="inspector2/us-east-1", message="no status"),
    Case("pass-gd-member-of-admin", GDC, gd(MEMBER_OF, [{"AdminAccountId": SECURITY, "AdminStatus": "ENABLED"}]),
         message=f"administrator account {SECURITY}"),
    Case("pass-gd-is-delegated-admin", GDC, gd(None, [{"AdminAccountId": ACCOUNT, "AdminStatus": "ENABLED"}]),
         message="this account is GuardDuty's delegated administrator"),
    Case("fail-gd-relationship-removed", GDC, gd({**MEMBER_OF, "RelationshipStatus": "Removed"}),
         message="managed by this account alone"),
    Case("fail-gd-admin-elsewhere-not-managing", GDC, gd(None, [{"AdminAccountId": SECURITY, "AdminStatus": "ENABLED"}]),
         message="does not manage this account"),
    Case("fail-gd-no-detector", GDC, gd(None, detector=False), message="GuardDuty is not enabled"),
    Case("pass-detective-graph", "ir.detective_enabled", {"detective.graphs": Regional(
         {"us-east-1": GRAPH, "eu-west-1": GRAPH})}, message="behaviour graph"),
    Case("fail-detective-absent", "ir.detective_enabled", {"detective.graphs": Regional(
         {"us-east-1": GRAPH, "eu-west-1": []})}, resource="detective/eu-west-1", message="not enabled"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)
