"""WAFv2 regional web ACLs: rules present, logging on, CloudWatch metrics for the ACL and its rules.

Reads `wafv2.web_acls`, `wafv2.web_acl` and `wafv2.logging_configuration` (collect/services/waf.py).
"""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.inventory.views.wafv2 import ACL, ACLS, LOGGING, Wafv2View, WebAcl, WebAclDetail

RESOURCE = "AWS::WAFv2::WebACL"
DOC = "https://docs.aws.amazon.com/waf/latest/developerguide/"


def _web_acls(ctx: CheckContext) -> Iterator[tuple[str, WebAclDetail]]:
    for region, summary in ctx.over(ctx.view(Wafv2View).web_acls):
        with ctx.resource(summary.name, region):
            acl = summary.detail.get()
            if acl is not None:
                yield region, acl


def _result(ok: bool, acl: WebAcl | WebAclDetail, message: str, region: str) -> Result:
    return verdict(ok, acl.name, message, region, acl.arn, RESOURCE)


@check("wafv2.webacl_has_rules", resource_type=RESOURCE, datasets=[ACLS, ACL],
       fix="Add rules to the web ACL: AWS managed rule groups (common rule set, SQL database, known bad inputs) "
           "and a rate-based rule.",
       cli="aws wafv2 update-web-acl --name <NAME> --scope REGIONAL --id <ID> --lock-token <TOKEN> "
           "--default-action Allow={} --rules file://rules.json --visibility-config file://visibility.json",
       doc=DOC + "web-acl-editing.html")
def webacl_has_rules(ctx: CheckContext) -> Iterator[Result]:
    for region, acl in _web_acls(ctx):
        rules = acl.rules
        names = ", ".join(r.name for r in rules[:5])
        yield _result(bool(rules), acl, f"{len(rules)} rule(s): {names}" if rules
                      else "no rules: every request gets the default action", region)


@check("wafv2.webacl_logging", resource_type=RESOURCE, datasets=[ACLS, LOGGING],
       fix="Send the web ACL's logs to CloudWatch Logs, S3 or Firehose (a destination named aws-waf-logs-*).",
       cli="aws wafv2 put-logging-configuration --logging-configuration "
           "ResourceArn=<WEB_ACL_ARN>,LogDestinationConfigs=<LOG_GROUP_ARN>",
       doc=DOC + "logging.html")
def webacl_logging(ctx: CheckContext) -> Iterator[Result]:
    for region, summary in ctx.over(ctx.view(Wafv2View).web_acls):
        with ctx.resource(summary.name, region):
            destinations = summary.log_destinations.get()
            yield _result(bool(destinations), summary, "logs to " + ", ".join(destinations) if destinations
                          else "no logging configuration", region)


@check("wafv2.rules_cloudwatch_metrics", resource_type=RESOURCE, datasets=[ACLS, ACL],
       fix="Enable CloudWatch metrics in the visibility configuration of the web ACL and of each rule.",
       cli="aws wafv2 update-web-acl ... --visibility-config "
           "SampledRequestsEnabled=true,CloudWatchMetricsEnabled=true,MetricName=<NAME>",
       doc=DOC + "monitoring-cloudwatch.html")
def rules_cloudwatch_metrics(ctx: CheckContext) -> Iterator[Result]:
    for region, acl in _web_acls(ctx):
        silent = [] if acl.metrics else ["the web ACL"]
        silent += [f"rule {r.name}" for r in acl.rules if not r.metrics]
        yield _result(not silent, acl, "no CloudWatch metrics for " + ", ".join(silent) if silent
                      else "the web ACL and every rule publish CloudWatch metrics", region)
