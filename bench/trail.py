"""Benchmark of the trail engine: ingest and detection speed, and peak memory.

Generates N events in CloudTrail's S3 layout (gzip'd ``{"Records": [...]}`` files of 5,000 events,
``AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/``) in a temporary folder, ingests them into a store,
runs every rule (CIS, built-in, SigmaHQ) over the store, and prints events per second for both, the
CPU seconds each phase used (the machine may be shared: compare wall and CPU time, and the load
average printed before and after), and the peak RSS of the process (and of its largest child, if
any). The generated files and the store are deleted at the end unless ``--keep`` is given.
Usage: ``python bench/trail.py [--events N] [--keep DIR] [--jobs J] [--engine duckdb|spark] [--master URL]``.

With ``--engine spark`` the same logs are then ingested and hunted on Spark too (local[*] unless
``--master`` says otherwise), and its events/s printed beside DuckDB's, with the JVM's start time
apart; Spark's CPU time is spent in the JVM (not a waited-for child), so only wall time is given.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import tempfile
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

from cloudwarden.engines.trail.hunt import hunt
from cloudwarden.engines.trail.ingest import ingest

FILE_EVENTS = 5000
ACCOUNTS = ("111122223333", "444455556666")
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
ATTACK_RATE = 1e-4


def _identity(rng: random.Random, account: str) -> dict:
    if rng.random() < 0.6:
        role = rng.choice(("app-backend", "ci-deploy", "data-pipeline", "lambda-exec"))
        session = rng.choice(("i-0a1b2c3d4e5f60718", "botocore-session-17", "gha-run-4821"))
        return {"type": "AssumedRole", "principalId": f"AROAEXAMPLE:{session}",
                "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{session}", "accountId": account,
                "accessKeyId": f"ASIA{rng.randrange(10**15):016d}",
                "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLE",
                                                     "arn": f"arn:aws:iam::{account}:role/{role}",
                                                     "accountId": account, "userName": role},
                                   "attributes": {"creationDate": "2024-05-01T00:00:00Z",
                                                  "mfaAuthenticated": "false"}}}
    user = rng.choice(("alice", "bob", "carol", "deploy-bot"))
    rng.randrange(10**15)  # keeps the random stream of earlier versions (which gave every event a new key)
    # An IAM user signs with its one or two long-term keys, as in real CloudTrail.
    key = f"AKIA{account[-4:]}{zlib.crc32(user.encode()) % 10**12:012d}"
    return {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": f"arn:aws:iam::{account}:user/{user}",
            "accountId": account, "accessKeyId": key, "userName": user}


_NORMAL = (
    ("s3.amazonaws.com", "GetObject", {"bucketName": "app-data", "key": "reports/2024/05/file.csv"}),
    ("s3.amazonaws.com", "PutObject", {"bucketName": "app-data", "key": "uploads/item.json"}),
    ("ec2.amazonaws.com", "DescribeInstances", {"instancesSet": {}, "filterSet": {}}),
    ("sts.amazonaws.com", "AssumeRole", {"roleArn": "arn:aws:iam::111122223333:role/app-backend",
                                          "roleSessionName": "botocore-session-17"}),
    ("kms.amazonaws.com", "Decrypt", {"encryptionContext": {"aws:s3:arn": "arn:aws:s3:::app-data"}}),
    ("lambda.amazonaws.com", "Invoke", {"functionName": "thumbnailer"}),
    ("dynamodb.amazonaws.com", "GetItem", {"tableName": "sessions"}),
    ("iam.amazonaws.com", "ListRoles", {}),
    ("logs.amazonaws.com", "PutLogEvents", {"logGroupName": "/app/web"}),
)
_ATTACKS = (
    ("cloudtrail.amazonaws.com", "StopLogging", {"name": "main-trail"}),
    ("ssm.amazonaws.com", "GetParameters", {"names": [f"/app/secret-{n}" for n in range(10)], "withDecryption": True}),
    ("ssm.amazonaws.com", "SendCommand", {"instanceIds": ["i-0a", "i-0b", "i-0c"], "documentName": "AWS-RunShellScript"}),
    ("bedrock.amazonaws.com", "InvokeModel", {"modelId": "anthropic.claude-3-sonnet-20240229-v1:0"}),
    ("ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", {"groupId": "sg-1", "ipPermissions": {"items": [
        {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}]}}),
    ("iam.amazonaws.com", "CreateAccessKey", {"userName": "admin-backup"}),
    ("guardduty.amazonaws.com", "DeleteDetector", {"detectorId": "12abc"}),
    ("ec2.amazonaws.com", "ModifySnapshotAttribute",
     {"snapshotId": "snap-1", "createVolumePermission": {"add": {"items": [{"group": "all"}]}}}),
)


def _record(rng: random.Random, account: str, region: str, when: datetime, number: int) -> dict:
    source, name, params = rng.choice(_ATTACKS) if rng.random() < ATTACK_RATE else rng.choice(_NORMAL)
    record = {
        "eventVersion": "1.09", "userIdentity": _identity(rng, account),
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "eventSource": source, "eventName": name,
        "awsRegion": region, "sourceIPAddress": f"203.0.113.{rng.randrange(1, 255)}",
        "userAgent": "aws-sdk-java/2.25.1 Linux/5.10 OpenJDK_64-Bit_Server_VM/17", "requestParameters": params,
        "responseElements": None, "requestID": f"{number:032x}", "eventID": f"{number:08x}-bench-{rng.getrandbits(48):012x}",
        "readOnly": name.startswith(("Get", "Describe", "List")), "eventType": "AwsApiCall",
        "managementEvent": source != "s3.amazonaws.com", "recipientAccountId": account,
        "eventCategory": "Management" if source != "s3.amazonaws.com" else "Data",
        "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                       "clientProvidedHostHeader": f"{source.split('.')[0]}.{region}.amazonaws.com"},
    }
    if rng.random() < 0.02:
        record["errorCode"], record["errorMessage"] = "AccessDenied", "User is not authorized"
    return record


def _write_file(root: Path, events: int, files: int, index: int, seed: int) -> None:
    rng = random.Random(seed * 1_000_003 + index)  # one stream per file: files can be written in parallel
    start = datetime(2024, 5, 1)
    account, region = ACCOUNTS[index % len(ACCOUNTS)], REGIONS[index % len(REGIONS)]
    when = start + timedelta(seconds=index * 86400 * 3 // files)
    folder = root / "AWSLogs" / account / "CloudTrail" / region / when.strftime("%Y/%m/%d")
    folder.mkdir(parents=True, exist_ok=True)
    count = min(FILE_EVENTS, events - index * FILE_EVENTS)
    records = [_record(rng, account, region, when + timedelta(milliseconds=n * 60), index * FILE_EVENTS + n)
               for n in range(count)]
    name = f"{account}_CloudTrail_{region}_{when:%Y%m%dT%H%MZ}_{index:06d}.json.gz"
    with gzip.open(folder / name, "wt", compresslevel=6) as handle:
        json.dump({"Records": records}, handle)


def generate(root: Path, events: int, seed: int = 42, jobs: int = 1) -> int:
    """Write ``events`` events as CloudTrail would deliver them; returns the number of files."""
    files = (events + FILE_EVENTS - 1) // FILE_EVENTS
    if jobs <= 1 or files < 2 * jobs:
        for index in range(files):
            _write_file(root, events, files, index, seed)
        return files
    with ProcessPoolExecutor(jobs) as pool:
        list(pool.map(_write_file, [root] * files, [events] * files, [files] * files, range(files),
                      [seed] * files, chunksize=8))
    return files


def peak_rss_mb() -> tuple[float, float]:
    """Peak RSS of this process and of its largest (waited-for) child process, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000, help="events to generate (default 200,000)")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    parser.add_argument("--jobs", type=int, default=2, help="processes generating the files (default 2)")
    parser.add_argument("--logs", type=Path, help="ingest these already generated logs instead")
    parser.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb",
                        help="spark: also ingest and hunt on Spark, printed beside DuckDB (default duckdb)")
    parser.add_argument("--master", help="Spark master with --engine spark (default local[*])")
    args = parser.parse_args()
    print(f"cpus {os.cpu_count()}, load average {_load()} (1, 5, 15 min) at start")
    with tempfile.TemporaryDirectory(prefix="cloudwarden-bench-") as scratch:
        root = args.keep or Path(scratch)
        logs = args.logs or root / "logs"
        if not args.logs:
            started = time.perf_counter()
            files = generate(logs, args.events, jobs=args.jobs)
            print(f"generated {args.events:,} events in {files} files in {time.perf_counter() - started:.1f} s")
        cpu = _cpu()
        report = ingest([str(logs)], root / "store")
        ingest_cpu = _cpu() - cpu
        print(f"ingest:    {report.events:,} events in {report.seconds:.2f} s = "
              f"{report.events / report.seconds:,.0f} events/s (CPU {ingest_cpu:.1f} s = "
              f"{report.events / ingest_cpu:,.0f} events per CPU-second; {len(report.problems)} damaged files)")
        print(f"peak RSS after ingest: {peak_rss_mb()[0]:,.0f} MB; load average {_load()}")
        cpu = _cpu()
        result = hunt(root / "store")
        hunt_cpu = _cpu() - cpu
        print(f"detection: {result.rules} rules over {result.events_scanned:,} events in {result.seconds:.2f} s = "
              f"{result.events_scanned / result.seconds:,.0f} events/s (CPU incl. loading rules {hunt_cpu:.1f} s); "
              f"{len(result.detections)} detections, {len(result.incidents)} incidents")
        own, children = peak_rss_mb()
        print(f"peak RSS:  {own:,.0f} MB (largest child process: {children:,.0f} MB); load average {_load()}")
        if args.engine == "spark":
            _spark(logs, root, args.master, report.events, result)


