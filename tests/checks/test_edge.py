"""PASS, FAIL, UNKNOWN and MANUAL cases for ACM, WAFv2, WAF Classic and Shield Advanced."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.inventory.snapshot import Gap
from tests.checks.cases import Case, Regional, assert_case

REGION = "us-east-1"
CERT_ARN = f"arn:aws:acm:{REGION}:111122223333:certificate/0f1e2d3c-aaaa-bbbb-cccc-000000000001"


def cert(**detail: Any) -> dict[str, Any]:
    base = {"CertificateArn": CERT_ARN, "DomainName": "shop.example.com", "Status": "ISSUED",
            "NotAfter": "2027-06-01T00:00:00+00:00", "KeyAlgorithm": "RSA_2048", "Type": "AMAZON_ISSUED",
            "Options": {"CertificateTransparencyLoggingPreference": "ENABLED"}}
    base.update(detail)
    return {"acm.certificates": Regional({REGION: [{"CertificateArn": CERT_ARN, "DomainName": "shop.example.com"}]}),
            "acm.certificate": Regional({REGION: {CERT_ARN: base}})}


ACL_ARN = f"arn:aws:wafv2:{REGION}:111122223333:regional/webacl/edge/1111"
SEEN = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "m"}
UNSEEN = dict(SEEN, CloudWatchMetricsEnabled=False)
CRS = {"Name": "crs", "Priority": 1, "VisibilityConfig": SEEN,
       "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet"}}}


def web_acl(rules: list[dict[str, Any]], visibility: dict[str, Any] = SEEN, logging: Any = "on") -> dict[str, Any]:
    summary = {"Name": "edge", "Id": "1111", "ARN": ACL_ARN}
    log = {"ResourceArn": ACL_ARN, "LogDestinationConfigs": ["arn:aws:logs:us-east-1:111122223333:log-group:aws-waf-logs-edge"]}
    return {"wafv2.web_acls": Regional({REGION: [summary]}),
            "wafv2.web_acl": Regional({REGION: {ACL_ARN: dict(summary, Rules=rules, VisibilityConfig=visibility)}}),
            "wafv2.logging_configuration": Regional({REGION: {ACL_ARN: log if logging == "on" else logging}})}


def classic(acl_rules: list[Any], predicates: list[Any], group_rules: list[Any], logged: bool) -> dict[str, Any]:
    arn = "arn:aws:waf::111122223333:webacl/acl-1"
    data: dict[str, Any] = {
        "waf_classic.web_acls": [{"WebACLId": "acl-1", "Name": "legacy"}],
        "waf_classic.web_acl": {"acl-1": {"WebACLId": "acl-1", "Name": "legacy", "WebACLArn": arn, "Rules": acl_rules}},
        "waf_classic.rules": [{"RuleId": "rule-1", "Name": "block-bad-ips"}],
        "waf_classic.rule": {"rule-1": {"RuleId": "rule-1", "Name": "block-bad-ips", "Predicates": predicates}},
        "waf_classic.rule_groups": [{"RuleGroupId": "group-1", "Name": "group"}],
        "waf_classic.rule_group_rules": {"group-1": group_rules},
        "waf_classic.logging_configurations": [{"ResourceArn": arn, "LogDestinationConfigs": ["arn:fh"]}] if logged else [],
    }
    for name in ("web_acls", "web_acl", "rules", "rule", "rule_groups", "rule_group_rules", "logging_configurations"):
        data[f"waf_regional.{name}"] = Regional({REGION: {} if name in ("web_acl", "rule", "rule_group_rules") else []})
    return data


RULE = [{"Priority": 1, "RuleId": "rule-1", "Action": {"Type": "BLOCK"}, "Type": "REGULAR"}]
PREDICATE = [{"Negated": False, "Type": "IPMatch", "DataId": "ipset-1"}]
NOT_IMPLEMENTED = [Gap(f"waf_regional.{n}", "waf-regional", "ListWebACLs", REGION, "NotImplemented",
                       "the endpoint does not implement this operation", "waf-regional:ListWebACLs")
                   for n in ("web_acls",)] + [
    Gap("waf_classic.web_acls", "waf", "ListWebACLs", "global", "NotImplemented",
        "the endpoint does not implement this operation", "waf:ListWebACLs")]

ALB = {"LoadBalancerName": "web", "Scheme": "internet-facing", "Type": "application",
       "LoadBalancerArn": f"arn:aws:elasticloadbalancing:{REGION}:111122223333:loadbalancer/app/web/1"}


def shield(state: str, protected: bool) -> dict[str, Any]:
    return {"shield.subscription_state": state,
            "shield.protections": [{"ResourceArn": ALB["LoadBalancerArn"]}] if protected else [],
            "cloudfront.distributions": [], "elbv2.load_balancers": Regional({REGION: [ALB]}),
            "elb.load_balancers": Regional({REGION: []})}


CASES = [
    Case("pass-months-left", "acm.certificate_not_expiring", cert()),
    Case("fail-expiring-soon", "acm.certificate_not_expiring", cert(NotAfter="2026-12-10T00:00:00+00:00"),
         message="expires in"),
    Case("fail-expired", "acm.certificate_not_expiring", cert(Status="EXPIRED", NotAfter="2026-10-01T00:00:00Z"),
         message="expired"),
    Case("unknown-detail-missing", "acm.certificate_not_expiring",
         {"acm.certificates": Regional({REGION: [{"CertificateArn": CERT_ARN}]}),
          "acm.certificate": Regional({REGION: {}})}),
    Case("pass-rsa-2048", "acm.rsa_key_length_2048", cert()),
    Case("fail-rsa-1024", "acm.rsa_key_length_2048", cert(KeyAlgorithm="RSA_1024")),
    Case("pass-ct-enabled", "acm.certificate_transparency_logging", cert()),
    Case("fail-ct-disabled", "acm.certificate_transparency_logging",
         cert(Options={"CertificateTransparencyLoggingPreference": "DISABLED"})),
    Case("pass-rules", "wafv2.webacl_has_rules", web_acl([CRS])),
    Case("fail-empty", "wafv2.webacl_has_rules", web_acl([])),
    Case("pass-logging", "wafv2.webacl_logging", web_acl([CRS])),
    Case("fail-no-logging", "wafv2.webacl_logging", web_acl([CRS], logging=None)),
    Case("pass-metrics", "wafv2.rules_cloudwatch_metrics", web_acl([CRS])),
    Case("fail-rule-silent", "wafv2.rules_cloudwatch_metrics", web_acl([dict(CRS, VisibilityConfig=UNSEEN)]),
         message="rule crs"),
    Case("fail-acl-silent", "wafv2.rules_cloudwatch_metrics", web_acl([CRS], visibility=UNSEEN)),
    Case("pass-acl-has-rules", "waf_classic.webacls_not_empty", classic(RULE, PREDICATE, RULE, True)),
    Case("fail-acl-empty", "waf_classic.webacls_not_empty", classic([], PREDICATE, RULE, True)),
    Case("unknown-moto", "waf_classic.webacls_not_empty", classic([], [], [], False), gaps=NOT_IMPLEMENTED),
    Case("pass-rule-conditions", "waf_classic.rules_have_conditions", classic(RULE, PREDICATE, RULE, True)),
    Case("fail-rule-no-conditions", "waf_classic.rules_have_conditions", classic(RULE, [], RULE, True)),
    Case("pass-group-rules", "waf_classic.rule_groups_not_empty", classic(RULE, PREDICATE, RULE, True)),
    Case("fail-group-empty", "waf_classic.rule_groups_not_empty", classic(RULE, PREDICATE, [], True)),
    Case("pass-logged", "waf_classic.webacl_logging", classic(RULE, PREDICATE, RULE, True)),
    Case("fail-not-logged", "waf_classic.webacl_logging", classic(RULE, PREDICATE, RULE, False)),
    Case("pass-protected", "shield.advanced_on_internet_facing", shield("ACTIVE", True)),
    Case("fail-unprotected", "shield.advanced_on_internet_facing", shield("ACTIVE", False)),
    Case("manual-not-subscribed", "shield.advanced_on_internet_facing", shield("INACTIVE", False),
         message="not subscribed"),
]
for case in CASES:
    case.regions = (REGION,)


def test_waf_classic_against_moto_is_unknown_never_pass() -> None:
    unknown = next(c for c in CASES if c.name == "unknown-moto")
    assert unknown.gaps  # the datasets moto cannot serve are gaps, so the check cannot pass


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)
