"""The resource-kind table and attribute_is: one attribute judged per resource, gaps UNKNOWN."""

from __future__ import annotations

import pytest

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.kinds import KINDS, Kind, add_kind, attribute, attribute_is
from cloudwarden.core.enums import Status
from cloudwarden.inventory.snapshot import Gap
from tests.checks.cases import Regional, snapshot_with

KIND = Kind("demo.things", "Id", "Arn", "AWS::Demo::Thing")
THINGS = [{"Id": "a", "Arn": "arn:a", "Settings": {"On": True}}, {"Id": "b", "Settings": {"On": False}},
          {"Id": "c", "Scope": "skip"}]


def run(body, data, gaps=None):  # type: ignore[no-untyped-def]
    ctx = CheckContext(snapshot_with(data, ("us-east-1",), gaps))
    return list(body(ctx)), ctx.skipped


def test_attribute_reads_a_dotted_path() -> None:
    assert attribute(THINGS[0], "Settings.On") is True
    assert attribute(THINGS[2], "Settings.On") is None


def test_attribute_is_judges_each_resource_and_honours_where_and_message_functions() -> None:
    body = attribute_is(KIND, "Settings.On", True, good="on", bad=lambda r: f"{r['Id']} is off",
                        where=lambda r: r.get("Scope") != "skip")
    results, skipped = run(body, {"demo.things": Regional({"us-east-1": THINGS})})
    assert [(r.resource_id, r.status, r.message) for r in results] == [
        ("a", Status.PASS, "on"), ("b", Status.FAIL, "b is off")]
    assert results[0].resource_arn == "arn:a" and results[0].resource_type == "AWS::Demo::Thing"
    assert not skipped


def test_a_gapped_list_dataset_is_unknown_not_nothing_to_evaluate() -> None:
    gap = Gap("demo.things", "demo", "ListThings", "us-east-1", "AccessDenied", "denied", "demo:ListThings")
    results, skipped = run(attribute_is(KIND, "Settings.On", good="on", bad="off"), {}, [gap])
    assert results == [] and [s.region for s in skipped] == ["us-east-1"]
    assert "demo:ListThings" in skipped[0].reason


def test_kinds_register_once() -> None:
    assert add_kind("rds.instance", KINDS["rds.instance"]) is KINDS["rds.instance"]
    with pytest.raises(ValueError, match="twice"):
        add_kind("rds.instance", KIND)
