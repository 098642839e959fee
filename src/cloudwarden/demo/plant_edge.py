"""Demo account, edge part: load balancers, TLS certificates, web ACLs, VPC endpoints.

In each demo region: an internet-facing ALB serving plain HTTP with its protections off and no web
ACL (weak), and one serving HTTPS on a TLS 1.2+ policy with HTTP redirected, its protections on
and a web ACL in front (the twin); ACM certificates with and without Certificate Transparency
logging; a VPC with an S3 gateway endpoint and one without.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.demo.plan import DEMO_REGIONS, Plan, policy_json

MODERN_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


def edge(plan: Plan) -> None:
    for index, region in enumerate(DEMO_REGIONS):
        _region(plan, region, index)


def _region(plan: Plan, region: str, index: int) -> None:
    suffix = region.split("-")[0]  # us / eu: names differ per region, tokens stay unique
    ec2 = plan.client("ec2", region)
    vpc = ec2.create_vpc(CidrBlock=f"10.{30 + index}.0.0/16")["Vpc"]["VpcId"]
    _name(ec2, vpc, f"demo-edge-{suffix}")
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{30 + index}.{n}.0/24",
                                 AvailabilityZone=f"{region}{zone}")["Subnet"]["SubnetId"]
               for n, zone in enumerate("ab")]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    group = ec2.create_security_group(GroupName=f"demo-edge-web-{suffix}", Description="cloudwarden demo: web",
                                      VpcId=vpc)["GroupId"]
    _albs(plan, region, suffix, subnets, group)
    _endpoints(plan, ec2, region, suffix, vpc, index)


def _name(ec2: Any, resource: str, name: str) -> None:
    ec2.create_tags(Resources=[resource], Tags=[{"Key": "Name", "Value": name}])


def _alb(elbv2: Any, name: str, subnets: list[str], group: str) -> tuple[str, str]:
    lb = elbv2.create_load_balancer(Name=name, Subnets=subnets, SecurityGroups=[group], Scheme="internet-facing",
                                    Type="application")["LoadBalancers"][0]
    return str(lb["LoadBalancerArn"]), str(lb["VpcId"])


def _albs(plan: Plan, region: str, suffix: str, subnets: list[str], group: str) -> None:
    elbv2 = plan.client("elbv2", region)
    weak_arn, vpc = _alb(elbv2, f"demo-alb-http-{suffix}", subnets, group)
    good_arn, _ = _alb(elbv2, f"demo-alb-https-{suffix}", subnets, group)
    target = elbv2.create_target_group(Name=f"demo-web-{suffix}", Protocol="HTTP", Port=80, VpcId=vpc,
                                       TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
    forward = [{"Type": "forward", "TargetGroupArn": target}]
    elbv2.create_listener(LoadBalancerArn=weak_arn, Protocol="HTTP", Port=80, DefaultActions=forward)
    certificate = _certificates(plan, region, suffix)
    elbv2.create_listener(LoadBalancerArn=good_arn, Protocol="HTTPS", Port=443, SslPolicy=MODERN_POLICY,
                          Certificates=[{"CertificateArn": certificate}], DefaultActions=forward)
    elbv2.create_listener(LoadBalancerArn=good_arn, Protocol="HTTP", Port=80, DefaultActions=[
        {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}])
    elbv2.modify_load_balancer_attributes(LoadBalancerArn=weak_arn, Attributes=[
        {"Key": "deletion_protection.enabled", "Value": "false"},
        {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "false"},
        {"Key": "access_logs.s3.enabled", "Value": "false"},
        {"Key": "routing.http.desync_mitigation_mode", "Value": "monitor"}])
    elbv2.modify_load_balancer_attributes(LoadBalancerArn=good_arn, Attributes=[
        {"Key": "deletion_protection.enabled", "Value": "true"},
        {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
        {"Key": "access_logs.s3.enabled", "Value": "true"},
        {"Key": "access_logs.s3.bucket", "Value": "demo-access-logs"},
        {"Key": "routing.http.desync_mitigation_mode", "Value": "defensive"}])
    weak, good = f"demo-alb-http-{suffix}", f"demo-alb-https-{suffix}"
    for check_id, bad, fine in (
            ("elb.listeners_secure_protocols", "HTTP-only listener", "HTTPS listener, HTTP only redirects"),
            ("elb.alb_http_redirects_to_https", "HTTP listener serves content", "HTTP listener redirects to HTTPS"),
            ("elb.alb_drop_invalid_headers", "forwards invalid header fields", "drops invalid header fields"),
            ("elb.deletion_protection", "deletion protection off", "deletion protection on"),
            ("elb.access_logging", "access logs off", "access logs to S3"),
            ("elb.desync_mitigation", "desync mitigation in monitor mode", "desync mitigation defensive")):
        plan.weak(check_id, weak, bad, region=region)
        plan.good(check_id, good, fine, region=region)
    plan.good("elb.tls_policy_modern", good, f"HTTPS listener on {MODERN_POLICY}", region=region)
    _web_acl(plan, region, suffix, good_arn)
    plan.weak("elb.alb_waf_attached", weak, "internet-facing ALB with no web ACL", region=region)
    plan.good("elb.alb_waf_attached", good, "internet-facing ALB behind a web ACL", region=region)


def _certificates(plan: Plan, region: str, suffix: str) -> str:
    """Two ACM certificates: CT logging on (served by the HTTPS ALB) and off. Returns the first's ARN."""
    acm = plan.client("acm", region)
    logged = acm.request_certificate(DomainName=f"shop-{suffix}.demo.example.com", ValidationMethod="DNS",
                                     KeyAlgorithm="RSA_2048",
                                     Options={"CertificateTransparencyLoggingPreference": "ENABLED"})["CertificateArn"]
    hidden = acm.request_certificate(DomainName=f"internal-{suffix}.demo.example.com", ValidationMethod="DNS",
                                     Options={"CertificateTransparencyLoggingPreference": "DISABLED"})["CertificateArn"]
    plan.good("acm.certificate_transparency_logging", str(logged), "certificate with CT logging", region=region)
    plan.weak("acm.certificate_transparency_logging", str(hidden), "certificate with CT logging disabled",
              region=region)
    return str(logged)


