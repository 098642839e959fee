"""The remaining fix families on moto (RDS, CloudWatch alarms, CloudTrail, CloudFormation, Security Hub,
VPC, IAM keys/users/roles): the check FAILs on the resource made here, the fix is planned and applied,
the rescan shows PASS, a second plan changes nothing, and the undo brings the FAIL back."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from moto import mock_aws

from cloudwarden.core.enums import Status
from cloudwarden.remediate import GuardedClients, Target, apply_plan, plan_fixes, undo_changes, undo_document, verify
from tests.helpers import MOTO_CREDENTIALS

R = "us-east-1"
Setup = Callable[[], tuple[str, dict[str, Any]]]  # -> (resource id wanted, fix options)


def _failing(check_ids: tuple[str, ...], resource_id: str) -> list[Target]:
    """The checks' FAILs on `resource_id`, from a collection of only what the checks read."""
    from cloudwarden.assess import assess, select_checks
    from cloudwarden.collect import all_calls, collect_snapshot
    from cloudwarden.remediate.engine import _calls_for

    checks = select_checks(list(check_ids))
    calls = _calls_for({d for c in checks for d in (*c.meta.datasets, *c.meta.optional)}, all_calls())
    findings = [f for f in assess(collect_snapshot(regions=[R], calls=calls), checks).findings
                if f.check_id in check_ids]
    failing = [Target.from_finding(f.to_dict()) for f in findings
               if f.status is Status.FAIL and f.resource_id == resource_id]
    if not failing:
        print([(f.status.value, f.resource_id, f.message) for f in findings])
    return failing


def _rds(**settings: Any) -> Setup:
    def setup() -> tuple[str, dict[str, Any]]:
        rds = boto3.client("rds", region_name=R)
        rds.create_db_instance(DBInstanceIdentifier="orders-db", DBInstanceClass="db.t3.micro", Engine="postgres",
                               MasterUsername="admin", MasterUserPassword="not-a-secret-1", AllocatedStorage=20,
                               **settings)
        return "orders-db", {}
    return setup


def _rds_snapshot() -> tuple[str, dict[str, Any]]:
    _rds()()
    rds = boto3.client("rds", region_name=R)
    rds.create_db_snapshot(DBInstanceIdentifier="orders-db", DBSnapshotIdentifier="orders-snap")
    rds.modify_db_snapshot_attribute(DBSnapshotIdentifier="orders-snap", AttributeName="restore",
                                     ValuesToAdd=["all"])
    return "orders-snap", {}


def _trail(validation: bool = True, log_group: bool = False) -> str:
    boto3.client("s3", region_name=R).create_bucket(Bucket="trail-logs")
    params: dict[str, Any] = {"Name": "main", "S3BucketName": "trail-logs", "IsMultiRegionTrail": True,
                              "EnableLogFileValidation": validation}
    if log_group:
        logs = boto3.client("logs", region_name=R)
        logs.create_log_group(logGroupName="trail-events")
        arn = logs.describe_log_groups(logGroupNamePrefix="trail-events")["logGroups"][0]["arn"]
        role = boto3.client("iam").create_role(RoleName="trail-to-logs", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "cloudtrail.amazonaws.com"}}]}))
        params.update(CloudWatchLogsLogGroupArn=arn, CloudWatchLogsRoleArn=role["Role"]["Arn"])
    cloudtrail = boto3.client("cloudtrail", region_name=R)
    arn = cloudtrail.create_trail(**params)["TrailARN"]
    cloudtrail.start_logging(Name="main")
    return arn


def _alarm() -> tuple[str, dict[str, Any]]:
    _trail(log_group=True)
    sns = boto3.client("sns", region_name=R)
    topic = sns.create_topic(Name="security-alarms")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="security@example.com")
    return "123456789012", {"alarm_topic": topic}


def _validation() -> tuple[str, dict[str, Any]]:
    _trail(validation=False)
    return "main", {}


def _data_events() -> tuple[str, dict[str, Any]]:
    _trail()
    return "123456789012", {}


def _hub() -> tuple[str, dict[str, Any]]:
    return f"securityhub/{R}", {}


def _subnet() -> tuple[str, dict[str, Any]]:
    ec2 = boto3.client("ec2", region_name=R)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    return subnet, {}


def _two_keys() -> tuple[str, dict[str, Any]]:
    iam = boto3.client("iam")
    iam.create_user(UserName="builder")
    iam.create_access_key(UserName="builder")
    iam.create_access_key(UserName="builder")
    return "builder", {}


