"""codebuild-002/003 (an existing CodeBuild project run with its service role) from collected data.

The project's service role is only returned by codebuild:BatchGetProjects. moto implements
CreateProject, ListProjects and BatchGetProjects (not buildBatchConfig: codebuild-003 is tested on the
collected snapshot with the batch configuration added as AWS returns it, and through the collector
with a BatchGetProjects response in the documented shape, served by botocore's Stubber, which
validates it against the service model). The project's PLAINTEXT
environment variable must not reach the snapshot; a missing dataset must not read as "no path".
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from cloudwarden.collect import collect_snapshot
from cloudwarden.collect.services import escalation as escalation_specs
from cloudwarden.collect.services import iam as iam_specs
from cloudwarden.engines.iam.account import load_account
from cloudwarden.engines.iam.escalation import build_graph, compute_links, escalation_paths
from cloudwarden.inventory.snapshot import Gap, Snapshot
from tests.helpers import scoped_env

REGION = "us-east-1"
ACCOUNT = "123456789012"
SECRET = "hunter2-Zq8vLm3Xp0"  # a PLAINTEXT environment value
AWS_KEY = "AKIAZ3MSJV4WWNKWW5FG"
ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _project_arn(name: str) -> str:
    return f"arn:aws:codebuild:{REGION}:{ACCOUNT}:project/{name}"


@pytest.fixture(scope="module")
def snapshot() -> Iterator[Snapshot]:
    with scoped_env(ENV), mock_aws():
        iam = boto3.client("iam", region_name=REGION)
        admin = iam.create_policy(PolicyName="admin", PolicyDocument=_doc(
            {"Effect": "Allow", "Action": "*", "Resource": "*"}))["Policy"]["Arn"]
        iam.create_role(RoleName="build-admin", AssumeRolePolicyDocument=_doc(
            {"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}))
        iam.attach_role_policy(RoleName="build-admin", PolicyArn=admin)
        iam.create_role(RoleName="build-plain", AssumeRolePolicyDocument=_doc(
            {"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}))
        statements: dict[str, dict[str, Any]] = {
            "builder": {"Effect": "Allow", "Action": ["codebuild:StartBuild", "codebuild:StartBuildBatch"],
                        "Resource": _project_arn("deploy")},
            "other-builder": {"Effect": "Allow", "Action": "codebuild:StartBuild", "Resource": _project_arn("lint")},
            "reader": {"Effect": "Allow", "Action": "codebuild:BatchGetProjects", "Resource": "*"},
        }
        for user, statement in statements.items():
            iam.create_user(UserName=user)
            iam.put_user_policy(UserName=user, PolicyName="inline", PolicyDocument=_doc(statement))
        codebuild = boto3.client("codebuild", region_name=REGION)
        for name, role in (("deploy", "build-admin"), ("lint", "build-plain")):
            codebuild.create_project(
                name=name, source={"type": "S3", "location": "builds-bucket/src.zip", "buildspec": "version: 0.2"},
                artifacts={"type": "NO_ARTIFACTS"}, serviceRole=f"arn:aws:iam::{ACCOUNT}:role/{role}",
                environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                             "computeType": "BUILD_GENERAL1_SMALL",
                             "environmentVariables": [
                                 {"name": "DB_PASSWORD", "value": SECRET, "type": "PLAINTEXT"},
                                 {"name": "AWS_SECRET", "value": AWS_KEY, "type": "PLAINTEXT"},
                                 {"name": "TOKEN", "value": "/prod/token", "type": "PARAMETER_STORE"}]})
        yield collect_snapshot(regions=[REGION], calls=[*iam_specs.SPECS, *escalation_specs.SPECS], workers=4)


def _first_steps(snapshot: Snapshot) -> dict[str, list[Any]]:
    account = load_account(snapshot)
    graph = build_graph(account, compute_links(snapshot, account))
    return {node.rsplit("/", 1)[-1]: steps for node, steps in escalation_paths(account, graph)}


def test_projects_are_collected_with_their_roles_and_no_plaintext_value(snapshot: Snapshot) -> None:
    projects = [p for batch in snapshot.get("codebuild.projects", REGION).values() for p in batch]
    roles = {p["name"]: p["serviceRole"] for p in projects}
    assert roles == {"deploy": f"arn:aws:iam::{ACCOUNT}:role/build-admin",
                     "lint": f"arn:aws:iam::{ACCOUNT}:role/build-plain"}
    saved = json.dumps(snapshot.to_dict())
    assert SECRET not in saved and AWS_KEY not in saved
    assert "version: 0.2" not in saved  # the inline buildspec is not kept
    variables = {v["name"]: v for v in projects[0]["environment"]["environmentVariables"]}
    assert variables["DB_PASSWORD"]["value"]["cloudwarden_redacted"] is True
    assert variables["DB_PASSWORD"]["value"]["length"] == len(SECRET)
    assert any(s["type"] == "AWS Access Key" for s in variables["AWS_SECRET"]["value"]["secrets"])
    assert variables["TOKEN"]["type"] == "PARAMETER_STORE"


def test_batches_of_at_most_100_names() -> None:
    spec = next(c for c in escalation_specs.SPECS if c.dataset == "codebuild.projects")
    assert spec.per == "codebuild.project_names" and spec.per_batch == 100
    assert spec.per_params and spec.per_params(["a", "b"]) == {"names": ["a", "b"]}


def test_start_build_on_a_project_with_an_admin_role_is_codebuild_002(snapshot: Snapshot) -> None:
    found = _first_steps(snapshot)
    step = found["builder"][0]
    assert (step.kind, step.via, step.target) == (
        "codebuild-002", _project_arn("deploy"), f"arn:aws:iam::{ACCOUNT}:role/build-admin")
    assert "other-builder" not in found  # its project's role is not an administrator
    assert "reader" not in found


def test_start_build_batch_needs_a_batch_configuration_codebuild_003(snapshot: Snapshot) -> None:
    changed = Snapshot.from_dict(copy.deepcopy(snapshot.to_dict()))
    batches = changed.get("codebuild.projects", REGION)
    for batch in batches.values():
        for project in batch:
            if project["name"] == "deploy":
                project["buildBatchConfig"] = {"serviceRole": project["serviceRole"]}
    account = load_account(changed)
    graph = build_graph(account, compute_links(changed, account))
    builder = f"arn:aws:iam::{ACCOUNT}:user/builder"
    kinds = {s.kind for s in graph.edges[builder, f"arn:aws:iam::{ACCOUNT}:role/build-admin"]["steps"]}
    assert kinds == {"codebuild-002", "codebuild-003"}
    # without a batch configuration (as collected), only codebuild-002
    account = load_account(snapshot)
    graph = build_graph(account, compute_links(snapshot, account))
    assert {s.kind for s in graph.edges[builder, f"arn:aws:iam::{ACCOUNT}:role/build-admin"]["steps"]} == {
        "codebuild-002"}


def test_projects_not_collected_make_the_path_unknown_not_absent(snapshot: Snapshot) -> None:
    changed = Snapshot.from_dict(copy.deepcopy(snapshot.to_dict()))
    changed.datasets.pop("codebuild.projects")
    changed.add_gap(Gap("codebuild.projects", "codebuild", "BatchGetProjects", REGION, "AccessDenied",
                        "not authorized", "codebuild:BatchGetProjects"))
    _assert_unknown(changed)


def test_a_failed_batch_makes_the_path_unknown(snapshot: Snapshot) -> None:
    changed = Snapshot.from_dict(copy.deepcopy(snapshot.to_dict()))
    changed.put("codebuild.projects", REGION, {})
    changed.add_gap(Gap("codebuild.projects", "codebuild", "BatchGetProjects", REGION, "AccessDenied",
                        "not authorized", "codebuild:BatchGetProjects", resource="deploy"))
    _assert_unknown(changed)


def _assert_unknown(changed: Snapshot) -> None:
    account = load_account(changed)
    graph = build_graph(account, compute_links(changed, account))
    found = {node.rsplit("/", 1)[-1] for node, _ in escalation_paths(account, graph)}
    assert "builder" not in found
    unresolved = graph.graph["unresolved"]
    builder = unresolved[f"arn:aws:iam::{ACCOUNT}:user/builder"]
    assert {path for path, _ in builder} == {"codebuild-002", "codebuild-003"}
    assert all("codebuild.projects" in why and "not authorized" in why for _, why in builder)
    assert f"arn:aws:iam::{ACCOUNT}:user/other-builder" in unresolved
    assert f"arn:aws:iam::{ACCOUNT}:user/reader" not in unresolved


def _check_statuses(snapshot: Snapshot) -> dict[str, tuple[str, str]]:
    from cloudwarden.assess import run_check
    from cloudwarden.checks.registry import load_all_checks

    findings = run_check(load_all_checks()["iam.privilege_escalation_to_admin"], snapshot)
    return {f.resource_id: (f.status.value, f.message) for f in findings}


def test_the_check_fails_the_builder_and_says_unknown_when_projects_are_a_gap(snapshot: Snapshot) -> None:
    statuses = _check_statuses(snapshot)
    assert statuses["user/builder"] == ("FAIL", "reaches administrator in 2 step(s): user/builder -[codebuild:StartBuild]-> "
                                       "role/build-admin; role/build-admin -[*]-> administrator")
    assert statuses["user/other-builder"][0] == "PASS"
    changed = Snapshot.from_dict(copy.deepcopy(snapshot.to_dict()))
    changed.datasets.pop("codebuild.projects")
    changed.add_gap(Gap("codebuild.projects", "codebuild", "BatchGetProjects", REGION, "AccessDenied",
                        "not authorized", "codebuild:BatchGetProjects"))
    statuses = _check_statuses(changed)
    for user in ("builder", "other-builder"):
        status, message = statuses[f"user/{user}"]
        assert status == "UNKNOWN" and "codebuild-002" in message and "BatchGetProjects" in message
    assert statuses["user/reader"][0] == "PASS"


def test_the_cli_lists_the_unknown_principals(snapshot: Snapshot, tmp_path: Any, capsys: Any) -> None:
    from cloudwarden.cli import main
    from cloudwarden.inventory.snapshot import save_snapshot

    changed = Snapshot.from_dict(copy.deepcopy(snapshot.to_dict()))
    changed.datasets.pop("codebuild.projects")
    path = str(save_snapshot(changed, tmp_path / "snap.json.gz"))
    assert main(["iam", "escalation", path]) == 0
    out = capsys.readouterr().out
    builder = f"arn:aws:iam::{ACCOUNT}:user/builder"
    assert f"{builder}: unknown whether it can reach administrator through codebuild-002" in out
    assert main(["iam", "escalation", path, "--format", "json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    mine = next(r for r in records if r["principal"] == builder)
    assert mine["path"] == [] and {u["id"] for u in mine["unknown"]} == {"codebuild-002", "codebuild-003"}


# BatchGetProjects as the CodeBuild API reference documents its response: a Project with its
# `buildBatchConfig` (ProjectBuildBatchConfig: serviceRole, combineArtifacts, restrictions,
# timeoutInMins, batchReportMode). botocore's Stubber validates it against the service model.
def _documented_project(name: str, role: str, batch_role: str = "") -> dict[str, Any]:
    import datetime

    project: dict[str, Any] = {
        "name": name, "arn": _project_arn(name), "description": "release builds",
        "source": {"type": "CODECOMMIT", "location": f"https://git-codecommit.{REGION}.amazonaws.com/v1/repos/{name}",
                   "buildspec": "version: 0.2", "gitCloneDepth": 1, "insecureSsl": False},
        "artifacts": {"type": "NO_ARTIFACTS"},
        "environment": {"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                        "computeType": "BUILD_GENERAL1_SMALL", "privilegedMode": False,
                        "environmentVariables": [{"name": "DB_PASSWORD", "value": SECRET, "type": "PLAINTEXT"}],
                        "imagePullCredentialsType": "CODEBUILD"},
        "serviceRole": f"arn:aws:iam::{ACCOUNT}:role/{role}",
        "timeoutInMinutes": 60, "queuedTimeoutInMinutes": 480,
        "created": datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC),
        "lastModified": datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC),
        "badge": {"badgeEnabled": False}, "projectVisibility": "PRIVATE",
    }
    if batch_role:
        project["buildBatchConfig"] = {
            "serviceRole": f"arn:aws:iam::{ACCOUNT}:role/{batch_role}", "combineArtifacts": False,
            "restrictions": {"maximumBuildsAllowed": 10, "computeTypesAllowed": ["BUILD_GENERAL1_SMALL"]},
            "timeoutInMins": 120, "batchReportMode": "REPORT_AGGREGATED_BATCH"}
    return project


def test_codebuild_003_from_a_batch_get_projects_response_in_the_documented_shape() -> None:
    from botocore.stub import Stubber

    from cloudwarden.collect.aws import AwsClients

    # (its own names: the module's moto account is still active when this test runs)
    with scoped_env(ENV), mock_aws():
        iam = boto3.client("iam", region_name=REGION)
        admin = iam.create_policy(PolicyName="release-admin-policy", PolicyDocument=_doc(
            {"Effect": "Allow", "Action": "*", "Resource": "*"}))["Policy"]["Arn"]
        for role in ("release-admin", "batch-runner"):
            iam.create_role(RoleName=role, AssumeRolePolicyDocument=_doc(
                {"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}))
        iam.attach_role_policy(RoleName="release-admin", PolicyArn=admin)
        iam.create_user(UserName="batcher")
        iam.put_user_policy(UserName="batcher", PolicyName="inline", PolicyDocument=_doc(
            {"Effect": "Allow", "Action": "codebuild:StartBuildBatch", "Resource": "*"}))
        clients = AwsClients()
        codebuild = clients.client("codebuild", REGION)
        stubber = Stubber(codebuild)
        stubber.add_response("list_projects", {"projects": ["release", "lint"]}, {})
        stubber.add_response("batch_get_projects", {
            "projects": [_documented_project("release", "release-admin", batch_role="batch-runner"),
                         _documented_project("lint", "release-admin")]}, {"names": ["release", "lint"]})
        with stubber:
            snapshot = collect_snapshot(regions=[REGION], calls=[*iam_specs.SPECS, *escalation_specs.SPECS],
                                        clients=clients, workers=2)
        stubber.assert_no_pending_responses()
    projects = {p["name"]: p for batch in snapshot.get("codebuild.projects", REGION).values() for p in batch}
    assert projects["release"]["buildBatchConfig"] == {"serviceRole": f"arn:aws:iam::{ACCOUNT}:role/batch-runner"}
    assert "buildBatchConfig" not in projects["lint"]
    assert SECRET not in json.dumps(snapshot.to_dict())
    account = load_account(snapshot)
    graph = build_graph(account, compute_links(snapshot, account))
    batcher, target = f"arn:aws:iam::{ACCOUNT}:user/batcher", f"arn:aws:iam::{ACCOUNT}:role/release-admin"
    steps = graph.edges[batcher, target]["steps"]
    # the builds of a batch run with the project's service role: only the batch-configured project
    assert [(s.kind, s.via) for s in steps] == [("codebuild-003", _project_arn("release"))]
    assert not steps[0].gap
    assert dict(escalation_paths(account, graph))[batcher][0].kind == "codebuild-003"