def _spark(logs: Path, root: Path, master: str | None, events: int, duckdb_result: object) -> None:
    """Ingest and hunt the same logs on Spark; events/s beside DuckDB's, and whether the results agree."""
    from cloudwarden.engines.trail import spark as spark_engine
    from cloudwarden.engines.trail import spark_ingest
    from cloudwarden.engines.trail.spark_session import get_session

    started = time.perf_counter()
    session = get_session(master)
    print(f"spark:     {session.sparkContext.master}, {session.sparkContext.defaultParallelism} cores;"
          f" JVM started in {time.perf_counter() - started:.1f} s; load average {_load()}")
    report = spark_ingest.ingest([str(logs)], root / "spark-store", spark=session)
    print(f"ingest:    {report.events:,} events in {report.seconds:.2f} s = {report.events / report.seconds:,.0f}"
          f" events/s on Spark (same events as DuckDB: {report.events == events})")
    result = spark_engine.hunt(root / "store", spark=session)
    same = (sorted((d.rule.id, d.event_count, d.first_seen) for d in result.detections)
            == sorted((d.rule.id, d.event_count, d.first_seen) for d in duckdb_result.detections))  # type: ignore[attr-defined]
    print(f"detection: {result.rules} rules over {result.events_scanned:,} events in {result.seconds:.2f} s ="
          f" {result.events_scanned / result.seconds:,.0f} events/s on Spark; {len(result.detections)} detections,"
          f" {len(result.incidents)} incidents (same as DuckDB: {same}); load average {_load()}")
    if spark_engine.LAST_RUN is not None:
        print(f"driver:    {spark_engine.LAST_RUN.collected_rows:,} rows reached the driver (detection summaries;"
              " the events stay on the executors)")


if __name__ == "__main__":
    main()
