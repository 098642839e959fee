"""AWS Organizations as typed views: the organization (None for a standalone account, an answer, not
a gap), its OU tree and accounts, delegated administrators and their services, the SCPs, the RCPs and the AI
services opt-out policies with their targets and content, the delegation (resource) policy, and
IAM's centralised root access features.

All are account-wide. A per-policy or per-administrator entry (targets, content, delegated services)
is a Deferred part: an entry that was not collected raises its gap, never reads as "none".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudwarden.inventory.snapshot import GLOBAL, Snapshot
from cloudwarden.inventory.views import Deferred, Global, deferred_item

ORG, FEATURES = "organizations.organization", "iam.organizations_features"
TREE, ACCOUNTS = "organizations.tree", "organizations.accounts"
ADMINS, DELEGATED = "organizations.delegated_administrators", "organizations.delegated_services"
AI_POLICIES, AI_TARGETS = "organizations.ai_opt_out_policies", "organizations.ai_opt_out_targets"
SCPS, TARGETS, CONTENT = "organizations.scps", "organizations.policy_targets", "organizations.scp_content"
RCPS, RCP_TARGETS, RCP_CONTENT = "organizations.rcps", "organizations.rcp_targets", "organizations.rcp_content"
RESOURCE_POLICY = "organizations.resource_policy"


@dataclass(frozen=True)
class Organization:
    id: str
    management: str  # MasterAccountId

    @classmethod
    def of(cls, raw: dict[str, Any] | None) -> Organization | None:
        if raw is None:
            return None
        return cls(str(raw.get("Id", "")), str(raw.get("MasterAccountId", "")))


@dataclass(frozen=True)
class OrganizationalUnit:
    id: str
    name: str
    parent_id: str
    path: str  # "Root/Workloads/Prod"


@dataclass(frozen=True)
class Tree:
    units: tuple[OrganizationalUnit, ...]
    account_parents: dict[str, str] = field(compare=False)  # account id -> OU or root id

    @classmethod
    def of(cls, raw: dict[str, Any] | None) -> Tree:
        raw = raw or {}
        return cls(tuple(OrganizationalUnit(str(u["Id"]), str(u.get("Name", "")), str(u["ParentId"]),
                                            str(u.get("Path", ""))) for u in raw.get("organizational_units") or []),
                   {str(a): str(p) for a, p in (raw.get("account_parents") or {}).items()})

    def parents(self) -> dict[str, str]:
        """Every OU's and account's parent (an OU or a root id)."""
        return {**{u.id: u.parent_id for u in self.units}, **self.account_parents}

    def chain(self, account_id: str) -> list[str]:
        """The targets a policy can be attached to for the account: the root, each OU down, the account."""
        parents = self.parents()
        chain = [account_id]
        while chain[-1] in parents and len(chain) < 10:  # the root and at most five OU levels above
            chain.append(parents[chain[-1]])
        return list(reversed(chain))

    def levels(self, policies: tuple[Policy, ...], account_id: str) -> list[tuple[Policy, ...]]:
        """The policies attached at each level of the account's chain, root first (by id within a
        level). A policy whose targets were not read raises its gap: where it binds is not known."""
        chain = self.chain(account_id)
        attached: dict[str, list[Policy]] = {target: [] for target in chain}
        for policy in policies:
            for target in policy.targets.get():
                if target.id in attached:
                    attached[target.id].append(policy)
        return [tuple(sorted(attached[target], key=lambda p: p.id)) for target in chain]


@dataclass(frozen=True)
class Account:
    id: str
    arn: str
    status: str  # ACTIVE when not reported

    @property
    def active(self) -> bool:
        return self.status == "ACTIVE"


@dataclass(frozen=True)
class Target:
    id: str
    type: str  # ROOT, ORGANIZATIONAL_UNIT or ACCOUNT


def _targets(raw: Any) -> tuple[Target, ...]:
    return tuple(Target(str(t.get("TargetId")), str(t.get("Type"))) for t in raw or [])


@dataclass(frozen=True)
class Policy:
    """An Organizations policy (an SCP, an RCP or an AI services opt-out policy) and where it is attached."""

    id: str
    name: str  # the id when unnamed
    targets: Deferred[tuple[Target, ...]] = field(repr=False, compare=False)
    content: Deferred[Any] | None = field(default=None, repr=False, compare=False)  # SCPs: the text as collected


@dataclass(frozen=True)
class DelegatedAdministrator:
    id: str
    services: Deferred[tuple[str, ...]] = field(repr=False, compare=False)  # service principals


@dataclass(frozen=True)
class ResourcePolicy:
    """The organization's delegation policy; None (no policy) when none is attached."""

    text: Any  # its Content as collected (the IAM evaluator compiles it)

    @classmethod
    def of(cls, raw: Any) -> ResourcePolicy | None:
        if not raw:
            return None
        return cls(raw.get("Content") if isinstance(raw, dict) and "Content" in raw else raw)


class OrganizationsView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

        def policies(listed: str, targets: str, content: str | None) -> Global[tuple[Policy, ...]]:
            def build(raw: Any) -> tuple[Policy, ...]:
                return tuple(Policy(
                    str(p["Id"]), str(p.get("Name") or p["Id"]),
                    deferred_item(snapshot, targets, GLOBAL, str(p["Id"]), _targets),
                    deferred_item(snapshot, content, GLOBAL, str(p["Id"])) if content else None)
                    for p in raw or [])
            return Global(snapshot, listed, build)

        self.organization: Global[Organization | None] = Global(snapshot, ORG, Organization.of)
        self.root_features: Global[tuple[str, ...] | None] = Global(
            snapshot, FEATURES, lambda raw: None if raw is None else tuple(str(f) for f in raw))
        self.tree: Global[Tree] = Global(snapshot, TREE, Tree.of)
        self.accounts: Global[tuple[Account, ...]] = Global(snapshot, ACCOUNTS, lambda raw: tuple(
            Account(str(a.get("Id")), str(a.get("Arn", "")), str(a.get("Status", "ACTIVE"))) for a in raw or []))
        self.delegated_administrators: Global[tuple[DelegatedAdministrator, ...]] = Global(
            snapshot, ADMINS, lambda raw: tuple(DelegatedAdministrator(str(a["Id"]), deferred_item(
                snapshot, DELEGATED, GLOBAL, str(a["Id"]),
                lambda services: tuple(str(s.get("ServicePrincipal")) for s in services or [])))
                for a in raw or []))
        self.scps: Global[tuple[Policy, ...]] = policies(SCPS, TARGETS, CONTENT)
        self.rcps: Global[tuple[Policy, ...]] = policies(RCPS, RCP_TARGETS, RCP_CONTENT)
        self.ai_opt_out_policies: Global[tuple[Policy, ...]] = policies(AI_POLICIES, AI_TARGETS, None)
        self.resource_policy: Global[ResourcePolicy | None] = Global(snapshot, RESOURCE_POLICY, ResourcePolicy.of)


__all__ = ["Account", "DelegatedAdministrator", "Organization", "OrganizationalUnit", "OrganizationsView", "Policy",
           "ResourcePolicy", "Target", "Tree"]
