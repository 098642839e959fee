"""Response and recovery: findings routed to people, AWS Backup plans and vaults, CloudFormation stacks.

Reads the EventBridge, Backup and CloudFormation datasets of `collect/services/response.py` and,
to tell a customer managed key from an AWS managed one, `kms.keys`.
"""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import every_region, verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.core.arn import parse_arn
from cloudwarden.inventory.snapshot import DataUnavailable
from cloudwarden.inventory.views.backup import BackupView, Plan
from cloudwarden.inventory.views.cloudformation import STACKS, CloudFormationView, Stack
from cloudwarden.inventory.views.events import RULES, TARGETS, EventsView, Rule, matches_source
from cloudwarden.inventory.views.kms import KmsView

PLANS, VAULTS, KEYS = "backup.plans", "backup.vaults", "kms.keys"
FINDING_SOURCES = {"aws.guardduty": "GuardDuty", "aws.securityhub": "Security Hub"}
STACK = "AWS::CloudFormation::Stack"
BACKUP_DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/"
CFN_DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/"


def finding_sources(rule: Rule) -> list[str]:
    """The finding sources (GuardDuty, Security Hub) whose events the rule's pattern matches."""
    return [name for source, name in FINDING_SOURCES.items() if matches_source(rule.sources, source)]


def _routes(rules: tuple[Rule, ...]) -> tuple[list[str], list[str], DataUnavailable | None]:
    """(rules that route findings to a target, matching rules without one, an unreadable rule's gap)."""
    routed: list[str] = []
    idle: list[str] = []
    missing: DataUnavailable | None = None
    for rule in rules:
        sources = finding_sources(rule)
        if not sources:
            continue
        label = f"{rule.name} ({' and '.join(sources)})"
        if not rule.enabled:
            idle.append(f"{label} is {rule.state.lower()}")
            continue
        try:
            targets = rule.targets.get()
        except DataUnavailable as gap:
            missing = gap
            continue
        if targets:
            routed.append(f"{label} -> {', '.join(targets)}")
        else:
            idle.append(f"{label} has no target")
    return routed, idle, missing


@check("ir.findings_routed_to_responders", resource_type="AWS::Events::EventBus", datasets=[RULES, TARGETS],
       fix="Create an EventBridge rule on the default bus matching GuardDuty and Security Hub findings "
           "and send them to an SNS topic, chat or ticketing target that people watch.",
       cli="aws events put-rule --name findings-to-oncall --event-pattern "
           "'{\"source\":[\"aws.guardduty\",\"aws.securityhub\"]}'",
       doc="https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html")
def findings_routed_to_responders(ctx: CheckContext) -> Iterator[Result]:
    for region, rules in ctx.regions_of(ctx.view(EventsView).rules):
        resource = f"events/{region}"
        routed, idle, missing = _routes(rules)
        if routed:
            yield verdict(True, resource, "findings routed by " + "; ".join(routed), region,
                          ctx.arn("events", "event-bus/default", region))
            continue
        with ctx.resource(resource, region):
            if missing is not None:  # a rule whose targets could not be read may be the route
                raise missing
            reason = "; ".join(idle) if idle else "no rule matches GuardDuty or Security Hub findings"
            yield verdict(False, resource, f"findings reach no target: {reason}", region,
                          ctx.arn("events", "event-bus/default", region))


@check("backup.plan_exists", resource_type="AWS::Backup::BackupPlan", datasets=[PLANS],
       fix="Create an AWS Backup plan with a schedule and assign the resources that need recovery.",
       cli="aws backup create-backup-plan --backup-plan file://plan.json",
       doc=BACKUP_DOC + "creating-a-backup-plan.html")
def plan_exists(ctx: CheckContext) -> Iterator[Result]:
    def judge(_region: str, plans: tuple[Plan, ...]) -> tuple[bool, str]:
        names = [plan.name for plan in plans]
        # A plan cannot be saved without at least one rule, so a listed plan has a schedule.
        return bool(names), f"backup plans: {', '.join(names)}" if names else "no backup plan"
    yield from every_region(ctx, ctx.view(BackupView).plans, judge, "backup")


def _vault_key(ctx: CheckContext, region: str, key_arn: str) -> tuple[bool, str]:
    """(customer managed, evidence) for the key that encrypts a vault."""
    if not key_arn:
        return False, "no key named: encrypted with the AWS managed aws/backup key"
    arn = parse_arn(key_arn)
    if arn is not None and arn.account != ctx.account_id:
        return True, f"encrypted with {key_arn}, a key of account {arn.account} (customer managed)"
    key_region = arn.region if arn is not None and arn.region else region
    key_id = key_arn.rsplit("/", 1)[-1]
    described = ctx.view(KmsView).managers(key_region)  # DataUnavailable when the region's keys were not read
    if key_id not in described:  # its description failed (a per-key gap) or it was not listed:
        ctx.item(KEYS, key_id, key_region)  # raises DataUnavailable with the gap's own reason
    manager = described[key_id][1]
    return manager == "CUSTOMER", f"encrypted with {key_arn} (KeyManager {manager})"


@check("backup.vault_encrypted_cmk", resource_type="AWS::Backup::BackupVault", datasets=[VAULTS, KEYS],
       fix="Create the vault with a customer managed KMS key and move new recovery points to it "
           "(a vault's key cannot be changed).",
       cli="aws backup create-backup-vault --backup-vault-name <NAME> --encryption-key-arn <KMS_KEY_ARN>",
       doc=BACKUP_DOC + "encryption.html")
def vault_encrypted_cmk(ctx: CheckContext) -> Iterator[Result]:
    for region, vault in ctx.over(ctx.view(BackupView).vaults):
        with ctx.resource(vault.name, region):
            ok, evidence = _vault_key(ctx, region, vault.encryption_key_arn)
            yield verdict(ok, vault.name, evidence, region, vault.arn)


def top_level_stacks(ctx: CheckContext) -> Iterator[tuple[str, Stack]]:
    """(region, stack) of live root stacks: nested stacks inherit protection and notifications."""
    for region, stack in ctx.over(ctx.view(CloudFormationView).stacks):
        if stack.live_root:
            yield region, stack


@check("cloudformation.termination_protection", resource_type=STACK, datasets=[STACKS],
       fix="Turn on termination protection for stacks whose resources must not be deleted by one call.",
       cli="aws cloudformation update-termination-protection --enable-termination-protection "
           "--stack-name <STACK>",
       doc=CFN_DOC + "using-cfn-protect-stacks.html")
def termination_protection(ctx: CheckContext) -> Iterator[Result]:
    for region, stack in top_level_stacks(ctx):
        on = stack.termination_protection
        yield verdict(on, stack.name, "termination protection is " + ("on" if on else "off"), region, stack.id)


@check("cloudformation.stack_notifications", resource_type=STACK, datasets=[STACKS],
       fix="Give the stack an SNS topic for its events so updates and deletions are seen.",
       cli="aws cloudformation update-stack --stack-name <STACK> --use-previous-template "
           "--notification-arns <SNS_TOPIC_ARN>",
       doc=CFN_DOC + "cfn-console-add-tags.html")
def stack_notifications(ctx: CheckContext) -> Iterator[Result]:
    for region, stack in top_level_stacks(ctx):
        topics = stack.notification_arns
        yield verdict(bool(topics), stack.name,
                      f"events go to {', '.join(topics)}" if topics else "no SNS topic receives stack events",
                      region, stack.id)
