"""WAF Classic as typed views, in its two flavours: ``waf_classic`` (global, CloudFront; its datasets
sit under the "global" region) and ``waf_regional`` (per region). Web ACLs, rules and rule groups
with their details as per-object parts, and the logging configurations of each scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudwarden.inventory.snapshot import GLOBAL, Snapshot
from cloudwarden.inventory.views import Deferred, PerRegion, deferred_item

FLAVOURS = ("waf_classic", "waf_regional")


@dataclass(frozen=True)
class ClassicAclDetail:
    name: str
    arn: str
    rule_count: int

    @classmethod
    def of(cls, raw: dict[str, Any] | None) -> ClassicAclDetail:
        raw = raw or {}
        return cls(str(raw.get("Name") or ""), str(raw.get("WebACLArn") or ""), len(raw.get("Rules") or []))


@dataclass(frozen=True)
class ClassicObject:
    """A listed web ACL, rule or rule group; ``detail`` is its Get* answer, converted (a per-object part)."""

    region: str
    id: str
    name: str
    detail: Deferred[Any] = field(repr=False, compare=False)

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True)
class LoggingConfiguration:
    resource_arn: str
    destinations: tuple[str, ...]


class WafScope:
    """One flavour's lists: ``regions`` is ("global",) for WAF Classic proper, the scanned regions otherwise."""

    def __init__(self, snapshot: Snapshot, flavour: str) -> None:
        self.flavour = flavour
        self.regions: tuple[str, ...] = (GLOBAL,) if flavour == "waf_classic" else tuple(snapshot.regions)

        def listed(listing: str, detail: str, id_key: str, convert: Any) -> PerRegion[ClassicObject]:
            def build(region: str, raw: dict[str, Any]) -> ClassicObject:
                ident = str(raw[id_key])
                return ClassicObject(region, ident, str(raw.get("Name") or ""),
                                     deferred_item(snapshot, f"{flavour}.{detail}", region, ident, convert))
            return PerRegion(snapshot, f"{flavour}.{listing}", build)

        self.web_acls = listed("web_acls", "web_acl", "WebACLId", ClassicAclDetail.of)
        self.rules = listed("rules", "rule", "RuleId", lambda raw: (str((raw or {}).get("Name") or ""),
                                                                     len((raw or {}).get("Predicates") or [])))
        self.rule_groups = listed("rule_groups", "rule_group_rules", "RuleGroupId", lambda raw: len(raw or []))
        self.logging: PerRegion[LoggingConfiguration] = PerRegion(
            snapshot, f"{flavour}.logging_configurations",
            lambda _region, raw: LoggingConfiguration(str(raw.get("ResourceArn")),
                                                      tuple(str(d) for d in raw.get("LogDestinationConfigs") or [])))


class WafClassicView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.scopes = tuple(WafScope(snapshot, flavour) for flavour in FLAVOURS)


__all__ = ["ClassicAclDetail", "ClassicObject", "LoggingConfiguration", "WafClassicView", "WafScope"]
