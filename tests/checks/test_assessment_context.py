"""One AssessmentContext per assessment: the engines' analyses are built once and never outlive it."""

from __future__ import annotations

import pytest

from cloudwarden.assess import assess, select_checks
from cloudwarden.checks import network_engine
from cloudwarden.checks.context import AssessmentContext, CheckContext
from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views.ec2 import Ec2View
from cloudwarden.inventory.views.elb import ElbView
from cloudwarden.inventory.views.rds import RdsView
from tests.checks.cases import snapshot_with


def test_memo_builds_once_per_key() -> None:
    snapshot = snapshot_with({})
    shared = AssessmentContext(snapshot)
    calls: list[object] = []

    def build(seen: object) -> int:
        calls.append(seen)
        return len(calls)

    first, second = shared.memo("k", build), shared.memo("k", build)
    assert (first, second, calls) == (1, 1, [snapshot])


def test_a_check_context_never_shares_another_snapshots_memo() -> None:
    shared = AssessmentContext(snapshot_with({}))
    other = snapshot_with({})
    assert CheckContext(other, shared).assessment is not shared
    assert CheckContext(shared.snapshot, shared).assessment is shared


def test_one_network_analysis_per_assessment(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[object] = []
    original = network_engine._analysed

    def counted(snapshot: Snapshot, ec2: Ec2View, elb: ElbView, rds: RdsView) -> list[object]:
        built.append(snapshot)
        return list(original(snapshot, ec2, elb, rds))

    monkeypatch.setattr(network_engine, "_analysed", counted)
    snapshot = snapshot_with({}, ("us-east-1",))
    net_checks = select_checks(["net"])
    assert len(net_checks) > 1
    assess(snapshot, net_checks)
    assess(snapshot, net_checks)
    assert built == [snapshot, snapshot]  # once per assessment, not once per check nor once ever
