"""The Organizations specs against moto: OU tree, account parents and tags, SCP targets, delegated
administrators; an account outside any organization reads as absent, not as a gap."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from cloudwarden.inventory.snapshot import GLOBAL, Snapshot
from tests.helpers import scoped_env
from tests.posture.organization import organization_snapshot, plant_organization

ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


# Runs before the module's organization exists (moto's state lives while the fixture is open).
def test_outside_any_organization_is_absent_not_a_gap() -> None:
    with scoped_env(ENV), mock_aws():
        snapshot = organization_snapshot()
    assert snapshot.get("organizations.organization", GLOBAL) is None
    assert snapshot.get("organizations.tree", GLOBAL) is None
    org_gaps = [g for g in snapshot.gaps if g.dataset.startswith("organizations.")]
    assert org_gaps == []


@pytest.fixture(scope="module")
def planted() -> Iterator[tuple[dict[str, object], Snapshot]]:
    with scoped_env(ENV), mock_aws():
        plan = plant_organization()
        yield plan, organization_snapshot()


def test_tree_places_every_account_in_its_ou(planted: tuple[dict[str, object], Snapshot]) -> None:
    plan, snapshot = planted
    tree = snapshot.get("organizations.tree", GLOBAL)
    paths = {u["Path"] for u in tree["organizational_units"]}
    assert paths == {"Root/Security", "Root/Infrastructure", "Root/Workloads", "Root/Workloads/Prod",
                     "Root/Workloads/NonProd"}
    by_id = {u["Id"]: u for u in tree["organizational_units"]}
    ids = plan["accounts"]
    assert isinstance(ids, dict)
    assert by_id[tree["account_parents"][ids["payments-prod"]]]["Path"] == "Root/Workloads/Prod"
    assert tree["account_parents"][snapshot.account_id] == plan["root"]


def test_tags_targets_and_delegated_administrators(planted: tuple[dict[str, object], Snapshot]) -> None:
    plan, snapshot = planted
    ids = plan["accounts"]
    assert isinstance(ids, dict)
    tags = snapshot.item("organizations.account_tags", GLOBAL, ids["payments-dev"])
    assert {"Key": "Environment", "Value": "development"} in tags
    targets = snapshot.item("organizations.policy_targets", GLOBAL, str(plan["policy"]))
    assert [t["TargetId"] for t in targets] == [plan["workloads"]]
    admins = snapshot.get("organizations.delegated_administrators", GLOBAL)
    assert [a["Id"] for a in admins] == [ids["audit"]]
    services = snapshot.item("organizations.delegated_services", GLOBAL, ids["audit"])
    assert {s["ServicePrincipal"] for s in services} == {"guardduty.amazonaws.com", "access-analyzer.amazonaws.com"}
