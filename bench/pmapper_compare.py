"""cloudwarden's escalation analysis and PMapper side by side, on the same moto account.

The IAM data is bench/escalation.py's generated account (every pathfinding path with one actor
allowed exactly its permissions, one near-miss actor per permission, the targets the
principal-modification paths need, filler principals), written into a moto server on 127.0.0.1 with
the resources the existing-resource paths act on (an instance with the admin role's profile, a
Lambda function, a CloudFormation stack, a CodeBuild project, a SageMaker notebook, a Glue dev
endpoint, each running with the admin role; what moto refuses is printed). Then, each timed as a
whole from the same server:

* cloudwarden: `collect_snapshot` of the datasets the escalation analysis reads, then
  `reach.analyse` (graph), then per actor: an edge labelled with its path id, and a path to admin;
* PMapper (principalmapper 1.1.5, `pip install .[bench]`): `gathering.create_graph` against the same
  endpoint (its own collection and edge search), then per actor `is_admin or can_privesc`.

The common measure is "reaches administrator". A hit actor must; a near-miss actor must not, unless
the permissions it keeps are all of another path's (then it is left out of that count and
reported). PMapper 1.1.5 imports `collections.Mapping`, removed in Python 3.10: this script puts the
`collections.abc` classes back under those names before importing it (the package is not changed).
Run:

    PYTHONPATH=src .venv/bin/python bench/pmapper_compare.py [--principals 400]
"""

from __future__ import annotations

import argparse
import collections
import collections.abc
import io
import json
import logging
import os
import sys
import time
import urllib.parse
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import escalation as generated  # noqa: E402 - bench/escalation.py, beside this file

from cloudwarden.engines.iam import pathfinding as pf  # noqa: E402

ACCT, REGION, ROLE = generated.ACCT, generated.REGION, generated.ROLE
DATASETS = ["iam.authorization_details", "iam.credential_report", "ec2.instances", "ssm.managed_instances",
            "lambda.functions", "lambda.event_source_mappings", "cloudformation.stacks", "codebuild.projects",
            "glue.dev_endpoints", "glue.jobs", "sagemaker.notebook_instance", "ec2.launch_template_versions",
            "sqs.queue_urls", "dynamodb.tables", "ecs.clusters", "cloudformation.stack_set", "apprunner.services",
            "bedrock.code_interpreter"]
PMAPPER_SERVICES = ["autoscaling", "cloudformation", "codebuild", "ec2", "iam", "lambda", "sagemaker", "ssm", "sts"]
ENDPOINT_SERVICES = PMAPPER_SERVICES + ["s3", "sns", "sqs", "kms", "secretsmanager", "organizations"]
SEEDED_LINKS = {"instance", "launch-template", "function", "triggered-function", "stack", "codebuild-project",
                "codebuild-batch-project", "notebook", "glue-dev-endpoint", "glue-job", "apprunner-service",
                "code-interpreter", "role", "user", "event-source", "notebook-in-service", "ecs-cluster",
                "ecs-container-instance", "stack-set"}


def _document(policy: dict[str, Any]) -> str:
    return urllib.parse.unquote(policy["PolicyVersionList"][0]["Document"])


