"""Fixtures for the trail engine: event builders and stores made from events or the real data."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from cloudwarden.engines.trail.detect import Detection, run_rules
from cloudwarden.engines.trail.ingest import ingest
from cloudwarden.engines.trail.rules import Rule
from cloudwarden.engines.trail.store import Store, connect

DATA = Path(__file__).parent / "data"
ACCOUNT = "111122223333"


def event(name: str, source: str = "iam.amazonaws.com", when: str = "2024-05-01T10:00:00Z",
          user: str = "alice", **fields: Any) -> dict[str, Any]:
    """A CloudTrail event by IAM user ``user``; ``fields`` override or add top-level keys."""
    record: dict[str, Any] = {
        "eventVersion": "1.08", "eventTime": when, "eventSource": source, "eventName": name,
        "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.7", "userAgent": "aws-cli/2.15.0",
        "eventID": fields.pop("eventID", f"{name}-{when}-{user}"), "eventType": "AwsApiCall",
        "recipientAccountId": ACCOUNT,
        "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "accountId": ACCOUNT,
                         "arn": f"arn:aws:iam::{ACCOUNT}:user/{user}", "userName": user,
                         "accessKeyId": f"AKIA{user.upper():0<16}"[:20]},
    }
    record.update(fields)
    return record


def write_records(path: Path, events: Iterable[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt") as handle:
        json.dump({"Records": list(events)}, handle)
    return path


def run_on(tmp_path: Path, events: list[dict[str, Any]], rules: list[Rule]) -> list[Detection]:
    """Ingest ``events`` into a fresh store under tmp_path and run ``rules`` over it."""
    source = write_records(tmp_path / "src" / "events.json.gz", events)
    store_dir = tmp_path / "store"
    ingest([str(source)], store_dir)
    connection = connect()
    Store.open(store_dir).attach(connection)
    try:
        return run_rules(connection, rules)
    finally:
        connection.close()


@pytest.fixture
def detect(tmp_path: Path) -> Callable[[list[dict[str, Any]], list[Rule]], list[Detection]]:
    counter = iter(range(1000))

    def run(events: list[dict[str, Any]], rules: list[Rule]) -> list[Detection]:
        return run_on(tmp_path / f"run{next(counter)}", events, rules)

    return run


@pytest.fixture(scope="session")
def otrf_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store_dir = tmp_path_factory.mktemp("otrf") / "store"
    ingest([str(DATA / "otrf")], store_dir)
    return store_dir


def panther_cases() -> list[dict[str, Any]]:
    with gzip.open(DATA / "panther" / "cloudtrail_rule_tests.jsonl.gz", "rt") as handle:
        return [json.loads(line) for line in handle]
