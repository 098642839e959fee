"""More DynamoDB checks: provisioned tables scale their capacity automatically."""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.kinds import KINDS
from cloudwarden.checks.registry import Result, check

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
