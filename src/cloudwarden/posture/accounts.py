"""The account-strategy view: the estate against the four patterns of AWS's account-strategy guidance,
and what is missing (SCPs, OUs per environment, a security/log-archive account, centralised root
access, cross-account roles instead of users per account).

The four patterns (AWS Security Best Practices, "AWS account management and separation"):
1. centralised security management — one place (an account) where security is run;
2. separate production, development and test accounts;
3. an account per autonomous department;
4. a shared-services account plus one account per project.

From the management account (or a delegated administrator) Organizations shows every account, OU,
name, tag, SCP and delegated administrator; from a member or a lone account, only what that account
can see, and each thing it cannot see is said so, never guessed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.core.arn import account_of
from cloudwarden.inventory.snapshot import GLOBAL, DataUnavailable, Snapshot

ENVIRONMENTS = {
    # First: "non-prod" must not read as "prod".
    "non-production": {"nonprod", "nonproduction", "nonprd", "lowerenv"},
    "production": {"prod", "production", "prd", "live"},
    "development": {"dev", "development", "develop", "sandbox", "sbx"},
    "test": {"test", "testing", "qa", "staging", "stage", "stg", "uat", "preprod"},
}
SECURITY_WORDS = {"security", "sec", "audit", "audits", "log", "logs", "logging", "logarchive", "archive", "secops",
                  "siem", "forensics", "forensic", "compliance"}
SHARED_WORDS = {"shared", "sharedservices", "network", "networking", "infrastructure", "infra", "tooling", "tools",
                "platform", "cicd", "deployment", "services"}
ENV_TAG_KEYS = {"environment", "env", "stage", "tier"}
DEPARTMENT_TAG_KEYS = {"department", "dept", "businessunit", "bu", "division", "team", "costcenter", "costcentre",
                       "orgunit"}
PROJECT_TAG_KEYS = {"project", "application", "app", "workload", "product", "service"}
# Service principals whose delegated administrator is a security-tooling account.
SECURITY_SERVICES = {"guardduty.amazonaws.com", "securityhub.amazonaws.com", "config.amazonaws.com",
                     "config-multiaccountsetup.amazonaws.com", "access-analyzer.amazonaws.com", "macie.amazonaws.com",
                     "inspector2.amazonaws.com", "detective.amazonaws.com", "cloudtrail.amazonaws.com",
                     "fms.amazonaws.com", "auditmanager.amazonaws.com", "securitylake.amazonaws.com"}
FULL_ACCESS_SCP = "p-FullAWSAccess"


def _tokens(text: str) -> set[str]:
    words = {w for w in re.split(r"[^a-z0-9]+", text.lower()) if w}
    joined = re.sub(r"[^a-z0-9]", "", text.lower())
    return words | {joined}


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


@dataclass
class Account:
    id: str
    name: str
    email: str = ""
    status: str = "ACTIVE"
    tags: dict[str, str] = field(default_factory=dict)
    ou_path: str = ""
    delegated: list[str] = field(default_factory=list)
    management: bool = False

    def words(self) -> set[str]:
        return _tokens(self.name) | _tokens(self.ou_path.rsplit("/", 1)[-1] if self.ou_path else "")

    def environment(self) -> str | None:
        for key, value in self.tags.items():
            if _key(key) in ENV_TAG_KEYS:
                found = _environment_of(_tokens(value))
                if found:
                    return found
        return _environment_of(self.words()) or _environment_of(_tokens(self.ou_path))

    def is_security(self) -> bool:
        return bool(self.words() & SECURITY_WORDS) or any(s in SECURITY_SERVICES for s in self.delegated)

    def is_shared(self) -> bool:
        return bool(self.words() & SHARED_WORDS) and not self.is_security()

    def tag_value(self, keys: set[str]) -> str | None:
        for key, value in self.tags.items():
            if _key(key) in keys and value:
                return value
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "ou_path": self.ou_path, "tags": self.tags,
                "environment": self.environment(), "security": self.is_security(), "shared_services": self.is_shared(),
                "management": self.management, "delegated_services": self.delegated, "status": self.status}


def _environment_of(words: set[str]) -> str | None:
    for environment, names in ENVIRONMENTS.items():
        if words & names:
            return environment
    return None


class _Reader:
    """Snapshot reads that turn a gap into a recorded reason instead of an exception."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.unseen: list[str] = []

    def get(self, dataset: str) -> Any:
        try:
            return self.snapshot.get(dataset, GLOBAL)
        except DataUnavailable as missing:
            self.unseen.append(f"{dataset}: {missing.reason}")
            return _UNSEEN

    def items(self, dataset: str) -> dict[str, Any]:
        """A per-resource dataset, leaving out (and noting) the resources whose read failed."""
        whole = [g for g in self.snapshot.gaps if g.dataset == dataset and not g.resource]
        if whole:
            self.unseen.append(f"{dataset}: {whole[0].reason}")
            return {}
        values = dict(self.snapshot.datasets.get(dataset, {}).get(GLOBAL) or {})
        failed = {g.resource: g for g in self.snapshot.gaps if g.dataset == dataset and g.resource}
        for resource, gap in failed.items():
            self.unseen.append(f"{dataset} for {resource}: {gap.reason}")
        return {k: v for k, v in values.items() if k not in failed}