def seed(url: str, details: dict[str, Any]) -> list[str]:
    """Write the generated IAM data and the linked resources into moto; what moto refused."""
    import boto3

    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=url, region_name=REGION)

    iam = client("iam")
    for policy in details["Policies"]:
        if policy["Arn"] != generated.ADMIN_POLICY:
            iam.create_policy(PolicyName=policy["PolicyName"], PolicyDocument=_document(policy))
    for group in details["GroupDetailList"]:
        iam.create_group(GroupName=group["GroupName"])
        for attached in group["AttachedManagedPolicies"]:
            iam.attach_group_policy(GroupName=group["GroupName"], PolicyArn=attached["PolicyArn"])

    def user(entry: dict[str, Any]) -> None:
        name = entry["UserName"]
        iam.create_user(UserName=name)
        for attached in entry["AttachedManagedPolicies"]:
            iam.attach_user_policy(UserName=name, PolicyArn=attached["PolicyArn"])
        for group in entry["GroupList"]:
            iam.add_user_to_group(UserName=name, GroupName=group)

    def role(entry: dict[str, Any]) -> None:
        name = entry["RoleName"]
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(entry["AssumeRolePolicyDocument"]))
        for attached in entry["AttachedManagedPolicies"]:
            iam.attach_role_policy(RoleName=name, PolicyArn=attached["PolicyArn"])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(user, details["UserDetailList"]))
        list(pool.map(role, details["RoleDetailList"]))
    iam.create_instance_profile(InstanceProfileName="target-admin")
    iam.add_role_to_instance_profile(InstanceProfileName="target-admin", RoleName="target-admin")

    # iam-006 (UpdateLoginProfile) needs an administrator that has a password; iam-004
    # (CreateLoginProfile) one that has none: admin-user keeps none, this one gets one.
    iam.create_user(UserName="admin-console")
    iam.attach_user_policy(UserName="admin-console", PolicyArn=generated.ADMIN_POLICY)
    iam.create_login_profile(UserName="admin-console", Password="Bench-Passw0rd!")

    refused: dict[str, str] = {}

    def attempt(link: str, call: Any) -> None:
        try:
            call()
        except Exception as error:  # noqa: BLE001 - a bench: report what moto does not support, go on
            refused[link] = f"{type(error).__name__}: {str(error).splitlines()[0][:110]}"

    ec2 = client("ec2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    profile = f"arn:aws:iam::{ACCT}:instance-profile/target-admin"
    attempt("instance", lambda: ec2.run_instances(
        ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro", IamInstanceProfile={"Arn": profile}))
    attempt("launch-template", lambda: ec2.create_launch_template(
        LaunchTemplateName="admin-template",
        LaunchTemplateData={"ImageId": image, "IamInstanceProfile": {"Arn": profile}}))
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 1\n")
    lam = client("lambda")
    attempt("function", lambda: lam.create_function(
        FunctionName="admin-fn", Runtime="python3.12", Role=ROLE, Handler="index.handler",
        Code={"ZipFile": code.getvalue()}))

    def triggered() -> None:
        queue = client("sqs").create_queue(QueueName="admin-fn-events")["QueueUrl"]
        arn = client("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="admin-fn")

    attempt("triggered-function", triggered)
    template = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})
    attempt("stack", lambda: client("cloudformation").create_stack(
        StackName="admin-stack", TemplateBody=template, RoleARN=ROLE))
    build = {"source": {"type": "S3", "location": "bench-bucket/source.zip"}, "artifacts": {"type": "NO_ARTIFACTS"},
             "environment": {"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                             "computeType": "BUILD_GENERAL1_SMALL"}, "serviceRole": ROLE}
    attempt("codebuild-project", lambda: client("codebuild").create_project(name="admin-build", **build))
    attempt("codebuild-batch-project", lambda: client("codebuild").create_project(
        name="admin-batch", buildBatchConfig={"serviceRole": ROLE}, **build))
    attempt("notebook", lambda: client("sagemaker").create_notebook_instance(
        NotebookInstanceName="admin-notebook", InstanceType="ml.t3.medium", RoleArn=ROLE))
    attempt("glue-dev-endpoint", lambda: client("glue").create_dev_endpoint(EndpointName="admin-dev", RoleArn=ROLE))
    attempt("glue-job", lambda: client("glue").create_job(
        Name="admin-job", Role=ROLE, Command={"Name": "glueetl", "ScriptLocation": "s3://bench-bucket/job.py"}))
    attempt("apprunner-service", lambda: client("apprunner").create_service(
        ServiceName="admin-app", SourceConfiguration={"ImageRepository": {
            "ImageIdentifier": "public.ecr.aws/nginx/nginx:latest", "ImageRepositoryType": "ECR_PUBLIC"}},
        InstanceConfiguration={"InstanceRoleArn": ROLE}))
    attempt("code-interpreter", lambda: client("bedrock-agentcore-control").create_code_interpreter(
        name="admin_interpreter", executionRoleArn=ROLE, networkConfiguration={"networkMode": "PUBLIC"}))
    ecs = client("ecs")

    def container_instance() -> None:
        instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro")["Instances"][0]
        document = json.dumps({"accountId": ACCT, "instanceId": instance["InstanceId"], "region": REGION})
        ecs.register_container_instance(cluster="bench-cluster", instanceIdentityDocument=document)

    attempt("ecs-cluster", lambda: ecs.create_cluster(clusterName="bench-cluster"))
    attempt("ecs-container-instance", container_instance)
    attempt("stack-set", lambda: client("cloudformation").create_stack_set(
        StackSetName="admin-stack-set", TemplateBody=template, AdministrationRoleARN=ROLE))
    return refused


def expected_admin(truth: dict[str, tuple[str, bool]]) -> tuple[dict[str, bool], list[str]]:
    """Actor -> must reach administrator; and the near-misses left out (they keep another whole path)."""
    needs = {spec.id: set(spec.actions) | ({"iam:PassRole"} if spec.mechanism == pf.PASS_NEW else set())
             for spec in pf.PATHS}
    expected: dict[str, bool] = {}
    ambiguous: list[str] = []
    for actor, (path_id, hit) in truth.items():
        if hit:
            expected[actor] = True
            continue
        dropped = actor.rsplit("-miss-", 1)[1].replace("-", ":", 1)
        kept = needs[path_id] - {dropped}
        if any(need <= kept for other, need in needs.items() if other != path_id):
            ambiguous.append(actor)
        else:
            expected[actor] = False
    return expected, ambiguous


def score(name: str, reaches: dict[str, bool], expected: dict[str, bool], truth: dict[str, tuple[str, bool]],
          filler: list[str], seconds: dict[str, float]) -> None:
    missed = sorted(truth[a][0] for a, want in expected.items() if want and not reaches.get(a, False))
    false = sorted(a.rsplit("/", 1)[-1] for a, want in expected.items() if not want and reaches.get(a, False))
    false_filler = [a for a in filler if reaches.get(a, False)]
    hits = sum(1 for want in expected.values() if want)
    timing = ", ".join(f"{k} {v:.2f} s" for k, v in seconds.items())
    print(f"{name}: paths found {hits - len(missed)}/{hits}, false positives {len(false) + len(false_filler)} "
          f"(near-miss {len(false)}, filler {len(false_filler)}); {timing}")
    if missed:
        print(f"  missed: {' '.join(missed)}")
    if false:
        print(f"  false positives: {' '.join(false)}")


def run_cloudwarden(url: str) -> tuple[Any, dict[str, float]]:
    from cloudwarden.collect import collect_snapshot
    from cloudwarden.engines.iam import reach

    started = time.perf_counter()
    snapshot = collect_snapshot(regions=[REGION], endpoint_url=url, datasets=DATASETS)
    collected = time.perf_counter()
    analysis = reach.analyse(snapshot)
    analysed = time.perf_counter()
    return analysis, {"collect": collected - started, "analyse": analysed - collected, "total": analysed - started}


def run_pmapper(url: str) -> tuple[Any, dict[str, float], Any]:
    for name in ("Mapping", "MutableMapping", "Sequence", "Iterable"):  # PMapper 1.1.5 on Python >= 3.10
        if not hasattr(collections, name):
            setattr(collections, name, getattr(collections.abc, name))
    import botocore.session
    from principalmapper.graphing import gathering
    from principalmapper.querying.presets.privesc import can_privesc

    session = botocore.session.get_session()
    session.set_config_variable("region", REGION)

    def policy_names(parsed: dict[str, Any], **_: Any) -> None:
        # moto leaves PolicyName out of GetAccountAuthorizationDetails' AWS-managed policies (AWS
        # gives it); PMapper indexes it. Filled from the ARN, whose last part is the name.
        for policy in parsed.get("Policies", []):
            policy.setdefault("PolicyName", policy["Arn"].rsplit("/", 1)[-1])

    session.register("after-call.iam.GetAccountAuthorizationDetails", policy_names)

    def project_tags(parsed: dict[str, Any], **_: Any) -> None:
        # moto leaves `tags` out of an untagged project in BatchGetProjects; PMapper indexes it.
        for project in parsed.get("projects", []):
            project.setdefault("tags", [])

    session.register("after-call.codebuild.BatchGetProjects", project_tags)
    started = time.perf_counter()
    graph = gathering.create_graph(session, PMAPPER_SERVICES, region_allow_list=[REGION],
                                   client_args_map={s: {"endpoint_url": url} for s in ENDPOINT_SERVICES})
    built = time.perf_counter()
    return graph, {"graph (collect + edges)": built - started}, can_privesc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--principals", type=int, default=400)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for noisy in ("botocore", "urllib3", "principalmapper"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    from cloudwarden.demo.server import DEMO_CREDENTIALS, moto_server_process

    os.environ.update(DEMO_CREDENTIALS)
    os.environ["AWS_DEFAULT_REGION"] = REGION
    snap, _links, truth = generated.generate(args.principals)
    details = snap.get("iam.authorization_details", "global")
    expected, ambiguous = expected_admin(truth)
    filler = [e["Arn"] for e in details["UserDetailList"] + details["RoleDetailList"]
              if "/filler-" in e["Arn"]]
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with moto_server_process() as url:
        started = time.perf_counter()
        refused = seed(url, details)
        print(f"moto account: {len(details['UserDetailList'])} users, {len(details['RoleDetailList'])} roles, "
              f"{len(details['GroupDetailList'])} groups, {len(details['Policies'])} policies; "
              f"paths {len({p for p, _ in truth.values()})}, actors {len(truth)} "
              f"(near-misses keeping another whole path, not counted: {len(ambiguous)}); "
              f"seeded in {time.perf_counter() - started:.1f} s")
        # Paths whose resource moto could not hold, or that rest on data moto does not give (an
        # instance registered with SSM, an ECS cluster with container instances, a stack set, a
        # notebook InService): left out of both tools' counts, listed.
        unseeded = {spec.id: (spec.link, refused.get(spec.link, "not created on moto by this bench"))
                    for spec in pf.PATHS if spec.mechanism in (pf.EXISTING, pf.PASS_NEW)
                    and spec.link and spec.link not in SEEDED_LINKS | {"instance-profile"}}
        unseeded |= {spec.id: (spec.link, refused[spec.link]) for spec in pf.PATHS if spec.link in refused}
        for link, reason in sorted(refused.items()):
            print(f"  moto refused {link}: {reason}")
        print(f"  paths left out (their resource is not on this moto account): "
              f"{' '.join(f'{p}({link})' for p, (link, _) in sorted(unseeded.items()))}")
        expected = {a: want for a, want in expected.items() if truth[a][0] not in unseeded}

        import networkx as nx

        from cloudwarden.engines.iam.escalation import ADMIN, certain_graph

        analysis, seconds = run_cloudwarden(url)
        graph = analysis.graph
        # "reaches" counts certain paths only: a chain through data moto did not give is unknown
        certain = certain_graph(graph)
        reaches = {a: a in analysis.admins or (a in certain and nx.has_path(certain, a, ADMIN)) for a in expected}
        reaches |= {a: a in certain and nx.has_path(certain, a, ADMIN) for a in filler}
        score("cloudwarden", reaches, expected, truth, filler, seconds)
        unknown = graph.graph.get("unresolved", {})
        print(f"  unknown (a path only through data not collected): {len(unknown)} principals"
              + (f": {' '.join(sorted(a.rsplit('/', 1)[-1] for a in unknown))}" if unknown else ""))
        labelled = sum(1 for a, (p, hit) in truth.items() if hit and a in graph
                       and p in {s.kind for _, _, d in graph.out_edges(a, data=True) for s in d["steps"]})
        print(f"  edges labelled with the actor's own path id: {labelled}/{sum(1 for _, h in truth.values() if h)}")

        try:
            pgraph, pseconds, can_privesc = run_pmapper(url)
        except Exception as error:  # noqa: BLE001 - say exactly why PMapper did not run
            import traceback

            where = traceback.extract_tb(error.__traceback__)[-1]
            print(f"PMapper: did not run: {type(error).__name__}: {error} "
                  f"({Path(where.filename).name}:{where.lineno} {where.line})")
            return 1
        nodes = {n.arn: n for n in pgraph.nodes}
        started = time.perf_counter()
        preaches = {}
        for arn in list(expected) + filler:
            node = nodes.get(arn)
            preaches[arn] = bool(node is not None and (node.is_admin or can_privesc(pgraph, node)[0]))
        pseconds["queries"] = time.perf_counter() - started
        pseconds["total"] = sum(pseconds.values())
        score("PMapper", preaches, expected, truth, filler, pseconds)
        print(f"  PMapper graph: {len(pgraph.nodes)} nodes, {len(pgraph.edges)} edges")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
