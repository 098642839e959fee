"""Load balancer reads beyond the topology in ec2.py: attributes, TLS policies, web ACLs in front.

The load balancers and listeners themselves (`elbv2.load_balancers`, `elbv2.listeners`,
`elb.load_balancers`) are read in ec2.py for the network engine; this module adds what the
infrastructure-protection checks need.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.collect.spec import Call


def _attributes(pairs: Any) -> dict[str, str]:
    """ELBv2 attributes as a mapping: [{"Key": k, "Value": v}, ...] -> {k: v}."""
    return {str(p.get("Key")): str(p.get("Value")) for p in pairs or []}


def _internet_facing_alb(lb: Any, _region: str) -> bool:
    return lb.get("Scheme") == "internet-facing" and lb.get("Type") == "application"


def _clb_policy_names(lb: Any) -> list[str]:
    return sorted({name for listener in lb.get("ListenerDescriptions") or [] for name in listener.get("PolicyNames") or []})


SPECS = [
    Call("elbv2.load_balancer_attributes", "elbv2", "describe_load_balancer_attributes", "Attributes",
         per="elbv2.load_balancers", per_params=lambda lb: {"LoadBalancerArn": lb["LoadBalancerArn"]},
         per_key=lambda lb: lb["LoadBalancerArn"], transform=_attributes,
         absent_codes=("LoadBalancerNotFound",)),
    # Predefined policies and the TLS versions each allows: judges a listener by what it negotiates.
    Call("elbv2.ssl_policies", "elbv2", "describe_ssl_policies", "SslPolicies",
         transform=lambda policies: {p["Name"]: p.get("SslProtocols") or [] for p in policies or []}),
    Call("elb.load_balancer_attributes", "elb", "describe_load_balancer_attributes", "LoadBalancerAttributes",
         per="elb.load_balancers", per_params=lambda lb: {"LoadBalancerName": lb["LoadBalancerName"]},
         per_key=lambda lb: lb["LoadBalancerName"], absent_codes=("LoadBalancerNotFound",)),
    Call("elb.load_balancer_policies", "elb", "describe_load_balancer_policies", "PolicyDescriptions",
         per="elb.load_balancers",
         per_params=lambda lb: {"LoadBalancerName": lb["LoadBalancerName"], "PolicyNames": _clb_policy_names(lb)},
         per_key=lambda lb: lb["LoadBalancerName"], per_filter=lambda lb, _r: bool(_clb_policy_names(lb)),
         absent_codes=("LoadBalancerNotFound",)),
    Call("wafv2.web_acl_for_resource", "wafv2", "get_web_acl_for_resource", "WebACL",
         per="elbv2.load_balancers", per_params=lambda lb: {"ResourceArn": lb["LoadBalancerArn"]},
         per_key=lambda lb: lb["LoadBalancerArn"], per_filter=_internet_facing_alb,
         transform=lambda acl: None if not acl else {"Name": acl.get("Name"), "ARN": acl.get("ARN")}),
]