class _Unseen:
    def __repr__(self) -> str:
        return "UNSEEN"


_UNSEEN: Any = _Unseen()


def account_strategy(snapshot: Snapshot) -> dict[str, Any]:
    read = _Reader(snapshot)
    organization = read.get("organizations.organization")
    if organization is _UNSEEN:
        return _view(snapshot, read, "unknown", [], [], _patterns_unknown(read), [])
    if not organization:
        return _single_account(snapshot, read)
    accounts = _accounts(snapshot, read, organization)
    units = _units(read)
    scps = _scps(read)
    patterns = _patterns(accounts, units, read)
    missing = _missing(snapshot, read, organization, accounts, units, scps)
    basis = "organization" if len(accounts) > 1 else "member account"
    return _view(snapshot, read, basis, accounts, units, patterns, missing, organization, scps)


def _view(snapshot: Snapshot, read: _Reader, basis: str, accounts: list[Account], units: list[dict[str, Any]],
          patterns: list[dict[str, Any]], missing: list[dict[str, Any]], organization: Any = None,
          scps: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    org = organization if isinstance(organization, dict) else {}
    return {
        "account_id": snapshot.account_id, "basis": basis,
        "organization": {"id": org.get("Id"), "management_account_id": org.get("MasterAccountId"),
                         "feature_set": org.get("FeatureSet")} if org else None,
        "is_management_account": bool(org) and org.get("MasterAccountId") == snapshot.account_id,
        "accounts": [a.to_dict() for a in accounts],
        "organizational_units": units,
        "service_control_policies": scps or [],
        "patterns": patterns,
        "follows": [p["pattern"] for p in patterns if p["status"] == "follows"],
        "missing": missing,
        "not_seen": sorted(set(read.unseen)),
    }


def _accounts(snapshot: Snapshot, read: _Reader, organization: dict[str, Any]) -> list[Account]:
    listed = read.get("organizations.accounts")
    tree = read.get("organizations.tree")
    parents = tree.get("account_parents", {}) if isinstance(tree, dict) else {}
    paths = {u["Id"]: u["Path"] for u in (tree.get("organizational_units", []) if isinstance(tree, dict) else [])}
    tags = read.items("organizations.account_tags")
    delegated = read.items("organizations.delegated_services")
    if not isinstance(listed, list):
        # A member account that cannot list the organization still knows itself and the management account.
        listed = [{"Id": snapshot.account_id, "Name": ""}]
    accounts = []
    for item in listed:
        account_id = str(item["Id"])
        parent = parents.get(account_id, "")
        accounts.append(Account(
            id=account_id, name=str(item.get("Name", "")), email=str(item.get("Email", "")),
            status=str(item.get("Status", "ACTIVE")),
            tags={t["Key"]: t.get("Value", "") for t in (tags.get(account_id) or [])},
            ou_path=paths.get(parent, "Root" if parent.startswith("r-") else ""),
            delegated=sorted(s["ServicePrincipal"] for s in (delegated.get(account_id) or [])),
            management=account_id == organization.get("MasterAccountId")))
    return [a for a in accounts if a.status in ("ACTIVE", "")]


def _units(read: _Reader) -> list[dict[str, Any]]:
    tree = read.get("organizations.tree")
    if not isinstance(tree, dict):
        return []
    counts: dict[str, int] = {}
    for parent in tree.get("account_parents", {}).values():
        counts[parent] = counts.get(parent, 0) + 1
    return [{"id": u["Id"], "name": u["Name"], "path": u["Path"], "accounts": counts.get(u["Id"], 0),
             "environment": _environment_of(_tokens(u["Name"]))} for u in tree.get("organizational_units", [])]


def _scps(read: _Reader) -> list[dict[str, Any]]:
    listed = read.get("organizations.scps")
    if not isinstance(listed, list):
        return []
    targets = read.items("organizations.policy_targets")
    content = read.items("organizations.scp_content")
    result = []
    for policy in listed:
        attached = targets.get(policy["Id"])
        document = content.get(policy["Id"])
        result.append({"id": policy["Id"], "name": policy.get("Name", ""),
                       "aws_managed": bool(policy.get("AwsManaged")) or policy["Id"] == FULL_ACCESS_SCP,
                       "targets": None if attached is None else [t.get("TargetId") for t in attached],
                       "denies": _denies(document)})
    return result


def _denies(document: Any) -> bool | None:
    if document is None:
        return None
    try:
        parsed = json.loads(document) if isinstance(document, str) else document
    except json.JSONDecodeError:
        return None
    statements = parsed.get("Statement", []) if isinstance(parsed, dict) else []
    statements = [statements] if isinstance(statements, dict) else statements
    return any(isinstance(s, dict) and s.get("Effect") == "Deny" for s in statements)


# -- the four patterns --
def _pattern(number: int, name: str, status: str, evidence: list[str]) -> dict[str, Any]:
    return {"pattern": number, "name": name, "status": status, "evidence": evidence}


NAMES = {1: "one account for centralised security management",
         2: "separate production, development and test accounts",
         3: "an account per autonomous department",
         4: "a shared-services account plus one account per project"}


def _patterns(accounts: list[Account], units: list[dict[str, Any]], read: _Reader) -> list[dict[str, Any]]:
    if len(accounts) <= 1:
        return _patterns_unknown(read, member=True)
    workloads = [a for a in accounts if not a.management and not a.is_security() and not a.is_shared()]
    return [_centralised(accounts), _environments(accounts, units), _departments(workloads, units),
            _projects(accounts, workloads)]


def _centralised(accounts: list[Account]) -> dict[str, Any]:
    security = [a for a in accounts if a.is_security()]
    delegated = sorted({s for a in security for s in a.delegated if s in SECURITY_SERVICES})
    evidence = [f"security account {a.name or a.id} ({a.id})" + (f", delegated administrator for "
                f"{', '.join(sorted(set(a.delegated) & SECURITY_SERVICES))}" if a.delegated else "")
                for a in security]
    if security and delegated:
        return _pattern(1, NAMES[1], "follows", evidence)
    if security:
        return _pattern(1, NAMES[1], "partly", [*evidence, "no security service is delegated to it"])
    return _pattern(1, NAMES[1], "no", ["no account named, tagged or delegated as a security, audit or log-archive "
                                         "account"])


def _environments(accounts: list[Account], units: list[dict[str, Any]]) -> dict[str, Any]:
    by_env: dict[str, list[str]] = {}
    for account in accounts:
        environment = account.environment()
        if environment:
            by_env.setdefault(environment, []).append(account.name or account.id)
    evidence = [f"{env}: {', '.join(sorted(names))}" for env, names in sorted(by_env.items())]
    env_units = sorted({u["environment"] for u in units if u["environment"]})
    if env_units:
        evidence.append(f"OUs per environment: {', '.join(env_units)}")
    wanted = {"production", "development", "test"}
    if wanted <= set(by_env):
        return _pattern(2, NAMES[2], "follows", evidence)
    if "production" in by_env and len(by_env) >= 2:
        return _pattern(2, NAMES[2], "partly", [*evidence, f"no {', '.join(sorted(wanted - set(by_env)))} account"])
    return _pattern(2, NAMES[2], "no", evidence or ["no account or OU is named or tagged by environment"])


def _departments(workloads: list[Account], units: list[dict[str, Any]]) -> dict[str, Any]:
    by_department: dict[str, list[str]] = {}
    for account in workloads:
        department = account.tag_value(DEPARTMENT_TAG_KEYS)
        if department is None and account.ou_path.count("/") >= 1:
            unit = account.ou_path.rsplit("/", 1)[-1]
            # An OU that is not an environment, security or infrastructure OU groups by business line.
            if not (_environment_of(_tokens(unit)) or _tokens(unit) & (SECURITY_WORDS | SHARED_WORDS | {"workloads"})):
                department = f"OU {unit}"
        if department:
            by_department.setdefault(department, []).append(account.name or account.id)
    evidence = [f"{dept}: {', '.join(sorted(names))}" for dept, names in sorted(by_department.items())]
    if len(by_department) >= 2:
        return _pattern(3, NAMES[3], "follows", evidence)
    if by_department:
        return _pattern(3, NAMES[3], "partly", [*evidence, "only one department has its own accounts"])
    return _pattern(3, NAMES[3], "no", ["no accounts tagged by department, team or business unit, nor grouped "
                                         "in departmental OUs"])


def _projects(accounts: list[Account], workloads: list[Account]) -> dict[str, Any]:
    shared = [a for a in accounts if a.is_shared()]
    projects: dict[str, list[str]] = {}
    for account in workloads:
        project = account.tag_value(PROJECT_TAG_KEYS)
        if project:
            projects.setdefault(project, []).append(account.name or account.id)
    evidence = [f"shared services: {a.name or a.id} ({a.id})" for a in shared]
    evidence += [f"project {p}: {', '.join(sorted(names))}" for p, names in sorted(projects.items())]
    if shared and len(projects) >= 2:
        return _pattern(4, NAMES[4], "follows", evidence)
    if shared or len(projects) >= 2:
        lacking = "no project-tagged workload accounts" if shared else "no shared-services account"
        return _pattern(4, NAMES[4], "partly", [*evidence, lacking])
    return _pattern(4, NAMES[4], "no", ["no shared-services (network, tooling, infrastructure) account and no "
                                         "project-tagged accounts"])


def _patterns_unknown(read: _Reader, member: bool = False) -> list[dict[str, Any]]:
    why = ("only this account is visible (a member account cannot list the organization)" if member
           else "Organizations could not be read")
    return [_pattern(n, NAMES[n], "unknown", [why]) for n in NAMES]


def _single_account(snapshot: Snapshot, read: _Reader) -> dict[str, Any]:
    patterns = [_pattern(1, NAMES[1], "partly", ["a single account: security is central because there is only "
                                                  "one account, with nothing separating workloads or environments"])]
    patterns += [_pattern(n, NAMES[n], "no", ["the account is in no organization"]) for n in (2, 3, 4)]
    missing = [_item("organization", "missing", "the account is in no AWS Organization: no SCPs, OUs or "
                     "security account are possible"),
               _users_item(snapshot, read, [])]
    return _view(snapshot, read, "single account", [], [], patterns, missing)


# -- what is missing --
def _item(name: str, status: str, evidence: str) -> dict[str, Any]:
    return {"item": name, "status": status, "evidence": evidence}


def _missing(snapshot: Snapshot, read: _Reader, organization: dict[str, Any], accounts: list[Account],
             units: list[dict[str, Any]], scps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    items = [_scp_item(read, organization, scps), _ou_item(read, units), _security_account_item(read, accounts),
             _root_item(read), _users_item(snapshot, read, accounts)]
    if organization.get("MasterAccountId") == snapshot.account_id:
        items.append(_management_workloads_item(snapshot))
    return items


def _scp_item(read: _Reader, organization: dict[str, Any], scps: list[dict[str, Any]]) -> dict[str, Any]:
    if organization.get("FeatureSet") == "CONSOLIDATED_BILLING":
        return _item("service control policies", "missing", "the organization has consolidated billing only: "
                     "SCPs need all features enabled")
    if "organizations.scps" in {u.split(":")[0] for u in read.unseen}:
        return _item("service control policies", "unknown", "the SCPs could not be listed")
    own = [p for p in scps if not p["aws_managed"]]
    attached = [p for p in own if p["targets"]]
    if attached:
        return _item("service control policies", "present", f"{len(attached)} own SCPs attached: "
                     + ", ".join(f"{p['name']} ({len(p['targets'])} targets)" for p in attached[:5]))
    if own:
        return _item("service control policies", "missing", f"{len(own)} own SCPs written but none attached")
    return _item("service control policies", "missing", "only FullAWSAccess: no guardrail denies anything")


def _ou_item(read: _Reader, units: list[dict[str, Any]]) -> dict[str, Any]:
    if "organizations.tree" in {u.split(":")[0] for u in read.unseen}:
        return _item("OUs per environment", "unknown", "the OU tree could not be read")
    environments = sorted({u["environment"] for u in units if u["environment"]})
    if "production" in environments and len(environments) >= 2:
        return _item("OUs per environment", "present", "OUs for " + ", ".join(environments))
    if not units:
        return _item("OUs per environment", "missing", "every account sits directly under the root (no OUs)")
    return _item("OUs per environment", "missing", f"{len(units)} OUs ({', '.join(u['name'] for u in units[:6])}) "
                 "but not one per environment (production, non-production)")


def _security_account_item(read: _Reader, accounts: list[Account]) -> dict[str, Any]:
    security = [a for a in accounts if a.is_security()]
    if security:
        return _item("security / log-archive account", "present",
                     ", ".join(f"{a.name or a.id} ({a.id})" for a in security))
    if len(accounts) <= 1:
        return _item("security / log-archive account", "unknown", "the organization's accounts are not visible")
    return _item("security / log-archive account", "missing", "no account named, tagged or delegated for "
                 "security tooling or log archive")


def _root_item(read: _Reader) -> dict[str, Any]:
    features = read.get("iam.organizations_features")
    if features is _UNSEEN:
        reason = next((u for u in read.unseen if u.startswith("iam.organizations_features")), "")
        return _item("root access centralised", "unknown", f"not visible: {reason.split(': ', 1)[-1]}")
    enabled = set(features or [])
    if {"RootCredentialsManagement", "RootSessions"} <= enabled:
        return _item("root access centralised", "present", "RootCredentialsManagement and RootSessions are enabled")
    if enabled:
        return _item("root access centralised", "partly", f"only {', '.join(sorted(enabled))} is enabled")
    return _item("root access centralised", "missing", "centralised root access is off: every member account keeps "
                 "its own root credentials")


def _users_item(snapshot: Snapshot, read: _Reader, accounts: list[Account]) -> dict[str, Any]:
    details = read.get("iam.authorization_details")
    if details is _UNSEEN or not isinstance(details, dict):
        return _item("cross-account roles instead of users", "unknown", "IAM authorization details were not read")
    users = details.get("UserDetailList") or []
    others = {a.id for a in accounts if a.id != snapshot.account_id}
    assumable = [r["RoleName"] for r in details.get("RoleDetailList") or [] if _trusts_other_account(r, snapshot,
                                                                                                       others)]
    providers = read.get("iam.saml_providers")
    federated = bool(providers) and providers is not _UNSEEN
    evidence = (f"this account has {len(users)} IAM users and {len(assumable)} roles assumable from other accounts"
                + ("; a SAML provider is configured" if federated else ""))
    status = "present" if not users else ("partly" if assumable or federated else "missing")
    return _item("cross-account roles instead of users", status, evidence)


def _trusts_other_account(role: dict[str, Any], snapshot: Snapshot, org_accounts: set[str]) -> bool:
    document = role.get("AssumeRolePolicyDocument") or {}
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            return False
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    for statement in [statements] if isinstance(statements, dict) else statements:
        principal = statement.get("Principal", {}) if isinstance(statement, dict) else {}
        aws = principal.get("AWS", []) if isinstance(principal, dict) else []
        for value in [aws] if isinstance(aws, str) else aws:
            account = value if value.isdigit() else account_of(value)
            if account and account != snapshot.account_id:
                return True
    return False


def _management_workloads_item(snapshot: Snapshot) -> dict[str, Any]:
    counts = {}
    for dataset in ("ec2.instances", "rds.db_instances", "lambda.functions", "dynamodb.table_names",
                    "elbv2.load_balancers"):
        total = sum(len(v) for v in snapshot.datasets.get(dataset, {}).values() if isinstance(v, list))
        if total:
            counts[dataset.split(".")[0]] = total
    if counts:
        return _item("management account free of workloads", "missing", "the management account runs "
                     + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
    return _item("management account free of workloads", "present", "no instances, databases, functions or load "
                 "balancers in the management account")
