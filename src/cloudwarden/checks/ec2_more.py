"""More EC2 instance checks: network interfaces and virtualization type (describe_instances only).

Terminated and shutting-down instances are not judged, as in ec2_instances.py.
"""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.ec2_instances import EC2_DOC, INSTANCE_TYPE, INSTANCES, _instances, _judge_instance
from cloudwarden.checks.registry import Result, check


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