def _admin_user() -> tuple[str, dict[str, Any]]:
    iam = boto3.client("iam")
    iam.create_user(UserName="root-like")
    iam.attach_user_policy(UserName="root-like", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    return "user/root-like", {}


def _account() -> tuple[str, dict[str, Any]]:
    return "123456789012", {}


RDS_BAD = {"DeletionProtection": False, "CopyTagsToSnapshot": False, "EnableIAMDatabaseAuthentication": False,
           "AutoMinorVersionUpgrade": False, "PubliclyAccessible": True, "BackupRetentionPeriod": 1}
# family -> (the checks its fixes make pass on one resource, the setup making them FAIL)
FAMILIES: dict[str, tuple[tuple[str, ...], Setup]] = {
    "rds-instance": (("rds.deletion_protection", "rds.copy_tags_to_snapshots", "rds.iam_authentication",
                      "rds.auto_minor_version_upgrade", "rds.instance_not_public", "rds.automatic_backups",
                      "rds.logs_to_cloudwatch"), _rds(**RDS_BAD)),
    "rds-snapshot": (("rds.snapshot_not_public",), _rds_snapshot),
    "cloudwatch-alarms": (("cloudwatch.alarm_root_usage", "cloudwatch.alarm_unauthorized_api_calls"), _alarm),
    "cloudtrail-validation": (("cloudtrail.log_file_validation",), _validation),
    "cloudtrail-s3-data-events": (("cloudtrail.s3_data_events_read", "cloudtrail.s3_data_events_write"), _data_events),
    "securityhub": (("securityhub.enabled",), _hub),
    "vpc-subnet": (("vpc.subnet_no_auto_public_ip",), _subnet),
    "iam-second-key": (("iam.user_single_active_access_key",), _two_keys),
    "iam-admin-user": (("iam.no_administratoraccess_on_users",), _admin_user),
    "iam-roles": (("iam.support_role_exists", "iam.security_audit_role_exists"), _account),
}


@pytest.mark.parametrize("family", list(FAMILIES))
def test_fix_applies_verifies_is_idempotent_and_undoes(family: str, monkeypatch: pytest.MonkeyPatch) -> None:
    check_ids, setup = FAMILIES[family]
    # AWS managed policies (slow to load in moto) only where a fix or check names one.
    managed = "true" if family in ("iam-admin-user", "iam-roles") else "false"
    for key, value in {**MOTO_CREDENTIALS, "AWS_DEFAULT_REGION": R, "MOTO_IAM_LOAD_MANAGED_POLICIES": managed}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        resource_id, options = setup()
        targets = _failing(check_ids, resource_id)
        assert sorted(t.check_id for t in targets) == sorted(check_ids), f"each should FAIL on {resource_id} first"
        aws = GuardedClients()
        plan = plan_fixes(aws, targets, options)
        assert len(plan.changes) == len(check_ids), plan.skipped
        results = apply_plan(aws, plan)
        assert results and not [r.error for r in results if r.error]
        status = verify(aws, targets, [R])
        assert set(status.values()) == {"PASS"}, status
        again = plan_fixes(aws, targets, options)
        assert again.changes == [] and len(again.compliant) == len(check_ids)  # a second apply changes nothing
        outcome = undo_changes(aws, undo_document(results))
        assert not [error for _, error in outcome if error], outcome
        # Undone: every check fails again.
        assert sorted(t.check_id for t in _failing(check_ids, resource_id)) == sorted(check_ids)


def test_termination_protection_planned_on_moto_applied_against_the_api_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto 5.2 has no UpdateTerminationProtection: the plan is read from moto, the calls are checked
    against botocore's model of the real API (Stubber validates the parameters), and the rescan is not
    claimed."""
    from botocore.stub import Stubber

    for key, value in {**MOTO_CREDENTIALS, "AWS_DEFAULT_REGION": R}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        boto3.client("cloudformation", region_name=R).create_stack(StackName="app", TemplateBody=json.dumps(
            {"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}))
        targets = _failing(("cloudformation.termination_protection",), "app")
        assert len(targets) == 1
        aws = GuardedClients()
        plan = plan_fixes(aws, targets)
        assert [s.params for s in plan.changes[0].steps] == [{"StackName": "app", "EnableTerminationProtection": True}]
        client = aws.client("cloudformation", R)
        with Stubber(client) as stub:
            stub.add_response("update_termination_protection", {"StackId": "arn:aws:cloudformation:us-east-1:"
                              "123456789012:stack/app/1"}, {"StackName": "app", "EnableTerminationProtection": True})
            stub.add_response("update_termination_protection", {"StackId": "arn:aws:cloudformation:us-east-1:"
                              "123456789012:stack/app/1"}, {"StackName": "app", "EnableTerminationProtection": False})
            results = apply_plan(aws, plan)
            assert not results[0].error and [s.action for s in results[0].made] == [
                "cloudformation:UpdateTerminationProtection"]
            assert not [e for _, e in undo_changes(aws, undo_document(results)) if e]
            stub.assert_no_pending_responses()
