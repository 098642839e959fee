"""Escalation paths through collected resources, when the dataset they rest on is a gap.

For every resource family a path needs (EC2 instances and their SSM registration, launch templates,
Lambda functions and their event sources, CloudFormation stacks and stack sets, CodeBuild projects,
Glue dev endpoints and jobs, SageMaker notebooks, ECS clusters, App Runner services, Bedrock
AgentCore code interpreters), two snapshots of the same account: one where the dataset was
collected and holds nothing (no edge; the escalation check PASSes), one where it is a gap
(AccessDenied): the path is still an edge, to the admin role such a resource could run with, marked
with the gap's reason, and the check says UNKNOWN, not PASS.
"""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.assess import run_check
from cloudwarden.checks.registry import load_all_checks
from cloudwarden.engines.iam import pathfinding as pf
from cloudwarden.engines.iam import reach
from cloudwarden.engines.iam.account import load_account
from cloudwarden.engines.iam.escalation import ADMIN, build_graph, compute_links, escalation_paths
from cloudwarden.engines.iam.links import SOURCES
from cloudwarden.inventory.snapshot import GLOBAL, Gap, Snapshot

ACCT = "123456789012"
REGION = "eu-west-1"
OTHER = "eu-central-1"
V = "2012-10-17"
ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
SERVICES = sorted({s for spec in pf.PATHS for s in spec.services})


def arn(kind: str, name: str) -> str:
    return f"arn:aws:iam::{ACCT}:{kind}/{name}"


ACTOR, HOLDER = arn("user", "actor"), arn("role", "holder-admin")

# every dataset the escalation links read, collected and empty
EMPTY: dict[str, Any] = {
    **{name: [] for kind in SOURCES.values() for name in kind},
    "ssm.managed_instances": [], "lambda.event_source_mappings": [], "lambda.function_policy": {},
    "codebuild.projects": {}, "sagemaker.notebook_instance": {}, "cloudformation.stack_set": {},
    "ecs.clusters": {}, "apprunner.services": {}, "bedrock.code_interpreter": {},
}

# (path id, the dataset whose gap must keep the path as an uncertain edge)
FAMILIES = [
    ("ec2-002", "ec2.instances"),
    ("ec2instanceconnect-003", "ec2.instances"),
    ("ssm-001", "ec2.instances"),
    ("ssm-002", "ec2.instances"),
    ("ec2-004", "ec2.launch_template_versions"),
    ("lambda-003", "lambda.functions"),
    ("lambda-004", "lambda.functions"),
    ("lambda-005", "lambda.functions"),
    ("lambda-002", "sqs.queue_urls"),
    ("cloudformation-002", "cloudformation.stacks"),
    ("cloudformation-005", "cloudformation.stacks"),
    ("cloudformation-004", "cloudformation.stack_set"),
    ("codebuild-002", "codebuild.projects"),
    ("codebuild-003", "codebuild.projects"),
    ("glue-002", "glue.dev_endpoints"),
    ("glue-005", "glue.jobs"),
    ("glue-006", "glue.jobs"),
    ("sagemaker-004", "sagemaker.notebook_instance"),
    ("sagemaker-005", "sagemaker.notebook_instance"),
    ("ecs-003", "ecs.clusters"),
    ("ecs-004", "ecs.clusters"),
    ("ecs-005", "ecs.clusters"),
    ("apprunner-002", "apprunner.services"),
    ("bedrock-002", "bedrock.code_interpreter"),
]


def test_every_resource_backed_path_has_a_family_here() -> None:
    backed = {s.id for s in pf.PATHS if s.link in SOURCES}
    assert backed == {path for path, _ in FAMILIES}


