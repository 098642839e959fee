"""`scan-org` against moto: an organization of 20 member accounts in nested OUs, two of them without
the role, scanned in parallel; then an interrupted scan resumed without redoing finished accounts."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.iam.models import iam_backends
from moto.sts.exceptions import STSClientError
from moto.sts.models import STSBackend

from cloudwarden.cli import main
from cloudwarden.inventory.snapshot import load_snapshot
from tests.helpers import scoped_env

ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
ROLE = "OrganizationAccountAccessRole"
# OU path -> how many member accounts it holds (20 in all, three levels deep).
LAYOUT = {"Security": 2, "Infrastructure": 2, "Workloads": 1, "Workloads/Prod": 5, "Workloads/NonProd": 4,
          "Workloads/NonProd/Sandbox": 4, "Suspended": 2}
NO_ROLE = ("workloads-prod-3", "sandbox-1")
SCAN = ["--regions", "us-east-1", "--checks", "iam.root_mfa_enabled,iam.password_policy_min_length_14",
        "--parallel", "4", "--workers", "4", "--quiet", "--format", "json"]


class _RoleMissing(STSClientError):
    def __init__(self, arn: str) -> None:
        super().__init__("AccessDenied", f"User is not authorized to perform: sts:AssumeRole on resource: {arn}")


pytestmark = pytest.mark.filterwarnings("ignore:Exception\\(_RoleMissing\\):UserWarning")


@pytest.fixture(scope="module")
def org() -> Iterator[dict[str, Any]]:
    with scoped_env(ENV), mock_aws():
        client = boto3.client("organizations", region_name="us-east-1")
        client.create_organization(FeatureSet="ALL")
        root = client.list_roots()["Roots"][0]["Id"]
        parents = {"": root}
        for path in LAYOUT:
            parent, _, name = path.rpartition("/")
            parents[path] = client.create_organizational_unit(ParentId=parents[parent], Name=name)[
                "OrganizationalUnit"]["Id"]
        accounts: dict[str, str] = {}
        paths: dict[str, str] = {}
        for path, count in LAYOUT.items():
            for n in range(1, count + 1):
                name = f"{path.rsplit('/', 1)[-1].lower()}-{n}" if path != "Workloads/Prod" else f"workloads-prod-{n}"
                status = client.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]
                account_id = status["AccountId"]
                client.move_account(AccountId=account_id, SourceParentId=root, DestinationParentId=parents[path])
                accounts[name], paths[account_id] = account_id, f"Root/{path}"
        sts = boto3.client("sts", region_name="us-east-1")
        for name in NO_ROLE:
            # Organizations creates the role in the accounts it creates; accounts that were invited
            # have none. Take it away in two accounts, as their own administrator would.
            creds = sts.assume_role(RoleArn=f"arn:aws:iam::{accounts[name]}:role/{ROLE}",
                                    RoleSessionName="setup")["Credentials"]
            iam = boto3.client("iam", region_name="us-east-1", aws_access_key_id=creds["AccessKeyId"],
                               aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
            iam.delete_role(RoleName=ROLE)
        management = sts.get_caller_identity()["Account"]
        yield {"accounts": accounts, "paths": paths, "management": management}


@pytest.fixture
def assumed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """moto lets AssumeRole through whether the role exists or not; AWS answers AccessDenied."""
    calls: list[str] = []
    original = STSBackend.assume_role

    def assume_role(self: STSBackend, **kwargs: Any) -> Any:
        arn = kwargs["role_arn"]
        account_id, name = arn.split(":")[4], arn.rsplit("/", 1)[-1]
        calls.append(account_id)
        if not any(r.name == name for r in iam_backends[account_id]["aws"].roles.values()):
            raise _RoleMissing(arn)
        return original(self, **kwargs)

    monkeypatch.setattr(STSBackend, "assume_role", assume_role)
    return calls


def _summary(out: Path) -> dict[str, Any]:
    return json.loads((out / "organization.json").read_text())


def test_twenty_accounts_two_without_role_then_resume(org: dict[str, Any], assumed: list[str], tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "org"
    started = time.monotonic()
    with scoped_env(ENV):
        code = main(["scan-org", "--out", str(out), *SCAN])
    elapsed = time.monotonic() - started
    capsys.readouterr()
    summary = _summary(out)
    rows = {r["id"]: r for r in summary["accounts"]}
    members = org["accounts"]
    assert code == 0
    assert len(members) == 20 and set(members.values()) | {org["management"]} == set(rows)
    failed = {members[n] for n in NO_ROLE}
    assert {i for i, r in rows.items() if r["status"] == "failed"} == failed
    for account_id in failed:
        assert rows[account_id]["reason_code"] == "assume_role:AccessDenied"
        assert "AccessDenied" in rows[account_id]["reason"] and f"{account_id}:role/{ROLE}" in rows[account_id]["reason"]
    scanned = {i for i, r in rows.items() if r["status"] == "ok"}
    assert scanned == set(members.values()) - failed | {org["management"]}
    assert summary["totals"] | {"findings": None} == {"accounts": 21, "ok": 19, "failed": 2, "skipped": 0,
                                                      "findings": None}
    # Each member was collected in its own account, and the management account without a role.
    assert sorted(assumed) == sorted(members.values())
    for account_id in scanned:
        assert load_snapshot(out / account_id / "account.snapshot").account_id == account_id
        findings = json.loads((out / account_id / "findings.json").read_text())
        assert {f["check_id"] for f in findings["findings"]} == {"iam.root_mfa_enabled", "iam.password_policy_min_length_14"}
        assert rows[account_id]["counts"]["FAIL"] >= 1  # no password policy in any moto account
    for account_id, path in org["paths"].items():
        assert rows[account_id]["ou_path"] == path
    units = summary["organizational_units"]
    assert units["Root"]["accounts"] == 21
    assert units["Root/Workloads"] | {"counts": None} == {"accounts": 14, "ok": 12, "failed": 2,
                                                          "skipped": 0, "counts": None}
    assert units["Root/Workloads/NonProd/Sandbox"]["failed"] == 1
    assert summary["checks"]["iam.password_policy_min_length_14"]["accounts_failing"] == sorted(scanned)
    with capsys.disabled():
        print(f"\nscan-org: 21 accounts (20 members) in {elapsed:.1f} s, load {Path('/proc/loadavg').read_text().strip()}")

    # An existing scan is never overwritten by accident.
    with scoped_env(ENV):
        assert main(["scan-org", "--out", str(out), *SCAN]) == 2
    # Interrupted: five snapshots lost and no summary. --resume collects only those (and retries the failed).
    lost = sorted(scanned - {org["management"]})[:5]
    for account_id in lost:
        shutil.rmtree(out / account_id)
    (out / "organization.json").unlink()
    assumed.clear()
    with scoped_env(ENV):
        assert main(["scan-org", "--out", str(out), "--resume", *SCAN]) == 0
    capsys.readouterr()
    again = {r["id"]: r for r in _summary(out)["accounts"]}
    assert sorted(assumed) == sorted([*lost, *failed])
    assert {i for i, r in again.items() if r["resumed"]} == scanned - set(lost)
    assert {i for i, r in again.items() if r["status"] == "ok"} == scanned
    assert {i: r["counts"] for i, r in again.items()} == {i: r["counts"] for i, r in rows.items()}


def test_ous_accounts_and_exclude_narrow_the_scan(org: dict[str, Any], assumed: list[str], tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    members = org["accounts"]
    with scoped_env(ENV):
        code = main(["scan-org", "--out", str(tmp_path / "o"), "--ous", "Workloads/NonProd",
                     "--exclude", "nonprod-1", *SCAN])
    assert code == 0, capsys.readouterr().err
    rows = {r["id"]: r for r in _summary(tmp_path / "o")["accounts"]}
    nonprod = {i for i, p in org["paths"].items() if p.startswith("Root/Workloads/NonProd")}
    assert code == 0 and set(rows) == nonprod
    assert rows[members["nonprod-1"]]["status"] == "skipped"
    assert rows[members["sandbox-1"]]["status"] == "failed"
    with scoped_env(ENV):
        assert main(["scan-org", "--out", str(tmp_path / "p"), "--accounts", "security-1", *SCAN]) == 0
    capsys.readouterr()
    assert [r["id"] for r in _summary(tmp_path / "p")["accounts"]] == [members["security-1"]]
    with scoped_env(ENV):
        assert main(["scan-org", "--out", str(tmp_path / "q"), "--ous", "NoSuchOU", *SCAN]) == 2


def _client(service: str, account_id: str) -> Any:
    creds = boto3.client("sts", region_name="us-east-1").assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/{ROLE}", RoleSessionName="setup")["Credentials"]
    return boto3.client(service, region_name="us-east-1", aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])


def test_escalation_across_the_scanned_accounts_with_their_scps(org: dict[str, Any], assumed: list[str],
                                                                tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A developer in a NonProd account may assume an administrator role of a Prod account that
    trusts it; the same developer in a Sandbox account is fenced by an SCP on Sandbox. `iam escalation`
    over the scan's folder finds the first chain and not the second."""
    accounts = org["accounts"]
    prod, nonprod, sandbox = accounts["workloads-prod-1"], accounts["nonprod-1"], accounts["sandbox-2"]
    with scoped_env(ENV):
        trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                                     "Principal": {"AWS": [f"arn:aws:iam::{nonprod}:root",
                                                                                           f"arn:aws:iam::{sandbox}:root"]}}]})
        prod_iam = _client("iam", prod)
        prod_iam.create_role(RoleName="deploy", AssumeRolePolicyDocument=trust)
        prod_iam.put_role_policy(RoleName="deploy", PolicyName="admin", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        assume = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                                      "Resource": f"arn:aws:iam::{prod}:role/*"}]})
        for account_id in (nonprod, sandbox):
            member_iam = _client("iam", account_id)
            member_iam.create_user(UserName="dev")
            member_iam.put_user_policy(UserName="dev", PolicyName="assume", PolicyDocument=assume)
        organizations = boto3.client("organizations", region_name="us-east-1")
        sandbox_ou = next(u["Id"] for root in organizations.list_roots()["Roots"]
                          for u in organizations.list_organizational_units_for_parent(ParentId=root["Id"])[
                              "OrganizationalUnits"] if u["Name"] == "Workloads")
        sandbox_ou = next(u["Id"] for nonprod_ou in organizations.list_organizational_units_for_parent(
            ParentId=sandbox_ou)["OrganizationalUnits"] if nonprod_ou["Name"] == "NonProd"
            for u in organizations.list_organizational_units_for_parent(ParentId=nonprod_ou["Id"])[
                "OrganizationalUnits"] if u["Name"] == "Sandbox")
        fence = organizations.create_policy(Name="no-assume", Description="d", Type="SERVICE_CONTROL_POLICY",
                                            Content=json.dumps({"Version": "2012-10-17", "Statement": [
                                                {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}]}))
        organizations.attach_policy(PolicyId=fence["Policy"]["PolicySummary"]["Id"], TargetId=sandbox_ou)
        out = tmp_path / "org"
        only = ["--accounts", ",".join([prod, nonprod, sandbox, org["management"]])]
        # `scan --organization` is the same command as `scan-org`
        assert main(["scan", "--organization", "--out", str(out), *only, "--regions", "us-east-1", "--quiet",
                     "--format", "json",
                     "--checks", "iam.privilege_escalation_to_admin,org.authorization_guardrails"]) == 0
        capsys.readouterr()
        assert main(["iam", "escalation", str(out), "--format", "json"]) == 0
    out_text, err = capsys.readouterr()
    rows = {r["principal"]: r for r in map(json.loads, out_text.splitlines())}
    nonprod_dev, sandbox_dev = f"arn:aws:iam::{nonprod}:user/dev", f"arn:aws:iam::{sandbox}:user/dev"
    assert rows[nonprod_dev]["reaches_admin_of"] == prod
    assert [s["kind"] for s in rows[nonprod_dev]["path"]] == ["sts-001", "is administrator"]
    assert sandbox_dev not in rows
    assert "read in the management account" in err
    wide = _summary(out)["organization_wide"]
    assert wide["available"] and wide["management_account"] == org["management"]
    assert "no-assume" in wide["guardrails"][sandbox]["scps"] and wide["guardrails"][nonprod]["scps"] == []
    assert wide["guardrails"][sandbox]["ou_path"].endswith("Sandbox")
    assert {c["check_id"] for c in wide["checks"]} >= {"org.authorization_guardrails"}
    sandbox_verdict = next(c for c in wide["checks"] if c["check_id"] == "org.authorization_guardrails"
                           and c["resource"] == sandbox)
    # the probed guardrails (leave the organization, root keys, ...) are not what no-assume denies
    assert sandbox_verdict["status"] == "FAIL" and "no-assume" in sandbox_verdict["message"]
    assert {i["item"] for i in wide["strategy"]} >= {"security / log-archive account", "OUs per environment"}
