"""DynamoDB tables: point-in-time recovery, deletion protection, KMS encryption."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.kinds import KINDS, Outcome, flag, judge_with_item
from cloudwarden.checks.registry import Result, check

DDB_DOC = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/"
# Table names are plain strings; the ARN comes from the table's description.
TABLE = KINDS["dynamodb.table"]
TABLES = "dynamodb.tables"


def _pitr(_name: str, backups: dict[str, Any] | None) -> Outcome:
    status = ((backups or {}).get("PointInTimeRecoveryDescription") or {}).get("PointInTimeRecoveryStatus")
    return flag(status == "ENABLED", "point-in-time recovery is ENABLED",
                f"point-in-time recovery is {status or 'DISABLED'}")


@check("dynamodb.pitr_enabled", resource_type=TABLE.resource_type,
       datasets=[TABLE.dataset, "dynamodb.continuous_backups"],
       fix="Turn on point-in-time recovery for the table.",
       cli="aws dynamodb update-continuous-backups --table-name <TABLE> "
           "--point-in-time-recovery-specification PointInTimeRecoveryEnabled=true",
       doc=DDB_DOC + "PointInTimeRecovery.html")
def pitr_enabled(ctx: CheckContext) -> Iterator[Result]:
    yield from judge_with_item(ctx, TABLE, "dynamodb.continuous_backups", _pitr)


@check("dynamodb.deletion_protection", resource_type=TABLE.resource_type, datasets=[TABLE.dataset, TABLES],
       fix="Enable deletion protection on the table.",
       cli="aws dynamodb update-table --table-name <TABLE> --deletion-protection-enabled",
       doc=DDB_DOC + "WorkingWithTables.Basics.html#WorkingWithTables.Basics.DeletionProtection")
def deletion_protection(ctx: CheckContext) -> Iterator[Result]:
    yield from judge_with_item(ctx, TABLE, TABLES, lambda _name, table: flag(
        bool((table or {}).get("DeletionProtectionEnabled")), "deletion protection is on",
        "deletion protection is off"))


def _kms(_name: str, table: dict[str, Any] | None) -> Outcome:
    sse = (table or {}).get("SSEDescription") or {}
    if sse.get("SSEType") == "KMS" and sse.get("Status") in ("ENABLED", "UPDATING"):
        return True, f"encrypted with KMS key {sse.get('KMSMasterKeyArn') or 'aws/dynamodb'}"
    return False, "encrypted with an AWS owned key (no KMS key: no key policy, no decrypt audit trail)"


@check("dynamodb.kms_cmk_encryption", resource_type=TABLE.resource_type, datasets=[TABLE.dataset, TABLES],
       fix="Switch the table's encryption to a customer managed (or the AWS managed) KMS key.",
       cli="aws dynamodb update-table --table-name <TABLE> --sse-specification "
           "Enabled=true,SSEType=KMS,KMSMasterKeyId=<KEY_ARN>",
       doc=DDB_DOC + "EncryptionAtRest.html")
def kms_cmk_encryption(ctx: CheckContext) -> Iterator[Result]:
    yield from judge_with_item(ctx, TABLE, TABLES, _kms)
