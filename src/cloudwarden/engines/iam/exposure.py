"""Resource exposure: which resources anyone, or accounts outside the organization (or the account),
can read or write through resource policies and S3 ACLs, decided by the evaluator.

For each resource the outsiders are: an anonymous caller, "any AWS account" (a stand-in account that
no policy names), and every other account or principal the policy names, unless it is a known member
of the organization. Each gets requests for a representative set of read and write actions with the
context an outsider would send (a public source IP, TLS, its own account, the snapshot's time), so
a statement narrowed by aws:SourceIp, aws:PrincipalOrgID or aws:SourceVpce does not count as open.
The outsider's own IAM policies are assumed to allow. S3 Block Public Access is applied:
RestrictPublicBuckets neutralises a public bucket policy, IgnorePublicAcls the public ACL grants,
and ACLs are ignored altogether when object ownership is BucketOwnerEnforced.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.core.arn import account_of, parse_arn
from cloudwarden.engines.iam.account import ANY_ACCOUNT, outside_principals
from cloudwarden.engines.iam.errors import PolicyError
from cloudwarden.engines.iam.evaluator import evaluate
from cloudwarden.engines.iam.model import Decision, PolicySet, make_request
from cloudwarden.engines.iam.organization import Organization, load_organization
from cloudwarden.engines.iam.policy import CompiledPolicy, allow_all, compile_policy, load_document
from cloudwarden.engines.iam.resources import PolicyResource, Unreadable, policy_resources
from cloudwarden.inventory.snapshot import GLOBAL, DataUnavailable, Snapshot

READ, WRITE = "read", "write"
PUBLIC, FOREIGN = "public", "foreign"
ANONYMOUS, ANY_AWS_ACCOUNT = "anonymous", "any AWS account"
PUBLIC_IP = "192.0.2.123"  # TEST-NET-1: an address no allow-list names

# The actions that stand for reading and writing each kind of resource.
ACTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "s3": {READ: ("s3:GetObject", "s3:ListBucket"),
           WRITE: ("s3:PutObject", "s3:DeleteObject", "s3:PutBucketPolicy")},
    "kms": {READ: ("kms:Decrypt",), WRITE: ("kms:Encrypt", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion")},
    "sqs": {READ: ("sqs:ReceiveMessage",), WRITE: ("sqs:SendMessage", "sqs:DeleteMessage")},
    "sns": {READ: ("sns:Subscribe",), WRITE: ("sns:Publish", "sns:SetTopicAttributes")},
    "lambda": {READ: ("lambda:GetFunction",), WRITE: ("lambda:InvokeFunction", "lambda:UpdateFunctionCode")},
    "secretsmanager": {READ: ("secretsmanager:GetSecretValue",),
                       WRITE: ("secretsmanager:PutSecretValue", "secretsmanager:DeleteSecret")},
    "ecr": {READ: ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"), WRITE: ("ecr:PutImage",)},
}
_S3_OBJECT_ACTION = re.compile(r"^s3:(Get|Put|Delete|Restore|Abort)\w*Object|^s3:\w*MultipartUpload",
                               re.IGNORECASE)
# Condition keys whose values the caller chooses: probing with the policy's own values is fair.
_CALLER_CHOSEN = ("aws:referer", "aws:useragent")
# ... and keys a named account knows (a vendor holds the external id its customer gave it).
_NAMED_KNOWS = ("sts:externalid",)
_ACL_ACTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "READ": {READ: ("s3:ListBucket",)},
    "WRITE": {WRITE: ("s3:PutObject", "s3:DeleteObject")},
    "WRITE_ACP": {WRITE: ("s3:PutBucketAcl",)},
    "FULL_CONTROL": {READ: ("s3:ListBucket",), WRITE: ("s3:PutObject", "s3:DeleteObject", "s3:PutBucketAcl")},
}
_ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
_AUTHENTICATED = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
_ALLOW_ALL = allow_all("the outsider's own")


@dataclass(frozen=True)
class Outsider:
    principal: str  # request principal: "anonymous" or an ARN
    label: str  # "anonymous", "any AWS account", "account 999988887777", or the ARN
    scope: str  # PUBLIC or FOREIGN
    account: str = ""


@dataclass(frozen=True)
class Exposure:
    resource: PolicyResource
    who: str  # Outsider.label
    scope: str  # PUBLIC or FOREIGN
    access: str  # READ or WRITE
    actions: tuple[str, ...]
    via: str  # "resource policy" or "ACL"
    evidence: str  # the deciding statement(s)
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"resource": self.resource.arn, "service": self.resource.service, "region": self.resource.region,
                "who": self.who, "scope": self.scope, "access": self.access, "actions": list(self.actions),
                "via": self.via, "evidence": self.evidence, "notes": list(self.notes)}


@dataclass
class ExposureReport:
    examined: list[PolicyResource] = field(default_factory=list)
    exposures: list[Exposure] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # policies that did not compile
    organization: Organization = field(default_factory=Organization)

    def of(self, arn: str) -> list[Exposure]:
        return [e for e in self.exposures if e.resource.arn == arn]


def resource_exposure(snapshot: Snapshot) -> list[Exposure]:
    """Every (resource, outsider, read/write) the resource's policy or ACL opens."""
    return analyse_exposure(snapshot).exposures


