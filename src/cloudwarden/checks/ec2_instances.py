"""EC2 instances, launch templates, AMIs and Elastic IPs: addressing, metadata service, roles, leftovers.

Terminated and shutting-down instances are not judged. Reads ec2.* datasets only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import every_region, verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.inventory.snapshot import DataUnavailable
from cloudwarden.inventory.views.ec2 import Ec2View, Instance, MetadataOptions, TemplateVersion

INSTANCES = "ec2.instances"
TEMPLATE_VERSIONS = "ec2.launch_template_versions"
INSTANCE_TYPE = "AWS::EC2::Instance"
TEMPLATE_TYPE = "AWS::EC2::LaunchTemplate"
EC2_DOC = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/"


def live_instances(ctx: CheckContext) -> Iterator[tuple[str, Instance]]:
    for region, instance in ctx.over(ctx.view(Ec2View).instances):
        if not instance.gone:
            yield region, instance


def judge_instance(ctx: CheckContext, region: str, instance: Instance, ok: bool, message: str) -> Result:
    return verdict(ok, instance.id, f"{instance.label}: {message}", region,
                   ctx.arn("ec2", f"instance/{instance.id}", region), INSTANCE_TYPE)


def imds_v2_only(options: dict[str, Any] | MetadataOptions | None) -> tuple[bool, str]:
    """Whether metadata options rule out IMDSv1, and the evidence."""
    if not isinstance(options, MetadataOptions):
        options = MetadataOptions.of(options)
    return options.v2_only()


@check("ec2.instance_no_public_ip", resource_type=INSTANCE_TYPE, datasets=[INSTANCES],
       fix="Launch instances without public IPv4 addresses; publish services through a load balancer.",
       cli="aws ec2 modify-subnet-attribute --subnet-id SUBNET --no-map-public-ip-on-launch",
       doc=EC2_DOC + "using-instance-addressing.html")
def instance_no_public_ip(ctx: CheckContext) -> Iterator[Result]:
    for region, instance in live_instances(ctx):
        address = instance.public_ip
        yield judge_instance(ctx, region, instance, not address,
                              f"public IPv4 {address}" if address else "no public IPv4 address")


@check("ec2.instance_imdsv2_required", resource_type=INSTANCE_TYPE, datasets=[INSTANCES],
       fix="Require session tokens for the instance metadata service (IMDSv2).",
       cli="aws ec2 modify-instance-metadata-options --instance-id INSTANCE --http-tokens required "
           "--http-endpoint enabled",
       doc=EC2_DOC + "configuring-IMDS-existing-instances.html")
def instance_imdsv2_required(ctx: CheckContext) -> Iterator[Result]:
    for region, instance in live_instances(ctx):
        yield judge_instance(ctx, region, instance, *instance.metadata.v2_only())


@check("ec2.account_imdsv2_default", resource_type="AWS::::Account",
       datasets=["ec2.instance_metadata_defaults"],
       fix="Set the account's instance metadata default to require IMDSv2 in every region.",
       cli="aws ec2 modify-instance-metadata-defaults --http-tokens required --region REGION",
       doc=EC2_DOC + "configuring-IMDS-new-instances.html")
def account_imdsv2_default(ctx: CheckContext) -> Iterator[Result]:
    def judge(_region: str, raw: dict[str, Any] | None) -> tuple[bool, str]:
        defaults = MetadataOptions.of(raw)
        if not defaults.configured:
            return False, "no account-level metadata default (new instances take the AMI's setting)"
        ok, evidence = defaults.v2_only()
        return ok, f"account default: {evidence}"

    yield from every_region(ctx, "ec2.instance_metadata_defaults", judge, "ec2")


@check("ec2.instance_uses_iam_role", resource_type=INSTANCE_TYPE, datasets=[INSTANCES],
       fix="Attach an instance profile with a least-privilege role and remove access keys stored on the host.",
       cli="aws ec2 associate-iam-instance-profile --instance-id INSTANCE --iam-instance-profile Name=PROFILE",
       doc=EC2_DOC + "iam-roles-for-amazon-ec2.html")
def instance_uses_iam_role(ctx: CheckContext) -> Iterator[Result]:
    for region, instance in live_instances(ctx):
        profile = instance.instance_profile_arn
        yield judge_instance(ctx, region, instance, bool(profile),
                              f"instance profile {profile}" if profile else "no instance profile attached")


_STOPPED_AT = re.compile(r"\((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (?:GMT|UTC)\)")


@check("ec2.stopped_instances_removed", resource_type=INSTANCE_TYPE, datasets=[INSTANCES],
       fix="Terminate instances that have been stopped for more than 30 days (keep an AMI if needed).",
       cli="aws ec2 terminate-instances --instance-ids INSTANCE",
       doc=EC2_DOC + "terminating-instances.html")
def stopped_instances_removed(ctx: CheckContext) -> Iterator[Result]:
    for region, instance in live_instances(ctx):
        if instance.state != "stopped":
            continue
        with ctx.resource(instance.id, region):
            found = _STOPPED_AT.search(instance.state_transition_reason)
            if not found:
                raise DataUnavailable(INSTANCES, region, "the stop time is not recorded in "
                                      "StateTransitionReason", instance.id)
            days = ctx.days_since(found.group(1).replace(" ", "T") + "+00:00") or 0
            yield judge_instance(ctx, region, instance, days <= 30, f"stopped {days} days ago")


def template_versions(ctx: CheckContext) -> Iterator[tuple[str, str, list[TemplateVersion]]]:
    """(region, template id, its default and latest versions) for every launch template."""
    for region, versions in ctx.regions_of(ctx.view(Ec2View).template_versions):
        grouped: dict[str, dict[int, TemplateVersion]] = {}
        for version in versions:
            grouped.setdefault(version.template_id, {})[version.number] = version
        for template_id, by_number in sorted(grouped.items()):
            yield region, template_id, [by_number[n] for n in sorted(by_number)]


def _judge_templates(ctx: CheckContext, judge: Callable[[TemplateVersion], tuple[bool, str]]) -> Iterator[Result]:
    """One verdict per template: `judge(version)` on each of its default and latest versions."""
    for region, template_id, versions in template_versions(ctx):
        bad: list[str] = []
        good: list[str] = []
        for version in versions:
            ok, evidence = judge(version)
            (good if ok else bad).append(f"version {version.number}: {evidence}")
        name = versions[0].template_name
        yield verdict(not bad, template_id, f"{template_id} ({name}) " + "; ".join(bad or good), region,
                      ctx.arn("ec2", f"launch-template/{template_id}", region), TEMPLATE_TYPE)


@check("ec2.launch_template_imdsv2", resource_type=TEMPLATE_TYPE, datasets=[TEMPLATE_VERSIONS],
       fix="Create a template version with MetadataOptions HttpTokens=required and make it the default.",
       cli="aws ec2 create-launch-template-version --launch-template-id TEMPLATE --source-version '$Default' "
           "--launch-template-data '{\"MetadataOptions\":{\"HttpTokens\":\"required\"}}'",
       doc=EC2_DOC + "configuring-IMDS-new-instances.html")
def launch_template_imdsv2(ctx: CheckContext) -> Iterator[Result]:
    yield from _judge_templates(ctx, lambda version: version.metadata.v2_only())


def _no_public_ip(version: TemplateVersion) -> tuple[bool, str]:
    if version.public_ip_devices:
        return False, "assigns a public IP on interface(s) " + ", ".join(version.public_ip_devices)
    return True, "does not request public IPs"


@check("ec2.launch_template_no_public_ip", resource_type=TEMPLATE_TYPE, datasets=[TEMPLATE_VERSIONS],
       fix="Create a template version whose interfaces set AssociatePublicIpAddress=false; make it the default.",
       cli="aws ec2 create-launch-template-version --launch-template-id LT_ID --source-version '$Latest' --launch-template-data '{\"NetworkInterfaces\":[{\"DeviceIndex\":0,\"AssociatePublicIpAddress\":false}]}'",
       doc=EC2_DOC + "create-launch-template.html")
def launch_template_no_public_ip(ctx: CheckContext) -> Iterator[Result]:
    yield from _judge_templates(ctx, _no_public_ip)


@check("ec2.ami_not_public", resource_type="AWS::EC2::Image", datasets=["ec2.images"],
       fix="Remove the public launch permission from the AMI.",
       cli="aws ec2 modify-image-attribute --image-id AMI --launch-permission '{\"Remove\":[{\"Group\":\"all\"}]}'",
       doc=EC2_DOC + "sharingamis-intro.html")
def ami_not_public(ctx: CheckContext) -> Iterator[Result]:
    for region, image in ctx.over(ctx.view(Ec2View).images):
        if image.owner_id not in (None, ctx.account_id):
            continue
        public = image.public
        image_id = image.id
        yield verdict(not public, image_id, f"{image.label} is "
                      + ("public: any AWS account can launch it" if public else "private"),
                      region, ctx.arn("ec2", f"image/{image_id}", region))


@check("ec2.elastic_ip_unused", resource_type="AWS::EC2::EIP", datasets=["ec2.addresses"],
       fix="Release Elastic IPs that are not associated with an instance or interface.",
       cli="aws ec2 release-address --allocation-id ALLOCATION",
       doc=EC2_DOC + "elastic-ip-addresses-eip.html")
def elastic_ip_unused(ctx: CheckContext) -> Iterator[Result]:
    for region, address in ctx.over(ctx.view(Ec2View).addresses):
        allocation = address.ident
        used = address.used
        yield verdict(used, allocation, f"{address.public_ip} "
                      + (f"associated with {address.target or address.association_id}" if used else "not associated"),
                      region, ctx.arn("ec2", f"elastic-ip/{allocation}", region))
