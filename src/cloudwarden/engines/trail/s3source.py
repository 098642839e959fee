"""CloudTrail files from ``s3://bucket/prefix``: list, and download only what the store lacks.

The one module of the trail engine that imports boto3 (read-only: ListObjectsV2 and GetObject).
AWS errors are caught by their error code and become typed errors with a hint.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from cloudwarden.core.errors import CredentialsError, InputError
from cloudwarden.engines.trail.sources import is_log_name
from cloudwarden.engines.trail.store import SourceFile

_DENIED = {"AccessDenied", "AllAccessDisabled", "InvalidAccessKeyId", "SignatureDoesNotMatch"}


def parse_uri(uri: str) -> tuple[str, str]:
    """('bucket', 'prefix') from ``s3://bucket/prefix``."""
    if not uri.startswith("s3://") or len(uri) <= 5:
        raise InputError(f"not an S3 URI: {uri}", hint="write it as s3://bucket/prefix")
    bucket, _, prefix = uri[5:].partition("/")
    return bucket, prefix


def _raise_for(error: ClientError, uri: str) -> None:
    code = error.response.get("Error", {}).get("Code", "")
    if code in _DENIED:
        raise CredentialsError(f"access to {uri} denied ({code})",
                               hint="grant s3:ListBucket and s3:GetObject on the trail bucket") from error
    if code in ("NoSuchBucket", "NoSuchKey"):
        raise InputError(f"{uri} does not exist ({code})", hint="check the bucket name and prefix") from error
    raise InputError(f"S3 error reading {uri}: {code}", hint="run with --debug for details") from error


def list_files(uri: str, client: Any = None) -> list[SourceFile]:
    """The event files under an S3 prefix; ``local_path`` is filled in by ``download``."""
    bucket, prefix = parse_uri(uri)
    s3 = client or boto3.client("s3")
    found: list[SourceFile] = []
    try:
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for page in pages:
            for item in page.get("Contents", []):
                if is_log_name(item["Key"]):
                    key = f"s3://{bucket}/{item['Key']}"
                    found.append(SourceFile(key, Path(), int(item["Size"]), item.get("ETag", "").strip('"')))
    except ClientError as error:
        _raise_for(error, uri)
    except NoCredentialsError as error:
        raise CredentialsError("no AWS credentials for S3", hint="run `aws configure` or set AWS_PROFILE") from error
    except BotoCoreError as error:
        raise InputError(f"cannot reach S3 for {uri}: {error}", hint="check network and region") from error
    return sorted(found, key=lambda f: f.key)


def downloader(into: Path, client: Any = None) -> Callable[[SourceFile], SourceFile]:
    """A function fetching one listed S3 file into ``into`` and returning it with its local path."""
    s3 = client or boto3.client("s3")

    def fetch(source: SourceFile) -> SourceFile:
        bucket, key = parse_uri(source.key)
        target = into / bucket / key
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            s3.download_file(bucket, key, str(target))
        except ClientError as error:
            _raise_for(error, source.key)
        return SourceFile(source.key, target, source.size, source.version)

    return fetch