def analyse_exposure(snapshot: Snapshot) -> ExposureReport:
    report = ExposureReport()
    report.organization = load_organization(snapshot, lambda text, kind, source: _compile_or_none(text, kind))
    inventory = policy_resources(snapshot)
    report.unreadable = list(inventory.unreadable)
    when = snapshot.collected_at
    for resource in inventory.resources:
        report.examined.append(resource)
        try:
            if resource.service == "s3":
                report.exposures.extend(_bucket_exposure(snapshot, resource, report, when))
            elif resource.document:
                statements = statements_of(resource.document)
                report.exposures.extend(
                    _policy_exposure(resource, statements, snapshot.account_id, report.organization, when))
        except PolicyError as error:
            report.problems.append(f"{resource.service} policy of {resource.name}: {error.message}")
    return report


def _compile_or_none(text: Any, kind: str) -> CompiledPolicy | None:
    try:
        return compile_policy(text, kind, "SCP")
    except PolicyError:
        return None


def statements_of(document: Any) -> list[dict[str, Any]]:
    loaded = load_document(document)
    if not isinstance(loaded, dict):
        raise PolicyError("a policy document must be a JSON object", "$")
    raw = loaded.get("Statement") or []
    return [s for s in (raw if isinstance(raw, list) else [raw]) if isinstance(s, dict)]


