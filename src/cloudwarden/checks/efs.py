"""EFS file systems: encryption at rest (chosen at creation only)."""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.kinds import KINDS, attribute_is
from cloudwarden.checks.registry import Result, check

FILE_SYSTEM = KINDS["efs.file_system"]


@check("efs.encrypted_at_rest", resource_type=FILE_SYSTEM.resource_type, datasets=[FILE_SYSTEM.dataset],
       fix="Create an encrypted file system, copy the data across (e.g. with DataSync), and retire the old one.",
       cli="aws efs create-file-system --encrypted --kms-key-id <KEY_ARN> --creation-token <TOKEN>",
       doc="https://docs.aws.amazon.com/efs/latest/ug/encryption-at-rest.html")
def encrypted_at_rest(ctx: CheckContext) -> Iterator[Result]:
    yield from attribute_is(FILE_SYSTEM, "Encrypted", bool, bad="not encrypted at rest",
                            good=lambda fs: f"encrypted with {fs.get('KmsKeyId') or 'a KMS key'}")(ctx)
