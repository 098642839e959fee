"""WAF Classic (global and regional): web ACLs, rules and rule groups that do something, and logging.

Reads the `waf_classic.*` (global, CloudFront) and `waf_regional.*` datasets of collect/services/waf.py.
moto implements no WAF Classic API: against moto these checks are UNKNOWN with the gap.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.inventory.snapshot import GLOBAL
from cloudwarden.inventory.views import PerRegion
from cloudwarden.inventory.views.waf_classic import FLAVOURS, WafClassicView, WafScope

T = TypeVar("T")
DOC = "https://docs.aws.amazon.com/waf/latest/developerguide/classic-waf-chapter.html"
MIGRATE = "Better: migrate to AWS WAF (v2) with `aws wafv2` and the WAF Classic migration wizard."


def _datasets(*names: str) -> list[str]:
    return [f"{flavour}.{name}" for flavour in FLAVOURS for name in names]


def _scoped(ctx: CheckContext, scope: WafScope, listed: PerRegion[T], name: str) -> Iterator[tuple[str, tuple[T, ...]]]:
    """(region, items): WAF Classic proper is global (CloudFront), waf-regional is per region."""
    if scope.flavour == "waf_classic":
        with ctx.resource(f"waf/{name}", GLOBAL):
            yield GLOBAL, listed(GLOBAL)
    else:
        yield from ctx.regions_of(listed)


def _details(ctx: CheckContext, listing: str) -> Iterator[tuple[str, str, Any]]:
    """(region, id, detail) for every listed WAF Classic object, global and regional."""
    for scope in ctx.view(WafClassicView).scopes:
        for region, items in _scoped(ctx, scope, getattr(scope, listing), listing):
            for item in items:
                with ctx.resource(item.label, region):
                    yield region, item.id, item.detail.get()


@check("waf_classic.webacls_not_empty", resource_type="AWS::WAF::WebACL",
       datasets=_datasets("web_acls", "web_acl"),
       fix="Add rules or rule groups to the WAF Classic web ACL, or remove it. " + MIGRATE,
       cli="aws waf update-web-acl --web-acl-id <ID> --change-token <TOKEN> --updates file://insert-rule.json",
       doc=DOC)
def webacls_not_empty(ctx: CheckContext) -> Iterator[Result]:
    for region, acl_id, acl in _details(ctx, "web_acls"):
        yield verdict(bool(acl.rule_count), acl.name or acl_id, f"{acl.rule_count} rule(s)" if acl.rule_count
                      else "no rules: every request gets the default action", region, acl.arn, "AWS::WAF::WebACL")


@check("waf_classic.rules_have_conditions", resource_type="AWS::WAF::Rule", datasets=_datasets("rules", "rule"),
       fix="Give every WAF Classic rule at least one condition (IP set, string match, SQLi, XSS ...). " + MIGRATE,
       cli="aws waf update-rule --rule-id <ID> --change-token <TOKEN> --updates file://insert-predicate.json",
       doc=DOC)
def rules_have_conditions(ctx: CheckContext) -> Iterator[Result]:
    for region, rule_id, (name, predicates) in _details(ctx, "rules"):
        yield verdict(bool(predicates), name or rule_id,
                      f"{predicates} condition(s)" if predicates else "no condition: the rule matches nothing",
                      region, resource_type="AWS::WAF::Rule")


@check("waf_classic.rule_groups_not_empty", resource_type="AWS::WAF::RuleGroup",
       datasets=_datasets("rule_groups", "rule_group_rules"),
       fix="Add rules to the WAF Classic rule group, or delete it. " + MIGRATE,
       cli="aws waf update-rule-group --rule-group-id <ID> --change-token <TOKEN> --updates file://insert.json",
       doc=DOC)
def rule_groups_not_empty(ctx: CheckContext) -> Iterator[Result]:
    for region, group_id, rules in _details(ctx, "rule_groups"):
        yield verdict(bool(rules), group_id, f"{rules} rule(s)" if rules else "no rules", region,
                      resource_type="AWS::WAF::RuleGroup")


@check("waf_classic.webacl_logging", resource_type="AWS::WAF::WebACL",
       datasets=_datasets("web_acls", "web_acl", "logging_configurations"),
       fix="Send the WAF Classic web ACL's logs to a Kinesis Data Firehose stream named aws-waf-logs-*. " + MIGRATE,
       cli="aws waf put-logging-configuration --logging-configuration "
           "ResourceArn=<WEB_ACL_ARN>,LogDestinationConfigs=<FIREHOSE_ARN>",
       doc="https://docs.aws.amazon.com/waf/latest/developerguide/classic-logging.html")
def webacl_logging(ctx: CheckContext) -> Iterator[Result]:
    logged: dict[str, set[str]] = {}
    for scope in ctx.view(WafClassicView).scopes:
        for region, configurations in _scoped(ctx, scope, scope.logging, "logging_configurations"):
            logged[region] = {c.resource_arn for c in configurations if c.destinations}
    for region, acl_id, acl in _details(ctx, "web_acls"):
        if region not in logged:
            continue  # the logging configurations of that scope were not read: reported UNKNOWN above
        arn = acl.arn
        yield verdict(arn in logged[region], acl.name or acl_id, "logging configured"
                      if arn in logged[region] else "no logging configuration", region, arn, "AWS::WAF::WebACL")
