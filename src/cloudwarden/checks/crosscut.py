"""Cross-cutting checks: queryable audit logs (CloudTrail Lake), patch compliance of managed
instances, and confused-deputy protection in roles that trust AWS services (decided by the IAM
evaluator: a service acting for another account's resource asks to assume the role).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from cloudwarden.checks._trails import bucket_exposure, trails
from cloudwarden.checks.config_secrets import secret_verdicts
from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import ORG_ACCOUNTS, as_list, organization_members, parse_policy, statements, verdict
from cloudwarden.checks.iam_engine import ORG as IAM_ORG
from cloudwarden.checks.iam_engine import RCPS, analysis, describe_path, is_admin, scp_gap
from cloudwarden.checks.incident_response import finding_sources
from cloudwarden.checks.network_engine import MODEL, describe, networks, optional_except, unknown
from cloudwarden.checks.org_policies import ALLOW_ALL, PROBE_ROLE
from cloudwarden.checks.registry import Result, check
from cloudwarden.core.arn import account_of
from cloudwarden.core.enums import Status
from cloudwarden.engines.iam import PolicyError, PolicySet, compile_policy, evaluate, make_request
from cloudwarden.engines.iam.exposure import allowed, outsider_contexts, outsiders
from cloudwarden.engines.iam.organization import Organization, load_organization
from cloudwarden.engines.network import verdict_gap
from cloudwarden.inventory.snapshot import GLOBAL, DataUnavailable
from cloudwarden.inventory.views.account import AccountView
from cloudwarden.inventory.views.acm import AcmView
from cloudwarden.inventory.views.cloudtrail import TrailView
from cloudwarden.inventory.views.cloudwatch import CloudWatchView
from cloudwarden.inventory.views.config import ConfigView
from cloudwarden.inventory.views.ec2 import Ec2View
from cloudwarden.inventory.views.elb import ElbView, LoadBalancer
from cloudwarden.inventory.views.events import EventsView
from cloudwarden.inventory.views.functions import LambdaView
from cloudwarden.inventory.views.guardduty import GuardDutyView
from cloudwarden.inventory.views.iam import IamView, Principal
from cloudwarden.inventory.views.oam import OamView
from cloudwarden.inventory.views.rds import RdsView
from cloudwarden.inventory.views.s3 import S3View
from cloudwarden.inventory.views.securityhub import SecurityHubView
from cloudwarden.inventory.views.ssm import PatchState, SsmView

LAKE, TRAILS = "cloudtrail.event_data_stores", "cloudtrail.trails"
MANAGED, PATCHES = "ssm.managed_instances", "ssm.instance_patch_states"
DETAILS = "iam.authorization_details"
FOREIGN = "999988887777"  # an account no policy names: "another customer"


# -- CloudTrail Lake --

@check("ir.cloudtrail_lake_or_athena_ready", resource_type="AWS::CloudTrail::EventDataStore",
       datasets=[LAKE, TRAILS], optional=[TRAILS],
       fix="Create a CloudTrail Lake event data store for management events (or import the trail's logs "
           "into one), or define an Athena table over the trail's S3 prefix before you need it.",
       cli="aws cloudtrail create-event-data-store --name audit --retention-period 365",
       doc="https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-lake.html")
def cloudtrail_lake_or_athena_ready(ctx: CheckContext) -> Iterator[Result]:
    stores: list[str] = []
    unread: list[str] = []
    lake = ctx.view(TrailView).event_data_stores
    for region in ctx.regions:
        part = lake.part(region)
        if not part.known:
            unread.append(f"{region} ({part.reason})")
            continue
        stores += [f"{s.name} in {region}" for s in part.get() if s.live]
    if stores:
        yield verdict(True, ctx.account_id, "CloudTrail Lake event data store(s): " + ", ".join(stores),
                      resource_type="AWS::CloudTrail::EventDataStore")
        return
    if unread:
        raise DataUnavailable(LAKE, unread[0].split(" ", 1)[0], "event data stores not read in " + "; ".join(unread))
    listed = ctx.view(TrailView).listed
    if not sum(len(listed(region)) for region in ctx.regions):
        yield verdict(False, ctx.account_id, "no CloudTrail Lake event data store and no trail: there are no "
                      "audit logs to query", resource_type="AWS::CloudTrail::EventDataStore")
        return
    yield Result(Status.MANUAL, ctx.account_id, "no CloudTrail Lake event data store: confirm that an Athena "
                 "table (or another query engine) is defined over the trail's S3 logs",
                 resource_type="AWS::CloudTrail::EventDataStore")


# -- patch compliance --

def _patch_state(state: PatchState) -> tuple[bool, str]:
    counts = {label: state.counts.get(key, 0) for key, label in (
        ("MissingCount", "missing"), ("FailedCount", "failed"), ("CriticalNonCompliantCount", "critical non-compliant"),
        ("SecurityNonCompliantCount", "security non-compliant"),
        ("InstalledPendingRebootCount", "pending reboot"))}
    bad = {k: v for k, v in counts.items() if v}
    last = f"(last {state.operation} {state.ended})"
    if bad:
        return False, ", ".join(f"{v} {k}" for k, v in bad.items()) + f" {last}"
    return True, f"compliant with baseline {state.baseline} {last}"


@check("ec2.instance_patch_compliant", resource_type="AWS::SSM::ManagedInstanceInventory",
       datasets=[MANAGED, PATCHES],
       fix="Patch managed instances with a Patch Manager patch policy (scan and install on a schedule) and "
           "reboot those pending a reboot.",
       cli="aws ssm send-command --document-name AWS-RunPatchBaseline --parameters Operation=Install "
           "--targets Key=InstanceIds,Values=<INSTANCE_ID>",
       doc="https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager.html")
def instance_patch_compliant(ctx: CheckContext) -> Iterator[Result]:
    for region, managed in ctx.over(ctx.view(SsmView).managed_instances):
        instance = managed.id
        arn = ctx.arn("ec2", f"instance/{instance}", region) if instance.startswith("i-") else \
            ctx.arn("ssm", f"managed-instance/{instance}", region)
        with ctx.resource(instance, region):
            states = managed.patch_states.get()
            if not states:
                yield verdict(False, instance, "no patch state: Patch Manager has never scanned this instance",
                              region, arn)
                continue
            ok, message = _patch_state(states[0])
            yield verdict(ok, instance, message, region, arn)


# -- confused deputy --

# Services that use a role only when a principal of this account passes it (iam:PassRole), so another
# customer cannot point them at it: the confused-deputy conditions do not apply.
PASSED_ROLE_SERVICES = frozenset({"ec2.amazonaws.com", "lambda.amazonaws.com", "edgelambda.amazonaws.com",
                                  "ecs-tasks.amazonaws.com", "eks.amazonaws.com", "eks-fargate-pods.amazonaws.com",
                                  "pods.eks.amazonaws.com"})


def _service_principals(trust: Any) -> list[str]:
    found = []
    for statement in statements(trust):
        if statement.get("Effect") == "Allow" and isinstance(statement.get("Principal"), dict):
            found += [str(s) for s in as_list(statement["Principal"].get("Service"))]
    return sorted(set(found))


def _open_to_other_accounts(ctx: CheckContext, role_arn: str, trust: Any, service: str) -> bool:
    """Does the trust let `service` assume the role for a resource of another account?"""
    policy = compile_policy(parse_policy(trust), "resource", "trust policy")
    name = service.split(".", 1)[0]
    context = {"aws:SourceAccount": FOREIGN, "aws:SourceOwner": FOREIGN, "aws:SourceOrgID": "o-cloudwardenprobe",
               "aws:SourceArn": f"arn:{ctx.partition}:{name}:us-east-1:{FOREIGN}:cloudwarden-probe",
               "aws:SecureTransport": True}
    request = make_request(service, "sts:AssumeRole", role_arn, ctx.account_id, context)
    return evaluate(request, PolicySet(resource=policy)).allowed


@check("iam.service_role_confused_deputy", resource_type="AWS::IAM::Role", datasets=[DETAILS],
       fix="Add aws:SourceAccount (or aws:SourceArn / aws:SourceOrgID) conditions to the trust statements "
           "that name AWS service principals.",
       cli="aws iam update-assume-role-policy --role-name <ROLE> --policy-document file://trust-with-source.json",
       doc="https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html")
def service_role_confused_deputy(ctx: CheckContext) -> Iterator[Result]:
    for role in ctx.view(IamView).details().roles:
        if ":role/aws-service-role/" in role.arn:  # the path /aws-service-role/: a service-linked role
            continue
        name, arn, trust = role.name, role.arn, role.trust
        services = [s for s in _service_principals(trust) if s not in PASSED_ROLE_SERVICES]
        if not services:
            continue
        with ctx.resource(name):
            try:
                open_ = [s for s in services if _open_to_other_accounts(ctx, arn, trust, s)]
            except PolicyError as error:
                raise DataUnavailable(DETAILS, GLOBAL, f"its trust policy could not be evaluated: {error}",
                                      name) from None
            yield verdict(not open_, name, (f"{', '.join(open_)} may assume it for another account's resource: "
                                            "no aws:SourceAccount/SourceArn condition") if open_ else
                          f"trust of {', '.join(services)} is pinned to this account's resources",
                          arn=arn, resource_type="AWS::IAM::Role")


# -- regional blind spots --

HOLDINGS = {"ec2.instances": "EC2 instance(s)", "rds.db_instances": "RDS instance(s)",
            "lambda.functions": "Lambda function(s)", "ec2.vpcs": "non-default VPC(s)"}
GD_IDS, GD_DETECTORS = "guardduty.detector_ids", "guardduty.detectors"
RECORDER_STATUS = "config.recorder_status"
TRAIL_STATUS = "cloudtrail.trail_status"


def _holdings(ctx: CheckContext, region: str) -> list[str]:
    ec2 = ctx.view(Ec2View)
    counts = {"ec2.instances": sum(not i.gone for i in ec2.instances(region)),
              "rds.db_instances": len(ctx.view(RdsView).instances(region)),
              "lambda.functions": len(ctx.view(LambdaView).functions(region)),
              "ec2.vpcs": sum(not v.is_default for v in ec2.vpcs(region))}
    return [f"{counts[dataset]} {label}" for dataset, label in HOLDINGS.items() if counts[dataset]]


def _guardduty_on(ctx: CheckContext, region: str) -> bool:
    """An enabled detector in the region; raises DataUnavailable when the detectors were not read."""
    return any(d.detail.get().enabled for d in ctx.view(GuardDutyView).detectors(region))


def _trail_coverage(ctx: CheckContext) -> tuple[bool, set[str]]:
    """(a logging multi-region trail exists, home regions of logging single-region trails)."""
    everywhere, single = False, set()
    for home, trail in trails(ctx):
        if not trail.status.get().is_logging:
            continue
        if trail.multi_region:
            everywhere = True
        else:
            single.add(home)
    return everywhere, single


@check("detect.regional_blind_spots", resource_type="AWS::::Account",
       datasets=[*HOLDINGS, GD_IDS, GD_DETECTORS, RECORDER_STATUS, TRAILS, TRAIL_STATUS],
       fix="In every region that holds resources, enable GuardDuty and the Config recorder, and log it with a "
           "multi-region trail (or disable the region with an SCP if it should hold nothing).",
       cli="aws guardduty create-detector --enable --region <REGION> && aws configservice "
           "start-configuration-recorder --configuration-recorder-name default --region <REGION>",
       doc="https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-regions.html")
def regional_blind_spots(ctx: CheckContext) -> Iterator[Result]:
    everywhere, single = _trail_coverage(ctx)
    for region in ctx.regions:
        resource = f"region/{region}"
        with ctx.resource(resource, region):
            held = _holdings(ctx, region)
            if not held:
                continue
            missing = [] if _guardduty_on(ctx, region) else ["GuardDuty"]
            if not any(s.recording for s in ctx.view(ConfigView).statuses(region)):
                missing.append("Config recording")
            if not (everywhere or region in single):
                missing.append("a logging CloudTrail trail")
            yield verdict(not missing, resource, f"holds {', '.join(held)}; " + (
                f"not watched by {', '.join(missing)}" if missing else
                "watched by GuardDuty, Config and CloudTrail"), region, resource_type="AWS::::Account")


# -- internet-facing instances with privileged roles --

def _instance_profiles(ctx: CheckContext, region: str) -> dict[str, str]:
    return {i.id: i.instance_profile_arn for i in ctx.view(Ec2View).instances(region)}


def _privilege(ctx: CheckContext, role_arn: str) -> tuple[bool | None, str]:
    """(privileged, how) from the IAM engine: administrator, or a path to it; None: rests on unread SCPs."""
    found = analysis(ctx)
    if is_admin(found.graph, role_arn):
        return True, "is administrator"
    steps = found.paths.get(role_arn)
    if steps:
        return True, f"reaches administrator: {describe_path(steps)}"
    if scp_gap(found.account):
        return None, f"does not reach administrator without SCPs, but {scp_gap(found.account)}"
    return False, "does not reach administrator"


_PRIVILEGED_DATASETS = [*MODEL, DETAILS, *IAM_ORG]


@check("ec2.internet_facing_instance_with_privileged_role", resource_type="AWS::EC2::Instance",
       datasets=_PRIVILEGED_DATASETS, optional=[*optional_except("ec2.instances"), *RCPS],
       fix="Give internet-facing instances a least-privilege role (no IAM write, no path to administrator), "
           "or move the privileged work behind the internet tier.",
       cli="aws ec2 replace-iam-instance-profile-association --association-id <ASSOCIATION> "
           "--iam-instance-profile Name=<LEAST_PRIVILEGE_PROFILE>",
       doc="https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html")
def internet_facing_instance_with_privileged_role(ctx: CheckContext) -> Iterator[Result]:
    found_account = None
    for net in networks(ctx):
        if found_account is None:
            found_account = analysis(ctx).account  # IAM data missing: the whole check is UNKNOWN
        profiles = _instance_profiles(ctx, net.region)
        exposed: dict[str, list[Any]] = {}
        for exposure in net.exposures:
            if exposure.resource_type == "ec2_instance":
                exposed.setdefault(exposure.resource_id, []).append(exposure)
        for instance_id in sorted(set(net.model.instances) | set(exposed)):
            arn = ctx.arn("ec2", f"instance/{instance_id}", net.region)
            exposures = exposed.get(instance_id, [])
            if not exposures:
                if gap := verdict_gap(net.model, "ec2_instance", instance_id):
                    yield unknown(instance_id, gap, net.region, arn)
                else:
                    yield verdict(True, instance_id, "not reachable from the internet", net.region, arn)
                continue
            profile = profiles.get(instance_id, "")
            if not profile:
                yield verdict(True, instance_id, "internet-facing, no instance profile", net.region, arn)
                continue
            role = found_account.instance_profiles.get(profile)
            if role is None:
                yield unknown(instance_id, f"instance profile {profile} is not in the IAM authorization details",
                              net.region, arn)
                continue
            privileged, how = _privilege(ctx, role)
            where = describe(exposures)
            if privileged is None:
                yield unknown(instance_id, f"role {role.rsplit('/', 1)[-1]} {how}", net.region, arn)
                continue
            yield verdict(not privileged, instance_id, f"internet-facing ({where}); its role "
                          f"{role.rsplit('/', 1)[-1]} {how}", net.region, arn)


# -- TLS along an internet entry point --

LBS, LISTENERS, SSL_POLICIES = "elbv2.load_balancers", "elbv2.listeners", "elbv2.ssl_policies"
TARGET_GROUPS, ACM_CERT, IAM_CERTS = "elbv2.target_groups", "acm.certificate", "iam.server_certificates"
MODERN_TLS = {"TLSv1.2", "TLSv1.3"}
CERT_WARNING_DAYS = 30


def _certificate_problem(ctx: CheckContext, arn: str, region: str) -> str:
    if ":acm:" in arn:
        detail = ctx.view(AcmView).detail(region, arn)
        if not detail:
            raise DataUnavailable(ACM_CERT, region, f"certificate {arn} was not described", arn)
        left = -(ctx.days_since(detail.not_after) or 0) if detail.not_after else None
        problems = []
        if left is None or left <= CERT_WARNING_DAYS:
            problems.append("certificate " + ("has no expiry date" if left is None else f"expires in {left} day(s)"))
        if detail.key_algorithm == "RSA_1024":
            problems.append("certificate key is RSA_1024")
        return "; ".join(problems)
    listed = {c.arn: c for c in ctx.view(IamView).server_certificates()}
    if arn not in listed:
        raise DataUnavailable(IAM_CERTS, GLOBAL, f"server certificate {arn} is not listed", arn)
    days = ctx.days_since(str(listed[arn].expiration or ""))
    left = -days if days is not None else None
    return "" if left is not None and left > CERT_WARNING_DAYS else \
        f"IAM server certificate {'has no expiry' if left is None else f'expires in {left} day(s)'}"


def _front_door(ctx: CheckContext, lb: LoadBalancer) -> tuple[bool, str]:
    region, elb = lb.region, ctx.view(ElbView)
    listeners = lb.listeners.get()
    problems: list[str] = []
    secure = [li for li in listeners if li.protocol in ("HTTPS", "TLS")]
    plain = [str(li) for li in listeners if li.protocol not in ("HTTPS", "TLS") and not li.redirects_to_https]
    if plain:
        problems.append("plaintext listener(s) " + ", ".join(plain) + " without a redirect to HTTPS")
    policies = elb.ssl_policies(region)
    for listener in secure:
        name = listener.ssl_policy
        if name not in policies:
            raise DataUnavailable(SSL_POLICIES, region, f"the TLS versions of policy {name} are not known", lb.arn)
        old = sorted(set(policies[name]) - MODERN_TLS)
        if old:
            problems.append(f"{listener.port}: policy {name} allows {', '.join(old)}")
        for cert in listener.certificates:
            problem = _certificate_problem(ctx, cert, region)
            if problem:
                problems.append(f"{listener.port}: {problem}")
    groups = [g for g in elb.target_groups(region) if lb.arn in g.balancer_arns]
    cleartext = sorted({f"{g.name} ({g.protocol})" for g in groups if g.protocol in ("HTTP", "TCP", "UDP")})
    if secure and cleartext:
        problems.append("forwards to cleartext target group(s) " + ", ".join(cleartext))
    if not listeners:
        return True, "no listener: not an entry point"
    if not secure:
        problems.append("no HTTPS/TLS listener")
    return not problems, "; ".join(problems) if problems else \
        f"{len(secure)} TLS listener(s) with TLS 1.2+ policies and valid certificates, re-encrypted to the targets"


@check("tls.front_door_end_to_end", resource_type="AWS::ElasticLoadBalancingV2::LoadBalancer",
       datasets=[LBS, LISTENERS, SSL_POLICIES, TARGET_GROUPS, ACM_CERT, IAM_CERTS],
       fix="On each internet-facing load balancer: redirect HTTP to HTTPS, use a TLS 1.2+ security policy, "
           "keep its certificate renewed (ACM, RSA 2048+), and forward over HTTPS/TLS to the targets.",
       cli="aws elbv2 modify-listener --listener-arn <LISTENER_ARN> --ssl-policy ELBSecurityPolicy-TLS13-1-2-2021-06",
       doc="https://docs.aws.amazon.com/elasticloadbalancing/latest/application/create-https-listener.html")
def front_door_end_to_end(ctx: CheckContext) -> Iterator[Result]:
    for region, lb in ctx.over(ctx.view(ElbView).balancers):
        if not lb.internet_facing or lb.type not in ("application", "network"):
            continue
        with ctx.resource(lb.name, region):
            ok, message = _front_door(ctx, lb)
            yield verdict(ok, lb.name, message, region, lb.arn, "AWS::ElasticLoadBalancingV2::LoadBalancer")


# -- detection to notification --

EV_RULES, EV_TARGETS, SUBSCRIPTIONS = "events.rules", "events.rule_targets", "sns.subscriptions"
HUB, CONTACT = "securityhub.hub", "account.security_contact"


def _sources_on(ctx: CheckContext, region: str) -> list[str]:
    """The finding sources enabled in the region; a gap only counts when nothing is known to be on."""
    on, gap = [], None
    try:
        if _guardduty_on(ctx, region):
            on.append("GuardDuty")
    except DataUnavailable as missing:
        gap = missing
    try:
        if ctx.view(SecurityHubView).hub(region) is not None:
            on.append("Security Hub")
    except DataUnavailable as missing:
        gap = gap or missing
    if not on and gap is not None:
        raise gap
    return on


def _reaches_people(ctx: CheckContext, region: str, target: str) -> str:
    """'' when the target delivers to someone; else why not (an SNS topic without confirmed subscribers)."""
    if ":sns:" not in target:
        return ""  # Lambda, SQS, chat or ticketing integrations: delivery beyond them is not visible
    confirmed = [s for s in ctx.view(CloudWatchView).subscriptions(region) if s.topic_arn == target and s.confirmed]
    return "" if confirmed else f"topic {target.rsplit(':', 1)[-1]} has no confirmed subscription"


def _support_role(ctx: CheckContext) -> bool:
    return any(p.arn.endswith(":iam::aws:policy/AWSSupportAccess")
               for r in ctx.view(IamView).details().roles for p in r.attached)


@check("ir.detect_to_notify_pipeline", resource_type="AWS::Events::EventBus",
       datasets=[GD_IDS, GD_DETECTORS, HUB, EV_RULES, EV_TARGETS, SUBSCRIPTIONS, CONTACT, DETAILS],
       fix="Complete the chain in every region: GuardDuty/Security Hub on, an EventBridge rule for their "
           "findings, an SNS topic (or ticketing target) with confirmed subscribers, a registered security "
           "contact and a role with AWSSupportAccess for responders.",
       cli="aws events put-rule --name findings-to-oncall --event-pattern '{\"source\":[\"aws.guardduty\","
           "\"aws.securityhub\"]}' && aws events put-targets --rule findings-to-oncall --targets Id=1,Arn=<TOPIC_ARN>",
       doc="https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html")
def detect_to_notify_pipeline(ctx: CheckContext) -> Iterator[Result]:
    account_gaps = []
    if not ctx.view(AccountView).security_contact():
        account_gaps.append("no security contact is registered")
    if not _support_role(ctx):
        account_gaps.append("no role has AWSSupportAccess")
    for region in ctx.regions:
        resource = f"events/{region}"
        with ctx.resource(resource, region):
            sources = _sources_on(ctx, region)
            broken = list(account_gaps)
            delivered: list[str] = []
            if not sources:
                broken.insert(0, "neither GuardDuty nor Security Hub is on")
            else:
                for rule in ctx.view(EventsView).rules(region):
                    if not finding_sources(rule) or not rule.enabled:
                        continue
                    for target in rule.targets.get():
                        why = _reaches_people(ctx, region, target)
                        if why:
                            broken.append(f"rule {rule.name}: {why}")
                        else:
                            delivered.append(f"{rule.name} -> {target.rsplit(':', 1)[-1]}")
                if not delivered:
                    broken.insert(0, "no enabled rule delivers findings to a subscribed target")
            ok = bool(sources) and bool(delivered) and not account_gaps
            yield verdict(ok, resource, (f"{' and '.join(sources)} findings reach " + ", ".join(delivered)
                                         + "; security contact and support role in place") if ok else
                          "; ".join(broken), region, ctx.arn("events", "event-bus/default", region))


# -- CloudWatch cross-account sharing --

SHARING_ROLE = "CloudWatch-CrossAccountSharingRole"
OAM_LINKS = "oam.links"


def _members(ctx: CheckContext) -> tuple[frozenset[str], str]:
    members = organization_members(ctx)
    if members is None:
        return frozenset(), " (organization accounts not read: every other account counts as outside)"
    return members, ""


def _role_assumers(ctx: CheckContext, role: Principal, members: frozenset[str]) -> list[str]:
    """Principals outside the organization the role's trust policy lets assume it, per the evaluator."""
    document = parse_policy(role.trust)
    try:
        policy = compile_policy(document, "resource", f"trust of {role.name}")
    except PolicyError as error:
        raise DataUnavailable(DETAILS, GLOBAL, f"the trust policy could not be evaluated: {error}",
                              role.name) from None
    found = []
    for outsider in outsiders(policy, ctx.account_id, Organization(members=members)):
        contexts = outsider_contexts(outsider, statements(document), ctx.snapshot.collected_at)
        if allowed(policy, outsider, "sts:AssumeRole", [role.arn], ctx.account_id, contexts):
            found.append(outsider.label)
    return found


