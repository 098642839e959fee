"""More DynamoDB checks: provisioned tables scale their capacity automatically; table resource policies
admit no one outside the account or organization; tables are assigned to an AWS Backup plan."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from typing import Any

from cloudwarden.checks._backup_coverage import BACKUP_DATASETS, BACKUP_DOC, PROTECTED, Tags, plan_verdict, tag_dict
from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.kinds import KINDS
from cloudwarden.checks.registry import Result, check
from cloudwarden.engines.iam import PolicyError, compile_policy
from cloudwarden.engines.iam.exposure import allowed, outsider_contexts, outsiders, statements_of
from cloudwarden.inventory.snapshot import DataUnavailable

TABLE = KINDS["dynamodb.table"]
TARGETS = "autoscaling.dynamodb_targets"
DIMENSIONS = ("dynamodb:table:ReadCapacityUnits", "dynamodb:table:WriteCapacityUnits")


@check("dynamodb.capacity_autoscaling", resource_type=TABLE.resource_type,
       datasets=[TABLE.dataset, "dynamodb.tables", TARGETS],
       fix="Switch the table to on-demand capacity, or register read and write capacity as scalable targets "
           "with target-tracking policies.",
       cli="aws dynamodb update-table --table-name <TABLE> --billing-mode PAY_PER_REQUEST",
       doc="https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/AutoScaling.html")
def capacity_autoscaling(ctx: CheckContext) -> Iterator[Result]:
    for region, names in ctx.regional(TABLE.dataset):
        with ctx.resource(region, region):  # scalable targets unread: the region's tables are UNKNOWN
            scaled = {(str(t.get("ResourceId")), str(t.get("ScalableDimension"))) for t in ctx.get(TARGETS, region) or []}
            for name in names or []:
                name = TABLE.ident(name)
                with ctx.resource(name, region):
                    table = ctx.item("dynamodb.tables", name, region)
                    mode = (table.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
                    arn = str(table.get("TableArn") or "")
                    if mode == "PAY_PER_REQUEST":
                        yield verdict(True, name, "on-demand capacity", region, arn, TABLE.resource_type)
                        continue
                    missing = [d.rsplit(":", 1)[-1] for d in DIMENSIONS if (f"table/{name}", d) not in scaled]
                    yield verdict(not missing, name, "provisioned capacity, read and write auto scaled" if not missing
                                  else f"provisioned capacity without auto scaling of {', '.join(missing)}",
                                  region, arn, TABLE.resource_type)


# -- resource policies: decided by the IAM evaluator, for anonymous callers, any account and named outsiders --

POLICY, ORG_ACCOUNTS = "dynamodb.resource_policy", "organizations.accounts"
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
    trusted = {ctx.account_id}
    with suppress(DataUnavailable):  # unread, only this account is known to be trusted
        trusted |= {str(a.get("Id")) for a in ctx.get(ORG_ACCOUNTS) or []}
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
       datasets=[TABLE.dataset, "dynamodb.tables", POLICY, ORG_ACCOUNTS], optional=[ORG_ACCOUNTS],
       fix="Name the principals of your own account or organization in the table's resource policy (or add an "
           "aws:PrincipalOrgID condition), and drop Principal '*' and foreign accounts.",
       cli="aws dynamodb put-resource-policy --resource-arn <TABLE_ARN> --policy file://table-policy.json",
       doc="https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/access-control-resource-based.html")
def resource_policy_restricted(ctx: CheckContext) -> Iterator[Result]:
    for region, name in ctx.each(TABLE.dataset):
        name = TABLE.ident(name)
        with ctx.resource(name, region):
            table = ctx.item("dynamodb.tables", name, region) or {}
            arn = str(table.get("TableArn") or ctx.arn("dynamodb", f"table/{name}", region))
            document = ctx.item(POLICY, name, region)
            if not document:
                yield verdict(True, name, "no resource policy: only IAM policies of this account grant access",
                              region, arn, TABLE.resource_type)
                continue
            found = outsiders_allowed(ctx, document, arn, region)
            yield verdict(not found, name, "the resource policy admits no one outside the account or organization"
                          if not found else "the resource policy lets in " + "; ".join(found), region, arn,
                          TABLE.resource_type)


TAGS = "dynamodb.table_tags"


@check("dynamodb.in_backup_plan", resource_type=TABLE.resource_type,
       datasets=[TABLE.dataset, "dynamodb.tables", TAGS, *BACKUP_DATASETS], optional=[PROTECTED],
       fix="Assign the table to an AWS Backup plan (by ARN, or by a tag the plan's resource assignment selects).",
       cli="aws backup create-backup-selection --backup-plan-id <PLAN_ID> --backup-selection "
           "'{\"SelectionName\":\"dynamodb\",\"IamRoleArn\":\"<ROLE_ARN>\",\"Resources\":[\"arn:aws:dynamodb:*:*:table/*\"]}'",
       doc=BACKUP_DOC)
def in_backup_plan(ctx: CheckContext) -> Iterator[Result]:
    for region, name in ctx.each(TABLE.dataset):
        name = TABLE.ident(name)
        with ctx.resource(name, region):
            table = ctx.item("dynamodb.tables", name, region) or {}
            arn = str(table.get("TableArn") or ctx.arn("dynamodb", f"table/{name}", region))

            def tags(name: str = name, region: str = region) -> Tags:
                try:
                    return tag_dict(ctx.item(TAGS, name, region))
                except DataUnavailable:
                    return None  # unread tags leave a tag-based assignment undecided
            found = plan_verdict(ctx, region, name, arn, TABLE.resource_type, tags)
            if found is not None:
                yield found
