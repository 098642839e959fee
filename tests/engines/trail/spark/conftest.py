"""One local Spark session for every Spark test (a JVM start costs tens of seconds), and the data.

The tests that use it are marked ``xdist_group("spark")`` so that, under ``make test``'s
``-n auto --dist loadgroup``, they all run in one worker and the session is started once.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cloudwarden.engines.trail.ingest import ingest
from cloudwarden.engines.trail.spark_session import get_session, use_session

from ..conftest import DATA, event, panther_cases, write_records
from ..test_attack_techniques import CASES, Case

# Small and predictable: one core, two shuffle partitions, no web UI. Generated code is off: the one
# scan that tests every rule is an expression past Java's method size limit, which Spark then runs
# interpreted anyway (its fallback), after a costly failed compile that tests need not pay each time.
TEST_CONFIG = {
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.ui.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    "spark.driver.memory": "1g",
}


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    session = get_session("local[1]", TEST_CONFIG)
    use_session(session)
    yield session
    session.stop()
    use_session(None)


def damaged_gzip(path: Path, events: list[dict[str, Any]]) -> Path:
    """A CloudTrail file cut short, as a failed upload leaves it."""
    write_records(path, events)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    return path


@pytest.fixture(scope="session")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every test dataset in one folder: the Stratus cases, Panther's tests, OTRF's lab, plus a damaged
    file, a record that is not an event, and an EventBridge envelope."""
    root = tmp_path_factory.mktemp("spark-sources")
    lines = []
    for number, case in enumerate(panther_cases()):
        record = dict(case["event"])
        record["eventID"] = f"case-{number}"
        record.setdefault("eventTime", "2024-01-01T00:00:00Z")
        lines.append(json.dumps(record))
    (root / "panther.jsonl").write_text("\n".join(lines) + "\n")
    events = []
    for number, (technique, build) in enumerate(CASES.items()):
        positives, misses = build(Case(number))
        for record in positives + misses:
            record["eventID"] = f"{technique}/{record['eventID']}"
        events += positives + misses
    write_records(root / "AWSLogs" / "attack.json.gz", events)
    shutil.copytree(DATA / "otrf", root / "otrf")
    damaged_gzip(root / "AWSLogs" / "cut.json.gz",
                 [event("DeleteTrail", "cloudtrail.amazonaws.com", when=f"2024-06-01T10:0{n}:00Z", eventID=f"cut-{n}")
                  for n in range(6)])
    (root / "bridge.json").write_text(json.dumps({"detail-type": "AWS API Call via CloudTrail", "detail": event(
        "StopLogging", "cloudtrail.amazonaws.com", when="2024-06-02T09:00:00Z", eventID="bridge-1")}) + "\n"
        + json.dumps({"not": "an event"}) + "\n")
    return root


@pytest.fixture(scope="session")
def duck_store(sources: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("duck") / "store"
    report = ingest([str(sources)], store)
    (store.parent / "report.json").write_text(json.dumps(report.to_dict(), default=str))
    return store
