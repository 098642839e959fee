"""Secrets left in configuration: instance user data, launch templates, stack parameters and outputs.

The collector never stores these values in clear (collect/secrets.py): it stores a marker with what
detect-secrets found — type, a redacted excerpt, the line — and the check reads those markers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.inventory.redacted import secrets_in
from cloudwarden.inventory.views.cloudformation import STACKS, CloudFormationView
from cloudwarden.inventory.views.ec2 import INSTANCES, TEMPLATE_VERSIONS, Ec2View

USER_DATA = "ec2.instance_user_data"


def _describe(found: list[dict[str, Any]]) -> str:
    shown = "; ".join(f"{s['type']} ({s['excerpt']}) in {s['path']}"
                      + (f" line {s['line']}" if s.get("line") else "") for s in found[:3])
    more = f"; and {len(found) - 3} more" if len(found) > 3 else ""
    return f"secrets found: {shown}{more}"


def _judge(found: list[dict[str, Any]], clean: str) -> tuple[bool, str]:
    return (not found, _describe(found) if found else clean)


@dataclass(frozen=True)
class Place:
    """A place in compute configuration a secret may be left in, with the markers found there."""

    kind: str  # "instance", "template" or "stack"
    secrets: list[dict[str, Any]]


def secret_verdicts(ctx: CheckContext, judge: Callable[[Place], tuple[bool, str]],
                    kinds: tuple[str, ...] = ("instance", "template", "stack")) -> Iterator[Result]:
    """One verdict per instance (user data), launch template version and stack of `kinds`; data missing
    for one of them (its user data, or what `judge` reads) makes it UNKNOWN."""
    ec2 = ctx.view(Ec2View)
    if "instance" in kinds:
        for region, instance in ctx.over(ec2.instances):
            with ctx.resource(instance.id, region):
                ok, message = judge(Place("instance", secrets_in(ctx.item(USER_DATA, instance.id, region), "UserData")))
                yield verdict(ok, instance.id, message, region, ctx.arn("ec2", f"instance/{instance.id}", region),
                              "AWS::EC2::Instance")
    if "template" in kinds:
        for region, version in ctx.over(ec2.template_versions):
            name = f"{version.template_id} v{version.number}"
            with ctx.resource(name, region):
                ok, message = judge(Place("template", secrets_in(version.data or {}, "LaunchTemplateData")))
                yield verdict(ok, name, message, region,
                              ctx.arn("ec2", f"launch-template/{version.template_id}", region), "AWS::EC2::LaunchTemplate")
    if "stack" in kinds:
        for region, stack in ctx.over(ctx.view(CloudFormationView).stacks):
            with ctx.resource(stack.name, region):
                ok, message = judge(Place("stack", secrets_in(stack.fields)))
                yield verdict(ok, stack.name, message, region, stack.id, "AWS::CloudFormation::Stack")


@check("ec2.user_data_no_secrets", resource_type="AWS::EC2::Instance",
       datasets=[INSTANCES, USER_DATA, TEMPLATE_VERSIONS],
       fix="Move the secret to Secrets Manager or SSM SecureString, read it at boot with the instance role, "
           "rotate the exposed value and replace the user data / template version",
       cli="aws ec2 modify-instance-attribute --instance-id INSTANCE_ID --user-data Value=",
       doc="https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html")
def user_data_no_secrets(ctx: CheckContext) -> Iterator[Result]:
    clean = {"instance": "user data holds no secret that detect-secrets recognises",
             "template": "launch template data holds no secret that detect-secrets recognises"}
    yield from secret_verdicts(ctx, lambda place: _judge(place.secrets, clean[place.kind]), ("instance", "template"))


@check("cloudformation.outputs_no_secrets", resource_type="AWS::CloudFormation::Stack", datasets=[STACKS],
       fix="Declare secret parameters with NoEcho and take them from Secrets Manager dynamic references; "
           "never output a secret; rotate any value exposed",
       cli="aws cloudformation update-stack --stack-name STACK --use-previous-template --parameters ...",
       doc="https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/security-best-practices.html")
def outputs_no_secrets(ctx: CheckContext) -> Iterator[Result]:
    yield from secret_verdicts(ctx, lambda place: _judge(
        place.secrets, "parameters and outputs hold no secret that detect-secrets recognises"), ("stack",))
