"""More DynamoDB checks: provisioned tables scale their capacity automatically; table resource policies
admit no one outside the account or organization; tables are assigned to an AWS Backup plan."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.checks._backup_coverage import BACKUP_DATASETS, BACKUP_DOC, PROTECTED, Tags, plan_verdicts
from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.dynamodb import each_table
from cloudwarden.checks.helpers import trusted_accounts, verdict
from cloudwarden.checks.kinds import KINDS, Outcome
from cloudwarden.checks.registry import Result, check
from cloudwarden.engines.iam import PolicyError, compile_policy
from cloudwarden.engines.iam.exposure import allowed, outsider_contexts, outsiders, statements_of
from cloudwarden.inventory.snapshot import DataUnavailable
from cloudwarden.inventory.views.dynamodb import POLICY, TABLES, TAGS, TARGETS, DynamoDbView, Table

TABLE = KINDS["dynamodb.table"]
DIMENSIONS = ("dynamodb:table:ReadCapacityUnits", "dynamodb:table:WriteCapacityUnits")


@check("dynamodb.capacity_autoscaling", resource_type=TABLE.resource_type,
       datasets=[TABLE.dataset, TABLES, TARGETS],
       fix="Switch the table to on-demand capacity, or register read and write capacity as scalable targets "
           "with target-tracking policies.",
       cli="aws dynamodb update-table --table-name <TABLE> --billing-mode PAY_PER_REQUEST",
       doc="https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/AutoScaling.html")
def capacity_autoscaling(ctx: CheckContext) -> Iterator[Result]:
    view = ctx.view(DynamoDbView)
    for region, tables in ctx.regions_of(view.tables):
        with ctx.resource(region, region):  # scalable targets unread: the region's tables are UNKNOWN
            scaled = set(view.scaling_targets(region))
            for table in tables:
                with ctx.resource(table.name, region):
                    described = table.description.get()
                    if described.billing_mode == "PAY_PER_REQUEST":
                        yield verdict(True, table.name, "on-demand capacity", region, described.arn,
                                      TABLE.resource_type)
                        continue
                    missing = [d.rsplit(":", 1)[-1] for d in DIMENSIONS if (f"table/{table.name}", d) not in scaled]
                    yield verdict(not missing, table.name, "provisioned capacity, read and write auto scaled"
                                  if not missing else
                                  f"provisioned capacity without auto scaling of {', '.join(missing)}",
                                  region, described.arn, TABLE.resource_type)


# -- resource policies: decided by the IAM evaluator, for anonymous callers, any account and named outsiders --

ORG_ACCOUNTS = "organizations.accounts"
DDB_READ = ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem",
            "dynamodb:ExportTableToPointInTime")
DDB_WRITE = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:DeleteTable",
             "dynamodb:PutResourcePolicy")


def outsiders_allowed(ctx: CheckContext, document: Any, arn: str, region: str) -> list[str]:
    """'who: actions' for every outsider (anonymous, any account, named accounts outside the organization)
    the table policy lets in; raises DataUnavailable when the evaluator cannot read the policy."""
    try:
        statements = statements_of(document)
        policy = compile_policy({"Version": "2012-10-17", "Statement": statements}, "resource", f"policy of {arn}")
    except PolicyError as error:
        raise DataUnavailable(POLICY, region, f"its policy could not be evaluated: {error}", arn) from None
    trusted = trusted_accounts(ctx)
    found = []
    for outsider in outsiders(policy, ctx.account_id):
        if outsider.account in trusted:
            continue
        contexts = outsider_contexts(outsider, statements, ctx.snapshot.collected_at)
        granted = [a for a in DDB_READ + DDB_WRITE if allowed(policy, outsider, a, [arn], ctx.account_id, contexts)]
        if granted:
            found.append(f"{outsider.label}: {', '.join(granted)}")
    return found


@check("dynamodb.resource_policy_restricted", resource_type=TABLE.resource_type,
       datasets=[TABLE.dataset, TABLES, POLICY, ORG_ACCOUNTS], optional=[ORG_ACCOUNTS],
       fix="Name the principals of your own account or organization in the table's resource policy (or add an "
           "aws:PrincipalOrgID condition), and drop Principal '*' and foreign accounts.",
       cli="aws dynamodb put-resource-policy --resource-arn <TABLE_ARN> --policy file://table-policy.json",
       doc="https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/access-control-resource-based.html")
def resource_policy_restricted(ctx: CheckContext) -> Iterator[Result]:
    def judge(table: Table) -> tuple[Outcome, str]:
        arn, document = table.arn, table.policy.get()
        if not document:
            return (True, "no resource policy: only IAM policies of this account grant access"), arn
        found = outsiders_allowed(ctx, document, arn, table.region)
        return (not found, "the resource policy admits no one outside the account or organization" if not found
                else "the resource policy lets in " + "; ".join(found)), arn

    yield from each_table(ctx, judge)


@check("dynamodb.in_backup_plan", resource_type=TABLE.resource_type,
       datasets=[TABLE.dataset, TABLES, TAGS, *BACKUP_DATASETS], optional=[PROTECTED],
       fix="Assign the table to an AWS Backup plan (by ARN, or by a tag the plan's resource assignment selects).",
       cli="aws backup create-backup-selection --backup-plan-id <PLAN_ID> --backup-selection "
           "'{\"SelectionName\":\"dynamodb\",\"IamRoleArn\":\"<ROLE_ARN>\",\"Resources\":[\"arn:aws:dynamodb:*:*:table/*\"]}'",
       doc=BACKUP_DOC)
def in_backup_plan(ctx: CheckContext) -> Iterator[Result]:
    yield from plan_verdicts(ctx, TABLE.resource_type, ctx.over(ctx.view(DynamoDbView).tables),
                             lambda table: table.name, lambda table: table.arn, table_tags)


def table_tags(table: Table) -> Tags:
    """The table's tags; None when unread (a tag-based assignment is then undecided)."""
    try:
        return table.tags.get()
    except DataUnavailable:
        return None