@check("cloudwatch.cross_account_sharing_reviewed", resource_type="AWS::IAM::Role",
       datasets=[DETAILS, OAM_LINKS, ORG_ACCOUNTS], optional=[ORG_ACCOUNTS],
       fix="Limit CloudWatch sharing to accounts of the organization: narrow the trust of "
           "CloudWatch-CrossAccountSharingRole (or delete it) and remove OAM links to sinks outside it.",
       cli="aws iam delete-role --role-name CloudWatch-CrossAccountSharingRole && "
           "aws oam delete-link --identifier <LINK_ARN>",
       doc="https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Cross-Account-Cross-Region.html")
def cross_account_sharing_reviewed(ctx: CheckContext) -> Iterator[Result]:
    members, note = _members(ctx)
    trusted = members | {ctx.account_id}
    roles = [r for r in ctx.view(IamView).details().roles if r.name == SHARING_ROLE]
    problems, shared = [], []
    for role in roles:
        outside = _role_assumers(ctx, role, members)
        shared.append(f"role {SHARING_ROLE}")
        if outside:
            problems.append(f"{SHARING_ROLE} can be assumed by {', '.join(outside)}")
    for region in ctx.regions:
        for link in ctx.view(OamView).links(region):
            sink = link.sink_account
            shared.append(f"OAM link to {sink or '?'} in {region}")
            if sink not in trusted:
                problems.append(f"OAM link {link.label} in {region} shares "
                                f"{', '.join(link.resource_types)} with account {sink or '?'}")
    message = ("; ".join(problems) if problems else
               ("sharing only within the organization: " + ", ".join(shared)) if shared else
               "no CloudWatch cross-account sharing role and no OAM link") + note
    yield verdict(not problems, ctx.account_id, message, resource_type="AWS::IAM::Role")


