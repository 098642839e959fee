"""Organizations policies as guardrails, decided by the IAM evaluator: which requests the SCPs in
force deny, at the root and for each member account along its root -> OU -> account path, plus the
delegation of policy management and the management account's own footprint.

SCP questions are asked of engines.iam: a probe role of the member account, whose own IAM policies
allow everything, requests the action; the SCP levels of its path are the only thing that can deny
it. So a deny with an exception for a named security role still counts (the probe is not that role),
a NotAction region guardrail counts for the actions it does not exempt, and an SCP that does not
compile makes the verdict UNKNOWN, never a guess. SCPs never apply to the management account.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.org_guardrails import ORG_DOC, ORG_RESOURCE, in_organization
from cloudwarden.checks.registry import Result, check
from cloudwarden.engines.iam import PolicyError, PolicySet, allow_all, compile_policy, evaluate, make_request
from cloudwarden.engines.iam.policy import CompiledPolicy
from cloudwarden.inventory.snapshot import GLOBAL, DataUnavailable
from cloudwarden.inventory.views.ec2 import INSTANCES, Ec2View
from cloudwarden.inventory.views.organizations import (
    ACCOUNTS,
    CONTENT,
    ORG,
    RESOURCE_POLICY,
    SCPS,
    TARGETS,
    TREE,
    Account,
    Organization,
    OrganizationsView,
)
from cloudwarden.inventory.views.s3 import BUCKETS, S3View

SCP_DATASETS = [ORG, TREE, SCPS, TARGETS, CONTENT]
ACCOUNT_RESOURCE = "AWS::Organizations::Account"
SCP_DOC = ORG_DOC + "orgs_manage_policies_scps_examples.html"
PROBE_ROLE = "cloudwarden-probe-admin"

# The calls that switch a sensor off or cut it loose from the security account.
SECURITY_DISABLERS: dict[str, tuple[tuple[str, str], ...]] = {
    "CloudTrail": (("cloudtrail:StopLogging", "arn:{p}:cloudtrail:{r}:{a}:trail/cloudwarden-probe"),
                   ("cloudtrail:DeleteTrail", "arn:{p}:cloudtrail:{r}:{a}:trail/cloudwarden-probe")),
    "Config": (("config:StopConfigurationRecorder", "*"), ("config:DeleteConfigurationRecorder", "*")),
    "GuardDuty": (("guardduty:DeleteDetector", "arn:{p}:guardduty:{r}:{a}:detector/cloudwarden-probe"),
                  ("guardduty:DisassociateFromAdministratorAccount",
                   "arn:{p}:guardduty:{r}:{a}:detector/cloudwarden-probe")),
    "Security Hub": (("securityhub:DisableSecurityHub", "arn:{p}:securityhub:{r}:{a}:hub/default"),
                     ("securityhub:DisassociateFromAdministratorAccount", "arn:{p}:securityhub:{r}:{a}:hub/default")),
}
# Commercial regions a region guardrail is probed with (an ordinary regional action in each).
REGIONS = ("us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-south-1",
           "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-northeast-1",
           "ap-northeast-2", "ap-northeast-3", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2",
           "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1", "il-central-1",
           "me-south-1", "me-central-1", "sa-east-1", "mx-central-1")
REGION_PROBE = "ec2:RunInstances"
# Further requests an authorization guardrail commonly denies.
OTHER_GUARDRAILS = (("organizations:LeaveOrganization", "*", "leaving the organization"),
                    ("iam:CreateUser", "arn:{p}:iam::{a}:user/cloudwarden-probe", "creating IAM users"),
                    ("iam:CreateAccessKey", "arn:{p}:iam::{a}:root", "root access keys"),
                    ("s3:PutAccountPublicAccessBlock", "*", "changing account Block Public Access"),
                    ("ec2:DisableEbsEncryptionByDefault", "*", "disabling EBS default encryption"),
                    ("ec2:DeleteFlowLogs", "*", "deleting VPC flow logs"))

ALLOW_ALL = allow_all("the member's own")


@dataclass
class OrgPolicies:
    """The SCPs of the organization and where each is attached, compiled once per assessment."""

    management: str
    parents: dict[str, str]  # account or OU id -> parent id
    paths: dict[str, str]  # OU id -> "Root/Prod/..."
    attached: dict[str, list[str]] = field(default_factory=dict)  # target id -> policy ids
    names: dict[str, str] = field(default_factory=dict)
    compiled: dict[str, CompiledPolicy] = field(default_factory=dict)
    root_ids: tuple[str, ...] = ()

    def chain(self, target: str) -> list[str]:
        """The targets from the root down to `target` (an account or OU id)."""
        chain = [target]
        while chain[-1] in self.parents and len(chain) < 12:
            chain.append(self.parents[chain[-1]])
        return list(reversed(chain))

    @property
    def enforced(self) -> bool:
        """Enabling the SCP policy type attaches FullAWSAccess to the root: no SCP there, none in force."""
        return any(self.attached.get(root) for root in self.root_ids)

    def levels(self, target: str) -> tuple[tuple[CompiledPolicy, ...], ...]:
        levels = []
        for level in self.chain(target):
            attached = self.attached.get(level, ())
            if not attached:
                # AWS keeps at least one SCP on every OU and account while SCPs are enabled.
                raise DataUnavailable(TARGETS, GLOBAL, f"no SCP is listed as attached to {level}: the targets "
                                      "of the SCPs were not all read", level)
            levels.append(tuple(self.compiled[p] for p in attached))
        return tuple(levels)

    def root_levels(self) -> tuple[tuple[CompiledPolicy, ...], ...]:
        return tuple(tuple(self.compiled[p] for p in self.attached.get(root, ())) for root in self.root_ids)

    def policy_names(self, target: str) -> list[str]:
        return [self.names.get(p, p) for level in self.chain(target) for p in self.attached.get(level, ())]


def load_policies(ctx: CheckContext, org: Organization) -> OrgPolicies:
    """Read the tree, the SCPs, their targets and content; a policy that does not compile is a gap."""
    view = ctx.view(OrganizationsView)
    tree = view.tree()
    parents = tree.parents()
    roots = sorted({p for p in parents.values() if p not in parents})
    result = OrgPolicies(org.management, parents, {u.id: u.path for u in tree.units}, root_ids=tuple(roots))
    for scp in view.scps():
        result.names[scp.id] = scp.name
        text = scp.content.get() if scp.content is not None else None
        try:
            result.compiled[scp.id] = compile_policy(text, "scp", f"SCP {scp.name}")
        except PolicyError as error:
            raise DataUnavailable(CONTENT, GLOBAL, f"SCP {scp.name} could not be evaluated: {error}", scp.id) from None
        for target in scp.targets.get():
            result.attached.setdefault(target.id, []).append(scp.id)
    return result


def policies(ctx: CheckContext, org: Organization) -> OrgPolicies:
    return ctx.assessment.memo("org.policies", lambda _snapshot: load_policies(ctx, org))


def _denied(ctx: CheckContext, levels: tuple[tuple[CompiledPolicy, ...], ...], account: str, action: str,
            resource: str, region: str) -> bool:
    principal = f"arn:{ctx.partition}:iam::{account}:role/{PROBE_ROLE}"
    arn = resource.format(p=ctx.partition, r=region, a=account)
    context = {"aws:RequestedRegion": region, "aws:PrincipalArn": principal, "aws:PrincipalAccount": account,
               "aws:SecureTransport": True, "aws:CurrentTime": ctx.snapshot.collected_at}
    request = make_request(principal, action, arn, account, context)
    return not evaluate(request, PolicySet(identity=(ALLOW_ALL,), scps=levels)).allowed


def unprotected_services(ctx: CheckContext, levels: Any, account: str) -> list[str]:
    """The security services some disabling call of is allowed in some scanned region."""
    regions = [r for r in ctx.regions if r != GLOBAL] or ["us-east-1"]
    return [service for service, calls in SECURITY_DISABLERS.items()
            if not all(_denied(ctx, levels, account, action, resource, region)
                       for action, resource in calls for region in regions)]


def denied_regions(ctx: CheckContext, levels: Any, account: str) -> list[str]:
    return [r for r in REGIONS if _denied(ctx, levels, account, REGION_PROBE, "*", r)]


NOT_ENFORCED = "no SCP is attached to the root: the SCP policy type is not enabled, nothing is denied"


def _probe_account(ctx: CheckContext, org: OrgPolicies) -> str:
    """A member account to phrase root-level probes for: this one unless it is the management account."""
    return ctx.account_id if ctx.account_id != org.management else "000000000000"


def _region_summary(denied: list[str]) -> str:
    allowed = [r for r in REGIONS if r not in denied]
    return f"{len(denied)} of {len(REGIONS)} regions denied; allowed: {', '.join(allowed) or 'none'}"


@check("org.scp_protects_security_services", resource_type=ORG_RESOURCE, datasets=SCP_DATASETS,
       fix="Attach to the root an SCP that denies cloudtrail:StopLogging/DeleteTrail, "
           "config:StopConfigurationRecorder/DeleteConfigurationRecorder, guardduty:DeleteDetector/"
           "DisassociateFromAdministratorAccount and securityhub:DisableSecurityHub/"
           "DisassociateFromAdministratorAccount, except for the security team's role.",
       cli="aws organizations create-policy --type SERVICE_CONTROL_POLICY --name protect-security-services "
           "--content file://protect-security-services.json && aws organizations attach-policy "
           "--policy-id POLICY_ID --target-id ROOT_ID",
       doc=SCP_DOC)
@in_organization(": no SCP can protect the security services")
def scp_protects_security_services(ctx: CheckContext, org: Organization) -> Iterator[Result]:
    tree = policies(ctx, org)
    if not tree.enforced:
        yield verdict(False, org.id, NOT_ENFORCED, resource_type=ORG_RESOURCE)
        return
    open_ = unprotected_services(ctx, tree.root_levels(), _probe_account(ctx, tree))
    names = [tree.names[p] for root in tree.root_ids for p in tree.attached.get(root, ())]
    yield verdict(not open_, org.id,
                  (f"SCPs at the root do not stop disabling {', '.join(open_)}" if open_ else
                   "SCPs at the root deny disabling CloudTrail, Config, GuardDuty and Security Hub")
                  + f" (root SCPs: {', '.join(names) or 'none'}; the per-account effect is "
                    "org.effective_guardrails_per_account)", resource_type=ORG_RESOURCE)


@check("org.scp_region_restriction", resource_type=ORG_RESOURCE, datasets=SCP_DATASETS,
       fix="Attach to the root an SCP that denies actions when aws:RequestedRegion is not one of the approved "
           "regions (exempting global services with NotAction).",
       cli="aws organizations create-policy --type SERVICE_CONTROL_POLICY --name deny-unapproved-regions "
           "--content file://deny-regions.json && aws organizations attach-policy --policy-id POLICY_ID "
           "--target-id ROOT_ID",
       doc=SCP_DOC + "#example-scp-deny-region")
@in_organization(": no SCP can restrict regions")
def scp_region_restriction(ctx: CheckContext, org: Organization) -> Iterator[Result]:
    tree = policies(ctx, org)
    if not tree.enforced:
        yield verdict(False, org.id, NOT_ENFORCED, resource_type=ORG_RESOURCE)
        return
    denied = denied_regions(ctx, tree.root_levels(), _probe_account(ctx, tree))
    ok = bool(denied) and len(denied) < len(REGIONS)
    message = (_region_summary(denied) if ok else "SCPs at the root deny EC2 in every region probed: "
               "review the region guardrail" if denied else "no SCP at the root denies unapproved regions")
    yield verdict(ok, org.id, message, resource_type=ORG_RESOURCE)


def _members(ctx: CheckContext, tree: OrgPolicies) -> list[Account]:
    return [a for a in ctx.view(OrganizationsView).accounts() if a.id != tree.management and a.active]


@check("org.effective_guardrails_per_account", resource_type=ACCOUNT_RESOURCE, datasets=[*SCP_DATASETS, ACCOUNTS],
       fix="Attach the security-services and region guardrail SCPs at the root (or to every OU) so that "
           "every account's root -> OU -> account path carries them.",
       cli="aws organizations attach-policy --policy-id POLICY_ID --target-id ROOT_ID",
       doc=ORG_DOC + "orgs_manage_policies_scps_evaluation.html")
@in_organization(": no SCP guardrail applies to any account")
def effective_guardrails_per_account(ctx: CheckContext, org: Organization) -> Iterator[Result]:
    tree = policies(ctx, org)
    yield from _each_member(ctx, tree, lambda account: _effective(ctx, tree, account))


def _each_member(ctx: CheckContext, tree: OrgPolicies,
                 judge: Callable[[Account], Iterator[Result]]) -> Iterator[Result]:
    """One verdict per active member account; FAIL for all when SCPs are not enforced."""
    for account in _members(ctx, tree):
        if not tree.enforced:
            yield verdict(False, account.id, NOT_ENFORCED, arn=account.arn, resource_type=ACCOUNT_RESOURCE)
            continue
        with ctx.resource(account.id):
            yield from judge(account)


def _effective(ctx: CheckContext, tree: OrgPolicies, account: Account) -> Iterator[Result]:
    account_id = account.id
    levels = tree.levels(account_id)
    open_ = unprotected_services(ctx, levels, account_id)
    denied = denied_regions(ctx, levels, account_id)
    problems = ([f"disabling {', '.join(open_)} is not denied"] if open_ else []) + \
        ([] if denied else ["no unapproved region is denied"])
    chain = tree.chain(account_id)
    path = tree.paths.get(chain[-2], chain[-2]) if len(chain) > 2 else "the root"
    yield verdict(not problems, account_id, (f"under {path}: " + "; ".join(problems)) if problems else
                  f"under {path}: security services protected, {_region_summary(denied)}",
                  arn=account.arn, resource_type=ACCOUNT_RESOURCE)


@check("org.authorization_guardrails", resource_type=ACCOUNT_RESOURCE, datasets=[*SCP_DATASETS, ACCOUNTS],
       fix="Attach preventive SCPs (deny leaving the organization, root access keys, disabling security "
           "services, unapproved regions) so that every member account has more than FullAWSAccess.",
       cli="aws organizations attach-policy --policy-id POLICY_ID --target-id ROOT_ID",
       doc=ORG_DOC + "orgs_manage_policies_authorization_policies.html")
@in_organization(": no SCP or RCP can cap any principal")
def authorization_guardrails(ctx: CheckContext, org: Organization) -> Iterator[Result]:
    tree = policies(ctx, org)
    region = next((r for r in ctx.regions if r != GLOBAL), "us-east-1")
    yield from _each_member(ctx, tree, lambda account: _authorization(ctx, tree, account, region))


def _authorization(ctx: CheckContext, tree: OrgPolicies, account: Account, region: str) -> Iterator[Result]:
    account_id = account.id
    levels = tree.levels(account_id)
    denies = [label for action, resource, label in OTHER_GUARDRAILS
              if _denied(ctx, levels, account_id, action, resource, region)]
    if len(unprotected_services(ctx, levels, account_id)) < len(SECURITY_DISABLERS):
        denies.append("disabling security services")
    if denied_regions(ctx, levels, account_id):
        denies.append("unapproved regions")
    names = tree.policy_names(account_id)
    yield verdict(bool(denies), account_id,
                  (f"SCPs deny {', '.join(denies)}" if denies else
                   "no SCP on the account's path denies anything probed: it has only allow-all guardrails")
                  + f" (SCPs on its path: {', '.join(names) or 'none'}; RCPs are not read)",
                  arn=account.arn, resource_type=ACCOUNT_RESOURCE)


# -- delegation of policy management --

POLICY_ACTIONS = ("organizations:CreatePolicy", "organizations:UpdatePolicy", "organizations:AttachPolicy")


@check("org.delegated_admin_for_policies", resource_type=ORG_RESOURCE, datasets=[ORG, ACCOUNTS, RESOURCE_POLICY],
       fix="From the management account, attach an Organizations resource policy that delegates policy "
           "management (Create/Update/Attach/DetachPolicy and the reads) to the security or platform account.",
       cli="aws organizations put-resource-policy --content file://delegate-policy-management.json",
       doc=ORG_DOC + "orgs-policy-delegate.html")
@in_organization(": there is no Organizations policy management to delegate")
def delegated_admin_for_policies(ctx: CheckContext, org: Organization) -> Iterator[Result]:
    management, org_id = org.management, org.id
    view = ctx.view(OrganizationsView)
    document = view.resource_policy()
    if document is None:
        yield verdict(False, org_id, "no Organizations resource policy: only the management account manages "
                      "policies", resource_type=ORG_RESOURCE)
        return
    try:
        compiled = compile_policy(document.text, "resource", "Organizations resource policy")
    except PolicyError as error:
        raise DataUnavailable(RESOURCE_POLICY, GLOBAL, f"the resource policy could not be evaluated: {error}") \
            from None
    resource = f"arn:{ctx.partition}:organizations::{management}:policy/{org_id}/service_control_policy/p-probe"
    delegates = {}
    for account in view.accounts():
        member = account.id
        if member == management:
            continue
        principal = f"arn:{ctx.partition}:iam::{member}:role/{PROBE_ROLE}"
        granted = [a.split(":", 1)[1] for a in POLICY_ACTIONS if evaluate(
            make_request(principal, a, resource, management, {"aws:PrincipalAccount": member}),
            PolicySet(identity=(ALLOW_ALL,), resource=compiled)).allowed]
        if granted:
            delegates[member] = granted
    yield verdict(bool(delegates), org_id, ("policy management is delegated to " + "; ".join(
        f"{m} ({', '.join(g)})" for m, g in sorted(delegates.items()))) if delegates else
        "the Organizations resource policy delegates no policy management to a member account",
        resource_type=ORG_RESOURCE)


# -- the management account's own footprint --

WORKLOADS = {INSTANCES: "EC2 instance(s)", "rds.db_instances": "RDS instance(s)",
             "dynamodb.table_names": "DynamoDB table(s)", "lambda.functions": "Lambda function(s)"}


def _live(ctx: CheckContext, dataset: str) -> Iterator[tuple[str, int]]:
    """(region, how many) of a workload dataset's resources per region read; terminated instances do not count."""
    if dataset == INSTANCES:
        for region, instances in ctx.regions_of(ctx.view(Ec2View).instances):
            yield region, sum(1 for i in instances if i.state != "terminated")
        return
    for region, items in ctx.regional(dataset):
        yield region, len(items or [])


