"""Results that read right: titles, remediation filled with the finding's own ids, rationale, tags,
account ARNs, an 80-column summary and a progress line for CI logs."""

from __future__ import annotations

import io
import time

import pytest

from cloudwarden.assess import assess, select_checks
from cloudwarden.checks.registry import load_all_checks
from cloudwarden.cli.progress import collection_progress
from cloudwarden.core.findings import fill_remediation_cli
from cloudwarden.report.terminal import render_summary
from tests.checks.cases import ACCOUNT, Regional, snapshot_with

ENGINE_TITLES = ("net.instance_reachable_from_internet", "net.lateral_path_to_data_tier",
                 "net.lb_forwards_internet_to_admin_port", "net.rds_reachable_from_internet",
                 "iam.privilege_escalation_to_admin", "iam.external_assume_role_chain",
                 "s3.effective_public_or_foreign_read")


def test_engine_check_titles_state_the_compliant_condition() -> None:
    registry = load_all_checks()
    for check_id in ENGINE_TITLES:
        title = registry[check_id].meta.title
        assert title.startswith("No "), title
        assert "actually" not in title and " can escalate" not in title.replace("can escalate to", "")


@pytest.mark.parametrize(("cli", "kind", "rid", "region", "expected"), [
    ("aws s3api put-bucket-versioning --bucket <BUCKET> --versioning-configuration Status=Enabled",
     "AWS::S3::Bucket", "logs-2026", "us-east-1",
     "aws s3api put-bucket-versioning --bucket logs-2026 --versioning-configuration Status=Enabled"),
    ("aws ec2 revoke-security-group-ingress --group-id SG_ID --region REGION", "AWS::EC2::SecurityGroup",
     "sg-0abc", "eu-west-1", "aws ec2 revoke-security-group-ingress --group-id sg-0abc --region eu-west-1"),
    ("aws ec2 modify-instance-metadata-options --instance-id INSTANCE --http-tokens required",
     "AWS::EC2::Instance", "i-0123", "us-east-1",
     "aws ec2 modify-instance-metadata-options --instance-id i-0123 --http-tokens required"),
    ("aws iam detach-user-policy --user-name USER --policy-arn arn:aws:iam::aws:policy/AdministratorAccess",
     "AWS::IAM::User", "user/alice", "global",
     "aws iam detach-user-policy --user-name alice --policy-arn arn:aws:iam::aws:policy/AdministratorAccess"),
    ("aws iam delete-role-policy --role-name ROLE --policy-name NAME", "AWS::IAM::Policy", "role/app/everything",
     "global", "aws iam delete-role-policy --role-name app --policy-name everything"),
    # A global finding keeps REGION for the reader; a feature name is not a placeholder.
    ("aws guardduty update-detector --features EBS_MALWARE_PROTECTION --region REGION",
     "AWS::GuardDuty::Detector", "d-1", "global",
     "aws guardduty update-detector --features EBS_MALWARE_PROTECTION --region REGION"),
    # An id of the wrong shape never fills a placeholder.
    ("aws ec2 release-address --allocation-id ALLOCATION", "AWS::EC2::EIP", "203.0.113.7", "us-east-1",
     "aws ec2 release-address --allocation-id ALLOCATION"),
    ("role=arn:aws:iam::ACCOUNT:role/config", "AWS::::Account", ACCOUNT, "global",
     f"role=arn:aws:iam::{ACCOUNT}:role/config"),
])
def test_fill_remediation_cli(cli: str, kind: str, rid: str, region: str, expected: str) -> None:
    assert fill_remediation_cli(cli, resource_type=kind, resource_id=rid, region=region,
                                account_id=ACCOUNT) == expected


OPEN_SSH = {"GroupId": "sg-0a1b", "GroupName": "bastion", "VpcId": "vpc-1",
            "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                               "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
            "IpPermissionsEgress": [], "Tags": [{"Key": "owner", "Value": "platform"}, {"Key": "env", "Value": "prod"}]}


def test_a_finding_carries_its_own_ids_rationale_and_tags() -> None:
    snap = snapshot_with({"ec2.security_groups": Regional({"eu-west-1": [OPEN_SSH]}),
                          "ec2.network_interfaces": Regional({"eu-west-1": []}),
                          "rds.db_instances": Regional({"eu-west-1": []})}, regions=("eu-west-1",))
    [finding] = [f for f in assess(snap, select_checks(["ec2.sg_no_ssh_from_internet"])).findings
                 if f.status.value == "FAIL"]
    assert finding.remediation is not None and "sg-0a1b" in finding.remediation.cli
    assert "SG_ID" not in finding.remediation.cli
    assert finding.tags == {"owner": "platform", "env": "prod"}
    assert finding.rationale
    document = finding.to_dict()
    assert document["tags"] == {"owner": "platform", "env": "prod"} and document["rationale"]


def test_account_level_results_carry_the_account_arn() -> None:
    snap = snapshot_with({"iam.account_summary": {"AccountMFAEnabled": 0}})
    [finding] = assess(snap, select_checks(["iam.root_mfa_enabled"])).findings
    assert finding.resource_arn == f"arn:aws:iam::{ACCOUNT}:root"


def test_terminal_summary_fits_80_columns() -> None:
    long_name = "sg-" + "0" * 17
    groups = [{**OPEN_SSH, "GroupId": f"sg-{i:017x}", "GroupName": "x" * 120} for i in range(3)]
    snap = snapshot_with({"ec2.security_groups": Regional({"eu-west-1": groups}),
                          "ec2.network_interfaces": Regional({"eu-west-1": []}),
                          "rds.db_instances": Regional({"eu-west-1": []})}, regions=("eu-west-1",))
    out = io.StringIO()
    render_summary(assess(snap), out)
    lines = out.getvalue().splitlines()
    assert lines and max(len(line) for line in lines) <= 80, [line for line in lines if len(line) > 80]
    assert any("findings.json" in line for line in lines) and long_name


class _Log(io.StringIO):
    def isatty(self) -> bool:
        return False


def test_non_tty_runs_print_a_progress_line_at_each_interval() -> None:
    log = _Log()
    with collection_progress(enabled=True, stream=log, interval=0.05) as update:
        assert update is not None
        update("s3 global", 3, 10)
        time.sleep(0.3)
    lines = log.getvalue().splitlines()
    assert len(lines) >= 2 and "3/10" in lines[-1] and "s3 global" in lines[-1]


def test_quiet_prints_nothing() -> None:
    log = _Log()
    with collection_progress(enabled=False, stream=log, interval=0.01) as update:
        assert update is None
        time.sleep(0.05)
    assert log.getvalue() == ""
