"""EFS file systems: encryption at rest (chosen at creation only)."""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.checks._datastore import Kind, flag, judge_each
from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.registry import Result, check

FILE_SYSTEM = Kind("efs.file_systems", "FileSystemId", "FileSystemArn", "AWS::EFS::FileSystem")


@check("efs.encrypted_at_rest", resource_type=FILE_SYSTEM.resource_type, datasets=[FILE_SYSTEM.dataset],
       fix="Create an encrypted file system, copy the data across (e.g. with DataSync), and retire the old one.",
       cli="aws efs create-file-system --encrypted --kms-key-id <KEY_ARN> --creation-token <TOKEN>",
       doc="https://docs.aws.amazon.com/efs/latest/ug/encryption-at-rest.html")
def encrypted_at_rest(ctx: CheckContext) -> Iterator[Result]:
    yield from judge_each(ctx, FILE_SYSTEM, lambda fs: flag(
        bool(fs.get("Encrypted")), f"encrypted with {fs.get('KmsKeyId') or 'a KMS key'}",
        "not encrypted at rest"))
