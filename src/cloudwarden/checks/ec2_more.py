"""More EC2 checks: network interfaces, virtualization type, launch-template volumes, SSM management.

Terminated and shutting-down instances are not judged, as in ec2_instances.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.ec2_instances import EC2_DOC, INSTANCE_TYPE, INSTANCES, TEMPLATE_TYPE, TEMPLATE_VERSIONS
from cloudwarden.checks.helpers import name_or_id, verdict
from cloudwarden.checks.registry import Result, check

_GONE = ("terminated", "shutting-down")


def _instances(ctx: CheckContext) -> Iterator[tuple[str, dict[str, Any]]]:
    """(region, instance record) for every instance that is not terminated or shutting down."""
    for region, instance in ctx.each(INSTANCES):
        if (instance.get("State") or {}).get("Name") not in _GONE:
            yield region, instance


def _judge_instance(ctx: CheckContext, region: str, instance: dict[str, Any], ok: bool, message: str) -> Result:
    instance_id = instance["InstanceId"]
    return verdict(ok, instance_id, f"{name_or_id(instance, 'InstanceId')}: {message}", region,
                   ctx.arn("ec2", f"instance/{instance_id}", region), INSTANCE_TYPE)


def _templates(ctx: CheckContext) -> Iterator[tuple[str, str, list[dict[str, Any]]]]:
    """(region, template id, its default and latest version records) for every launch template."""
    for region, versions in ctx.regional(TEMPLATE_VERSIONS):
        grouped: dict[str, dict[int, dict[str, Any]]] = {}
        for version in versions or []:
            grouped.setdefault(version["LaunchTemplateId"], {})[version.get("VersionNumber", 0)] = version
        for template_id, by_number in sorted(grouped.items()):
            yield region, template_id, [by_number[n] for n in sorted(by_number)]

MANAGED = "ssm.managed_instances"


@check("ec2.instance_single_eni", resource_type=INSTANCE_TYPE, datasets=[INSTANCES],
       fix="Detach secondary network interfaces unless the instance is an appliance that must bridge subnets; "
           "document the exception.",
       cli="aws ec2 detach-network-interface --attachment-id <ATTACHMENT_ID>",
       doc=EC2_DOC + "using-eni.html")
def instance_single_eni(ctx: CheckContext) -> Iterator[Result]:
    for region, instance in _instances(ctx):
        interfaces = instance.get("NetworkInterfaces") or []
        subnets = sorted({str(i.get("SubnetId")) for i in interfaces if i.get("SubnetId")})
        where = f" in {', '.join(subnets)}" if subnets else ""
        yield _judge_instance(ctx, region, instance, len(interfaces) <= 1,
                              f"{len(interfaces)} network interface(s){where}")


@check("ec2.instance_not_paravirtual", resource_type=INSTANCE_TYPE, datasets=[INSTANCES],
       fix="Migrate the workload to an HVM AMI on a current (Nitro) instance type.",
       cli="aws ec2 describe-images --owners amazon --filters Name=virtualization-type,Values=hvm "
           "Name=name,Values='al2023-ami-*'",
       doc=EC2_DOC + "ComponentsAMIs.html#virtualization_types")
def instance_not_paravirtual(ctx: CheckContext) -> Iterator[Result]:
    for region, instance in _instances(ctx):
        kind = instance.get("VirtualizationType") or "unknown"
        yield _judge_instance(ctx, region, instance, kind != "paravirtual", f"virtualization type {kind}")


def _template_volume_gaps(data: dict[str, Any]) -> list[str]:
    """Device names of the EBS mappings a template does not mark encrypted."""
    return [str(m.get("DeviceName", "?")) for m in data.get("BlockDeviceMappings") or []
            if isinstance(m.get("Ebs"), dict) and m["Ebs"].get("Encrypted") is not True]


@check("ec2.launch_template_ebs_encrypted", resource_type=TEMPLATE_TYPE,
       datasets=[TEMPLATE_VERSIONS, "ec2.ebs_encryption_by_default"],
       fix="Set Encrypted=true (and a KMS key) on every EBS block device mapping of the template, or turn on "
           "EBS encryption by default in the region.",
       cli="aws ec2 create-launch-template-version --launch-template-id TEMPLATE --source-version '$Default' "
           "--launch-template-data '{\"BlockDeviceMappings\":[{\"DeviceName\":\"/dev/xvda\","
           "\"Ebs\":{\"Encrypted\":true}}]}'",
       doc=EC2_DOC + "launch-template-block-device-mappings.html")
def launch_template_ebs_encrypted(ctx: CheckContext) -> Iterator[Result]:
    for region, template_id, versions in _templates(ctx):
        with ctx.resource(template_id, region):
            yield _template_verdict(ctx, region, template_id, versions,
                                    ctx.get("ec2.ebs_encryption_by_default", region) is True)


def _template_verdict(ctx: CheckContext, region: str, template_id: str, versions: list[dict[str, Any]],
                  by_default: bool) -> Result:
    bad: list[str] = []
    for version in versions:
        gaps = _template_volume_gaps(version.get("LaunchTemplateData") or {})
        if gaps:
            bad.append(f"version {version.get('VersionNumber')}: {', '.join(gaps)} not marked encrypted")
    name = versions[0].get("LaunchTemplateName", "")
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
    for region, instances in ctx.regional(INSTANCES):
        with ctx.resource(region, region):  # the region's SSM list unread: its instances are UNKNOWN
            known = {str(m.get("InstanceId")): m for m in ctx.get(MANAGED, region) or []}
            for instance in instances or []:
                if (instance.get("State") or {}).get("Name") in _GONE:
                    continue
                entry = known.get(instance["InstanceId"])
                if entry is None:
                    yield _judge_instance(ctx, region, instance, False, "not registered with Systems Manager")
                    continue
                ping = entry.get("PingStatus", "unknown")
                yield _judge_instance(ctx, region, instance, ping == "Online",
                                      f"managed by Systems Manager, agent {entry.get('AgentVersion', '?')}, "
                                      f"ping status {ping}")
