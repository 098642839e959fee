"""The resource-policy and SCP specs against moto: what lands in the snapshot, and how the IAM
engine reads it (resources with and without policies, SCP levels, unreadable organizations)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from cloudwarden.collect import collect_snapshot
from cloudwarden.collect.runner import Collector, new_snapshot
from cloudwarden.collect.services import iam as iam_specs
from cloudwarden.collect.services import resource_policies
from cloudwarden.engines.iam.account import load_account, who_can
from cloudwarden.inventory.snapshot import GLOBAL, Snapshot
from tests.helpers import scoped_env

REGION = "us-east-1"
ACCOUNT = "123456789012"
FOREIGN = "999988887777"
ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def public(action: str) -> dict[str, Any]:
    return {"Sid": "open", "Effect": "Allow", "Principal": "*", "Action": action, "Resource": "*"}


def _seed() -> dict[str, str]:
    role = boto3.client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument=doc(
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}))
    sqs = boto3.client("sqs", region_name=REGION)
    queue = sqs.create_queue(QueueName="open-queue")["QueueUrl"]
    sqs.create_queue(QueueName="plain-queue")
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"Policy": doc(public("sqs:SendMessage"))})
    topic = boto3.client("sns", region_name=REGION).create_topic(Name="alerts")["TopicArn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("handler.py", "def handle(event, context):\n    return event\n")
    functions = boto3.client("lambda", region_name=REGION)
    for name in ("open-fn", "plain-fn"):
        functions.create_function(FunctionName=name, Runtime="python3.12", Role=role["Role"]["Arn"],
                                  Handler="handler.handle", Code={"ZipFile": archive.getvalue()})
    functions.add_permission(FunctionName="open-fn", StatementId="open", Action="lambda:InvokeFunction",
                             Principal="*")
    secrets = boto3.client("secretsmanager", region_name=REGION)
    shared = secrets.create_secret(Name="shared", SecretString="s3cr3t")["ARN"]
    secrets.create_secret(Name="private", SecretString="s3cr3t")
    secrets.put_resource_policy(SecretId=shared, ResourcePolicy=doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{FOREIGN}:root"},
         "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))
    ecr = boto3.client("ecr", region_name=REGION)
    for name in ("open-repo", "plain-repo"):
        ecr.create_repository(repositoryName=name)
    ecr.set_repository_policy(repositoryName="open-repo", policyText=doc(
        {"Sid": "pull", "Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}))
    org = boto3.client("organizations", region_name=REGION)
    org.create_organization(FeatureSet="ALL")
    scp = org.create_policy(Name="region-lock", Description="d", Type="SERVICE_CONTROL_POLICY",
                            Content=doc({"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}))
    org.attach_policy(PolicyId=scp["Policy"]["PolicySummary"]["Id"], TargetId=ACCOUNT)
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="RESOURCE_CONTROL_POLICY")
    rcp = org.create_policy(Name="org-only", Description="d", Type="RESOURCE_CONTROL_POLICY", Content=doc(
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
         "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-example"}}}))
    org.attach_policy(PolicyId=rcp["Policy"]["PolicySummary"]["Id"], TargetId=root)
    return {"queue": queue, "topic": topic, "secret": shared}


@pytest.fixture(scope="module")
def collected() -> Iterator[tuple[Snapshot, dict[str, str]]]:
    with scoped_env(ENV), mock_aws():
        seeded = _seed()
        wanted = ("iam.authorization_details", "organizations.organization")
        calls = [c for c in iam_specs.SPECS if c.dataset in wanted] + resource_policies.SPECS
        yield collect_snapshot(regions=[REGION], calls=calls, workers=8), seeded


def test_policies_land_per_resource_and_absent_ones_are_none(collected: Any) -> None:
    snapshot, seeded = collected
    assert snapshot.gaps == []
    queues = snapshot.get("sqs.queue_attributes", REGION)
    assert "sqs:SendMessage" in queues[seeded["queue"]]["Policy"]
    assert [a.get("Policy") for url, a in queues.items() if url != seeded["queue"]] == [None]
    assert "Policy" in snapshot.item("sns.topic_attributes", REGION, seeded["topic"])
    functions = snapshot.get("lambda.function_policy", REGION)
    assert sorted(k.rsplit(":", 1)[-1] for k, v in functions.items() if v) == ["open-fn"]
    assert sorted(k.rsplit(":", 1)[-1] for k, v in functions.items() if v is None) == ["plain-fn"]
    secrets = snapshot.get("secretsmanager.resource_policy", REGION)
    assert FOREIGN in secrets[seeded["secret"]] and sum(v is None for v in secrets.values()) == 1
    repos = snapshot.get("ecr.repository_policy", REGION)
    assert sorted((k.rsplit("/", 1)[-1], v is None) for k, v in repos.items()) == [
        ("open-repo", False), ("plain-repo", True)]


def test_the_account_chain_and_its_scps_are_collected(collected: Any) -> None:
    snapshot, _ = collected
    chain = snapshot.get("organizations.account_chain", GLOBAL)
    assert [t["Type"] for t in chain] == ["ROOT", "ACCOUNT"] and chain[-1]["Id"] == ACCOUNT
    attached = snapshot.item("organizations.scps_for_target", GLOBAL, ACCOUNT)
    assert sorted(p["Name"] for p in attached) == ["FullAWSAccess", "region-lock"]
    contents = snapshot.get("organizations.scp_content", GLOBAL)
    assert all(json.loads(text)["Statement"] for text in contents.values()) and len(contents) == 2


def test_the_rcps_of_each_level_are_collected_apart_from_the_scps(collected: Any) -> None:
    snapshot, _ = collected
    root = snapshot.get("organizations.account_chain", GLOBAL)[0]["Id"]
    at_root = {p["Name"] for p in snapshot.item("organizations.rcps_for_target", GLOBAL, root)}
    assert "org-only" in at_root and "region-lock" not in at_root
    assert "org-only" not in {p["Name"] for p in snapshot.item("organizations.scps_for_target", GLOBAL, root)}
    texts = [json.loads(t) for t in snapshot.get("organizations.rcp_content", GLOBAL).values() if t]
    assert any(s["Effect"] == "Deny" and s["Action"] == "s3:*" for d in texts for s in d["Statement"])


def test_who_can_reads_every_collected_resource_policy(collected: Any) -> None:
    snapshot, seeded = collected
    account = load_account(snapshot)
    assert account.problems == [] and account.unreadable == []
    assert {r.service for r in account.resources.values()} == {"sqs", "sns", "lambda", "secretsmanager", "ecr"}
    queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:open-queue"
    assert "anonymous" in [who for who, _ in who_can(account, "sqs:SendMessage", queue_arn)]
    readers = [who for who, _ in who_can(account, "secretsmanager:GetSecretValue", seeded["secret"])]
    assert f"arn:aws:iam::{FOREIGN}:root" in readers and "anonymous" not in readers
    function = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:open-fn"
    assert "anonymous" in [who for who, _ in who_can(account, "lambda:InvokeFunction", function)]
    # an alias has a policy of its own (not collected): the function's policy does not cover it
    assert "anonymous" not in [who for who, _ in who_can(account, "lambda:InvokeFunction", function + ":live")]
    # this collector runs as the management account, which SCPs never bind
    assert account.scps is None and "management account" in account.organization.note
    assert account.organization.rcps is None and "management account" in account.organization.rcp_note


class _DeniedClient:
    def __getattr__(self, operation: str) -> Any:
        def refuse(*_: Any, **__: Any) -> None:
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "member account"}}, operation)
        return refuse


class _DeniedClients:
    request_count = 0

    def client(self, _service: str, _region: str) -> _DeniedClient:
        return _DeniedClient()


def test_a_member_account_refused_by_organizations_gets_gaps_not_a_crash() -> None:
    snapshot = new_snapshot("111122223333", "arn:aws:iam::111122223333:user/scanner", [REGION], "aws", None)
    snapshot.put("organizations.organization", GLOBAL, {"Id": "o-example", "MasterAccountId": "210987654321"})
    snapshot.put("iam.authorization_details", GLOBAL, {"UserDetailList": [], "GroupDetailList": [],
                                                       "RoleDetailList": [], "Policies": []})
    org_calls = [c for c in resource_policies.SPECS if c.service == "organizations"]
    Collector(_DeniedClients(), org_calls, [REGION], REGION, workers=2).collect(snapshot)  # type: ignore[arg-type]
    assert {g.dataset for g in snapshot.gaps} == {c.dataset for c in org_calls}
    account = load_account(snapshot)
    assert account.scps is None and account.organization.note.startswith("SCPs not readable")
    assert "AccessDeniedException" in account.organization.note
    assert account.organization.rcps is None and account.organization.rcp_note.startswith("RCPs not readable")
