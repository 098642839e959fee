"""Spark on s3:// without Hadoop's S3A connector (pyarrow on the executors), against moto's server on
127.0.0.1: a DuckDB store uploaded to S3 and hunted by Spark gives DuckDB's detections; an ingest of
s3:// sources into an s3:// store gives DuckDB's store, rows and hunt; bad buckets, prefixes and
objects are clear errors."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import boto3
import pytest

from cloudwarden.core.errors import InputError
from cloudwarden.demo.server import DEMO_CREDENTIALS, moto_server_process
from cloudwarden.engines.trail import spark as spark_engine
from cloudwarden.engines.trail import spark_ingest
from cloudwarden.engines.trail.hunt import HuntResult, hunt
from cloudwarden.engines.trail.ingest import ingest
from tests.helpers import scoped_env

from .test_spark_equivalence import RULES, _canonical, _rows, _types

pytestmark = pytest.mark.xdist_group("spark")

BUCKET = "trail-archive"


@pytest.fixture(scope="module")
def moto_s3() -> Iterator[Any]:
    """moto's S3 on 127.0.0.1, reached through AWS_ENDPOINT_URL (as a user points boto3 at it)."""
    with moto_server_process() as url:
        assert url.startswith("http://127.0.0.1:")
        with scoped_env({**DEMO_CREDENTIALS, "AWS_ENDPOINT_URL": url}):
            client = boto3.client("s3")
            client.create_bucket(Bucket=BUCKET)
            yield client


def _upload(client: Any, folder: Path, prefix: str) -> int:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    for path in files:
        client.upload_file(str(path), BUCKET, f"{prefix}/{path.relative_to(folder)}")
    return len(files)


def _download(client: Any, prefix: str, folder: Path) -> list[str]:
    keys = [item["Key"] for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix + "/")
            for item in page.get("Contents", [])]
    for key in keys:
        target = folder / key[len(prefix) + 1:]
        target.parent.mkdir(parents=True, exist_ok=True)
        client.download_file(BUCKET, key, str(target))
    return [key[len(prefix) + 1:] for key in keys]


@pytest.fixture(scope="module")
def duck_hunt(duck_store: Path) -> HuntResult:
    return hunt(duck_store, rules=RULES)


def test_without_the_connector_s3_is_read_by_pyarrow(spark: Any) -> None:
    assert not spark_engine.s3a_available(spark)  # pyspark's jars: no hadoop-aws
    assert spark_engine.reads_with_arrow(spark, "s3://bucket/store")
    assert not spark_engine.reads_with_arrow(spark, "s3a://bucket/store")


def test_duckdb_store_on_s3_hunted_by_spark_equals_duckdb(spark: Any, moto_s3: Any, duck_store: Path,
                                                          duck_hunt: HuntResult) -> None:
    assert _upload(moto_s3, duck_store, "duck-store") > 3
    on_spark = spark_engine.hunt(f"s3://{BUCKET}/duck-store", rules=RULES, spark=spark)
    assert on_spark.events_scanned == duck_hunt.events_scanned > 1000
    assert len(on_spark.detections) == len(duck_hunt.detections) > 100
    assert len(on_spark.incidents) == len(duck_hunt.incidents) > 50
    assert _canonical(on_spark) == _canonical(duck_hunt)
    # a time range prunes day partitions and counts the events in it, as DuckDB does
    from datetime import datetime

    since, until = datetime(2024, 1, 1), datetime(2024, 6, 2)
    cis = [rule for rule in RULES if rule.family == "cis"]
    ranged = spark_engine.hunt(f"s3://{BUCKET}/duck-store/", since, until, rules=cis, spark=spark)
    expected = hunt(duck_store, since, until, rules=cis)
    assert ranged.events_scanned == expected.events_scanned > 0
    assert _canonical(ranged) == _canonical(expected) and ranged.incidents


