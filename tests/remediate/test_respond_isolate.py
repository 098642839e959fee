"""`cloudwarden respond isolate-instance`: dry-run by default, apply on moto, undo, refusal outside the allowlist."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from cloudwarden.cli import main
from cloudwarden.remediate import GuardedClients
from cloudwarden.remediate.model import OperationNotAllowed, Step
from cloudwarden.remediate.respond import ACTIONS, plan_isolate, run_steps
from tests.helpers import MOTO_CREDENTIALS

ROLE_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def _instance() -> tuple[str, str]:
    ec2, iam = boto3.client("ec2"), boto3.client("iam")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    web = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=ROLE_TRUST)
    iam.create_instance_profile(InstanceProfileName="app")
    iam.add_role_to_instance_profile(InstanceProfileName="app", RoleName="app")
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=subnet,
                                 SecurityGroupIds=[web], IamInstanceProfile={"Name": "app"})["Instances"][0]
    return instance["InstanceId"], web


def test_isolate_dry_run_apply_and_undo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    for key, value in {**MOTO_CREDENTIALS, "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    log = tmp_path / "log.jsonl"
    with mock_aws():
        ec2 = boto3.client("ec2")
        instance_id, web = _instance()

        def groups() -> list[str]:
            found = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
            return [g["GroupId"] for g in found["SecurityGroups"]]

        def forensic() -> list[dict[str, object]]:
            return ec2.describe_snapshots(Filters=[{"Name": "tag:cloudwarden:forensics-of", "Values": [instance_id]}])[
                "Snapshots"]

        assert main(["respond", "isolate-instance", instance_id, "--log", str(log)]) == 0
        assert "would call: ec2:ModifyInstanceAttribute" in capsys.readouterr().out
        assert groups() == [web]  # dry-run changed nothing
        assert forensic() == []

        assert main(["respond", "isolate-instance", instance_id, "--apply", "--log", str(log)]) == 0
        quarantine = ec2.describe_security_groups(
            Filters=[{"Name": "group-name", "Values": ["cloudwarden-quarantine"]}])["SecurityGroups"][0]
        assert groups() == [quarantine["GroupId"]]
        assert quarantine["IpPermissions"] == [] and quarantine["IpPermissionsEgress"] == []
        snapshots = forensic()
        assert len(snapshots) == 1 and f"forensics of {instance_id}" in snapshots[0]["Description"]
        tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [instance_id]}])["Tags"]
        assert {"Key": "cloudwarden:isolated", "Value": "true"} in [{"Key": t["Key"], "Value": t["Value"]} for t in tags]
        assert ec2.describe_iam_instance_profile_associations()["IamInstanceProfileAssociations"] == []
        entry = json.loads(log.read_text().splitlines()[-1])
        assert entry["applied"] and entry["replaced"]["SecurityGroups"] == [web]
        assert entry["replaced"]["IamInstanceProfile"].endswith(":instance-profile/app")

        clients = GuardedClients()
        with clients.allow(ACTIONS["isolate-instance"]):
            run_steps(clients, [Step.from_dict(s) for s in entry["undo"]])
        assert groups() == [web]
        associations = ec2.describe_iam_instance_profile_associations()["IamInstanceProfileAssociations"]
        assert [a["IamInstanceProfile"]["Arn"] for a in associations] == [entry["replaced"]["IamInstanceProfile"]]


def test_isolate_refused_outside_allowlist(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {**MOTO_CREDENTIALS, "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        instance_id, web = _instance()
        clients = GuardedClients()
        steps, _undo, _replaced = plan_isolate(clients, instance_id)
        with clients.allow(ACTIONS["quarantine-user"]), pytest.raises(OperationNotAllowed):
            run_steps(clients, steps)
        assert clients.writes_made == []


def test_unknown_instance_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for key, value in {**MOTO_CREDENTIALS, "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        assert main(["respond", "isolate-instance", "i-0123456789abcdef0", "--log", "/dev/null"]) == 2
    assert "cannot read instance i-0123456789abcdef0" in capsys.readouterr().err
