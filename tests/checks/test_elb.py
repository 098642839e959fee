"""PASS, FAIL and UNKNOWN cases for the load balancer checks (hand-built, AWS response shapes)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.checks.cases import Case, Regional, assert_case

REGION = "us-east-1"
ARN = f"arn:aws:elasticloadbalancing:{REGION}:111122223333:loadbalancer/app/web/50dc6c495c0c9188"
TWO_AZ = [{"ZoneName": "us-east-1a"}, {"ZoneName": "us-east-1b"}]
REDIRECT = {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}
FORWARD = {"Type": "forward", "TargetGroupArn": "arn:tg"}
POLICIES = {"ELBSecurityPolicy-TLS13-1-2-2021-06": ["TLSv1.3", "TLSv1.2"],
            "ELBSecurityPolicy-2016-08": ["TLSv1.2", "TLSv1.1", "TLSv1"]}
GOOD_ATTRS = {"routing.http.drop_invalid_header_fields.enabled": "true", "deletion_protection.enabled": "true",
              "routing.http.desync_mitigation_mode": "strictest", "access_logs.s3.enabled": "true"}
BAD_ATTRS = {"routing.http.drop_invalid_header_fields.enabled": "false", "deletion_protection.enabled": "false",
             "routing.http.desync_mitigation_mode": "monitor", "access_logs.s3.enabled": "false"}


def listener(protocol: str, port: int, action: dict[str, Any], policy: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"Protocol": protocol, "Port": port, "DefaultActions": [action]}
    if policy:
        item["SslPolicy"] = policy
    return item


HTTPS_MODERN = listener("HTTPS", 443, FORWARD, "ELBSecurityPolicy-TLS13-1-2-2021-06")
HTTPS_OLD = listener("HTTPS", 443, FORWARD, "ELBSecurityPolicy-2016-08")
HTTP_REDIRECT = listener("HTTP", 80, REDIRECT)
HTTP_SERVING = listener("HTTP", 80, FORWARD)


def alb(listeners: list[dict[str, Any]] | None = None, attrs: dict[str, str] | None = None, *,
        zones: list[dict[str, str]] | None = None, acl: Any = "absent", scheme: str = "internet-facing",
        lb_type: str = "application") -> dict[str, Any]:
    lb = {"LoadBalancerName": "web", "LoadBalancerArn": ARN, "Type": lb_type, "Scheme": scheme,
          "AvailabilityZones": TWO_AZ if zones is None else zones}
    data: dict[str, Any] = {
        "elbv2.load_balancers": Regional({REGION: [lb]}),
        "elbv2.listeners": Regional({REGION: {ARN: listeners if listeners is not None else [HTTPS_MODERN]}}),
        "elbv2.load_balancer_attributes": Regional({REGION: {ARN: GOOD_ATTRS if attrs is None else attrs}}),
        "elbv2.ssl_policies": Regional({REGION: POLICIES}),
        "wafv2.web_acl_for_resource": Regional({REGION: {} if acl == "absent" else {ARN: acl}}),
        "elb.load_balancers": Regional({REGION: []}),
    }
    return data


def clb(protocol: str = "HTTPS", cert: str = "arn:aws:acm:us-east-1:111122223333:certificate/abc",
        attrs: dict[str, Any] | None = None, policy: list[dict[str, Any]] | None = None,
        zones: tuple[str, ...] = ("us-east-1a", "us-east-1b")) -> dict[str, Any]:
    listener_ = {"Protocol": protocol, "LoadBalancerPort": 443, "InstancePort": 80, "InstanceProtocol": "HTTP"}
    if protocol in ("HTTPS", "SSL"):
        listener_["SSLCertificateId"] = cert
    lb = {"LoadBalancerName": "legacy", "ListenerDescriptions": [{"Listener": listener_, "PolicyNames": ["tls"]}],
          "AvailabilityZones": list(zones)}
    good = {"ConnectionDraining": {"Enabled": True, "Timeout": 300}, "CrossZoneLoadBalancing": {"Enabled": True},
            "AccessLog": {"Enabled": True, "S3BucketName": "logs"},
            "AdditionalAttributes": [{"Key": "elb.http.desyncmitigationmode", "Value": "defensive"}]}
    tls12 = [{"PolicyName": "tls", "PolicyTypeName": "SSLNegotiationPolicyType", "PolicyAttributeDescriptions": [
        {"AttributeName": "Protocol-TLSv1", "AttributeValue": "false"},
        {"AttributeName": "Protocol-TLSv1.2", "AttributeValue": "true"}]}]
    return {"elbv2.load_balancers": Regional({REGION: []}), "elb.load_balancers": Regional({REGION: [lb]}),
            "elb.load_balancer_attributes": Regional({REGION: {"legacy": good if attrs is None else attrs}}),
            "elb.load_balancer_policies": Regional({REGION: {"legacy": tls12 if policy is None else policy}})}


TLS10 = [{"PolicyName": "tls", "PolicyAttributeDescriptions": [{"AttributeName": "Protocol-TLSv1", "AttributeValue": "true"}]}]
CLB_OFF = {"ConnectionDraining": {"Enabled": False}, "CrossZoneLoadBalancing": {"Enabled": True},
           "AccessLog": {"Enabled": False}, "AdditionalAttributes": [{"Key": "elb.http.desyncmitigationmode", "Value": "monitor"}]}

CASES = [
    Case("pass-https", "elb.listeners_secure_protocols", alb([HTTPS_MODERN, HTTP_REDIRECT])),
    Case("fail-http", "elb.listeners_secure_protocols", alb([HTTP_SERVING]), message="HTTP:80"),
    Case("fail-nlb-tcp", "elb.listeners_secure_protocols", alb([listener("TCP", 5432, FORWARD)], lb_type="network")),
    Case("pass-redirect", "elb.alb_http_redirects_to_https", alb([HTTP_REDIRECT, HTTPS_MODERN])),
    Case("fail-serving", "elb.alb_http_redirects_to_https", alb([HTTP_SERVING])),
    Case("pass-tls12", "elb.tls_policy_modern", alb([HTTPS_MODERN])),
    Case("fail-tls10", "elb.tls_policy_modern", alb([HTTPS_OLD]), message="allows TLSv1, TLSv1.1"),
    Case("unknown-custom-policy", "elb.tls_policy_modern", alb([listener("HTTPS", 443, FORWARD, "my-own")])),
    Case("pass-clb-tls12", "elb.tls_policy_modern", clb()),
    Case("fail-clb-tls10", "elb.tls_policy_modern", clb(policy=TLS10)),
    Case("pass-drops", "elb.alb_drop_invalid_headers", alb()),
    Case("fail-forwards", "elb.alb_drop_invalid_headers", alb(attrs=BAD_ATTRS)),
    Case("unknown-not-reported", "elb.alb_drop_invalid_headers", alb(attrs={"deletion_protection.enabled": "true"}),
         message="do not report"),
    Case("pass-protected", "elb.deletion_protection", alb()),
    Case("fail-unprotected", "elb.deletion_protection", alb(attrs=BAD_ATTRS)),
    Case("pass-strictest", "elb.desync_mitigation", alb()),
    Case("fail-monitor", "elb.desync_mitigation", alb(attrs=BAD_ATTRS), message="monitor"),
    Case("fail-clb-monitor", "elb.desync_mitigation", clb(attrs=CLB_OFF)),
    Case("pass-logs", "elb.access_logging", alb()),
    Case("fail-no-logs", "elb.access_logging", alb(attrs=BAD_ATTRS)),
    Case("pass-clb-logs", "elb.access_logging", clb()),
    Case("fail-clb-no-logs", "elb.access_logging", clb(attrs=CLB_OFF)),
    Case("pass-two-az", "elb.multi_az", alb()),
    Case("fail-one-az", "elb.multi_az", alb(zones=[{"ZoneName": "us-east-1a"}])),
    Case("fail-clb-one-az", "elb.multi_az", clb(zones=("us-east-1a",))),
    Case("pass-clb-https", "elb.clb_https_listeners", clb()),
    Case("fail-clb-http", "elb.clb_https_listeners", clb(protocol="HTTP")),
    Case("pass-acm", "elb.clb_uses_acm_certificate", clb()),
    Case("fail-iam-cert", "elb.clb_uses_acm_certificate",
         clb(cert="arn:aws:iam::111122223333:server-certificate/old")),
    Case("pass-draining", "elb.clb_connection_draining_cross_zone", clb()),
    Case("fail-no-draining", "elb.clb_connection_draining_cross_zone", clb(attrs=CLB_OFF),
         message="connection draining off"),
    Case("pass-web-acl", "elb.alb_waf_attached", alb(acl={"Name": "edge", "ARN": "arn:acl"})),
    Case("fail-no-web-acl", "elb.alb_waf_attached", alb(acl=None)),
    Case("unknown-web-acl-not-read", "elb.alb_waf_attached", alb()),
]
for case in CASES:
    case.regions = (REGION,)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)
