"""The new checks against moto: DAX is answered (real PASS/FAIL); the EC2 operations moto lacks give UNKNOWN."""

from __future__ import annotations

import boto3
from moto import mock_aws

from cloudwarden.assess import run_check
from cloudwarden.checks.registry import load_all_checks
from cloudwarden.collect import collect_snapshot
from cloudwarden.collect.services import data_more
from cloudwarden.core.enums import Status
from tests.helpers import scoped_env

REGION = "us-east-1"
ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}


def test_dax_verdicts_and_ec2_gaps_against_moto() -> None:
    with scoped_env(ENV), mock_aws():
        iam = boto3.client("iam", region_name=REGION)
        role = iam.create_role(RoleName="dax", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        client = boto3.client("dax", region_name=REGION)
        client.create_cluster(ClusterName="good", NodeType="dax.t3.small", ReplicationFactor=1, IamRoleArn=role,
                              SSESpecification={"Enabled": True}, ClusterEndpointEncryptionType="TLS")
        client.create_cluster(ClusterName="bad", NodeType="dax.t3.small", ReplicationFactor=1, IamRoleArn=role)
        boto3.client("rds", region_name=REGION).create_event_subscription(
            SubscriptionName="instances", SnsTopicArn=f"arn:aws:sns:{REGION}:123456789012:t", SourceType="db-instance", Enabled=True)
        snapshot = collect_snapshot(regions=[REGION], calls=list(data_more.SPECS), workers=2)
    checks = load_all_checks()
    for check_id in ("dynamodb.dax_encrypted_at_rest", "dynamodb.dax_encrypted_in_transit"):
        verdicts = {f.resource_id: f.status for f in run_check(checks[check_id], snapshot)}
        assert verdicts == {"good": Status.PASS, "bad": Status.FAIL}, check_id
    for check_id in ("ebs.snapshot_block_public_access", "ec2.ami_block_public_access"):
        statuses = {f.status for f in run_check(checks[check_id], snapshot)}
        assert statuses == {Status.UNKNOWN}, (check_id, statuses)
    # One all-category db-instance subscription: clusters and parameter groups are still uncovered.
    [finding] = run_check(checks["rds.event_subscriptions_critical"], snapshot)
    assert finding.status == Status.FAIL and "db-cluster: maintenance" in finding.message
    assert "db-instance" not in finding.message


def test_dynamodb_autoscaling_against_moto() -> None:
    from cloudwarden.collect.services import data
    with scoped_env(ENV), mock_aws():
        ddb = boto3.client("dynamodb", region_name=REGION)
        for name in ("scaled", "fixed"):
            ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                             AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                             ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
        scaling = boto3.client("application-autoscaling", region_name=REGION)
        for dimension in ("Read", "Write"):
            scaling.register_scalable_target(ServiceNamespace="dynamodb", ResourceId="table/scaled",
                                             ScalableDimension=f"dynamodb:table:{dimension}CapacityUnits",
                                             MinCapacity=5, MaxCapacity=50)
        calls = [c for c in data.SPECS if c.dataset in ("dynamodb.table_names", "dynamodb.tables")]
        snapshot = collect_snapshot(regions=[REGION], calls=[*calls, *data_more.SPECS], workers=2)
    findings = run_check(load_all_checks()["dynamodb.capacity_autoscaling"], snapshot)
    assert {f.resource_id: f.status for f in findings} == {"scaled": Status.PASS, "fixed": Status.FAIL}
