"""AWS WAF: WAFv2 regional web ACLs (rules, logging) and WAF Classic (global and regional).

WAF Classic is read through `waf` (global, CloudFront) and `waf-regional`. moto implements neither,
so against moto these datasets are gaps and the WAF Classic checks say UNKNOWN.
CloudFront-scope WAFv2 web ACLs exist only in us-east-1 and are not listed here (see docs/checks-infrastructure.md).
"""

from __future__ import annotations

from typing import Any

from cloudwarden.collect.spec import Call

WAF_ABSENT = ("WAFNonexistentItemException",)


def _acl_params(acl: Any) -> dict[str, Any]:
    return {"Name": acl["Name"], "Id": acl["Id"], "Scope": "REGIONAL"}


def _classic_specs(prefix: str, client: str, scope: Any) -> list[Call]:
    return [
        Call(f"{prefix}.web_acls", client, "list_web_acls", "WebACLs", scope=scope,
             paginate=client == "waf"),
        Call(f"{prefix}.web_acl", client, "get_web_acl", "WebACL", scope=scope, per=f"{prefix}.web_acls",
             per_params=lambda a: {"WebACLId": a["WebACLId"]}, per_key=lambda a: a["WebACLId"],
             absent_codes=WAF_ABSENT),
        Call(f"{prefix}.rules", client, "list_rules", "Rules", scope=scope, paginate=client == "waf"),
        Call(f"{prefix}.rule", client, "get_rule", "Rule", scope=scope, per=f"{prefix}.rules",
             per_params=lambda r: {"RuleId": r["RuleId"]}, per_key=lambda r: r["RuleId"], absent_codes=WAF_ABSENT),
        Call(f"{prefix}.rule_groups", client, "list_rule_groups", "RuleGroups", scope=scope,
             paginate=client == "waf"),
        Call(f"{prefix}.rule_group_rules", client, "list_activated_rules_in_rule_group", "ActivatedRules",
             scope=scope, per=f"{prefix}.rule_groups", per_params=lambda g: {"RuleGroupId": g["RuleGroupId"]},
             per_key=lambda g: g["RuleGroupId"], absent_codes=WAF_ABSENT),
        Call(f"{prefix}.logging_configurations", client, "list_logging_configurations", "LoggingConfigurations",
             scope=scope, paginate=client == "waf"),
    ]


SPECS = [
    Call("wafv2.web_acls", "wafv2", "list_web_acls", "WebACLs", params={"Scope": "REGIONAL"}),
    Call("wafv2.web_acl", "wafv2", "get_web_acl", "WebACL", per="wafv2.web_acls", per_params=_acl_params,
         per_key=lambda a: a["ARN"], absent_codes=WAF_ABSENT),
    Call("wafv2.logging_configuration", "wafv2", "get_logging_configuration", "LoggingConfiguration",
         per="wafv2.web_acls", per_params=lambda a: {"ResourceArn": a["ARN"]}, per_key=lambda a: a["ARN"],
         absent_codes=WAF_ABSENT),
    *_classic_specs("waf_classic", "waf", "global"),
    *_classic_specs("waf_regional", "waf-regional", "regional"),
]
