"""`cloudwarden trail watch` as a user runs it: new files only, each incident once, restarts resume.

Targets: stdout JSON lines, a file, a webhook served on 127.0.0.1, and (moto's mock_aws) an S3
bucket as the source with an SNS topic (read back through an SQS subscription) as the target.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from cloudwarden.cli import main

ACCOUNT = "111122223333"


def _event(name: str, source: str, when: str, user: str, ident: str, **extra: Any) -> dict[str, Any]:
    record = {"eventVersion": "1.09", "eventTime": when, "eventSource": source, "eventName": name,
              "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.7", "userAgent": "aws-cli/2.15.0",
              "eventID": ident, "eventType": "AwsApiCall", "recipientAccountId": ACCOUNT,
              "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "accountId": ACCOUNT,
                               "arn": f"arn:aws:iam::{ACCOUNT}:user/{user}", "userName": user,
                               "accessKeyId": f"AKIA{user.upper():0<16}"[:20]}}
    record.update(extra)
    return record


def stop_logging(user: str, when: str, ident: str) -> dict[str, Any]:
    return _event("StopLogging", "cloudtrail.amazonaws.com", when, user, ident, requestParameters={"name": "main"})


def _log(folder: Path, name: str, events: list[dict[str, Any]]) -> Path:
    path = folder / "AWSLogs" / ACCOUNT / "CloudTrail" / "us-east-1" / "2024" / "05" / "01" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt") as handle:
        json.dump({"Records": events}, handle)
    return path


def _stdout_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def _rule_ids(incident: dict[str, Any]) -> set[str]:
    return {d["rule_id"] for d in incident["detections"]}


def test_watch_sends_new_incidents_once_and_resumes_after_restart(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    logs, store = tmp_path / "logs", tmp_path / "store"
    _log(logs, "a.json.gz", [stop_logging("alice", "2024-05-01T10:00:00Z", "e1")])
    watch = ["trail", "watch", str(logs), "--store", str(store), "--once"]
    assert main(watch) == 0
    first = _stdout_lines(capsys)
    assert len(first) == 1 and "cw.defence_evasion.trail_stopped_or_deleted" in _rule_ids(first[0])
    assert first[0]["incident_key"] and first[0]["new_detections"]

    assert main(watch) == 0  # a restart with nothing new: nothing is sent again
    assert _stdout_lines(capsys) == []

    _log(logs, "b.json.gz", [stop_logging("bob", "2024-05-01T14:00:00Z", "e2")])
    assert main(watch) == 0  # only the new file's incident
    second = _stdout_lines(capsys)
    assert [i["principals"] for i in second] == [[f"arn:aws:iam::{ACCOUNT}:user/bob"]]
    manifest = json.loads((store / "manifest.json").read_text())
    assert len(manifest["files"]) == 2


def test_watch_to_a_file(tmp_path: Path) -> None:
    logs, store, out = tmp_path / "logs", tmp_path / "store", tmp_path / "alerts.jsonl"
    _log(logs, "a.json.gz", [stop_logging("alice", "2024-05-01T10:00:00Z", "e1")])
    for _ in range(2):
        assert main(["trail", "watch", str(logs), "--store", str(store), "--once", "--notify", f"file:{out}"]) == 0
    assert len(out.read_text().splitlines()) == 1


class _Receiver(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []
    status = 200

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if type(self).status == 200:
            type(self).received.append(json.loads(body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    handler = type("Receiver", (_Receiver,), {"received": [], "status": 200})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", handler
    finally:
        server.shutdown()
        server.server_close()


def test_watch_webhook_retries_what_failed(tmp_path: Path, receiver: tuple[str, type[_Receiver]]) -> None:
    url, handler = receiver
    logs, store = tmp_path / "logs", tmp_path / "store"
    _log(logs, "a.json.gz", [stop_logging("alice", "2024-05-01T10:00:00Z", "e1")])
    command = ["trail", "watch", str(logs), "--store", str(store), "--once", "--notify", url]
    handler.status = 500
    assert main(command) == 3  # delivery failed: nothing recorded as sent
    assert handler.received == []
    handler.status = 200
    assert main(command) == 0  # no new file, but the unsent incident is retried
    assert main(command) == 0  # and then never again
    assert len(handler.received) == 1
    assert "cw.defence_evasion.trail_stopped_or_deleted" in _rule_ids(handler.received[0])


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield


def test_watch_s3_source_to_sns(tmp_path: Path, aws: None) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="org-trail")
    sns, sqs = boto3.client("sns", region_name="us-east-1"), boto3.client("sqs", region_name="us-east-1")
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    queue = sqs.create_queue(QueueName="alerts-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})

    def put(name: str, events: list[dict[str, Any]]) -> None:
        key = f"AWSLogs/{ACCOUNT}/CloudTrail/us-east-1/2024/05/01/{name}"
        s3.put_object(Bucket="org-trail", Key=key, Body=gzip.compress(json.dumps({"Records": events}).encode()))

    put("a.json.gz", [stop_logging("alice", "2024-05-01T10:00:00Z", "e1")])
    command = ["trail", "watch", "s3://org-trail/AWSLogs/", "--store", str(tmp_path / "store"), "--once",
               "--notify", f"sns:{topic}"]
    assert main(command) == 0
    put("b.json.gz", [stop_logging("bob", "2024-05-01T14:00:00Z", "e2")])
    assert main(command) == 0
    assert main(command) == 0
    messages = []
    while batch := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages"):
        messages += [json.loads(m["Body"]) for m in batch]
        sqs.delete_message_batch(QueueUrl=queue, Entries=[
            {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(batch)])
    assert sorted(m["principals"][0].rsplit("/", 1)[1] for m in messages) == ["alice", "bob"]


def test_watch_rejects_an_unknown_target(tmp_path: Path) -> None:
    assert main(["trail", "watch", str(tmp_path), "--store", str(tmp_path / "s"), "--once",
                 "--notify", "smtp://x"]) == 2