# -- can the audit trail be tampered with? --

TAMPER_BUCKET = ["s3.buckets", "s3.bucket_policy", "s3.bucket_acl", "s3.bucket_public_access_block",
                 "s3.account_public_access_block", "s3.bucket_object_lock", "s3.bucket_versioning"]
KEY_POLICY = "kms.key_policy"
TRAIL_STOPPERS = ("cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:PutEventSelectors")


def _organization_scps(ctx: CheckContext) -> Any:
    def compile_or_none(text: Any, kind: str, source: str) -> Any:
        try:
            return compile_policy(text, kind, source)
        except PolicyError:
            return None
    return ctx.assessment.memo("org.this_account", lambda snapshot: load_organization(snapshot, compile_or_none))


def _admin_may(ctx: CheckContext, action: str, resource: str, region: str, resource_policy: Any = None) -> bool:
    """May an administrator of this account (not a named security role) take the action, SCPs included?"""
    org = _organization_scps(ctx)
    if org.scps is None and org.note.startswith("SCPs not readable"):
        raise DataUnavailable("organizations.scp_content", GLOBAL, org.note)
    principal = f"arn:{ctx.partition}:iam::{ctx.account_id}:role/{PROBE_ROLE}"
    context = {"aws:PrincipalArn": principal, "aws:PrincipalAccount": ctx.account_id, "aws:RequestedRegion": region,
               "aws:SecureTransport": True, "aws:MultiFactorAuthPresent": False,
               "aws:CurrentTime": ctx.snapshot.collected_at}
    request = make_request(principal, action, resource, ctx.account_id, context)
    return evaluate(request, PolicySet(identity=(ALLOW_ALL,), resource=resource_policy, scps=org.scps)).allowed