def _document(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": statements}


# -- evaluation --

def outsiders(policy: CompiledPolicy, account: str, organization: Organization | None = None) -> list[Outsider]:
    """Anonymous, any AWS account, and the principals of other accounts the policy names."""
    found = [Outsider(ANONYMOUS, ANONYMOUS, PUBLIC),
             Outsider(f"arn:aws:iam::{ANY_ACCOUNT}:root", ANY_AWS_ACCOUNT, PUBLIC, ANY_ACCOUNT)]
    members = organization.members if organization else frozenset()
    for arn in outside_principals(account, "aws", policy):
        other = account_of(arn)
        if other in (ANY_ACCOUNT, account) or other in members:
            continue
        label = f"account {other}" if arn.endswith(":root") else arn
        found.append(Outsider(arn, label, FOREIGN, other))
    return found


def outsider_contexts(outsider: Outsider, statements: list[dict[str, Any]], when: str) -> list[dict[str, Any]]:
    """Request contexts an outsider can send: a public IP over TLS, its account and MFA when it has
    one, and each value the policy expects for a key the caller chooses."""
    base: dict[str, Any] = {"aws:SourceIp": PUBLIC_IP, "aws:SecureTransport": True}
    if when:
        base["aws:CurrentTime"] = when
    if outsider.account:
        base.update({"aws:PrincipalAccount": outsider.account, "aws:MultiFactorAuthPresent": True})
    known = _CALLER_CHOSEN + (_NAMED_KNOWS if outsider.scope == FOREIGN else ())
    chosen = _caller_chosen_values(statements, known)
    return [base] + [{**base, key: value} for key, value in chosen]


def _caller_chosen_values(statements: list[dict[str, Any]], known: tuple[str, ...]) -> list[tuple[str, str]]:
    """(key, value) pairs for the keys in `known`, with the values the policy's conditions name."""
    found: list[tuple[str, str]] = []
    for statement in statements:
        for block in (statement.get("Condition") or {}).values():
            for key, values in (block.items() if isinstance(block, dict) else ()):
                if key.lower() in known:
                    for value in values if isinstance(values, list) else [values]:
                        found.append((key, str(value).replace("*", "x").replace("?", "x")))
    return found


def probe_resources(resource: PolicyResource, action: str, statements: list[dict[str, Any]]) -> list[str]:
    """Resources to ask about: an object of a bucket for object actions (one per object pattern the
    policy names, so that a prefix-only grant is found), else the resource itself."""
    if resource.service != "s3" or not _S3_OBJECT_ACTION.match(action):
        return [resource.arn]
    probes = [f"{resource.arn}/cloudwarden-probe"]
    for statement in statements:
        patterns = statement.get("Resource") or []
        for pattern in patterns if isinstance(patterns, list) else [patterns]:
            if isinstance(pattern, str) and pattern.startswith(resource.arn + "/"):
                probes.append(re.sub(r"\$\{[^}]*\}", "x", pattern).replace("*", "x").replace("?", "x"))
    return list(dict.fromkeys(probes))


def allowed(policy: CompiledPolicy, outsider: Outsider, action: str, probes: list[str], owner: str,
            contexts: list[dict[str, Any]], rcps: tuple[tuple[CompiledPolicy, ...], ...] | None = None,
            ) -> Decision | None:
    """The first Allow among the probes and contexts, or None (RCP levels, where given, can deny)."""
    policies = PolicySet(identity=(_ALLOW_ALL,), resource=policy, rcps=rcps)
    for probe in probes:
        for context in contexts:
            decision = evaluate(make_request(outsider.principal, action, probe, owner, context), policies)
            if decision.allowed:
                return decision
    return None


def _evidence(decision: Decision) -> str:
    found = [r for r in decision.explain if r.layer == "resource"]
    return "; ".join(f"{r.policy} statement {r.sid or r.statement}" for r in found) or "resource policy"


def _policy_exposure(resource: PolicyResource, statements: list[dict[str, Any]], account: str,
                     organization: Organization, when: str, notes: tuple[str, ...] = ()) -> list[Exposure]:
    policy = compile_policy(_document(statements), "resource", f"{resource.service} policy of {resource.name}")
    found = []
    for outsider in outsiders(policy, account, organization):
        contexts = outsider_contexts(outsider, statements, when)
        for access, actions in ACTIONS[resource.service].items():
            granted, evidence, via = [], "", "resource policy"
            for action in actions:
                decision = allowed(policy, outsider, action, probe_resources(resource, action, statements), account, contexts,
                                   organization.rcps_for(action, account, account))
                if decision is not None:
                    granted.append(action)
                    evidence = evidence or _evidence(decision)
                    via = "ACL" if "ACL grant" in evidence else via
            if granted:
                found.append(Exposure(resource, outsider.label, outsider.scope, access, tuple(granted), via,
                                      evidence, notes))
    return found


# -- S3: ACLs and Block Public Access --

def _bucket_exposure(snapshot: Snapshot, bucket: PolicyResource, report: ExposureReport,
                     when: str) -> list[Exposure]:
    block, notes = _block_public_access(snapshot, bucket.name)
    policy_statements = statements_of(bucket.document) if bucket.document else []
    account, org = snapshot.account_id, report.organization
    restrict = bool(block.get("RestrictPublicBuckets"))
    if restrict and policy_statements and _is_public(bucket, policy_statements, account, org, when):
        # only the owner account's principals and AWS services may use a public policy's grants
        policy_statements = [s for s in policy_statements if s.get("Effect") == "Deny"]
        notes = (*notes, "RestrictPublicBuckets neutralises the public bucket policy")
    acl_statements = _acl_statements(snapshot, bucket, block, report)
    statements = policy_statements + acl_statements
    if not any(s.get("Effect") == "Allow" for s in statements):
        return []
    return _policy_exposure(bucket, statements, account, org, when, notes)


def _is_public(bucket: PolicyResource, statements: list[dict[str, Any]], account: str,
               org: Organization, when: str) -> bool:
    exposures = _policy_exposure(bucket, statements, account, org, when)
    return any(e.scope == PUBLIC for e in exposures)


def _block_public_access(snapshot: Snapshot, bucket: str) -> tuple[dict[str, bool], tuple[str, ...]]:
    """The effective settings (bucket OR account); unreadable settings count as off, with a note."""
    settings: dict[str, bool] = {}
    notes: list[str] = []
    for label, read in (("account", lambda: snapshot.get("s3.account_public_access_block", GLOBAL)),
                        ("bucket", lambda: snapshot.item("s3.bucket_public_access_block", GLOBAL, bucket))):
        try:
            config = read() or {}
        except DataUnavailable:
            notes.append(f"{label} Block Public Access not readable (taken as off)")
            continue
        for key, value in config.items():
            settings[key] = settings.get(key, False) or bool(value)
    return settings, tuple(notes)


def _acl_statements(snapshot: Snapshot, bucket: PolicyResource, block: dict[str, bool],
                    report: ExposureReport) -> list[dict[str, Any]]:
    """ACL grants to outsiders as resource-policy statements, so the bucket policy's denies apply."""
    try:
        ownership = snapshot.item("s3.bucket_ownership_controls", GLOBAL, bucket.name) or {}
    except DataUnavailable:
        ownership = {}
    if any(r.get("ObjectOwnership") == "BucketOwnerEnforced" for r in ownership.get("Rules") or []):
        return []
    try:
        acl = snapshot.item("s3.bucket_acl", GLOBAL, bucket.name) or {}
    except DataUnavailable as missing:
        report.unreadable.append(Unreadable(bucket.arn, "s3", bucket.name, GLOBAL, missing.reason))
        return []
    owner = (acl.get("Owner") or {}).get("ID", "")
    statements = []
    for number, grant in enumerate(acl.get("Grants") or []):
        statement = _grant_statement(grant, owner, bool(block.get("IgnorePublicAcls")), bucket.arn, number)
        if statement is not None:
            statements.append(statement)
    return statements


def _grant_statement(grant: dict[str, Any], owner: str, ignore_public: bool, arn: str,
                     number: int) -> dict[str, Any] | None:
    grantee = grant.get("Grantee") or {}
    actions = [a for group in _ACL_ACTIONS.get(grant.get("Permission", ""), {}).values() for a in group]
    if not actions:
        return None
    statement: dict[str, Any] = {"Sid": f"ACL grant {number} {grant.get('Permission')}", "Effect": "Allow",
                                 "Action": actions, "Resource": [arn, f"{arn}/*"]}
    uri = grantee.get("URI", "")
    if uri in (_ALL_USERS, _AUTHENTICATED):
        if ignore_public:
            return None
        statement["Principal"] = "*"
        if uri == _AUTHENTICATED:  # any signed request: anonymous callers carry no account
            statement["Condition"] = {"Null": {"aws:PrincipalAccount": "false"}}
        return statement
    if grantee.get("Type") == "CanonicalUser" and grantee.get("ID") and grantee.get("ID") != owner:
        statement["Principal"] = {"CanonicalUser": grantee["ID"]}
        return statement
    return None


# -- helpers for checks --

def publicly_allowed_actions(document: Any, resource_arn: str, actions: Iterable[str], account: str,
                             when: str = "") -> list[str]:
    """The actions an anonymous caller or any AWS account may take on the resource under this
    resource policy alone (no ACL, no Block Public Access); raises PolicyError if it is malformed."""
    statements = statements_of(document)
    policy = compile_policy(_document(statements), "resource", "resource policy")
    parsed = parse_arn(resource_arn)
    service = parsed.service if parsed is not None else "s3"
    resource = PolicyResource(resource_arn, service, resource_arn, GLOBAL, document)
    found = []
    for action in actions:
        for outsider in outsiders(policy, account)[:2]:
            probes = probe_resources(resource, action, statements)
            if allowed(policy, outsider, action, probes, account, outsider_contexts(outsider, statements, when)):
                found.append(action)
                break
    return found


def is_publicly_accessible(document: Any, resource_arn: str, action: str, account: str) -> bool:
    """Does the resource policy let anonymous callers, or every AWS account, take this action?"""
    return bool(publicly_allowed_actions(document, resource_arn, (action,), account))
