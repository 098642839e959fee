"""Shield Advanced on internet-facing resources, where the account subscribes.

Reads `shield.subscription_state`, `shield.protections`, `cloudfront.distributions` and the
load balancers. Without a subscription the check is MANUAL: whether the workload needs Shield
Advanced is a business decision, not a configuration error.
"""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.core.enums import Status
from cloudwarden.inventory.snapshot import GLOBAL
from cloudwarden.inventory.views.elb import ElbView

STATE, PROTECTIONS, DISTRIBUTIONS = "shield.subscription_state", "shield.protections", "cloudfront.distributions"
LBS, CLBS = "elbv2.load_balancers", "elb.load_balancers"


@check("shield.advanced_on_internet_facing", resource_type="AWS::Shield::Protection",
       datasets=[STATE, PROTECTIONS, DISTRIBUTIONS, LBS, CLBS],
       fix="With Shield Advanced subscribed, add a protection for every internet-facing load balancer and "
           "CloudFront distribution that serves critical traffic.",
       cli="aws shield create-protection --name <NAME> --resource-arn <RESOURCE_ARN>",
       doc="https://docs.aws.amazon.com/waf/latest/developerguide/ddos-manage-protected-resources.html")
def advanced_on_internet_facing(ctx: CheckContext) -> Iterator[Result]:
    state = ctx.get(STATE)
    if state != "ACTIVE":
        yield Result(Status.MANUAL, ctx.account_id, "Shield Advanced is not subscribed: decide whether the "
                     "internet-facing resources need DDoS response support and cost protection", GLOBAL,
                     resource_type="AWS::Shield::Subscription")
        return
    protected = {str(p.get("ResourceArn")) for p in ctx.get(PROTECTIONS) or []}
    exposed = [(GLOBAL, str(d["ARN"]), str(d.get("DomainName") or d["Id"])) for d in ctx.get(DISTRIBUTIONS) or []]
    elb = ctx.view(ElbView)
    exposed += [(region, lb.arn, lb.name) for region, lb in ctx.over(elb.balancers) if lb.internet_facing]
    exposed += [(region, ctx.arn("elasticloadbalancing", f"loadbalancer/{lb.name}", region), lb.name)
                for region, lb in ctx.over(elb.classic) if lb.internet_facing]
    for region, arn, name in exposed:
        yield verdict(arn in protected, name, "protected by Shield Advanced" if arn in protected
                      else "internet-facing and not protected by Shield Advanced", region, arn)
