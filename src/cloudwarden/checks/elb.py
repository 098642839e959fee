"""Load balancers (ELBv2 and Classic): TLS in transit, header hygiene, logging, resilience, WAF.

Reads `elbv2.*` and `elb.*` datasets of collect/services/ec2.py and collect/services/elb.py.
An attribute AWS always reports but the snapshot lacks is UNKNOWN, never a default PASS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.inventory.snapshot import DataUnavailable
from cloudwarden.inventory.views.elb import (
    ATTRS,
    CLB_ATTRS,
    CLB_POLICIES,
    CLBS,
    LBS,
    LISTENERS,
    ClassicListener,
    ClassicLoadBalancer,
    ElbView,
    Listener,
    LoadBalancer,
)

SSL_POLICIES, WEB_ACL = "elbv2.ssl_policies", "wafv2.web_acl_for_resource"
ELBV2, CLB = "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancing::LoadBalancer"
DOC = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/"
CLB_DOC = "https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/"
MODERN_TLS = {"TLSv1.2", "TLSv1.3"}
SECURE_PROTOCOLS = {"HTTPS", "TLS"}


def _lbs(ctx: CheckContext, types: tuple[str, ...] = ("application", "network")) -> Iterator[tuple[str, LoadBalancer]]:
    for region, lb in ctx.over(ctx.view(ElbView).balancers):
        if lb.type in types:
            yield region, lb


def _clbs(ctx: CheckContext) -> Iterator[tuple[str, ClassicLoadBalancer]]:
    return ctx.over(ctx.view(ElbView).classic)


def _result(ok: bool, lb: LoadBalancer, message: str, region: str) -> Result:
    return verdict(ok, lb.name, message, region, lb.arn, ELBV2)


def _clb_result(ctx: CheckContext, ok: bool, lb: ClassicLoadBalancer, message: str, region: str) -> Result:
    return verdict(ok, lb.name, message, region, ctx.arn("elasticloadbalancing", f"loadbalancer/{lb.name}", region),
                   CLB)


def _attribute(lb: LoadBalancer, region: str, key: str) -> str:
    """One ELBv2 attribute; absent from the answer means the snapshot cannot tell (UNKNOWN)."""
    attributes = lb.attributes.get()
    if key not in attributes:
        raise DataUnavailable(ATTRS, region, f"the load balancer's attributes do not report {key}", lb.name)
    return str(attributes[key])


def _attribute_checks(ctx: CheckContext, types: tuple[str, ...], key: str,
                      judge: Callable[[str], bool], describe: Callable[[str], str]) -> Iterator[Result]:
    """The table shape: one ELBv2 attribute judged on every load balancer of the given types."""
    for region, lb in _lbs(ctx, types):
        with ctx.resource(lb.name, region):
            value = _attribute(lb, region, key)
            yield _result(judge(value), lb, describe(value), region)


def _listeners(lb: LoadBalancer) -> tuple[Listener, ...]:
    return lb.listeners.get()


@check("elb.listeners_secure_protocols", resource_type=ELBV2, datasets=[LBS, LISTENERS],
       fix="Serve ALB traffic on HTTPS listeners and NLB traffic on TLS listeners; keep a plain HTTP listener "
           "only to redirect to HTTPS.",
       cli="aws elbv2 create-listener --load-balancer-arn <LB_ARN> --protocol HTTPS --port 443 "
           "--certificates CertificateArn=<ACM_ARN> --ssl-policy ELBSecurityPolicy-TLS13-1-2-2021-06 "
           "--default-actions Type=forward,TargetGroupArn=<TG_ARN>",
       doc=DOC + "create-https-listener.html")
def listeners_secure_protocols(ctx: CheckContext) -> Iterator[Result]:
    for region, lb in _lbs(ctx):
        with ctx.resource(lb.name, region):
            listeners = _listeners(lb)
            plain = [str(li) for li in listeners if li.protocol not in SECURE_PROTOCOLS and not li.redirects_to_https]
            if not listeners:
                yield _result(True, lb, "no listener", region)
            elif plain:
                yield _result(False, lb, "unencrypted listeners: " + ", ".join(plain), region)
            else:
                yield _result(True, lb, "every listener is HTTPS/TLS or redirects to HTTPS", region)


@check("elb.alb_http_redirects_to_https", resource_type=ELBV2, datasets=[LBS, LISTENERS],
       fix="Make every HTTP listener's default action a redirect to HTTPS (port 443, HTTP_301).",
       cli="aws elbv2 modify-listener --listener-arn <LISTENER_ARN> --default-actions "
           "'Type=redirect,RedirectConfig={Protocol=HTTPS,Port=443,StatusCode=HTTP_301}'",
       doc=DOC + "load-balancer-listeners.html#redirect-actions")
def alb_http_redirects_to_https(ctx: CheckContext) -> Iterator[Result]:
    for region, lb in _lbs(ctx, ("application",)):
        with ctx.resource(lb.name, region):
            http = [li for li in _listeners(lb) if li.protocol == "HTTP"]
            serving = [str(li.port) for li in http if not li.redirects_to_https]
            if serving:
                yield _result(False, lb, "HTTP listener on port " + ", ".join(serving) + " serves instead of "
                              "redirecting to HTTPS", region)
            else:
                yield _result(True, lb, f"{len(http)} HTTP listener(s), all redirect to HTTPS" if http
                              else "no plaintext HTTP listener", region)


def _policy_is_modern(ctx: CheckContext, region: str, name: str) -> tuple[bool, str]:
    protocols = (ctx.get(SSL_POLICIES, region) or {}).get(name)
    if protocols is None:
        raise DataUnavailable(SSL_POLICIES, region, f"the TLS versions of policy {name} are not known "
                              "(not a predefined policy in describe-ssl-policies)")
    old = sorted(set(protocols) - MODERN_TLS)
    return not old, f"{name} allows {', '.join(old)}" if old else f"{name} (TLS 1.2+ only)"


@check("elb.tls_policy_modern", resource_type=ELBV2, datasets=[LBS, LISTENERS, SSL_POLICIES, CLBS, CLB_POLICIES],
       fix="Use a security policy that negotiates TLS 1.2 or later only, e.g. ELBSecurityPolicy-TLS13-1-2-2021-06.",
       cli="aws elbv2 modify-listener --listener-arn <LISTENER_ARN> --ssl-policy ELBSecurityPolicy-TLS13-1-2-2021-06",
       doc=DOC + "describe-ssl-policies.html")
def tls_policy_modern(ctx: CheckContext) -> Iterator[Result]:
    for region, lb in _lbs(ctx):
        with ctx.resource(lb.name, region):
            tls = [li for li in _listeners(lb) if li.protocol in SECURE_PROTOCOLS]
            if not tls:
                continue
            judged = [_policy_is_modern(ctx, region, li.ssl_policy) for li in tls]
            weak = [m for ok, m in judged if not ok]
            yield _result(not weak, lb, "; ".join(weak) if weak else "; ".join(sorted({m for _, m in judged})), region)
    for region, classic in _clbs(ctx):
        if any(li.secure for li in classic.listeners):
            with ctx.resource(classic.name, region):
                ok, message = _clb_tls(classic, region)
                yield _clb_result(ctx, ok, classic, message, region)


def _clb_tls(lb: ClassicLoadBalancer, region: str) -> tuple[bool, str]:
    policies = lb.policies.get()
    enabled = {a.get("AttributeName"): a.get("AttributeValue") for p in policies
               for a in p.get("PolicyAttributeDescriptions") or []}
    old = sorted(p for p in ("Protocol-SSLv3", "Protocol-TLSv1", "Protocol-TLSv1.1") if enabled.get(p) == "true")
    if old:
        return False, "negotiation policy enables " + ", ".join(p.removeprefix("Protocol-") for p in old)
    if not any(k.startswith("Protocol-") for k in enabled):
        raise DataUnavailable(CLB_POLICIES, region, "the listener policy's protocols are not reported", lb.name)
    return True, "negotiation policy allows TLS 1.2+ only"


def _on(value: str) -> bool:
    return value.lower() == "true"


@check("elb.alb_drop_invalid_headers", resource_type=ELBV2, datasets=[LBS, ATTRS],
       fix="Turn on routing.http.drop_invalid_header_fields.enabled on every ALB.",
       cli="aws elbv2 modify-load-balancer-attributes --load-balancer-arn <LB_ARN> "
           "--attributes Key=routing.http.drop_invalid_header_fields.enabled,Value=true",
       doc=DOC + "application-load-balancers.html#load-balancer-attributes")
def alb_drop_invalid_headers(ctx: CheckContext) -> Iterator[Result]:
    yield from _attribute_checks(ctx, ("application",), "routing.http.drop_invalid_header_fields.enabled", _on,
                                 lambda v: "drops invalid header fields" if _on(v) else "forwards invalid header fields")


@check("elb.deletion_protection", resource_type=ELBV2, datasets=[LBS, ATTRS],
       fix="Enable deletion protection on load balancers that carry production traffic.",
       cli="aws elbv2 modify-load-balancer-attributes --load-balancer-arn <LB_ARN> "
           "--attributes Key=deletion_protection.enabled,Value=true",
       doc=DOC + "application-load-balancers.html#deletion-protection")
def deletion_protection(ctx: CheckContext) -> Iterator[Result]:
    yield from _attribute_checks(ctx, ("application", "network", "gateway"), "deletion_protection.enabled", _on,
                                 lambda v: "deletion protection on" if _on(v) else "deletion protection off")


DESYNC_OK = {"defensive", "strictest"}


@check("elb.desync_mitigation", resource_type=ELBV2, datasets=[LBS, ATTRS, CLBS, CLB_ATTRS],
       fix="Set the desync mitigation mode to defensive (the default) or strictest.",
       cli="aws elbv2 modify-load-balancer-attributes --load-balancer-arn <LB_ARN> "
           "--attributes Key=routing.http.desync_mitigation_mode,Value=defensive",
       doc=DOC + "application-load-balancers.html#desync-mitigation-mode")
def desync_mitigation(ctx: CheckContext) -> Iterator[Result]:
    yield from _attribute_checks(ctx, ("application",), "routing.http.desync_mitigation_mode",
                                 lambda v: v in DESYNC_OK, lambda v: f"desync mitigation mode {v}")
    for region, lb in _clbs(ctx):
        with ctx.resource(lb.name, region):
            attributes = lb.attributes.get()
            extra = {a.get("Key"): a.get("Value") for a in attributes.get("AdditionalAttributes") or []}
            mode = extra.get("elb.http.desyncmitigationmode")
            if mode is None:
                raise DataUnavailable(CLB_ATTRS, region, "the desync mitigation mode is not reported", lb.name)
            yield _clb_result(ctx, mode in DESYNC_OK, lb, f"desync mitigation mode {mode}", region)


@check("elb.access_logging", resource_type=ELBV2, datasets=[LBS, ATTRS, CLBS, CLB_ATTRS],
       fix="Enable access logs to an S3 bucket on every load balancer.",
       cli="aws elbv2 modify-load-balancer-attributes --load-balancer-arn <LB_ARN> --attributes "
           "Key=access_logs.s3.enabled,Value=true Key=access_logs.s3.bucket,Value=<BUCKET>",
       doc=DOC + "enable-access-logging.html")
def access_logging(ctx: CheckContext) -> Iterator[Result]:
    yield from _attribute_checks(ctx, ("application", "network"), "access_logs.s3.enabled", _on,
                                 lambda v: "access logs on" if _on(v) else "access logs off")
    for region, lb in _clbs(ctx):
        with ctx.resource(lb.name, region):
            log = lb.attributes.get().get("AccessLog") or {}
            on = bool(log.get("Enabled"))
            yield _clb_result(ctx, on, lb, f"access logs to s3://{log.get('S3BucketName')}" if on else "access logs off",
                              region)


@check("elb.multi_az", resource_type=ELBV2, datasets=[LBS, CLBS],
       fix="Attach subnets in at least two Availability Zones to every load balancer.",
       cli="aws elbv2 set-subnets --load-balancer-arn <LB_ARN> --subnets <SUBNET_AZ1> <SUBNET_AZ2>",
       doc=DOC + "application-load-balancers.html#availability-zones")
def multi_az(ctx: CheckContext) -> Iterator[Result]:
    for region, lb in _lbs(ctx, ("application", "network", "gateway")):
        zones = sorted(set(lb.zones))
        yield _result(len(zones) >= 2, lb, f"{len(zones)} Availability Zone(s): {', '.join(zones) or 'none'}", region)
    for region, classic in _clbs(ctx):
        zones = sorted(classic.zones)
        yield _clb_result(ctx, len(zones) >= 2, classic,
                          f"{len(zones)} Availability Zone(s): {', '.join(zones) or 'none'}", region)


def _clb_listeners(lb: ClassicLoadBalancer) -> tuple[ClassicListener, ...]:
    return lb.listeners


@check("elb.clb_https_listeners", resource_type=CLB, datasets=[CLBS],
       fix="Replace HTTP/TCP listeners of Classic Load Balancers with HTTPS/SSL ones (or migrate to an ALB).",
       cli="aws elb create-load-balancer-listeners --load-balancer-name <NAME> --listeners "
           "Protocol=HTTPS,LoadBalancerPort=443,InstanceProtocol=HTTP,InstancePort=80,SSLCertificateId=<ACM_ARN>",
       doc=CLB_DOC + "elb-create-https-ssl-load-balancer.html")
def clb_https_listeners(ctx: CheckContext) -> Iterator[Result]:
    for region, lb in _clbs(ctx):
        plain = [str(li) for li in _clb_listeners(lb) if not li.secure]
        yield _clb_result(ctx, not plain, lb, "unencrypted listeners: " + ", ".join(plain) if plain
                          else "every listener is HTTPS/SSL", region)


@check("elb.clb_uses_acm_certificate", resource_type=CLB, datasets=[CLBS],
       fix="Use certificates issued or imported in ACM on Classic Load Balancer TLS listeners, so renewal is managed.",
       cli="aws elb set-load-balancer-listener-ssl-certificate --load-balancer-name <NAME> "
           "--load-balancer-port 443 --ssl-certificate-id <ACM_ARN>",
       doc=CLB_DOC + "elb-update-ssl-cert.html")
def clb_uses_acm_certificate(ctx: CheckContext) -> Iterator[Result]:
    for region, lb in _clbs(ctx):
        certs = [li.certificate for li in _clb_listeners(lb) if li.secure]
        if not certs:
            continue
        foreign = [c for c in certs if ":acm:" not in c]
        yield _clb_result(ctx, not foreign, lb, "certificates outside ACM: " + ", ".join(foreign) if foreign
                          else "TLS listeners use ACM certificates", region)


@check("elb.clb_connection_draining_cross_zone", resource_type=CLB, datasets=[CLBS, CLB_ATTRS],
       fix="Enable connection draining and cross-zone load balancing on Classic Load Balancers.",
       cli="aws elb modify-load-balancer-attributes --load-balancer-name <NAME> --load-balancer-attributes "
           "'{\"ConnectionDraining\":{\"Enabled\":true,\"Timeout\":300},\"CrossZoneLoadBalancing\":{\"Enabled\":true}}'",
       doc=CLB_DOC + "config-conn-drain.html")
def clb_connection_draining_cross_zone(ctx: CheckContext) -> Iterator[Result]:
    for region, lb in _clbs(ctx):
        with ctx.resource(lb.name, region):
            attributes = lb.attributes.get()
            off = [label for key, label in (("ConnectionDraining", "connection draining"),
                                            ("CrossZoneLoadBalancing", "cross-zone load balancing"))
                   if not (attributes.get(key) or {}).get("Enabled")]
            yield _clb_result(ctx, not off, lb, " and ".join(off) + " off" if off
                              else "connection draining and cross-zone load balancing on", region)


@check("elb.alb_waf_attached", resource_type=ELBV2, datasets=[LBS, WEB_ACL],
       fix="Associate a WAFv2 web ACL (with AWS managed rule groups and a rate-based rule) with every "
           "internet-facing ALB.",
       cli="aws wafv2 associate-web-acl --web-acl-arn <WEB_ACL_ARN> --resource-arn <LB_ARN>",
       doc="https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-associating-aws-resource.html")
def alb_waf_attached(ctx: CheckContext) -> Iterator[Result]:
    for region, lb in _lbs(ctx, ("application",)):
        if not lb.internet_facing:
            continue
        with ctx.resource(lb.name, region):
            acl = ctx.item(WEB_ACL, lb.arn, region)
            yield _result(bool(acl), lb, f"web ACL {acl.get('Name')}" if acl else "internet-facing with no web ACL",
                          region)
