"""Checks that rest on the IAM engine: every verdict is an evaluator decision, not a string match.

The account model, escalation graph, external entries and resource exposure are computed once per
snapshot and shared by the checks. Missing authorization details make a check UNKNOWN; a resource
whose policy (or ACL) could not be read is UNKNOWN unless an exposure is proven anyway.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import networkx as nx  # type: ignore[import-untyped]

from cloudwarden.checks.context import CheckContext, Skipped
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.core.arn import parse_arn
from cloudwarden.engines.iam import reach
from cloudwarden.engines.iam.account import Account, can, load_account
from cloudwarden.engines.iam.escalation import ADMIN, Step, escalation_paths, gap_path
from cloudwarden.engines.iam.exposure import READ, Exposure, ExposureReport, analyse_exposure
from cloudwarden.engines.iam.external import ExternalEntry, external_entries
from cloudwarden.inventory.snapshot import GLOBAL, DataUnavailable, Snapshot
from cloudwarden.inventory.views.iam import IamView

DETAILS = "iam.authorization_details"
# RCPs only take access away and the engine says when they were not read: optional wherever declared.
RCPS = ["organizations.rcps_for_target", "organizations.rcp_content"]
ORG = ["organizations.organization", "organizations.roots", "organizations.account_chain",
       "organizations.scps_for_target", "organizations.scp_content", *RCPS]
IAM_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
PUBLIC_SERVICES = {"lambda": "lambda.function_policy", "sns": "sns.topic_attributes",
                   "sqs": "sqs.queue_attributes", "secretsmanager": "secretsmanager.resource_policy"}
PARENTS = {"lambda": "lambda.functions", "sns": "sns.topics", "sqs": "sqs.queue_urls",
           "secretsmanager": "secretsmanager.secrets"}
RESOURCE_TYPES = {"lambda": "AWS::Lambda::Function", "sns": "AWS::SNS::Topic", "sqs": "AWS::SQS::Queue",
                  "secretsmanager": "AWS::SecretsManager::Secret"}


@dataclass
class Analysis:
    account: Account
    graph: nx.DiGraph
    paths: dict[str, list[Step]]
    entries: list[ExternalEntry]


def _build_analysis(snapshot: Snapshot, iam: IamView) -> Analysis:
    built = reach.analyse(snapshot, load_account(snapshot, iam))  # DataUnavailable: the check becomes UNKNOWN
    account, graph = built.account, built.graph
    paths = dict(escalation_paths(account, graph))
    return Analysis(account, graph, paths, external_entries(account, graph, snapshot.collected_at))


def analysis(ctx: CheckContext) -> Analysis:
    iam = ctx.view(IamView)  # the IAM objects the checks read are the ones the account is built on
    return ctx.assessment.memo("iam.analysis", lambda snapshot: _build_analysis(snapshot, iam))


def exposure(ctx: CheckContext) -> ExposureReport:
    return ctx.assessment.memo("iam.exposure", analyse_exposure)


def describe_path(steps: list[Step] | tuple[Step, ...]) -> str:
    parts = [f"{_short(s.source)} -[{s.permission}]-> {_short(s.target)}" for s in steps]
    return "; ".join(parts)


def _short(arn: str) -> str:
    parsed = parse_arn(arn)
    return "administrator" if arn == ADMIN else parsed.resource if parsed is not None else arn


def scp_gap(account: Account) -> str:
    """Why the organization's SCPs are unknown ("" when they were read or cannot apply).

    Administrator is judged within the SCP guardrails (a probe request the SCPs deny to everyone does
    not count against anyone), so unread SCPs can hide an administrator, and with it a path to one:
    a "does not reach administrator" verdict rests on them. (Paths found stay FAIL: SCPs only deny, so
    reading them could only remove a path, and the message says they were not read.)"""
    note = account.organization.note
    return note if account.scps is None and note.startswith("SCPs not readable") else ""


def _unknown_message(graph: nx.DiGraph, arn: str, unresolved: list[tuple[str, str]]) -> str:
    """Why whether a principal reaches administrator is unknown: the path that would, and the gaps."""
    steps = gap_path(graph, arn) or []
    chain = f": {describe_path(steps)}" if steps else ""
    gaps = "; ".join(f"{path} needs {why}" for path, why in unresolved)
    return f"may reach administrator, but only through data that was not collected{chain} ({gaps})"


def is_admin(graph: nx.DiGraph, arn: str) -> bool:
    return bool(graph.has_edge(arn, ADMIN) and graph.edges[arn, ADMIN]["step"].kind == "is administrator")


@check("iam.privilege_escalation_to_admin", resource_type="AWS::IAM::User", datasets=[DETAILS, *ORG], optional=RCPS,
       fix="Remove the permission used at the first step of the path (or fence it with a condition, "
           "a permissions boundary or an SCP), then re-run `cloudwarden iam escalation`.",
       cli="cloudwarden iam escalation SNAPSHOT",
       doc=IAM_DOC + "access_policies_boundaries.html")
def privilege_escalation_to_admin(ctx: CheckContext) -> Iterator[Result]:
    found = analysis(ctx)
    unread = scp_gap(found.account)
    for principal in found.account.principals.values():
        if is_admin(found.graph, principal.arn):
            continue
        steps = found.paths.get(principal.arn)
        kind = "AWS::IAM::User" if principal.kind == "user" else "AWS::IAM::Role"
        resource = f"{principal.kind}/{principal.name}"
        if not steps and unread:
            ctx.skipped.append(Skipped(resource, GLOBAL, f"no path to administrator without SCPs, but {unread}"))
            continue
        unresolved = found.graph.graph.get("unresolved", {}).get(principal.arn)
        if not steps and unresolved:  # its only paths rest on datasets that were not collected
            ctx.skipped.append(Skipped(resource, GLOBAL, _unknown_message(found.graph, principal.arn, unresolved)))
            continue
        message = (f"reaches administrator in {len(steps)} step(s): {describe_path(steps)}" if steps
                   else "no path to administrator")
        yield verdict(not steps, resource, message, arn=principal.arn, resource_type=kind)


@check("iam.external_assume_role_chain", resource_type="AWS::IAM::Role", datasets=[DETAILS, *ORG], optional=RCPS,
       fix="Narrow the trust policy of the entry role (named principals, sts:ExternalId, "
           "aws:PrincipalOrgID) or remove the permissions that lead from it to administrator.",
       cli="aws iam update-assume-role-policy --role-name ROLE --policy-document file://trust.json",
       doc=IAM_DOC + "id_roles_common-scenarios_third-party.html")
def external_assume_role_chain(ctx: CheckContext) -> Iterator[Result]:
    found = analysis(ctx)
    by_role: dict[str, list[ExternalEntry]] = {}
    for entry in found.entries:
        by_role.setdefault(entry.role, []).append(entry)
    unread = scp_gap(found.account)
    for role in (p for p in found.account.principals.values() if p.kind == "role"):
        entries = by_role.get(role.arn, [])
        outside = ", ".join(sorted({e.outsider.label for e in entries}))
        risky = [e for e in entries if e.reaches_admin]
        if entries and not risky and unread:  # whether it reaches administrator rests on the SCPs
            ctx.skipped.append(Skipped(f"role/{role.name}", GLOBAL,
                                       f"{outside} can assume it; administrator not reached without SCPs, but {unread}"))
            continue
        unresolved = found.graph.graph.get("unresolved", {}).get(role.arn)
        if entries and not risky and unresolved:  # its only paths rest on datasets not collected
            ctx.skipped.append(Skipped(f"role/{role.name}", GLOBAL, f"{outside} can assume it; it "
                                       + _unknown_message(found.graph, role.arn, unresolved)))
            continue
        message = (f"{outside} can assume it, and it reaches administrator: {describe_path(risky[0].path)}"
                   if risky else f"{outside} can assume it; it does not reach administrator" if entries
                   else "no principal outside the account or organization can assume it")
        yield verdict(not risky, f"role/{role.name}", message, arn=role.arn)


@check("s3.effective_public_or_foreign_read", resource_type="AWS::S3::Bucket",
       datasets=["s3.buckets", "s3.bucket_policy", "s3.bucket_acl", "s3.bucket_public_access_block",
                 "s3.account_public_access_block", "s3.bucket_ownership_controls", DETAILS, *ORG],
       optional=RCPS,
       fix="Remove the public or foreign grant (bucket policy statement, ACL grant, or the external "
           "role's s3 permissions) and turn on Block Public Access for the bucket and the account.",
       cli="aws s3api put-public-access-block --bucket BUCKET --public-access-block-configuration "
           "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
       doc="https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html")
def effective_public_or_foreign_read(ctx: CheckContext) -> Iterator[Result]:
    report, found = exposure(ctx), analysis(ctx)
    try:
        ctx.get("s3.buckets")
    except DataUnavailable as missing:  # buckets not listed: those the snapshot does not name are UNKNOWN
        ctx.skipped.append(Skipped(ctx.account_id, GLOBAL, missing.reason))
    unreadable = {u.arn: u.reason for u in report.unreadable if u.service == "s3"}
    for bucket in (r for r in report.examined if r.service == "s3"):
        readers = _describe(e for e in report.of(bucket.arn) if e.access == READ)
        readers += _role_readers(ctx, found, bucket.arn)
        if not readers and bucket.arn in unreadable:
            ctx.skipped.append(Skipped(bucket.name, GLOBAL, unreadable[bucket.arn]))
            continue
        message = "readable by " + "; ".join(readers) if readers else "no public or foreign read access"
        yield verdict(not readers, bucket.name, message, arn=bucket.arn)
    for arn, reason in unreadable.items():  # buckets whose policy itself was not read
        if not any(r.arn == arn for r in report.examined):
            ctx.skipped.append(Skipped(arn.rsplit(":", 1)[-1], GLOBAL, reason))


def _describe(exposures: Iterator[Exposure]) -> list[str]:
    return [f"{e.who} ({', '.join(e.actions)} via {e.via})" for e in exposures]


def _role_readers(ctx: CheckContext, found: Analysis, bucket_arn: str) -> list[str]:
    """Outsiders who can assume a role of this account that may read the bucket's objects."""
    readers = []
    for entry in found.entries:
        role = found.account.principals[entry.role]
        decision = can(found.account, role, "s3:GetObject", f"{bucket_arn}/cloudwarden-probe")
        if decision.allowed:
            readers.append(f"{entry.outsider.label} (s3:GetObject via role {role.name})")
    return readers