def _policy(actions: list[str]) -> dict[str, Any]:
    return {"Version": V, "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}


def _details(actions: list[str], holder_services: list[str]) -> dict[str, Any]:
    trust = {"Version": V, "Statement": [{"Effect": "Allow", "Principal": {"Service": holder_services},
                                          "Action": "sts:AssumeRole"}]}
    admin = {"Arn": ADMIN_POLICY, "PolicyName": "AdministratorAccess", "PolicyVersionList": [
        {"VersionId": "v1", "IsDefaultVersion": True, "Document": _policy(["*"])}]}
    holder = {"RoleName": "holder-admin", "Arn": HOLDER, "AssumeRolePolicyDocument": trust,
              "RolePolicyList": [], "AttachedManagedPolicies": [{"PolicyArn": ADMIN_POLICY}],
              "InstanceProfileList": [{"Arn": arn("instance-profile", "holder-admin"), "Roles": [{"Arn": HOLDER}]}]}
    actor = {"UserName": "actor", "Arn": ACTOR, "GroupList": [], "AttachedManagedPolicies": [],
             "UserPolicyList": [{"PolicyName": "inline", "PolicyDocument": _policy(actions)}]}
    return {"UserDetailList": [actor], "GroupDetailList": [], "RoleDetailList": [holder], "Policies": [admin]}


def _snapshot(path_id: str, gapped: str = "", holder_services: list[str] | None = None,
              regions: tuple[str, ...] = (REGION,), extra: dict[str, Any] | None = None) -> Snapshot:
    spec = pf.BY_ID[path_id]
    actions = list(spec.actions) + (["iam:PassRole"] if spec.mechanism == pf.PASS_NEW else [])
    snap = Snapshot(account_id=ACCT, collected_at="2026-06-01T00:00:00Z", regions=list(regions))
    snap.put("iam.authorization_details", GLOBAL, _details(actions, holder_services or SERVICES))
    snap.put("organizations.organization", GLOBAL, None)
    snap.put("iam.credential_report", GLOBAL, [])
    for region in regions:
        for dataset, value in {**EMPTY, **(extra or {})}.items():
            snap.put(dataset, region, value)
    if gapped:
        snap.datasets[gapped].pop(regions[-1])
        service = gapped.split(".", 1)[0]
        snap.add_gap(Gap(gapped, service, "Describe", regions[-1], "AccessDenied", "not authorized",
                         f"{service}:Describe"))
    return snap


def _graph(snap: Snapshot) -> Any:
    account = load_account(snap)
    return account, build_graph(account, compute_links(snap, account))


def _steps(graph: Any, path_id: str) -> list[Any]:
    if not graph.has_edge(ACTOR, HOLDER):
        return []
    return [s for s in graph.edges[ACTOR, HOLDER]["steps"] if s.kind == path_id]


def _status(snap: Snapshot) -> tuple[str, str]:
    findings = run_check(load_all_checks()["iam.privilege_escalation_to_admin"], snap)
    mine = [f for f in findings if f.resource_id == "user/actor"]
    assert len(mine) == 1, findings
    return mine[0].status.value, mine[0].message


@pytest.mark.parametrize(("path_id", "dataset"), FAMILIES, ids=[p for p, _ in FAMILIES])
def test_collected_and_empty_means_no_path(path_id: str, dataset: str) -> None:
    account, graph = _graph(_snapshot(path_id))
    assert _steps(graph, path_id) == []
    assert ACTOR not in graph.graph["unresolved"]
    assert _status(_snapshot(path_id)) == ("PASS", "no path to administrator")


@pytest.mark.parametrize(("path_id", "dataset"), FAMILIES, ids=[p for p, _ in FAMILIES])
def test_a_gap_keeps_the_path_as_an_assumption_and_the_check_says_unknown(path_id: str, dataset: str) -> None:
    snap = _snapshot(path_id, gapped=dataset)
    account, graph = _graph(snap)
    steps = _steps(graph, path_id)
    assert steps, f"{path_id}: no edge when {dataset} is a gap"
    step = steps[0]
    assert step.gap.startswith(dataset) and "AccessDenied" in step.gap and "not authorized" in step.gap
    assert "not collected" in step.assumption
    assert step.to_dict()["gap"] == step.gap
    # not a path to administrator, not "no path": unknown, with the path id and the gap
    assert ACTOR not in dict(escalation_paths(account, graph))
    assert any(kind == path_id and dataset in why for kind, why in graph.graph["unresolved"][ACTOR])
    status, message = _status(snap)
    assert status == "UNKNOWN", message
    assert path_id in message and dataset in message and "AccessDenied" in message


@pytest.mark.parametrize(("path_id", "dataset"), FAMILIES, ids=[p for p, _ in FAMILIES])
def test_a_gap_in_one_region_of_two_is_still_unknown(path_id: str, dataset: str) -> None:
    snap = _snapshot(path_id, gapped=dataset, regions=(REGION, OTHER))
    _, graph = _graph(snap)
    assert any(OTHER in s.gap for s in _steps(graph, path_id))
    assert _status(snap)[0] == "UNKNOWN"


@pytest.mark.parametrize(("path_id", "dataset"), FAMILIES, ids=[p for p, _ in FAMILIES])
def test_no_role_such_a_resource_could_hold_means_no_path(path_id: str, dataset: str) -> None:
    """The gap only stands in for resources that could run with a role trusting the path's service."""
    snap = _snapshot(path_id, gapped=dataset, holder_services=["states.amazonaws.com"])
    _, graph = _graph(snap)
    assert _steps(graph, path_id) == []
    assert _status(snap) == ("PASS", "no path to administrator")


def test_the_actor_needs_the_permissions_on_a_resource_of_the_gapped_region() -> None:
    """An actor allowed only on another region's functions gets no gap edge from this region's gap."""
    snap = _snapshot("lambda-004", gapped="lambda.functions")
    details = snap.get("iam.authorization_details", GLOBAL)
    details["UserDetailList"][0]["UserPolicyList"][0]["PolicyDocument"]["Statement"][0]["Resource"] = (
        f"arn:aws:lambda:us-west-2:{ACCT}:function:*")
    _, graph = _graph(snap)
    assert _steps(graph, "lambda-004") == []
    assert _status(snap)[0] == "PASS"


def test_a_per_resource_gap_is_unknown_too() -> None:
    """One notebook whose description failed: its role is unknown, so the path is too."""
    snap = _snapshot("sagemaker-005")
    snap.add_gap(Gap("sagemaker.notebook_instance", "sagemaker", "DescribeNotebookInstance", REGION,
                     "ThrottlingException", "rate exceeded", resource="nb-1"))
    _, graph = _graph(snap)
    assert any("nb-1" in s.gap for s in _steps(graph, "sagemaker-005"))
    assert _status(snap)[0] == "UNKNOWN"


def test_a_list_that_failed_gives_its_reason_to_the_descriptions() -> None:
    snap = _snapshot("apprunner-002")
    snap.datasets["apprunner.services"].pop(REGION)
    snap.add_gap(Gap("apprunner.service_summaries", "apprunner", "ListServices", REGION, "AccessDenied",
                     "denied by an SCP", "apprunner:ListServices"))
    _, graph = _graph(snap)
    assert any("denied by an SCP" in s.gap for s in _steps(graph, "apprunner-002"))


INSTANCE = {"InstanceId": "i-0abc", "State": {"Name": "running"},
            "IamInstanceProfile": {"Arn": arn("instance-profile", "holder-admin")}}
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCT}:function:nightly"
FUNCTION = {"FunctionArn": FUNCTION_ARN, "FunctionName": "nightly", "Role": HOLDER}