def test_spark_ingest_from_s3_into_s3_equals_duckdb(spark: Any, moto_s3: Any, sources: Path, tmp_path: Path) -> None:
    _upload(moto_s3, sources, "logs")
    store_uri = f"s3://{BUCKET}/spark-store"
    report = spark_ingest.ingest([f"s3://{BUCKET}/logs/"], store_uri, spark=spark)
    on_duckdb_store = tmp_path / "duck"
    on_duckdb = ingest([f"s3://{BUCKET}/logs/"], on_duckdb_store)
    assert (report.files_found, report.files_ingested) == (on_duckdb.files_found, on_duckdb.files_ingested) == (5, 5)
    assert (report.events, report.rejected) == (on_duckdb.events, on_duckdb.rejected)
    assert report.events > 1000 and report.rejected > 1
    assert [asdict(p) for p in report.problems] == [asdict(p) for p in on_duckdb.problems]
    assert [(p.path.endswith("cut.json.gz"), p.error) for p in report.problems] == [(True, "truncated gzip")]
    assert (report.first_event, report.last_event) == (on_duckdb.first_event, on_duckdb.last_event)
    # the store's keys are a folder store's: a manifest naming the same objects, the same partitions
    copy = tmp_path / "copy"
    keys = _download(moto_s3, "spark-store", copy)
    assert not [key for key in keys if key.startswith(".staging")]
    assert json.loads((copy / "manifest.json").read_text()) == json.loads((on_duckdb_store / "manifest.json").read_text())
    assert {p.parent.relative_to(copy) for p in copy.rglob("*.parquet") if "events" in p.parts} == \
        {p.parent.relative_to(on_duckdb_store) for p in on_duckdb_store.rglob("*.parquet") if "events" in p.parts}
    assert _types(copy) == _types(on_duckdb_store)
    assert _rows(copy) == _rows(on_duckdb_store)
    # and the baselines, with the list of the event files folded into them
    assert {k for k in keys if "events/" not in k} == {"manifest.json", "baselines.parquet", "baselines.json"}
    assert _baselines(copy) == _baselines(on_duckdb_store) and len(_baselines(copy)) > 100
    folded = json.loads((copy / "baselines.json").read_text())["files"]
    assert folded == sorted(k for k in keys if k.startswith("events/"))
    # hunted by both engines (DuckDB on a copy of the S3 store), the same detections and incidents
    expected = hunt(on_duckdb_store, rules=RULES)
    assert _canonical(hunt(copy, rules=RULES)) == _canonical(expected)
    # Spark on the S3 store: every rule but the Sigma set (each kind of rule; the rows are DuckDB's, and
    # the duck-store test above runs every rule over S3), to keep the test short
    chosen = [rule for rule in RULES if rule.family != "sigma"]
    on_spark = spark_engine.hunt(store_uri, rules=chosen, spark=spark)
    assert on_spark.events_scanned == report.events
    assert _canonical(on_spark) == _canonical(hunt(on_duckdb_store, rules=chosen))
    assert {d.rule.kind for d in on_spark.detections} == {"event", "window", "near", "first_seen", "baseline"}
    assert len(on_spark.incidents) > 50
    again = spark_ingest.ingest([f"s3://{BUCKET}/logs/"], store_uri, spark=spark)
    assert (again.files_ingested, again.files_already_ingested, again.events) == (0, 5, 0)
    # without the list of folded files, the baselines are computed from the events: the same detections
    moto_s3.delete_object(Bucket=BUCKET, Key="spark-store/baselines.json")
    learned = [rule for rule in RULES if rule.kind == "baseline"]
    computed = spark_engine.hunt(store_uri, rules=learned, spark=spark)
    assert _canonical(computed) == _canonical(hunt(on_duckdb_store, rules=learned)) and computed.detections


def _baselines(store: Path) -> list[tuple[Any, ...]]:
    import duckdb

    with duckdb.connect() as connection:
        return sorted(connection.execute(f"SELECT * FROM read_parquet('{store / 'baselines.parquet'}')").fetchall(),
                      key=repr)


def test_missing_bucket_and_prefix_are_clear_errors(spark: Any, moto_s3: Any) -> None:
    with pytest.raises(InputError, match="s3://no-such-bucket does not exist") as caught:
        spark_engine.hunt("s3://no-such-bucket/store", rules=RULES[:3], spark=spark)
    assert "bucket name" in (caught.value.hint or "")
    with pytest.raises(InputError, match="is not a trail store"):
        spark_engine.hunt(f"s3://{BUCKET}/nothing-here", rules=RULES[:3], spark=spark)
    with pytest.raises(InputError, match="s3://no-such-bucket/logs does not exist"):
        spark_ingest.ingest(["s3://no-such-bucket/logs"], f"s3://{BUCKET}/never", spark=spark)
    moto_s3.put_object(Bucket=BUCKET, Key="not-a-store/some.json", Body=b"{}")
    with pytest.raises(InputError, match="holds objects and is not a trail store"):
        spark_ingest.ingest([f"s3://{BUCKET}/logs"], f"s3://{BUCKET}/not-a-store", spark=spark)


