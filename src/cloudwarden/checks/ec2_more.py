"""More EC2 checks: network interfaces, virtualization type, launch-template volumes, SSM management.

Terminated and shutting-down instances are not judged, as in ec2_instances.py.
"""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.ec2_instances import (
    EC2_DOC,
    INSTANCE_TYPE,
    INSTANCES,
    TEMPLATE_TYPE,
    TEMPLATE_VERSIONS,
    judge_instance,
    live_instances,
    template_versions,
)
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.inventory.views.ec2 import Ec2View, TemplateVersion

MANAGED = "ssm.managed_instances"


@check("ec2.instance_single_eni", resource_type=INSTANCE_TYPE, datasets=[INSTANCES],
       fix="Detach secondary network interfaces unless the instance is an appliance that must bridge subnets; "
           "document the exception.",
       cli="aws ec2 detach-network-interface --attachment-id <ATTACHMENT_ID>",
       doc=EC2_DOC + "using-eni.html")
def instance_single_eni(ctx: CheckContext) -> Iterator[Result]:
    for region, instance in live_instances(ctx):
        interfaces = instance.interface_subnet_ids
        subnets = sorted({subnet for subnet in interfaces if subnet})
        where = f" in {', '.join(subnets)}" if subnets else ""
        yield judge_instance(ctx, region, instance, len(interfaces) <= 1,
                             f"{len(interfaces)} network interface(s){where}")


@check("ec2.instance_not_paravirtual", resource_type=INSTANCE_TYPE, datasets=[INSTANCES],
       fix="Migrate the workload to an HVM AMI on a current (Nitro) instance type.",
       cli="aws ec2 describe-images --owners amazon --filters Name=virtualization-type,Values=hvm "
           "Name=name,Values='al2023-ami-*'",
       doc=EC2_DOC + "ComponentsAMIs.html#virtualization_types")
def instance_not_paravirtual(ctx: CheckContext) -> Iterator[Result]:
    for region, instance in live_instances(ctx):
        kind = instance.virtualization_type or "unknown"
        yield judge_instance(ctx, region, instance, kind != "paravirtual", f"virtualization type {kind}")


@check("ec2.launch_template_ebs_encrypted", resource_type=TEMPLATE_TYPE,
       datasets=[TEMPLATE_VERSIONS, "ec2.ebs_encryption_by_default"],
       fix="Set Encrypted=true (and a KMS key) on every EBS block device mapping of the template, or turn on "
           "EBS encryption by default in the region.",
       cli="aws ec2 create-launch-template-version --launch-template-id TEMPLATE --source-version '$Default' "
           "--launch-template-data '{\"BlockDeviceMappings\":[{\"DeviceName\":\"/dev/xvda\","
           "\"Ebs\":{\"Encrypted\":true}}]}'",
       doc=EC2_DOC + "launch-template-block-device-mappings.html")
def launch_template_ebs_encrypted(ctx: CheckContext) -> Iterator[Result]:
    for region, template_id, versions in template_versions(ctx):
        with ctx.resource(template_id, region):
            yield _template_verdict(ctx, region, template_id, versions,
                                    ctx.get("ec2.ebs_encryption_by_default", region) is True)


def _template_verdict(ctx: CheckContext, region: str, template_id: str, versions: list[TemplateVersion],
                      by_default: bool) -> Result:
    bad = [f"version {version.number}: {', '.join(version.unencrypted_volumes)} not marked encrypted"
           for version in versions if version.unencrypted_volumes]
    name = versions[0].template_name
    if not bad:
        message = "every EBS mapping of its default and latest versions is encrypted (or it maps none)"
    elif by_default:
        message = "; ".join(bad) + ", but EBS encryption by default is on in the region"
    else:
        message = "; ".join(bad) + " and EBS encryption by default is off in the region"
    return verdict(not bad or by_default, template_id, f"{template_id} ({name}) {message}", region,
                  ctx.arn("ec2", f"launch-template/{template_id}", region), TEMPLATE_TYPE)


@check("ec2.instance_managed_by_ssm", resource_type=INSTANCE_TYPE, datasets=[INSTANCES, MANAGED],
       fix="Install the SSM Agent, give the instance a profile with AmazonSSMManagedInstanceCore (or turn on "
           "Default Host Management Configuration) and let it reach the SSM endpoints.",
       cli="aws ssm update-service-setting --setting-id arn:aws:ssm:REGION:ACCOUNT:servicesetting/ssm/"
           "managed-instance/default-ec2-instance-management-role --setting-value AWSSystemsManagerDefaultEC2InstanceManagementRole",
       doc="https://docs.aws.amazon.com/systems-manager/latest/userguide/managed_instances.html")
def instance_managed_by_ssm(ctx: CheckContext) -> Iterator[Result]:
    for region, instances in ctx.regions_of(ctx.view(Ec2View).instances):
        with ctx.resource(region, region):  # the region's SSM list unread: its instances are UNKNOWN
            known = {str(m.get("InstanceId")): m for m in ctx.get(MANAGED, region) or []}
            for instance in instances:
                if instance.gone:
                    continue
                entry = known.get(instance.id)
                if entry is None:
                    yield judge_instance(ctx, region, instance, False, "not registered with Systems Manager")
                    continue
                ping = entry.get("PingStatus", "unknown")
                yield judge_instance(ctx, region, instance, ping == "Online",
                                      f"managed by Systems Manager, agent {entry.get('AgentVersion', '?')}, "
                                      f"ping status {ping}")