def _web_acl(plan: Plan, region: str, suffix: str, alb_arn: str) -> None:
    wafv2 = plan.client("wafv2", region)
    visible = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True}
    acl = wafv2.create_web_acl(
        Name=f"demo-web-acl-{suffix}", Scope="REGIONAL", DefaultAction={"Allow": {}},
        VisibilityConfig={**visible, "MetricName": f"demo-web-acl-{suffix}"},
        Rules=[{"Name": "aws-common", "Priority": 0, "OverrideAction": {"None": {}},
                "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS",
                                                            "Name": "AWSManagedRulesCommonRuleSet"}},
                "VisibilityConfig": {**visible, "MetricName": "aws-common"}},
               {"Name": "rate-limit", "Priority": 1, "Action": {"Block": {}},
                "Statement": {"RateBasedStatement": {"Limit": 2000, "AggregateKeyType": "IP"}},
                "VisibilityConfig": {**visible, "MetricName": "rate-limit"}}])["Summary"]
    wafv2.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=alb_arn)
    empty = wafv2.create_web_acl(
        Name=f"demo-empty-acl-{suffix}", Scope="REGIONAL", DefaultAction={"Allow": {}}, Rules=[],
        VisibilityConfig={"SampledRequestsEnabled": False, "CloudWatchMetricsEnabled": False,
                          "MetricName": f"demo-empty-acl-{suffix}"})["Summary"]
    logs = plan.client("logs", region)
    group = f"aws-waf-logs-demo-{suffix}"
    logs.create_log_group(logGroupName=group)
    account = plan.client("sts", region).get_caller_identity()["Account"]
    wafv2.put_logging_configuration(LoggingConfiguration={
        "ResourceArn": acl["ARN"], "LogDestinationConfigs": [f"arn:aws:logs:{region}:{account}:log-group:{group}"]})
    plan.good("wafv2.webacl_logging", str(acl["ARN"]), "web ACL logs to CloudWatch Logs", region=region)
    plan.weak("wafv2.webacl_logging", str(empty["ARN"]), "web ACL without logging", region=region)
    plan.good("wafv2.webacl_has_rules", str(acl["ARN"]), "web ACL with managed and rate-based rules", region=region)
    plan.weak("wafv2.webacl_has_rules", str(empty["ARN"]), "web ACL without rules", region=region)
    plan.good("wafv2.rules_cloudwatch_metrics", str(acl["ARN"]), "web ACL and rules publish metrics", region=region)
    plan.weak("wafv2.rules_cloudwatch_metrics", str(empty["ARN"]), "web ACL without metrics", region=region)


def _endpoints(plan: Plan, ec2: Any, region: str, suffix: str, vpc: str, index: int) -> None:
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    own = plan.client("sts", region).get_caller_identity()["Account"]
    trusted = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=f"com.amazonaws.{region}.s3", VpcEndpointType="Gateway", RouteTableIds=[table],
        PolicyDocument=policy_json({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{own}:root"},
                                    "Action": "s3:*", "Resource": "*"}))["VpcEndpoint"]["VpcEndpointId"]
    loose = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{region}.dynamodb",
                                    VpcEndpointType="Gateway", RouteTableIds=[table], PolicyDocument=policy_json(
                                        {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
                                    ))["VpcEndpoint"]["VpcEndpointId"]
    plan.good("vpc.endpoint_policy_trusted_accounts", trusted, "endpoint policy allows this account only",
              region=region)
    plan.weak("vpc.endpoint_policy_trusted_accounts", loose, "endpoint policy allows any principal", region=region)
    bare = ec2.create_vpc(CidrBlock=f"10.{40 + index}.0.0/16")["Vpc"]["VpcId"]
    _name(ec2, bare, f"demo-no-endpoints-{suffix}")
    plan.good("vpc.endpoints_for_aws_services", f"demo-edge-{suffix}", "VPC with S3 and DynamoDB gateway endpoints",
              region=region)
    plan.weak("vpc.endpoints_for_aws_services", f"demo-no-endpoints-{suffix}", "VPC without any VPC endpoint",
              region=region)
