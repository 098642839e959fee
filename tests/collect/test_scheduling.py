"""The collector's scheduling: each call starts once its own datasets are complete (not when a whole
level is), identical per-item requests are made once, and a per-item call that AWS's rules settle
(`per_known_absent`) is not made. Fake clients: the calls here are custom fetches that record what
they were asked."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from cloudwarden.collect import collect_snapshot
from cloudwarden.collect.runner import Collector, new_snapshot
from cloudwarden.collect.services import s3_controls
from cloudwarden.collect.spec import Call
from cloudwarden.inventory.snapshot import GLOBAL, Gap, Snapshot

REGION = "us-east-1"


class _Clients:
    request_count = 0

    def client(self, service: str, region: str) -> tuple[str, str]:
        return service, region


def _snapshot() -> Snapshot:
    return new_snapshot("111122223333", "arn:aws:iam::111122223333:user/scanner", [REGION], "aws", None)


def _collect(calls: list[Call], snapshot: Snapshot | None = None, workers: int = 4) -> Snapshot:
    snapshot = snapshot or _snapshot()
    Collector(_Clients(), calls, [REGION], REGION, workers=workers).collect(snapshot)  # type: ignore[arg-type]
    return snapshot


def test_a_child_call_starts_while_an_unrelated_slow_call_still_runs() -> None:
    child_ran = threading.Event()

    def slow(_client: Any, _params: dict[str, Any]) -> bool:
        # Under level-by-level scheduling the child (level 1) cannot start before this (level 0) ends.
        return child_ran.wait(timeout=20)

    def child(_client: Any, params: dict[str, Any]) -> str:
        child_ran.set()
        return f"detail of {params['Id']}"

    calls = [
        Call("slow.listing", "svc", "list_slow", fetch=slow),
        Call("fast.listing", "svc", "list_fast", fetch=lambda _c, _p: [{"Id": "a"}, {"Id": "b"}]),
        Call("fast.detail", "svc", "get_detail", per="fast.listing", per_params=lambda i: {"Id": i["Id"]},
             per_key=lambda i: i["Id"], fetch=child),
    ]
    snapshot = _collect(calls)
    assert snapshot.get("slow.listing", REGION) is True  # it saw the child run before it finished
    assert snapshot.get("fast.detail", REGION) == {"a": "detail of a", "b": "detail of b"}
    assert snapshot.stats["tasks"] == 4 and not snapshot.gaps


def test_a_call_waits_for_every_dataset_it_names_in_after() -> None:
    order: list[str] = []
    lock = threading.Lock()

    def record(name: str, value: Any = None) -> Any:
        def fetch(_client: Any, _params: dict[str, Any]) -> Any:
            with lock:
                order.append(name)
            return value
        return fetch

    calls = [
        Call("items", "svc", "list_items", fetch=record("items", [{"Id": "x"}])),
        Call("setting", "svc", "get_setting", per="items", per_params=lambda i: {"Id": i["Id"]},
             per_key=lambda i: i["Id"], fetch=record("setting", {"On": True})),
        Call("dependent", "svc", "get_dependent", per="items", after=("setting",), per_params=lambda i: {"Id": i["Id"]},
             per_key=lambda i: i["Id"], fetch=record("dependent", 1)),
    ]
    _collect(calls)
    assert order.index("dependent") > order.index("setting") > order.index("items")


def test_identical_per_item_requests_are_made_once_and_stored_for_every_item() -> None:
    asked: list[dict[str, Any]] = []
    lock = threading.Lock()

    def versions(_client: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
        with lock:
            asked.append(params)
        return [{"Engine": params["Engine"], "Version": params["EngineVersion"]}]

    databases = [{"Id": f"db{i}", "Engine": "postgres", "EngineVersion": "16.3"} for i in range(5)] + \
        [{"Id": "db9", "Engine": "mysql", "EngineVersion": "8.0"}]
    calls = [
        Call("dbs", "rds", "describe_db_instances", fetch=lambda _c, _p: databases),
        Call("versions", "rds", "describe_db_engine_versions", per="dbs", fetch=versions,
             per_params=lambda d: {"Engine": d["Engine"], "EngineVersion": d["EngineVersion"]},
             per_key=lambda d: d["Id"]),
    ]
    snapshot = _collect(calls)
    assert sorted(p["Engine"] for p in asked) == ["mysql", "postgres"]
    stored = snapshot.get("versions", REGION)
    assert set(stored) == {"db0", "db1", "db2", "db3", "db4", "db9"}
    assert stored["db3"] == [{"Engine": "postgres", "Version": "16.3"}] and stored["db9"][0]["Engine"] == "mysql"
    assert stored["db0"] is not stored["db1"]  # one item's value is never another's object
    assert snapshot.stats["tasks"] == 1 + 6


def test_a_shared_request_that_fails_is_a_gap_for_every_item() -> None:
    def refuse(_client: Any, _params: dict[str, Any]) -> None:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "DescribeThing")

    calls = [
        Call("things", "svc", "list_things", fetch=lambda _c, _p: [{"Id": "t1"}, {"Id": "t2"}, {"Id": "t3"}]),
        Call("thing_detail", "svc", "describe_thing", per="things", fetch=refuse,
             per_params=lambda _i: {"Kind": "same"}, per_key=lambda i: i["Id"]),
    ]
    snapshot = _collect(calls)
    assert sorted(g.resource for g in snapshot.gaps) == ["t1", "t2", "t3"]
    assert {g.error_code for g in snapshot.gaps} == {"AccessDenied"}
    for key in ("t1", "t2", "t3"):
        with pytest.raises(Exception, match="AccessDenied"):
            snapshot.item("thing_detail", REGION, key)


def test_known_absent_items_get_none_without_a_request_and_the_rest_are_asked() -> None:
    asked: list[str] = []
    lock = threading.Lock()

    def lock_config(_client: Any, params: dict[str, Any]) -> dict[str, str]:
        with lock:
            asked.append(params["Name"])
        return {"ObjectLockEnabled": "Enabled"}

    def never(item: Any, snapshot: Snapshot) -> bool:
        try:
            return snapshot.item("switch", REGION, item["Name"]) == "never"
        except Exception:  # noqa: BLE001 - a gap: ask
            return False

    def switch(_client: Any, params: dict[str, Any]) -> str:
        if params["Name"] == "unread":
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetSwitch")
        return {"off": "never", "on": "Enabled"}[params["Name"]]

    items = [{"Name": n} for n in ("off", "on", "unread")]
    calls = [
        Call("things", "svc", "list_things", fetch=lambda _c, _p: items),
        Call("switch", "svc", "get_switch", per="things", per_params=lambda i: {"Name": i["Name"]},
             per_key=lambda i: i["Name"], fetch=switch),
        Call("lock", "svc", "get_lock", per="things", after=("switch",), per_known_absent=never,
             per_params=lambda i: {"Name": i["Name"]}, per_key=lambda i: i["Name"], fetch=lock_config),
    ]
    snapshot = _collect(calls)
    assert [g.resource for g in snapshot.gaps] == ["unread"]  # get_switch has no answer for it: a gap
    assert sorted(asked) == ["on", "unread"]
    assert snapshot.get("lock", REGION) == {"off": None, "on": {"ObjectLockEnabled": "Enabled"},
                                             "unread": {"ObjectLockEnabled": "Enabled"}}
    assert snapshot.stats["known_absent_without_request"] == {"lock": 1}


def test_a_dependency_cycle_among_specs_is_an_error_not_a_silent_omission() -> None:
    calls = [
        Call("a", "svc", "get_a", per="b", per_params=dict, per_key=str, fetch=lambda _c, _p: 1),
        Call("b", "svc", "get_b", per="a", per_params=dict, per_key=str, fetch=lambda _c, _p: 1),
    ]
    with pytest.raises(RuntimeError, match="wait on each other: a, b"):
        _collect(calls)


# -- the S3 rule, against moto --

@pytest.fixture()
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield


def test_s3_replication_and_object_lock_are_read_only_for_buckets_ever_versioned(aws: None) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    for name in ("plain", "suspended", "replicating", "locked", "target"):
        if name == "locked":
            s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
        else:
            s3.create_bucket(Bucket=name)
    for name in ("suspended", "replicating", "target"):
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_versioning(Bucket="suspended", VersioningConfiguration={"Status": "Suspended"})
    s3.put_bucket_replication(Bucket="replicating", ReplicationConfiguration={
        "Role": "arn:aws:iam::123456789012:role/replication", "Rules": [{
            "ID": "all", "Status": "Enabled", "Priority": 1, "Filter": {},
            "DeleteMarkerReplication": {"Status": "Disabled"}, "Destination": {"Bucket": "arn:aws:s3:::target"}}]})
    snapshot = collect_snapshot(regions=[REGION], datasets=["s3.bucket_replication", "s3.bucket_object_lock"])
    replication = snapshot.get("s3.bucket_replication", GLOBAL)
    object_lock = snapshot.get("s3.bucket_object_lock", GLOBAL)
    # only "plain" was never versioned: S3 allows it neither replication nor Object Lock
    assert snapshot.stats["known_absent_without_request"] == {"s3.bucket_replication": 1, "s3.bucket_object_lock": 1}
    assert replication["plain"] is None and object_lock["plain"] is None
    assert replication["replicating"]["Rules"][0]["ID"] == "all"
    assert replication["suspended"] is None and replication["locked"] is None  # asked: S3 said none
    assert object_lock["locked"]["ObjectLockEnabled"] == "Enabled"
    assert {"s3.bucket_versioning"} <= set(snapshot.stats["datasets_selected"])


def test_s3_versioning_unread_means_replication_and_object_lock_are_asked() -> None:
    snapshot = _snapshot()
    snapshot.put("s3.buckets", GLOBAL, [{"Name": "b1", "BucketRegion": REGION}])
    snapshot.put("s3.bucket_location", GLOBAL, {})
    snapshot.put("s3.bucket_versioning", GLOBAL, {})
    snapshot.add_gap(Gap("s3.bucket_versioning", "s3", "GetBucketVersioning", GLOBAL, "AccessDenied", "no",
                         "s3:GetBucketVersioning", "b1"))
    never_versioned = [c for c in s3_controls.SPECS if c.per_known_absent is not None]
    assert {c.dataset for c in never_versioned} == {"s3.bucket_replication", "s3.bucket_object_lock"}
    assert all(c.per_known_absent and not c.per_known_absent({"Name": "b1"}, snapshot) for c in never_versioned)
    snapshot.put_item("s3.bucket_versioning", GLOBAL, "b2", {"Status": None, "MFADelete": None})
    assert all(c.per_known_absent and c.per_known_absent({"Name": "b2"}, snapshot) for c in never_versioned)
    snapshot.put_item("s3.bucket_versioning", GLOBAL, "b3", {"Status": "Suspended", "MFADelete": None})
    assert not any(c.per_known_absent and c.per_known_absent({"Name": "b3"}, snapshot) for c in never_versioned)


def test_the_gc_threshold_is_raised_while_collecting_and_restored_after() -> None:
    import gc

    from cloudwarden.collect.runner import GC_THRESHOLD, fewer_gc_passes

    before = gc.get_threshold()
    seen: list[int] = []
    calls = [Call("probe", "svc", "get_probe", fetch=lambda _c, _p: seen.append(gc.get_threshold()[0]))]
    _collect(calls)
    assert seen == [max(GC_THRESHOLD, before[0])]
    assert gc.get_threshold() == before
    with fewer_gc_passes():  # two collections at once (an organization scan): the last one out restores
        with fewer_gc_passes():
            assert gc.get_threshold()[0] == max(GC_THRESHOLD, before[0])
        assert gc.get_threshold()[0] == max(GC_THRESHOLD, before[0])
    assert gc.get_threshold() == before