def _compiled(document: Any, dataset: str, region: str, key: str) -> Any:
    if not document:
        return None
    try:
        return compile_policy(parse_policy(document), "resource", f"{dataset} of {key}")
    except PolicyError as error:
        raise DataUnavailable(dataset, region, f"the policy could not be evaluated: {error}", key) from None


def _bucket_avenues(ctx: CheckContext, bucket: Any, home: str) -> list[str]:
    avenues = [f"bucket {bucket.name} is public: {e}" for e in bucket_exposure(ctx, bucket)]
    policy = _compiled(bucket.policy.get(), "s3.bucket_policy", GLOBAL, bucket.name)
    lock, versioning = bucket.object_lock.get(), bucket.versioning.get()
    probe = f"{bucket.arn}/AWSLogs/{ctx.account_id}/CloudTrail/cloudwarden-probe.json.gz"
    locked = lock.enabled and (lock.default_mode == "COMPLIANCE" or (
        lock.default_mode == "GOVERNANCE" and not _admin_may(ctx, "s3:BypassGovernanceRetention", probe, home, policy)))
    if locked or versioning.mfa_delete == "Enabled":
        return avenues
    may = [a for a, r in (("s3:DeleteObject", probe), ("s3:PutBucketPolicy", bucket.arn),
                          ("s3:PutLifecycleConfiguration", bucket.arn)) if _admin_may(ctx, a, r, home, policy)]
    if may:
        avenues.append(f"admins may {', '.join(may)} on bucket {bucket.name} (no Object Lock retention, no MFA Delete)")
    return avenues


