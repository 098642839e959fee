"""The hunt's plan (guards, shared scans, window pre-checks, narrowed identity columns) changes how
rules are run, never what they find.

Every single-event and window rule of the full rule set runs over one store (the Stratus technique
cases, Panther's test events, the OTRF recording and a generated busy day) through ``run_rules``,
and again through a plain oracle: each rule's own SQL as written, over every event, with no event
name guard, no pre-check and no shared scan. Counts, first and last times of every detection must
agree. Near, first-seen and baseline rules have their own tests (test_detect, test_baseline).
"""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cloudwarden.engines.trail import detect
from cloudwarden.engines.trail.detect import _IDENTITY_PATHS, narrowed, run_rules
from cloudwarden.engines.trail.hunt import rule_set
from cloudwarden.engines.trail.ingest import ingest
from cloudwarden.engines.trail.rules import Rule
from cloudwarden.engines.trail.store import Store, connect

from .attack_events import Case
from .conftest import ACCOUNT, DATA, event, panther_cases, write_records
from .test_attack_techniques import CASES

Key = tuple[str, int, str, str]  # rule id, event count, first seen, last seen


def busy_day() -> list[dict[str, Any]]:
    """A few principals reading S3, DynamoDB and listing roles all day, with errors and rare reads of
    SSM parameters: windows whose slices all pass a sum bound, and distinct counts that rarely do."""
    rng = random.Random(7)
    start = datetime(2024, 6, 3)
    calls = [("s3.amazonaws.com", "GetObject"), ("dynamodb.amazonaws.com", "GetItem"),
             ("iam.amazonaws.com", "ListRoles"), ("s3.amazonaws.com", "PutObject"),
             ("ec2.amazonaws.com", "DescribeInstances"), ("sts.amazonaws.com", "AssumeRole")]
    records = []
    for n in range(6000):
        when = start + timedelta(seconds=n * 7 + rng.randrange(7))
        source, name = rng.choice(calls)
        if rng.random() < 0.004:
            source, name = "ssm.amazonaws.com", "GetParameters"
        user = rng.choice(("alice", "bob", "carol"))
        fields: dict[str, Any] = {"requestParameters": {"bucketName": "data", "key": f"k/{rng.randrange(50)}"}}
        if rng.random() < 0.05:
            fields["errorCode"] = "AccessDenied"
        if user == "carol":  # a role session; its AssumeRole calls for another role are role chaining
            fields["userIdentity"] = {
                "type": "AssumedRole", "principalId": "AROAEXAMPLE:carol", "accountId": ACCOUNT,
                "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/app/carol", "accessKeyId": "ASIAEXAMPLECAROL0001",
                "sessionContext": {"sessionIssuer": {"type": "Role", "arn": f"arn:aws:iam::{ACCOUNT}:role/app",
                                                     "accountId": ACCOUNT, "userName": "app"}}}
            if name == "AssumeRole":
                fields["requestParameters"] = {"roleArn": f"arn:aws:iam::{ACCOUNT}:role/{rng.choice(('app', 'admin'))}",
                                               "roleSessionName": "carol"}
        records.append(event(name, source, when.strftime("%Y-%m-%dT%H:%M:%SZ"), user, eventID=f"busy-{n}", **fields))
    return records


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("equivalence")
    attack = []
    for number, (technique, build) in enumerate(CASES.items()):
        positives, misses = build(Case(number))
        for record in positives + misses:
            record["eventID"] = f"{technique}/{record['eventID']}"
        attack += positives + misses
    write_records(root / "logs" / "attack.json.gz", attack)
    write_records(root / "logs" / "busy.json.gz", busy_day())
    lines = []
    for number, case in enumerate(panther_cases()):
        record = dict(case["event"])
        record["eventID"] = f"panther-{number}"
        record.setdefault("eventTime", "2024-01-01T00:00:00Z")
        lines.append(json.dumps(record))
    (root / "logs" / "panther.jsonl").write_text("\n".join(lines) + "\n")
    ingest([str(root / "logs"), str(DATA / "otrf")], root / "store")
    return root / "store"


def _oracle_event(connection: Any, rule: Rule) -> list[Key]:
    rows = connection.execute(f"""
        SELECT count(*), min(event_time), max(event_time) FROM events WHERE {rule.where}
        GROUP BY {rule.group_by}, time_bucket(INTERVAL 1 HOUR, event_time)""").fetchall()
    return [(rule.id, int(n), str(first), str(last)) for n, first, last in rows]