@pytest.mark.parametrize(("path_id", "present", "prerequisite"), [
    ("ssm-002", {"ec2.instances": [INSTANCE]}, "ssm.managed_instances"),
    ("ssm-001", {"ec2.instances": [INSTANCE]}, "ssm.managed_instances"),
    ("lambda-003", {"lambda.functions": [FUNCTION]}, "lambda.event_source_mappings"),
    ("lambda-003", {"lambda.functions": [FUNCTION]}, "lambda.function_policy"),
])
def test_a_known_resource_whose_prerequisite_was_not_collected(path_id: str, present: dict[str, Any],
                                                               prerequisite: str) -> None:
    """The instance is known but not whether SSM manages it; the function, but not whether anything
    triggers it: an edge through that very resource, marked with the gap; collected and absent: none."""
    _, graph = _graph(_snapshot(path_id, extra=present))
    assert _steps(graph, path_id) == []
    assert _status(_snapshot(path_id, extra=present))[0] == "PASS"
    snap = _snapshot(path_id, gapped=prerequisite, extra=present)
    _, graph = _graph(snap)
    steps = _steps(graph, path_id)
    assert steps and steps[0].via.endswith(("i-0abc", "function:nightly")) and prerequisite in steps[0].gap
    assert _status(snap)[0] == "UNKNOWN"


def test_collected_data_wins_over_a_gap_elsewhere() -> None:
    """A certain path (the function is collected) is a FAIL even with another region's gap."""
    snap = _snapshot("lambda-004", gapped="lambda.functions", regions=(REGION, OTHER),
                     extra={"lambda.functions": [FUNCTION]})
    account, graph = _graph(snap)
    assert {bool(s.gap) for s in _steps(graph, "lambda-004")} == {True, False}
    assert not graph.edges[ACTOR, HOLDER]["gap"] and not graph.edges[ACTOR, HOLDER]["step"].gap
    assert ACTOR in dict(escalation_paths(account, graph))
    assert _status(snap)[0] == "FAIL"