@check("iam.resource_policies_no_public_principal", resource_type="AWS::Lambda::Function",
       datasets=[d for service in PUBLIC_SERVICES for d in (PARENTS[service], PUBLIC_SERVICES[service])]
       + ["organizations.organization"],
       # the organization only names member accounts as such in the evidence
       optional=["organizations.organization"],
       fix="Remove the statement that lets every principal in, or narrow it with aws:SourceArn, "
           "aws:SourceAccount or aws:PrincipalOrgID.",
       cli="aws lambda remove-permission --function-name FUNCTION --statement-id SID",
       doc=IAM_DOC + "reference_policies_elements_principal.html")
def resource_policies_no_public_principal(ctx: CheckContext) -> Iterator[Result]:
    report = exposure(ctx)
    for parent in PARENTS.values():
        for _ in ctx.regional(parent):  # regions whose resources were not listed become UNKNOWN
            pass
    for resource in (r for r in report.examined if r.service in PUBLIC_SERVICES):
        public = [e for e in report.of(resource.arn) if e.scope == "public"]
        message = ("open to " + "; ".join(_describe(iter(public))) if public
                   else "policy lets no anonymous caller or arbitrary account in" if resource.document
                   else "no resource policy")
        yield verdict(not public, resource.name, message, resource.region, resource.arn,
                      RESOURCE_TYPES[resource.service])
    for missing in (u for u in report.unreadable if u.service in PUBLIC_SERVICES):
        ctx.skipped.append(Skipped(missing.name, missing.region, missing.reason))