def _oracle_window(connection: Any, rule: Rule) -> list[Key]:
    window = f"INTERVAL {int(rule.window_seconds)} SECOND"
    if rule.targets:
        value, counted = f", unnest(({rule.targets})::VARCHAR[]) AS d", "count(DISTINCT d)"
    elif rule.distinct:
        value, counted = f", ({rule.distinct})::VARCHAR AS d", "count(DISTINCT d)"
    else:
        value, counted = "", "count(*)"
    rows = connection.execute(f"""
        WITH m AS (SELECT ({rule.group_by})::VARCHAR AS grp, event_time, event_id{value} FROM events WHERE {rule.where}),
        w AS (SELECT grp, event_time, {counted} OVER (PARTITION BY grp ORDER BY event_time
              RANGE BETWEEN {window} PRECEDING AND CURRENT ROW) AS c FROM m),
        anchors AS (SELECT DISTINCT grp, event_time AS t FROM w WHERE c > {int(rule.threshold)}),
        marked AS (SELECT grp, t, CASE WHEN lag(t) OVER (PARTITION BY grp ORDER BY t) >= t - {window}
                   THEN 0 ELSE 1 END AS starts FROM anchors),
        islands AS (SELECT grp, t, sum(starts) OVER (PARTITION BY grp ORDER BY t) AS island FROM marked),
        spans AS (SELECT grp, island, min(t) - {window} AS start, max(t) AS stop FROM islands GROUP BY ALL),
        hits AS (SELECT DISTINCT spans.grp, spans.island, m.event_id, m.event_time FROM spans JOIN m
                 ON m.grp IS NOT DISTINCT FROM spans.grp AND m.event_time BETWEEN spans.start AND spans.stop)
        SELECT count(*), min(event_time), max(event_time) FROM hits GROUP BY grp, island""").fetchall()
    return [(rule.id, int(n), str(first), str(last)) for n, first, last in rows]


def test_every_event_and_window_rule_finds_what_its_own_sql_finds(store: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    rules = [rule for rule in rule_set() if rule.kind in ("event", "window")]
    scans: list[list[str]] = []  # the window rules read together in each candidate scan
    window_rows_sql = detect._window_rows_sql

    def spy(scan: Any) -> str:
        scans.append([rule.id for _, rule, _, _ in scan])
        return window_rows_sql(scan)

    monkeypatch.setattr(detect, "_window_rows_sql", spy)
    connection = connect()
    try:
        Store.open(store).attach(connection)
        found = run_rules(connection, rules)
        expected: list[Key] = []
        for rule in rules:
            expected += _oracle_event(connection, rule) if rule.kind == "event" else _oracle_window(connection, rule)
    finally:
        connection.close()
    got = [(d.rule.id, d.event_count, str(d.first_seen), str(d.last_seen)) for d in found]
    assert Counter(got) == Counter(expected)
    # the store exercises both kinds, the noisy and the distinct-count windows among them
    fired = {key[0] for key in expected}
    assert len(fired) > 60
    assert {"cw.collection.multi_service_data_reads", "cis.4.1", "cw.privilege_escalation.role_chained"} <= fired
    # ... and both shapes of the windows' candidate scan: the guarded rules together, and the unguarded
    # cis.4.1 (failed calls of any API) on its own
    assert ["cis.4.1"] in scans and any(len(scan) > 1 and "cis.4.1" not in scan for scan in scans)


def test_narrowed_identity_columns_hold_what_the_json_paths_hold(tmp_path: Path) -> None:
    odd = [
        {"type": "AssumedRole", "arn": 12, "userName": {"nested": [1, 2]}, "accountId": True,
         "sessionContext": {"sessionIssuer": {"arn": None, "userName": ["a"]}, "attributes": "flat"}},
        {"type": "IAMUser"},
        {},
        "not an object",
        None,
        {"sessionContext": {"sessionIssuer": "text", "ec2RoleDelivery": 2.0}, "invokedBy": "", "principalId": "é ü"},
    ]
    records = [event("GetUser", eventID=f"odd-{n}", userIdentity=identity) for n, identity in enumerate(odd)]
    write_records(tmp_path / "logs" / "odd.json.gz", records)
    ingest([str(tmp_path / "logs")], tmp_path / "store")
    connection = connect()
    try:
        Store.open(tmp_path / "store").attach(connection)
        for path, column in _IDENTITY_PATHS.items():
            sql = f"json_extract_string(user_identity, '{path}')"
            assert narrowed(sql) == column
            differ = connection.execute(
                f"SELECT count(*), count(*) FILTER (WHERE {sql} IS DISTINCT FROM {column}) FROM events").fetchone()
            assert differ == (len(odd), 0), path
    finally:
        connection.close()
    assert narrowed("json_extract_string(user_identity, '$.sessionContext.webIdFederationData')") == \
        "json_extract_string(user_identity, '$.sessionContext.webIdFederationData')"
