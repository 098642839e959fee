"""CloudTrail files from ``s3://bucket/prefix``: list, and download only what the store lacks.

The one module of the trail engine that imports boto3. Sources are only read (ListObjectsV2 and
GetObject). A store at ``s3://`` (``--engine spark``, see spark_s3.py) is also written here, from the
driver: its manifest (PutObject) and the move of a finished batch's Parquet parts from the store's
``.staging/`` prefix into ``events/`` (CopyObject, DeleteObject). ``access`` hands the executors the
driver's credentials, region and endpoint (AWS_ENDPOINT_URL is honoured, as boto3 does), so that they
read and write with pyarrow instead of Hadoop's S3A connector. AWS errors are caught by their error
code and become typed errors with a hint.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from cloudwarden.core.errors import CredentialsError, InputError
from cloudwarden.engines.trail.sources import is_log_name
from cloudwarden.engines.trail.spark_s3 import S3Access
from cloudwarden.engines.trail.store import EVENTS_DIR, MANIFEST_NAME, MANIFEST_VERSION, STAGING_DIR, SourceFile, Store

COPY_THREADS = 8  # parallel CopyObject calls publishing a batch's parts (boto3 clients are thread-safe)
_DENIED = {"AccessDenied", "AllAccessDisabled", "InvalidAccessKeyId", "SignatureDoesNotMatch"}


def parse_uri(uri: str) -> tuple[str, str]:
    """('bucket', 'prefix') from ``s3://bucket/prefix``."""
    if not uri.startswith("s3://") or len(uri) <= 5:
        raise InputError(f"not an S3 URI: {uri}", hint="write it as s3://bucket/prefix")
    bucket, _, prefix = uri[5:].partition("/")
    return bucket, prefix


def _raise_for(error: ClientError, uri: str) -> None:
    code = error.response.get("Error", {}).get("Code", "")
    if code in _DENIED or code == "403":
        raise CredentialsError(f"access to {uri} denied ({code})",
                               hint="grant s3:ListBucket and s3:GetObject on the trail bucket") from error
    if code in ("NoSuchBucket", "NoSuchKey", "404"):
        raise InputError(f"{uri} does not exist ({code})", hint="check the bucket name and prefix") from error
    raise InputError(f"S3 error reading {uri}: {code}", hint="run with --debug for details") from error


@contextmanager
def s3_errors(uri: str) -> Iterator[None]:
    """AWS's errors for ``uri`` as typed errors with a hint: denied, missing, no credentials, no network."""
    try:
        yield
    except ClientError as error:
        _raise_for(error, uri)
    except NoCredentialsError as error:
        raise CredentialsError("no AWS credentials for S3", hint="run `aws configure` or set AWS_PROFILE") from error
    except BotoCoreError as error:
        raise InputError(f"cannot reach S3 for {uri}: {error}", hint="check network and region") from error


def list_files(uri: str, client: Any = None) -> list[SourceFile]:
    """The event files under an S3 prefix; ``local_path`` is filled in by ``download``."""
    bucket, prefix = parse_uri(uri)
    s3 = client or boto3.client("s3")
    found: list[SourceFile] = []
    with s3_errors(uri):
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for page in pages:
            for item in page.get("Contents", []):
                if is_log_name(item["Key"]):
                    key = f"s3://{bucket}/{item['Key']}"
                    found.append(SourceFile(key, Path(), int(item["Size"]), item.get("ETag", "").strip('"')))
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


def _session() -> Any:
    """boto3's default session (the one ``boto3.client`` uses), so the executors get the credentials
    the driver's calls are signed with."""
    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session()
    return boto3.DEFAULT_SESSION


def _client() -> Any:
    return _session().client("s3")


def _custom_endpoint(client: Any) -> str | None:
    """The endpoint S3 calls go to when it is not AWS's own (AWS_ENDPOINT_URL, a profile's endpoint_url)."""
    url = str(client.meta.endpoint_url or "")
    host = urlparse(url).hostname or ""
    return None if not url or host.endswith(".amazonaws.com") or host.endswith(".amazonaws.com.cn") else url


def access(uri: str, client: Any = None) -> S3Access:
    """What the Spark executors need to reach ``uri``'s bucket with pyarrow: the driver's credentials
    (as boto3 resolves them), the bucket's region and the endpoint. Checks that the bucket exists."""
    bucket, _ = parse_uri(uri)
    s3 = client or _client()
    try:
        head = s3.head_bucket(Bucket=bucket)
    except ClientError as error:
        # HeadBucket needs s3:ListBucket; denied, its answer still names the region (a later read of
        # what was denied reports it)
        if error.response.get("Error", {}).get("Code", "") not in (*_DENIED, "403"):
            _raise_for(error, f"s3://{bucket}")
        head = dict(error.response)
    except NoCredentialsError as error:
        raise CredentialsError("no AWS credentials for S3", hint="run `aws configure` or set AWS_PROFILE") from error
    except BotoCoreError as error:
        raise InputError(f"cannot reach S3 for {uri}: {error}", hint="check network and region") from error
    headers = head.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    region = headers.get("x-amz-bucket-region") or s3.meta.region_name or os.environ.get("AWS_REGION")
    credentials = _session().get_credentials()
    frozen = credentials.get_frozen_credentials() if credentials is not None else None
    return S3Access(region=region, endpoint_url=_custom_endpoint(s3),
                    access_key=frozen.access_key if frozen else None,
                    secret_key=frozen.secret_key if frozen else None,
                    session_token=frozen.token if frozen else None)


