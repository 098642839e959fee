"""Organization-wide detection and investigation readiness: an organization trail, a Config
organization aggregator, Amazon Inspector scanning, Amazon Detective.

Reads cloudtrail.trails (regional, shadow trails included, so a member account sees the
organization's trail), organizations.organization, config.aggregators, inspector2.account_status
and detective.graphs (all regional).
"""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.checks._trails import ACCOUNT_RESOURCE
from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.core.enums import Status
from cloudwarden.inventory.views.cloudtrail import TRAILS, TrailView
from cloudwarden.inventory.views.config import AGGREGATORS, Aggregator, ConfigView
from cloudwarden.inventory.views.detective import GRAPHS as DETECTIVE
from cloudwarden.inventory.views.detective import DetectiveView
from cloudwarden.inventory.views.guardduty import ADMINISTRATOR as GD_ADMIN
from cloudwarden.inventory.views.guardduty import DETECTOR_IDS as GD_IDS
from cloudwarden.inventory.views.guardduty import ORG_ADMINS as GD_ORG_ADMINS
from cloudwarden.inventory.views.guardduty import Detector, GuardDutyView
from cloudwarden.inventory.views.inspector import ACCOUNT_STATUS as INSPECTOR
from cloudwarden.inventory.views.inspector import AccountStatus, InspectorView
from cloudwarden.inventory.views.organizations import ORG, OrganizationsView


def _account_verdict(ctx: CheckContext, found: str | None, missing: str, resource_type: str) -> Result:
    """One account-wide verdict from regional reads: a hit anywhere passes; no hit with a gapped
    region is UNKNOWN (the hit may sit in the region that could not be read)."""
    if found:
        return verdict(True, ctx.account_id, found, resource_type=resource_type)
    if ctx.skipped:
        regions = ", ".join(sorted({s.region for s in ctx.skipped}))
        return Result(Status.UNKNOWN, ctx.account_id, f"not evaluated: {missing} in the regions read, and "
                      f"{regions} could not be read", resource_type=resource_type)
    return verdict(False, ctx.account_id, missing, resource_type=resource_type)


@check("cloudtrail.organization_trail", resource_type=ACCOUNT_RESOURCE, datasets=[TRAILS, ORG],
       fix="From the management account (or CloudTrail's delegated administrator), create a multi-region "
           "organization trail so member accounts cannot switch their own logging off.",
       cli="aws cloudtrail create-trail --name org-trail --s3-bucket-name BUCKET --is-organization-trail "
           "--is-multi-region-trail && aws cloudtrail start-logging --name org-trail",
       doc="https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-trail-organization.html")
def organization_trail(ctx: CheckContext) -> Iterator[Result]:
    org = ctx.view(OrganizationsView).organization()
    if org is None:
        yield verdict(False, ctx.account_id, "standalone account: no organization, so no organization trail",
                      resource_type=ACCOUNT_RESOURCE)
        return
    found: str | None = None
    single_region: list[str] = []
    for _region, trail in ctx.over(ctx.view(TrailView).listed):
        if not trail.organization_trail:
            continue
        if trail.multi_region:
            found = found or (f"organization trail {trail.name} (home {trail.home}) "
                              f"covers every account of {org.id} in every region")
        else:
            single_region.append(trail.name)
    missing = "no multi-region organization trail" + (
        f" (single-region organization trail(s): {', '.join(sorted(set(single_region)))})" if single_region else "")
    yield _account_verdict(ctx, found, missing, ACCOUNT_RESOURCE)


def _org_aggregator(aggregator: Aggregator) -> tuple[bool, str]:
    name = aggregator.name
    if not aggregator.organization:
        return False, f"aggregator {name} aggregates listed accounts, not the organization"
    if aggregator.all_regions:
        return True, f"organization aggregator {name} covers all accounts and all regions"
    return False, f"organization aggregator {name} covers only {', '.join(aggregator.regions) or 'no region'}"


@check("config.org_aggregator", resource_type="AWS::Config::ConfigurationAggregator",
       datasets=[AGGREGATORS],
       fix="In the management account or Config's delegated administrator, create an aggregator with an "
           "organization source over all regions.",
       cli="aws configservice put-configuration-aggregator --configuration-aggregator-name org "
           "--organization-aggregation-source RoleArn=ROLE_ARN,AllAwsRegions=true",
       doc="https://docs.aws.amazon.com/config/latest/developerguide/aggregate-data.html")