@check("org.management_account_no_workloads", resource_type="AWS::Organizations::Account",
       datasets=[ORG, *WORKLOADS, BUCKETS], optional=[BUCKETS],
       fix="Move workloads out of the management account into member accounts under the SCP guardrails; keep "
           "only billing, Organizations and identity-center administration there.",
       cli="aws organizations create-account --email <EMAIL> --account-name <WORKLOAD>",
       doc=ORG_DOC + "orgs_best-practices_mgmt-acct.html")
@in_organization(": there is no management account")
def management_account_no_workloads(ctx: CheckContext, org: Organization) -> Iterator[Result]:
    management = org.management
    if management != ctx.account_id:
        raise DataUnavailable(ORG, GLOBAL, f"this snapshot is of member account {ctx.account_id}; scan the "
                              f"management account {management} to count its workloads")
    counts: dict[str, int] = {}
    for dataset, label in WORKLOADS.items():
        for region, live in _live(ctx, dataset):
            if live:
                counts[f"{label} in {region}"] = live
    try:
        buckets = len(ctx.view(S3View).buckets())
        note = f"; {buckets} S3 bucket(s) (review: log buckets belong in the log archive account)" if buckets else ""
    except DataUnavailable:
        note = ""
    found = [f"{n} {what}" for what, n in sorted(counts.items())]
    yield verdict(not found, management, ("runs " + ", ".join(found)) if found else
                  "no EC2, RDS, DynamoDB or Lambda workload found" + note,
                  resource_type="AWS::Organizations::Account")