def test_explain_and_reach_say_the_chain_is_uncertain() -> None:
    snap = _snapshot("codebuild-002", gapped="codebuild.projects")
    analysis = reach.analyse(snap)
    steps = reach.explain(analysis, ACTOR)
    assert steps is not None and [s.kind for s in steps] == ["codebuild-002", "is administrator"]
    assert steps[0].gap and steps[-1].target == ADMIN
    found = {r.principal: r for r in reach.reach(analysis, "s3:GetObject", "arn:aws:s3:::data/k")}
    assert found[ACTOR].unknown and "codebuild.projects" in found[ACTOR].unknown[0]
    assert found[ACTOR].to_dict()["unknown"] == found[ACTOR].unknown
    assert not found[HOLDER].unknown  # the admin role itself is allowed directly


def test_explain_on_the_command_line_says_may_reach(tmp_path: Any, capsys: Any) -> None:
    from cloudwarden.cli import main
    from cloudwarden.inventory.snapshot import save_snapshot

    path = tmp_path / "gapped.snapshot"
    save_snapshot(_snapshot("codebuild-002", gapped="codebuild.projects"), path)
    assert main(["iam", "escalation", str(path), "--explain", ACTOR]) == 0
    out = capsys.readouterr().out
    assert "may reach administrator in 2 step(s), if what was not collected holds" in out and "assumes:" in out


def test_an_outsiders_role_that_reaches_admin_only_through_a_gap_is_unknown() -> None:
    """iam.external_assume_role_chain: a vendor role allowed codebuild:StartBuild, projects not read."""
    def vendor_snapshot(gapped: bool) -> Snapshot:
        snap = _snapshot("codebuild-002", gapped="codebuild.projects" if gapped else "")
        details = snap.get("iam.authorization_details", GLOBAL)
        trust = {"Version": V, "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
                                              "Action": "sts:AssumeRole"}]}
        details["RoleDetailList"].append({
            "RoleName": "vendor", "Arn": arn("role", "vendor"), "AssumeRolePolicyDocument": trust,
            "AttachedManagedPolicies": [], "InstanceProfileList": [],
            "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": _policy(["codebuild:StartBuild"])}]})
        return snap

    check = load_all_checks()["iam.external_assume_role_chain"]
    for gapped, expected in ((False, "PASS"), (True, "UNKNOWN")):
        findings = {f.resource_id: f for f in run_check(check, vendor_snapshot(gapped))}
        vendor = findings["role/vendor"]
        assert vendor.status.value == expected, vendor.message
        assert "999988887777" in vendor.message
        if gapped:
            assert "codebuild-002" in vendor.message and "codebuild.projects" in vendor.message


def test_across_accounts_a_chain_through_a_gap_is_no_escalation() -> None:
    """An organization's snapshots: a user of another account assumes a role of this one that may
    start builds; the projects were not read, so the chain to administrator is not certain."""
    from cloudwarden.engines.iam.estate import CROSS_ACCOUNT, escalations, load_estate

    dev_account = "210987654321"
    dev_user = f"arn:aws:iam::{dev_account}:user/dev"
    builder = arn("role", "builder")

    def estate(gapped: bool) -> Any:
        prod = _snapshot("codebuild-002", gapped="codebuild.projects" if gapped else "")
        details = prod.get("iam.authorization_details", GLOBAL)
        details["UserDetailList"] = []
        trust = {"Version": V, "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{dev_account}:root"},
                                              "Action": "sts:AssumeRole"}]}
        details["RoleDetailList"].append({
            "RoleName": "builder", "Arn": builder, "AssumeRolePolicyDocument": trust, "AttachedManagedPolicies": [],
            "InstanceProfileList": [],
            "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": _policy(["codebuild:StartBuild"])}]})
        dev = Snapshot(account_id=dev_account, collected_at="2026-06-01T00:00:00Z", regions=[REGION])
        dev.put("organizations.organization", GLOBAL, None)
        dev.put("iam.authorization_details", GLOBAL, {
            "UserDetailList": [{"UserName": "dev", "Arn": dev_user, "GroupList": [], "AttachedManagedPolicies": [],
                                "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": _policy(["sts:AssumeRole"])}]}],
            "GroupDetailList": [], "RoleDetailList": [], "Policies": []})
        return load_estate([dev, prod])

    with_projects = estate(gapped=False)
    assert with_projects.graph.edges[dev_user, builder]["step"].kind == CROSS_ACCOUNT
    assert dev_user not in {who for who, _, _ in escalations(with_projects)}  # no project: no path
    gapped = estate(gapped=True)
    assert gapped.graph.edges[builder, HOLDER]["gap"]  # the uncertain edge is there ...
    assert dev_user not in {who for who, _, _ in escalations(gapped)}  # ... but is no escalation