def test_unreadable_event_files_stop_the_hunt_counted_and_named(spark: Any, moto_s3: Any, duck_store: Path) -> None:
    _upload(moto_s3, duck_store, "damaged-store")
    parts = sorted(item["Key"] for item in moto_s3.list_objects_v2(Bucket=BUCKET, Prefix="damaged-store/events/")
                   ["Contents"])
    assert len(parts) > 3
    body = moto_s3.get_object(Bucket=BUCKET, Key=parts[0])["Body"].read()
    moto_s3.put_object(Bucket=BUCKET, Key=parts[0], Body=body[: len(body) // 2])  # an upload cut short
    moto_s3.put_object(Bucket=BUCKET, Key=parts[1], Body=b"not parquet at all")
    with pytest.raises(InputError) as caught:
        spark_engine.hunt(f"s3://{BUCKET}/damaged-store", rules=RULES, spark=spark)
    message = str(caught.value)
    assert message.startswith(f"2 of {len(parts)} event files of s3://{BUCKET}/damaged-store cannot be read")
    assert f"s3://{BUCKET}/{parts[0]}: not a readable Parquet file" in message
    assert f"s3://{BUCKET}/{parts[1]}: not a readable Parquet file" in message
    assert "restore or delete" in (caught.value.hint or "")


def test_an_object_that_cannot_be_fetched_is_reported_and_retried_later(spark: Any, moto_s3: Any, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A listed source gone before an executor fetched it: reported, not in the manifest, the rest stored
    (s3:// sources into a folder store, a batch per file)."""
    from cloudwarden.engines.trail import s3source
    from cloudwarden.engines.trail.store import Store

    good = {"Records": [{"eventVersion": "1.08", "eventTime": "2024-07-01T00:00:00Z", "eventSource": "iam.amazonaws.com",
                         "eventName": "CreateUser", "awsRegion": "us-east-1", "eventID": "g-1",
                         "recipientAccountId": "111122223333"}]}
    moto_s3.put_object(Bucket=BUCKET, Key="flaky/a.json", Body=json.dumps(good).encode())
    moto_s3.put_object(Bucket=BUCKET, Key="flaky/b.json", Body=json.dumps(good).encode())
    listed = s3source.list_files(f"s3://{BUCKET}/flaky/")
    moto_s3.delete_object(Bucket=BUCKET, Key="flaky/b.json")
    monkeypatch.setattr(s3source, "list_files", lambda uri, client=None: listed)  # the listing before the delete
    report = spark_ingest.ingest([f"s3://{BUCKET}/flaky/"], tmp_path / "store", spark=spark, batch_files=1)
    assert (report.files_found, report.events) == (2, 1)
    assert [(p.path, p.error.split(":")[0], p.events_kept) for p in report.problems] == [
        (f"s3://{BUCKET}/flaky/b.json", "cannot fetch the object", 0)]
    assert "gone" in report.problems[0].error
    assert set(Store.open(tmp_path / "store").manifest["files"]) == {f"s3://{BUCKET}/flaky/a.json"}
    assert hunt(tmp_path / "store", rules=[]).events_scanned == 1


def test_executors_get_the_endpoint_and_credentials(moto_s3: Any) -> None:
    from cloudwarden.engines.trail import s3source

    access = s3source.access(f"s3://{BUCKET}/x")
    assert access.endpoint_url == os.environ["AWS_ENDPOINT_URL"] and access.region == "us-east-1"
    assert access.access_key == DEMO_CREDENTIALS["AWS_ACCESS_KEY_ID"]
    assert "testing" not in repr(access)  # the secrets stay out of logs and error texts


def test_cli_ingest_and_hunt_an_s3_store(spark: Any, moto_s3: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from cloudwarden.cli import main

    store = f"s3://{BUCKET}/cli-store"  # local files into an s3:// store
    otrf = Path(__file__).parents[1] / "data" / "otrf"
    assert main(["trail", "ingest", str(otrf), "--store", store, "--engine", "spark", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["events"], report["files_ingested"], report["bad_items"]) == (103, 1, 0)
    assert main(["trail", "hunt", "--store", store, "--engine", "spark", "--format", "json"]) == 0
    on_spark = json.loads(capsys.readouterr().out)
    assert on_spark["events_scanned"] == 103
    assert on_spark["incidents"] and on_spark["incidents"][0]["severity"] == "high"
    assert main(["trail", "hunt", "--store", f"s3://{BUCKET}/nothing-here", "--engine", "spark"]) == 2
    assert "is not a trail store" in capsys.readouterr().err


def test_access_denied_on_the_store_or_its_event_files(spark: Any, moto_s3: Any, duck_store: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """moto enforcing IAM: a principal without s3:GetObject on the event files (the executors' reads),
    or without any S3 permission (the driver's), gets a CredentialsError naming what was denied."""
    import urllib.request

    from cloudwarden.core.errors import CredentialsError

    _upload(moto_s3, duck_store, "denied-store")
    iam = boto3.client("iam")
    keys = {}
    # Listing is s3:ListBucket on AWS (and moto 5.2.5); moto 5.2.6 checks s3:ListObjectsV2 instead.
    policies = {"nothing": None, "manifest-only": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:ListObjectsV2"], "Resource": f"arn:aws:s3:::{BUCKET}"},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/denied-store/*.json"}]}}
    for name, policy in policies.items():
        iam.create_user(UserName=name)
        if policy:
            iam.put_user_policy(UserName=name, PolicyName="s3", PolicyDocument=json.dumps(policy))
        created = iam.create_access_key(UserName=name)["AccessKey"]
        keys[name] = (created["AccessKeyId"], created["SecretAccessKey"])

    def enforce(count: str) -> None:
        request = urllib.request.Request(os.environ["AWS_ENDPOINT_URL"] + "/moto-api/reset-auth", data=count.encode(),
                                         method="POST", headers={"Content-Type": "text/plain"})
        urllib.request.urlopen(request, timeout=10).close()

    def sign_as(name: str) -> None:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", keys[name][0])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", keys[name][1])
        monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # boto3 keeps the credentials it resolved first

    monkeypatch.delenv("AWS_SESSION_TOKEN")
    enforce("0")
    try:
        sign_as("nothing")
        with pytest.raises(CredentialsError, match=f"access to s3://{BUCKET}/denied-store/manifest.json denied "
                                                   r"\(AccessDenied\)"):
            spark_engine.hunt(f"s3://{BUCKET}/denied-store", rules=RULES[:3], spark=spark)
        sign_as("manifest-only")
        with pytest.raises(CredentialsError) as caught:
            spark_engine.hunt(f"s3://{BUCKET}/denied-store", rules=RULES[:3], spark=spark)
        events = len(list((duck_store / "events").rglob("*.parquet")))
        assert str(caught.value).startswith(f"{events} of {events} event files of s3://{BUCKET}/denied-store cannot "
                                            "be read")
        assert "access denied" in str(caught.value) and "s3:GetObject" in (caught.value.hint or "")
    finally:
        enforce("inf")


def test_event_files_are_given_the_store_schema() -> None:
    """What the executors make of one file: the store's columns in order (a column the file lacks is
    NULL, another writer's time zone or nanoseconds become the stored wall time), plus the key's
    partition values; keys outside the partition folders are not event files."""
    from datetime import datetime

    import pyarrow as pa

    from cloudwarden.engines.trail import spark_s3
    from cloudwarden.engines.trail.schema import ALL_COLUMNS

    assert spark_s3.partition_values("account=1/region=us-east-1/day=2024-01-02/part_x.parquet") == (
        "1", "us-east-1", "2024-01-02")
    assert spark_s3.partition_values("account=1/region=us-east-1/part_x.parquet") is None
    assert spark_s3.partition_values("account=1/zone=a/day=2024-01-02/part_x.parquet") is None
    when = datetime(2024, 1, 2, 3, 4, 5, 678901)
    batch = pa.RecordBatch.from_arrays(
        [pa.array(["e-1"]), pa.array([when], pa.timestamp("ns", tz="UTC")), pa.array(["extra"])],
        names=["event_id", "event_time", "not_a_store_column"])
    out = spark_s3.conform(batch, ("1", "us-east-1", "2024-01-02"))
    assert out.schema == spark_s3.store_schema()
    assert out.schema.names == [*ALL_COLUMNS, "account", "region", "day"]
    row = out.to_pylist()[0]
    assert (row["event_id"], row["event_time"], row["account"], row["day"]) == ("e-1", when, "1", "2024-01-02")
    assert row["event_name"] is None and row["user_identity"] is None