def _trail_avenue(ctx: CheckContext, trail: Any, home: str) -> list[str]:
    if account_of(trail.arn, ctx.account_id) != ctx.account_id:
        return []  # an organization trail of the management account: members cannot stop it
    may = [a for a in TRAIL_STOPPERS if _admin_may(ctx, a, trail.arn, home)]
    return [f"admins may {', '.join(may)} on the trail (no SCP denies it)"] if may else []


def _key_avenue(ctx: CheckContext, key_arn: str) -> list[str]:
    key_account, key_region = account_of(key_arn, ""), (key_arn.split(":") + [""] * 4)[3]
    if key_account != ctx.account_id:
        return []  # another account's key: its policy is judged there
    key_id = key_arn.rsplit("/", 1)[-1]
    policy = _compiled(ctx.item(KEY_POLICY, key_id, key_region), KEY_POLICY, key_region, key_id)
    may = [a for a in ("kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy")
           if _admin_may(ctx, a, key_arn, key_region, policy)]
    return [f"admins may {', '.join(may)} on its KMS key {key_id}"] if may else []


@check("logging.trail_tamperable", resource_type="AWS::CloudTrail::Trail",
       datasets=[TRAILS, TRAIL_STATUS, *TAMPER_BUCKET, KEY_POLICY, *IAM_ORG], optional=RCPS,
       fix="Deny cloudtrail:StopLogging/DeleteTrail/PutEventSelectors in an SCP (except for the security role), "
           "keep the log bucket private with Object Lock (COMPLIANCE) or MFA Delete and a policy denying "
           "s3:DeleteObject*/PutBucketPolicy to others, and limit the trail key's policy to key administrators.",
       cli="aws s3api put-object-lock-configuration --bucket <LOG_BUCKET> --object-lock-configuration "
           "'{\"ObjectLockEnabled\":\"Enabled\",\"Rule\":{\"DefaultRetention\":{\"Mode\":\"COMPLIANCE\",\"Days\":365}}}'",
       doc="https://docs.aws.amazon.com/awscloudtrail/latest/userguide/best-practices-security.html")
