"""DynamoDB tables: point-in-time recovery, deletion protection, KMS encryption."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.kinds import KINDS, Outcome, flag
from cloudwarden.checks.registry import Result, check
from cloudwarden.inventory.views.dynamodb import BACKUPS, TABLES, DynamoDbView, Table

DDB_DOC = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/"
TABLE = KINDS["dynamodb.table"]


def each_table(ctx: CheckContext, judge: Callable[[Table], tuple[Outcome, str]]) -> Iterator[Result]:
    """One verdict per table; `judge(table)` says (outcome, ARN). A table whose per-table data is missing
    is UNKNOWN."""
    for region, table in ctx.over(ctx.view(DynamoDbView).tables):
        with ctx.resource(table.name, region):
            outcome, arn = judge(table)
            if outcome is not None:
                yield verdict(outcome[0], table.name, outcome[1], region, arn, TABLE.resource_type)


def _pitr(table: Table) -> tuple[Outcome, str]:
    status = table.pitr.get()
    # the check reads the continuous backups only: the table's ARN is not known to it
    return flag(status == "ENABLED", "point-in-time recovery is ENABLED",
                f"point-in-time recovery is {status or 'DISABLED'}"), ""


@check("dynamodb.pitr_enabled", resource_type=TABLE.resource_type, datasets=[TABLE.dataset, BACKUPS],
       fix="Turn on point-in-time recovery for the table.",
       cli="aws dynamodb update-continuous-backups --table-name <TABLE> "
           "--point-in-time-recovery-specification PointInTimeRecoveryEnabled=true",
       doc=DDB_DOC + "PointInTimeRecovery.html")
def pitr_enabled(ctx: CheckContext) -> Iterator[Result]:
    yield from each_table(ctx, _pitr)


@check("dynamodb.deletion_protection", resource_type=TABLE.resource_type, datasets=[TABLE.dataset, TABLES],
       fix="Enable deletion protection on the table.",
       cli="aws dynamodb update-table --table-name <TABLE> --deletion-protection-enabled",
       doc=DDB_DOC + "WorkingWithTables.Basics.html#WorkingWithTables.Basics.DeletionProtection")
def deletion_protection(ctx: CheckContext) -> Iterator[Result]:
    def judge(table: Table) -> tuple[Outcome, str]:
        described = table.description.get()
        return flag(described.deletion_protection, "deletion protection is on",
                    "deletion protection is off"), described.arn
    yield from each_table(ctx, judge)


def _kms(table: Table) -> tuple[Outcome, str]:
    described = table.description.get()
    if described.kms_encrypted:
        return (True, f"encrypted with KMS key {described.kms_key_arn or 'aws/dynamodb'}"), described.arn
    return (False, "encrypted with an AWS owned key (no KMS key: no key policy, no decrypt audit trail)"), described.arn


@check("dynamodb.kms_cmk_encryption", resource_type=TABLE.resource_type, datasets=[TABLE.dataset, TABLES],
       fix="Switch the table's encryption to a customer managed (or the AWS managed) KMS key.",
       cli="aws dynamodb update-table --table-name <TABLE> --sse-specification "
           "Enabled=true,SSEType=KMS,KMSMasterKeyId=<KEY_ARN>",
       doc=DDB_DOC + "EncryptionAtRest.html")
def kms_cmk_encryption(ctx: CheckContext) -> Iterator[Result]:
    yield from each_table(ctx, _kms)
