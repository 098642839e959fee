"""WAFv2 regional web ACLs as typed views: each listed ACL with its detail (rules, CloudWatch metrics)
and its logging configuration, both per-ACL parts (``.get()`` raises the gap when unread).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views import Deferred, PerRegion, deferred_item

ACLS, ACL, LOGGING = "wafv2.web_acls", "wafv2.web_acl", "wafv2.logging_configuration"


def _metrics(raw: dict[str, Any]) -> bool:
    return bool((raw.get("VisibilityConfig") or {}).get("CloudWatchMetricsEnabled"))


@dataclass(frozen=True)
class WafRule:
    name: str
    metrics: bool  # publishes CloudWatch metrics


@dataclass(frozen=True)
class WebAclDetail:
    """GetWebACL's answer: the ACL's rules and whether it publishes CloudWatch metrics."""

    name: str
    arn: str
    metrics: bool
    rules: tuple[WafRule, ...]

    @classmethod
    def of(cls, raw: dict[str, Any] | None) -> WebAclDetail | None:
        if not raw:
            return None
        return cls(str(raw["Name"]), str(raw["ARN"]), _metrics(raw),
                   tuple(WafRule(str(r.get("Name")), _metrics(r)) for r in raw.get("Rules") or []))


@dataclass(frozen=True)
class WebAcl:
    """A listed web ACL; ``detail`` is None when GetWebACL returned nothing for it."""

    region: str
    name: str
    arn: str
    detail: Deferred[WebAclDetail | None] = field(repr=False, compare=False)
    log_destinations: Deferred[tuple[str, ...]] = field(repr=False, compare=False)


class Wafv2View:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

        def web_acl(region: str, raw: dict[str, Any]) -> WebAcl:
            arn = str(raw["ARN"])
            return WebAcl(region, str(raw["Name"]), arn, deferred_item(snapshot, ACL, region, arn, WebAclDetail.of),
                          deferred_item(snapshot, LOGGING, region, arn, lambda found: tuple(
                              str(d) for d in (found or {}).get("LogDestinationConfigs") or [])))

        self.web_acls: PerRegion[WebAcl] = PerRegion(snapshot, ACLS, web_acl)


__all__ = ["WafRule", "WebAcl", "WebAclDetail", "Wafv2View"]