def trail_tamperable(ctx: CheckContext) -> Iterator[Result]:
    for home, trail in trails(ctx):
        with ctx.resource(trail.name, home):
            if not trail.status.get().is_logging:
                continue  # not an active trail: the logging checks report it
            avenues: list[str] = []
            pending: DataUnavailable | None = None
            checks = [partial(_trail_avenue, ctx, trail, home)]
            bucket = ctx.view(S3View).bucket(trail.bucket)
            if bucket is None:
                pending = DataUnavailable("s3.buckets", GLOBAL, f"bucket {trail.bucket} is in another account: "
                                          "its protections are judged there", trail.name)
            else:
                checks.append(partial(_bucket_avenues, ctx, bucket, home))
            if trail.kms_key_id:
                checks.append(partial(_key_avenue, ctx, trail.kms_key_id))
            for judge in checks:
                try:
                    avenues += judge()
                except DataUnavailable as gap:
                    pending = pending or gap
            if not avenues and pending is not None:
                raise pending
            yield verdict(not avenues, trail.name, "; ".join(avenues) if avenues else
                          "no principal outside security can stop the trail, or delete, alter or read its logs",
                          home, trail.arn, "AWS::CloudTrail::Trail")


# -- a working privileged key in compute configuration --

INSTANCES, USER_DATA = "ec2.instances", "ec2.instance_user_data"
TEMPLATE_VERSIONS, STACKS, ACCESS_KEYS = "ec2.launch_template_versions", "cloudformation.stacks", "iam.access_keys"