def org_aggregator(ctx: CheckContext) -> Iterator[Result]:
    found: str | None = None
    partial: list[str] = []
    for _region, aggregator in ctx.over(ctx.view(ConfigView).aggregators):
        ok, message = _org_aggregator(aggregator)
        if ok:
            found = found or message
        else:
            partial.append(message)
    missing = "; ".join(partial) or "no Config aggregator in any region"
    yield _account_verdict(ctx, found, missing, "AWS::Config::ConfigurationAggregator")


def _inspector_state(region: str, accounts: tuple[AccountStatus, ...], account_id: str) -> tuple[bool, str]:
    mine = next((a for a in accounts if a.account_id in (account_id, None)), None)
    if mine is None:
        return False, "Amazon Inspector reports no status for this account"
    listed = ", ".join(f"{kind} {state}" for kind, state in mine.scanning)
    return mine.status("ec2") == "ENABLED", f"Amazon Inspector scanning in {region}: {listed}"


@check("inspector.enabled", resource_type="AWS::Inspector2::Account", datasets=[INSPECTOR],
       fix="Activate Amazon Inspector in every region for EC2 scanning, and for ECR and Lambda where they "
           "are used (or from the delegated administrator for the whole organization).",
       cli="aws inspector2 enable --resource-types EC2 ECR LAMBDA --region REGION",
       doc="https://docs.aws.amazon.com/inspector/latest/user/getting_started_tutorial.html")
def inspector_enabled(ctx: CheckContext) -> Iterator[Result]:
    for region, accounts in ctx.regions_of(ctx.view(InspectorView).account_status):
        ok, message = _inspector_state(region, accounts, ctx.account_id)
        yield verdict(ok, f"inspector2/{region}", message, region, ctx.arn("inspector2", "account", region))


@check("ir.detective_enabled", resource_type="AWS::Detective::Graph", datasets=[DETECTIVE],
       fix="Enable Amazon Detective (a behaviour graph) in the regions where GuardDuty runs, from the "
           "delegated administrator for the organization.",
       cli="aws detective create-graph --region REGION",
       doc="https://docs.aws.amazon.com/detective/latest/adminguide/detective-setup.html")
def detective_enabled(ctx: CheckContext) -> Iterator[Result]:
    for region, arns in ctx.regions_of(ctx.view(DetectiveView).graphs):
        yield verdict(bool(arns), f"detective/{region}",
                      f"behaviour graph {arns[0]}" if arns else "Amazon Detective is not enabled (no behaviour graph)",
                      region, arns[0] if arns else ctx.arn("detective", "graph", region))


def _guardduty_management(ctx: CheckContext, region: str, detectors: tuple[Detector, ...]) -> tuple[bool, str]:
    if not detectors:
        return False, "GuardDuty is not enabled, so nothing manages it"
    for detector in detectors:
        admin = detector.administrator.get()
        if admin.manages:
            return True, f"detector {detector.id} is managed by administrator account {admin.account_id}"
    enabled = [a.account_id for a in ctx.view(GuardDutyView).org_admins(region) if a.enabled]
    if ctx.account_id in enabled:
        return True, "this account is GuardDuty's delegated administrator for the organization"
    if enabled:
        return False, f"delegated administrator {', '.join(map(str, enabled))} does not manage this account's detector"
    return False, "no GuardDuty administrator: the detector is managed by this account alone"


@check("guardduty.centrally_managed", resource_type="AWS::GuardDuty::Detector",
       datasets=[GD_IDS, GD_ADMIN, GD_ORG_ADMINS],
       fix="From the management account, make a security account GuardDuty's delegated administrator in "
           "every region and have it auto-enable and manage all member accounts.",
       cli="aws guardduty enable-organization-admin-account --admin-account-id SECURITY_ACCOUNT --region REGION",
       doc="https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_organizations.html")
def guardduty_centrally_managed(ctx: CheckContext) -> Iterator[Result]:
    for region, detectors in ctx.regions_of(ctx.view(GuardDutyView).detectors):
        resource = f"guardduty/{region}"
        with ctx.resource(resource, region):
            ok, message = _guardduty_management(ctx, region, detectors)
            yield verdict(ok, resource, message, region, ctx.arn("guardduty", "detector", region))
