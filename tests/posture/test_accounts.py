"""The account-strategy view: an organization of several accounts in OUs (moto), a lone account,
a member account that sees little, and the gaps the guidance names."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from cloudwarden.cli import main
from cloudwarden.inventory.snapshot import GLOBAL, Gap, Snapshot, save_snapshot
from cloudwarden.posture.accounts import account_strategy
from tests.helpers import scoped_env
from tests.posture.organization import organization_snapshot, plant_organization

ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def by_pattern(view: dict[str, Any]) -> dict[int, str]:
    return {p["pattern"]: p["status"] for p in view["patterns"]}


def by_item(view: dict[str, Any]) -> dict[str, str]:
    return {i["item"]: i["status"] for i in view["missing"]}


def test_single_account_outside_any_organization() -> None:
    # Before the module's organization exists (moto keeps its state while that fixture is open).
    with scoped_env(ENV), mock_aws():
        view = account_strategy(organization_snapshot())
    assert view["basis"] == "single account" and view["organization"] is None
    assert by_pattern(view) == {1: "partly", 2: "no", 3: "no", 4: "no"}
    assert by_item(view)["organization"] == "missing"


@pytest.fixture(scope="module")
def organization() -> Iterator[Snapshot]:
    with scoped_env(ENV), mock_aws():
        plant_organization()
        yield organization_snapshot()


def test_organization_follows_all_four_patterns(organization: Snapshot) -> None:
    view = account_strategy(organization)
    assert view["basis"] == "organization" and view["is_management_account"]
    assert len(view["accounts"]) == 8 and len(view["organizational_units"]) == 5
    assert by_pattern(view) == {1: "follows", 2: "follows", 3: "follows", 4: "follows"}
    assert view["follows"] == [1, 2, 3, 4]
    accounts = {a["name"]: a for a in view["accounts"]}
    assert accounts["audit"]["security"] and accounts["log-archive"]["security"]
    assert accounts["shared-network"]["shared_services"]
    assert accounts["payments-dev"]["ou_path"] == "Root/Workloads/NonProd"
    items = by_item(view)
    assert items["service control policies"] == "present"
    assert items["OUs per environment"] == "present"
    assert items["security / log-archive account"] == "present"
    assert items["management account free of workloads"] == "present"
    # moto does not implement iam:ListOrganizationsFeatures: unknown with the reason, never "present".
    assert items["root access centralised"] == "unknown"
    assert any("iam.organizations_features" in reason for reason in view["not_seen"])
    json.dumps(view)  # plain JSON-able data for the reporters


def test_cli_json_and_terminal(organization: Snapshot, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = save_snapshot(organization, tmp_path / "org.snapshot")
    assert main(["accounts", str(path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["follows"] == [1, 2, 3, 4]
    assert main(["accounts", str(path)]) == 0
    out = capsys.readouterr().out
    assert "8 accounts in 5 OUs" in out and "follows  2. separate production, development and test accounts" in out


def flat_organization(**overrides: Any) -> Snapshot:
    """A management account whose members all sit under the root: the shape most estates start with."""
    snap = Snapshot(account_id="111111111111", collected_at="2026-11-28T00:00:00+00:00", regions=["us-east-1"])
    data = {
        "organizations.organization": {"Id": "o-1", "MasterAccountId": "111111111111", "FeatureSet": "ALL"},
        "organizations.accounts": [{"Id": "111111111111", "Name": "main", "Status": "ACTIVE"},
                                   {"Id": "222222222222", "Name": "workload-a", "Status": "ACTIVE"},
                                   {"Id": "333333333333", "Name": "workload-b", "Status": "ACTIVE"}],
        "organizations.tree": {"organizational_units": [],
                               "account_parents": {"111111111111": "r-1", "222222222222": "r-1",
                                                   "333333333333": "r-1"}},
        "organizations.scps": [{"Id": "p-FullAWSAccess", "Name": "FullAWSAccess", "AwsManaged": True}],
        "organizations.policy_targets": {"p-FullAWSAccess": [{"TargetId": "r-1"}]},
        "organizations.account_tags": {}, "organizations.delegated_services": {},
        "iam.organizations_features": None,
        "iam.authorization_details": {"UserDetailList": [{"UserName": "alice"}, {"UserName": "bob"}],
                                      "RoleDetailList": []},
        "iam.saml_providers": [],
        "ec2.instances": None,
    }
    data.update(overrides)
    for dataset, value in data.items():
        if dataset == "ec2.instances":
            snap.put(dataset, "us-east-1", value or [])
        else:
            snap.put(dataset, GLOBAL, value)
    return snap


def test_flat_organization_lists_what_is_missing() -> None:
    view = account_strategy(flat_organization(**{"ec2.instances": [{"InstanceId": "i-1"}]}))
    assert by_pattern(view) == {1: "no", 2: "no", 3: "no", 4: "no"}
    assert by_item(view) == {
        "service control policies": "missing", "OUs per environment": "missing",
        "security / log-archive account": "missing", "root access centralised": "missing",
        "cross-account roles instead of users": "missing", "management account free of workloads": "missing"}


def test_root_access_and_roles_present() -> None:
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
                            "Action": "sts:AssumeRole"}]}
    view = account_strategy(flat_organization(**{
        "iam.organizations_features": ["RootCredentialsManagement", "RootSessions"],
        "iam.authorization_details": {"UserDetailList": [{"UserName": "breakglass"}],
                                      "RoleDetailList": [{"RoleName": "admin", "AssumeRolePolicyDocument": trust}]},
        "organizations.organization": {"Id": "o-1", "MasterAccountId": "111111111111",
                                       "FeatureSet": "CONSOLIDATED_BILLING"}}))
    items = by_item(view)
    assert items["root access centralised"] == "present"
    assert items["cross-account roles instead of users"] == "partly"
    assert items["service control policies"] == "missing"  # consolidated billing cannot have SCPs


def test_member_account_says_what_it_cannot_see() -> None:
    snap = Snapshot(account_id="222222222222", collected_at="2026-11-28T00:00:00+00:00", regions=["us-east-1"])
    snap.put("organizations.organization", GLOBAL, {"Id": "o-1", "MasterAccountId": "111111111111",
                                                    "FeatureSet": "ALL"})
    for dataset, operation in (("organizations.accounts", "ListAccounts"), ("organizations.tree", "ListRoots"),
                               ("organizations.scps", "ListPolicies"),
                               ("iam.organizations_features", "ListOrganizationsFeatures")):
        snap.add_gap(Gap(dataset, dataset.split(".")[0], operation, GLOBAL, "AccessDeniedException", "denied",
                         f"organizations:{operation}"))
    snap.put("iam.authorization_details", GLOBAL, {"UserDetailList": [], "RoleDetailList": []})
    view = account_strategy(snap)
    assert view["basis"] == "member account" and not view["is_management_account"]
    assert set(by_pattern(view).values()) == {"unknown"}
    items = by_item(view)
    assert items["service control policies"] == "unknown" and items["OUs per environment"] == "unknown"
    assert items["root access centralised"] == "unknown"
    assert items["cross-account roles instead of users"] == "present"
    assert len(view["not_seen"]) >= 4