def _key_owners(ctx: CheckContext) -> dict[str, tuple[str, str]]:
    """key fingerprint -> (user name, status) for every listed access key."""
    return ctx.view(IamView).access_key_owners()


def _key_verdict(ctx: CheckContext, found: list[dict[str, Any]], where: str) -> tuple[bool, str]:
    keys = [s for s in found if s.get("type") == "AWS Access Key"]
    if not keys:
        return True, f"no AWS access key in {where}"
    owners = _key_owners(ctx)
    notes, privileged = [], []
    for secret in keys:
        fingerprint = secret.get("key_id_sha256")
        if not fingerprint:
            raise DataUnavailable(ACCESS_KEYS, GLOBAL, f"access key {secret.get('excerpt')} in {secret.get('path')} "
                                  "has no fingerprint (snapshot taken before cloudwarden recorded them)")
        user, status = owners.get(str(fingerprint), ("", ""))
        label = f"key {secret.get('excerpt')} in {secret.get('path')}"
        if not user:
            notes.append(f"{label} belongs to no IAM user of this account")
        elif status != "Active":
            notes.append(f"{label} belongs to {user} and is {status}")
        else:
            found_iam = analysis(ctx)
            arn = next((p.arn for p in found_iam.account.principals.values()
                        if p.kind == "user" and p.name == user), f"arn:{ctx.partition}:iam::{ctx.account_id}:user/{user}")
            steps = found_iam.paths.get(arn)
            if is_admin(found_iam.graph, arn) or steps:
                privileged.append(f"{label} is an active key of {user}, who "
                                  + ("is administrator" if not steps else f"reaches administrator: {describe_path(steps)}"))
            elif scp_gap(found_iam.account):
                raise DataUnavailable("organizations.scp_content", GLOBAL, f"{label} is an active key of {user}; "
                                      f"whether {user} is privileged rests on SCPs: {scp_gap(found_iam.account)}")
            else:
                notes.append(f"{label} is an active key of {user}, who does not reach administrator")
    return not privileged, "; ".join(privileged + notes)


@check("iam.secret_in_compute_with_privilege", resource_type="AWS::EC2::Instance",
       datasets=[INSTANCES, USER_DATA, TEMPLATE_VERSIONS, STACKS, ACCESS_KEYS, DETAILS, *IAM_ORG], optional=RCPS,
       fix="Deactivate and delete the exposed access key now, review CloudTrail for its use, move the workload to "
           "an instance role (or Secrets Manager), and replace the user data, template version or stack.",
       cli="aws iam update-access-key --user-name <USER> --access-key-id <KEY_ID> --status Inactive",
       doc="https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html#rotating_access_keys")
def secret_in_compute_with_privilege(ctx: CheckContext) -> Iterator[Result]:
    where = {"instance": "user data", "template": "the launch template", "stack": "parameters and outputs"}
    yield from secret_verdicts(ctx, lambda place: _key_verdict(ctx, place.secrets, where[place.kind]))
