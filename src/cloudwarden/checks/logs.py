"""CloudWatch Logs checks: log group retention and encryption, resource policies.

Reads logs.log_groups and logs.resource_policies (regional lists). A log group without
`retentionInDays` never expires, which keeps the data for at least a year: compliant.
"""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.checks._public import public_actions
from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.core.settings import DEFAULT_THRESHOLDS
from cloudwarden.inventory.views.logs import GROUPS, POLICIES, LogGroup, LogsView

DOC = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/"
MIN_RETENTION_DAYS = DEFAULT_THRESHOLDS.logs_min_retention_days  # in force: ctx.thresholds
# Writing into, or reading out of, the account's log groups.
LOGS_ACTIONS = ("logs:PutLogEvents", "logs:CreateLogStream", "logs:GetLogEvents", "logs:FilterLogEvents",
                "logs:DeleteLogGroup")


def _group_verdict(ok: bool, region: str, group: LogGroup, message: str) -> Result:
    return verdict(ok, group.name, message, region, group.arn)


@check("logs.log_group_retention", resource_type="AWS::Logs::LogGroup", datasets=[GROUPS],
       fix="Keep log data for at least 365 days (or never expire it); archive to S3 if cost matters.",
       cli="aws logs put-retention-policy --log-group-name GROUP --retention-in-days 365",
       doc=DOC + "Working-with-log-groups-and-streams.html#SettingLogRetention")
def log_group_retention(ctx: CheckContext) -> Iterator[Result]:
    minimum = ctx.thresholds.logs_min_retention_days
    for region, group in ctx.over(ctx.view(LogsView).groups):
        days = group.retention_days
        if days is None:
            yield _group_verdict(True, region, group, "retention: never expires")
        else:
            yield _group_verdict(days >= minimum, region, group, f"retention: {days} days"
                                 + ("" if days >= minimum else f" (fewer than {minimum})"))


@check("logs.log_group_kms_encryption", resource_type="AWS::Logs::LogGroup", datasets=[GROUPS],
       fix="Associate a customer managed KMS key with the log group.",
       cli="aws logs associate-kms-key --log-group-name GROUP --kms-key-id KEY_ARN",
       doc=DOC + "encrypt-log-data-kms.html")
def log_group_kms_encryption(ctx: CheckContext) -> Iterator[Result]:
    for region, group in ctx.over(ctx.view(LogsView).groups):
        key = group.kms_key_id
        message = f"encrypted with {key}" if key else "no KMS key (service-managed encryption only)"
        yield _group_verdict(bool(key), region, group, message)


@check("logs.resource_policy_not_public", resource_type="AWS::Logs::ResourcePolicy", datasets=[POLICIES],
       fix="Name the AWS services or accounts in the policy's Principal and narrow it with aws:SourceAccount "
           "or aws:SourceArn.",
       cli="aws logs put-resource-policy --policy-name NAME --policy-document file://policy.json",
       doc=DOC + "iam-access-control-overview-cwl.html")
def resource_policy_not_public(ctx: CheckContext) -> Iterator[Result]:
    for region, policy in ctx.over(ctx.view(LogsView).resource_policies):
        name = policy.name
        with ctx.resource(name, region):
            # The IAM evaluator decides, for an anonymous caller and an unrelated account.
            target = ctx.arn("logs", "log-group:*", region)
            actions = public_actions(policy.document, LOGS_ACTIONS, target, ctx.account_id,
                                     POLICIES, region)
            message = (f"lets any AWS account or anonymous caller {', '.join(actions)}" if actions
                       else "no statement lets outsiders in")
            yield verdict(not actions, name, message, region)