def list_objects(uri: str, client: Any = None) -> list[tuple[str, int, str]]:
    """(key, size, ETag) of every object under ``uri`` (s3://bucket/prefix), sorted by key."""
    bucket, prefix = parse_uri(uri)
    s3 = client or _client()
    found: list[tuple[str, int, str]] = []
    with s3_errors(uri):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            found += [(item["Key"], int(item["Size"]), item.get("ETag", "").strip('"'))
                      for item in page.get("Contents", [])]
    return sorted(found)


def read_text(uri: str, client: Any = None) -> str | None:
    """The text of one object, None when there is no such key."""
    bucket, key = parse_uri(uri)
    s3 = client or _client()
    try:
        return str(s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8"))
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "NoSuchKey":
            return None
        _raise_for(error, f"s3://{bucket}" if code == "NoSuchBucket" else uri)
    return None


def _writing(error: ClientError, uri: str) -> None:
    code = error.response.get("Error", {}).get("Code", "")
    if code in _DENIED:
        raise CredentialsError(f"writing {uri} denied ({code})",
                               hint="an s3:// store needs s3:PutObject and s3:DeleteObject on its prefix") from error
    _raise_for(error, uri)


class S3Store(Store):
    """A trail store at ``s3://bucket/prefix`` (written by ``trail ingest --engine spark``): the same
    keys as a folder store, the manifest read and written by the driver."""

    def __init__(self, uri: str, client: Any = None) -> None:
        self.uri = uri.rstrip("/")
        self.bucket, prefix = parse_uri(self.uri)
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.root = Path(self.prefix or ".")  # the key prefix, for messages; nothing is read locally
        self.events_dir = self.root / EVENTS_DIR
        self._manifest = None
        self.client = client or _client()

    @classmethod
    def create_at(cls, uri: str, client: Any = None) -> S3Store:
        store = cls(uri, client)
        if store.read_manifest_text() is None:
            if list_objects(store.uri + "/", store.client):
                raise InputError(f"{store.uri} holds objects and is not a trail store (no {MANIFEST_NAME})",
                                 hint="give a new or empty prefix for --store")
            store._manifest = {"version": MANIFEST_VERSION, "files": {}}
            store.save_manifest()
        return store

    @classmethod
    def open_at(cls, uri: str, client: Any = None) -> S3Store:
        store = cls(uri, client)
        if store.read_manifest_text() is None:
            raise InputError(f"{store.uri} is not a trail store (no {MANIFEST_NAME})",
                             hint="create one with `cloudwarden trail ingest SOURCE --store s3://... --engine spark`")
        return store

    def key(self, relative: str) -> str:
        return self.prefix + relative

    @property
    def manifest_location(self) -> str:
        return f"{self.uri}/{MANIFEST_NAME}"

    def read_manifest_text(self) -> str | None:
        return read_text(self.manifest_location, self.client)

    def save_manifest(self) -> None:
        # One PUT replaces the object whole: a reader sees the old manifest or the new one.
        self.put_text(MANIFEST_NAME, self.manifest_text())

    def put_text(self, relative: str, text: str) -> None:
        try:
            self.client.put_object(Bucket=self.bucket, Key=self.key(relative), Body=text.encode(),
                                   ContentType="application/json")
        except ClientError as error:
            _writing(error, f"{self.uri}/{relative}")

    def staging_prefix(self, batch: str) -> str:
        return self.key(f"{STAGING_DIR}/{batch}/")

    def publish_parts(self, parts: list[str], batch: str) -> None:
        """Move a finished batch's parts (paths relative to its staging prefix) into ``events/``, then
        drop everything left under the staging prefix (parts of failed task attempts)."""
        from concurrent.futures import ThreadPoolExecutor

        staging = self.staging_prefix(batch)

        def copy(part: str) -> None:
            self.client.copy_object(Bucket=self.bucket, Key=self.key(f"{EVENTS_DIR}/{part}"),
                                    CopySource={"Bucket": self.bucket, "Key": staging + part})

        try:
            with ThreadPoolExecutor(COPY_THREADS, thread_name_prefix="cloudwarden-s3-publish") as pool:
                list(pool.map(copy, parts))  # server-side copies; the first failure is raised here
        except ClientError as error:
            _writing(error, f"s3://{self.bucket}/{self.key(EVENTS_DIR)}")
        self.discard_batch(batch)

    def discard_batch(self, batch: str) -> None:
        staging = self.staging_prefix(batch)
        keys = [key for key, _, _ in list_objects(f"s3://{self.bucket}/{staging}", self.client)]
        try:
            for first in range(0, len(keys), 1000):
                self.client.delete_objects(Bucket=self.bucket, Delete={
                    "Objects": [{"Key": key} for key in keys[first:first + 1000]], "Quiet": True})
        except ClientError as error:
            _writing(error, f"s3://{self.bucket}/{staging}")

    def event_objects(self) -> list[tuple[str, int]]:
        """(key, size) of the store's event files (``events/**/*.parquet``)."""
        listed = list_objects(f"s3://{self.bucket}/{self.key(EVENTS_DIR)}/", self.client)
        return [(key, size) for key, size, _ in listed if key.endswith(".parquet")]
