"""WAF Classic (global and regional): web ACLs, rules and rule groups that do something, and logging.

Reads the `waf_classic.*` (global, CloudFront) and `waf_regional.*` datasets of collect/services/waf.py.
moto implements no WAF Classic API: against moto these checks are UNKNOWN with the gap.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.inventory.snapshot import GLOBAL

FLAVOURS = ("waf_classic", "waf_regional")
DOC = "https://docs.aws.amazon.com/waf/latest/developerguide/classic-waf-chapter.html"
MIGRATE = "Better: migrate to AWS WAF (v2) with `aws wafv2` and the WAF Classic migration wizard."


def _datasets(*names: str) -> list[str]:
    return [f"{flavour}.{name}" for flavour in FLAVOURS for name in names]


def _scoped(ctx: CheckContext, flavour: str, name: str) -> Iterator[tuple[str, Any]]:
    """(region, value): WAF Classic proper is global (CloudFront), waf-regional is per region."""
    if flavour == "waf_classic":
        with ctx.resource(f"waf/{name}", GLOBAL):
            yield GLOBAL, ctx.get(f"{flavour}.{name}")
    else:
        yield from ctx.regional(f"{flavour}.{name}")


def _details(ctx: CheckContext, listing: str, detail: str, id_key: str) -> Iterator[tuple[str, str, Any]]:
    """(region, id, detail) for every listed WAF Classic object, global and regional."""
    for flavour in FLAVOURS:
        for region, items in _scoped(ctx, flavour, listing):
            for item in items or []:
                with ctx.resource(str(item.get("Name") or item[id_key]), region):
                    yield region, str(item[id_key]), ctx.item(f"{flavour}.{detail}", str(item[id_key]), region)


@check("waf_classic.webacls_not_empty", resource_type="AWS::WAF::WebACL",
       datasets=_datasets("web_acls", "web_acl"),
       fix="Add rules or rule groups to the WAF Classic web ACL, or remove it. " + MIGRATE,
       cli="aws waf update-web-acl --web-acl-id <ID> --change-token <TOKEN> --updates file://insert-rule.json",
       doc=DOC)
def webacls_not_empty(ctx: CheckContext) -> Iterator[Result]:
    for region, acl_id, acl in _details(ctx, "web_acls", "web_acl", "WebACLId"):
        rules = (acl or {}).get("Rules") or []
        yield verdict(bool(rules), str((acl or {}).get("Name") or acl_id), f"{len(rules)} rule(s)" if rules
                      else "no rules: every request gets the default action", region,
                      str((acl or {}).get("WebACLArn") or ""), "AWS::WAF::WebACL")


@check("waf_classic.rules_have_conditions", resource_type="AWS::WAF::Rule", datasets=_datasets("rules", "rule"),
       fix="Give every WAF Classic rule at least one condition (IP set, string match, SQLi, XSS ...). " + MIGRATE,
       cli="aws waf update-rule --rule-id <ID> --change-token <TOKEN> --updates file://insert-predicate.json",
       doc=DOC)
def rules_have_conditions(ctx: CheckContext) -> Iterator[Result]:
    for region, rule_id, rule in _details(ctx, "rules", "rule", "RuleId"):
        predicates = (rule or {}).get("Predicates") or []
        yield verdict(bool(predicates), str((rule or {}).get("Name") or rule_id),
                      f"{len(predicates)} condition(s)" if predicates else "no condition: the rule matches nothing",
                      region, resource_type="AWS::WAF::Rule")


@check("waf_classic.rule_groups_not_empty", resource_type="AWS::WAF::RuleGroup",
       datasets=_datasets("rule_groups", "rule_group_rules"),
       fix="Add rules to the WAF Classic rule group, or delete it. " + MIGRATE,
       cli="aws waf update-rule-group --rule-group-id <ID> --change-token <TOKEN> --updates file://insert.json",
       doc=DOC)
def rule_groups_not_empty(ctx: CheckContext) -> Iterator[Result]:
    for region, group_id, rules in _details(ctx, "rule_groups", "rule_group_rules", "RuleGroupId"):
        yield verdict(bool(rules), group_id, f"{len(rules or [])} rule(s)" if rules else "no rules", region,
                      resource_type="AWS::WAF::RuleGroup")


@check("waf_classic.webacl_logging", resource_type="AWS::WAF::WebACL",
       datasets=_datasets("web_acls", "web_acl", "logging_configurations"),
       fix="Send the WAF Classic web ACL's logs to a Kinesis Data Firehose stream named aws-waf-logs-*. " + MIGRATE,
       cli="aws waf put-logging-configuration --logging-configuration "
           "ResourceArn=<WEB_ACL_ARN>,LogDestinationConfigs=<FIREHOSE_ARN>",
       doc="https://docs.aws.amazon.com/waf/latest/developerguide/classic-logging.html")
def webacl_logging(ctx: CheckContext) -> Iterator[Result]:
    logged: dict[str, set[str]] = {}
    for flavour in FLAVOURS:
        for region, configurations in _scoped(ctx, flavour, "logging_configurations"):
            logged[region] = {str(c.get("ResourceArn")) for c in configurations or [] if c.get("LogDestinationConfigs")}
    for region, acl_id, acl in _details(ctx, "web_acls", "web_acl", "WebACLId"):
        if region not in logged:
            continue  # the logging configurations of that scope were not read: reported UNKNOWN above
        arn = str((acl or {}).get("WebACLArn") or "")
        yield verdict(arn in logged[region], str((acl or {}).get("Name") or acl_id), "logging configured"
                      if arn in logged[region] else "no logging configuration", region, arn, "AWS::WAF::WebACL")
