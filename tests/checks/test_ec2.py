"""PASS and FAIL cases for the security-group, instance, launch-template, AMI and Elastic IP checks."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.assess import run_check
from cloudwarden.checks.registry import load_all_checks
from cloudwarden.core.enums import Status
from tests.checks.cases import Case, Regional, assert_case, snapshot_with

REGION = "us-east-1"


def here(name: str, check_id: str, data: dict[str, Any], **kwargs: Any) -> Case:
    """A case in one region: every dataset value is that region's value."""
    return Case(name, check_id, {k: Regional({REGION: v}) for k, v in data.items()},
                regions=(REGION,), **kwargs)


def perm(protocol: str, low: int | None = None, high: int | None = None, cidr: str = "0.0.0.0/0",
         **extra: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {"IpProtocol": protocol, "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [],
                            "UserIdGroupPairs": []}
    if low is not None:
        rule.update(FromPort=low, ToPort=high if high is not None else low)
    if ":" in cidr:
        rule["Ipv6Ranges"] = [{"CidrIpv6": cidr}]
    elif cidr.startswith("pl-"):
        rule["PrefixListIds"] = [{"PrefixListId": cidr}]
    elif cidr:
        rule["IpRanges"] = [{"CidrIp": cidr}]
    rule.update(extra)
    return rule


def sg(group_id: str, *ingress: dict[str, Any], name: str = "web", egress: tuple[Any, ...] = ()) -> dict[str, Any]:
    return {"GroupId": group_id, "GroupName": name, "VpcId": "vpc-1", "IpPermissions": list(ingress),
            "IpPermissionsEgress": list(egress)}


def eni(eni_id: str, *groups: str, instance: str = "") -> dict[str, Any]:
    return {"NetworkInterfaceId": eni_id, "Groups": [{"GroupId": g} for g in groups],
            "Attachment": {"InstanceId": instance} if instance else {}, "InterfaceType": "interface"}


def groups(*items: dict[str, Any], enis: tuple[dict[str, Any], ...] = (), rds: tuple[Any, ...] = ()
           ) -> dict[str, Any]:
    return {"ec2.security_groups": list(items), "ec2.network_interfaces": list(enis),
            "rds.db_instances": list(rds)}


SSH = "ec2.sg_no_ssh_from_internet"
CLOSED = sg("sg-closed", perm("tcp", 22, 22, "10.0.0.0/8"), perm("tcp", 443, 443))
UNATTACHED_RDP = sg("sg-rdp", perm("tcp", 3389, 3389, "::/0"), name="legacy")
RDS_DB = {"DBInstanceIdentifier": "orders", "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-db"}]}
DB_OPEN = sg("sg-db", perm("tcp", 3306, 3306), name="db")
PREFIX = {"ec2.managed_prefix_lists": [{"PrefixListId": "pl-open", "OwnerId": "111122223333"},
                                      {"PrefixListId": "pl-s3", "OwnerId": "AWS"}],
          "ec2.prefix_list_entries": {"pl-open": [{"Cidr": "0.0.0.0/0"}]}}

SG_CASES = [
    here("pass-ssh-private-only", SSH, groups(CLOSED, enis=(eni("eni-1", "sg-closed", instance="i-1"),)),
         message="attached to i-1"),
    here("fail-ssh-range-covers-22", SSH, groups(sg("sg-a", perm("tcp", 0, 1024)))),
    here("fail-ssh-all-protocols", SSH, groups(sg("sg-a", perm("-1"))), message="tcp 22 (SSH) open via all traffic"),
    here("fail-ssh-unattached-still-judged", SSH, groups(sg("sg-a", perm("tcp", 22, 22))),
         message="not attached to any interface"),
    here("pass-ssh-udp-only", SSH, groups(sg("sg-a", perm("udp", 22, 22), perm("icmp", -1, -1)))),
    here("fail-ssh-via-customer-prefix-list", SSH, {**groups(sg("sg-a", perm("tcp", 22, 22, "pl-open"))), **PREFIX},
         message="prefix list pl-open"),
    here("pass-ssh-aws-prefix-list", SSH, {**groups(sg("sg-a", perm("tcp", 22, 22, "pl-s3"))), **PREFIX}),
    here("unknown-ssh-prefix-list-unread", SSH, {**groups(sg("sg-a", perm("tcp", 22, 22, "pl-x"))),
                                                 "ec2.managed_prefix_lists": [{"PrefixListId": "pl-x",
                                                                               "OwnerId": "111122223333"}],
                                                 "ec2.prefix_list_entries": {}}),
    here("pass-rdp-closed", "ec2.sg_no_rdp_from_internet", groups(CLOSED)),
    here("fail-rdp-ipv6-unattached", "ec2.sg_no_rdp_from_internet", groups(UNATTACHED_RDP),
         message="tcp 3389 (RDP) open via tcp 3389 from ::/0"),
    here("pass-cifs-closed", "ec2.sg_no_cifs_from_internet", groups(CLOSED)),
    here("fail-cifs-445", "ec2.sg_no_cifs_from_internet", groups(sg("sg-a", perm("tcp", 445, 445))),
         message="SMB"),
    here("pass-all-ports-closed", "ec2.sg_no_all_ports_from_internet", groups(CLOSED)),
    here("fail-all-ports", "ec2.sg_no_all_ports_from_internet", groups(sg("sg-a", perm("-1", cidr="::/0")))),
    here("fail-all-tcp-ports", "ec2.sg_no_all_ports_from_internet", groups(sg("sg-a", perm("tcp", 0, 65535)))),
    here("pass-high-risk-closed", "ec2.sg_no_high_risk_ports", groups(CLOSED)),
    here("fail-mysql-used-by-rds", "ec2.sg_no_high_risk_ports", groups(DB_OPEN, rds=(RDS_DB,)),
         message="tcp 3306 (MySQL) open via tcp 3306 from 0.0.0.0/0; attached to RDS orders"),
    here("pass-only-web-ports", "ec2.sg_unrestricted_only_authorized_ports",
         groups(sg("sg-a", perm("tcp", 80, 80), perm("tcp", 443, 443, "::/0"), perm("icmp", 8, 0)))),
    here("fail-8443-open", "ec2.sg_unrestricted_only_authorized_ports",
         groups(sg("sg-a", perm("tcp", 443, 443), perm("tcp", 8443, 8443))), message="tcp 8443 from 0.0.0.0/0"),
    here("fail-range-around-80", "ec2.sg_unrestricted_only_authorized_ports",
         groups(sg("sg-a", perm("tcp", 80, 443)))),
    here("pass-narrow-public", "ec2.sg_no_wide_public_cidr",
         groups(sg("sg-a", perm("tcp", 443, 443, "203.0.113.0/24"), perm("tcp", 22, 22, "10.0.0.0/8")))),
    here("fail-wide-public", "ec2.sg_no_wide_public_cidr", groups(sg("sg-a", perm("tcp", 22, 22, "52.0.0.0/8"))),
         message="52.0.0.0/8"),
    here("pass-default-empty", "ec2.default_sg_restricts_all", groups(sg("sg-d", name="default"), UNATTACHED_RDP)),
    here("fail-default-has-rules", "ec2.default_sg_restricts_all",
         groups(sg("sg-d", perm("-1", cidr=""), name="default", egress=(perm("-1"),)),
                enis=(eni("eni-1", "sg-d", instance="i-9"),)),
         message="1 inbound and 1 outbound rule(s); attached to i-9"),
    here("pass-sg-used", "ec2.sg_unused", groups(CLOSED, enis=(eni("eni-1", "sg-closed"),))),
    here("pass-sg-used-by-rds-only", "ec2.sg_unused", groups(DB_OPEN, rds=(RDS_DB,))),
    here("pass-sg-referenced", "ec2.sg_unused",
         groups(CLOSED, sg("sg-app", perm("tcp", 8080, 8080, "", UserIdGroupPairs=[{"GroupId": "sg-closed"}])),
                enis=(eni("eni-1", "sg-app"),)), resource="sg-closed", message="referenced by sg-app"),
    here("fail-sg-unused", "ec2.sg_unused", groups(UNATTACHED_RDP, sg("sg-d", name="default"))),
]


def instance(instance_id: str, **fields: Any) -> dict[str, Any]:
    base = {"InstanceId": instance_id, "State": {"Name": "running"},
            "MetadataOptions": {"HttpTokens": "required", "HttpEndpoint": "enabled"}}
    base.update(fields)
    return base


def versions(*template_data: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"LaunchTemplateId": "lt-1", "LaunchTemplateName": "web", "VersionNumber": n + 1,
             "LaunchTemplateData": data} for n, data in enumerate(template_data)]


IMDS2 = {"MetadataOptions": {"HttpTokens": "required"}}
STOPPED_OLD = instance("i-old", State={"Name": "stopped"},
                       StateTransitionReason="User initiated (2026-08-01 10:00:00 GMT)")

INSTANCE_CASES = [
    here("pass-private-instance", "ec2.instance_no_public_ip", {"ec2.instances": [instance("i-1")]}),
    here("fail-public-instance", "ec2.instance_no_public_ip",
         {"ec2.instances": [instance("i-1", PublicIpAddress="54.1.2.3"),
                            instance("i-gone", State={"Name": "terminated"}, PublicIpAddress="54.9.9.9")]},
         message="public IPv4 54.1.2.3"),
    here("pass-imdsv2", "ec2.instance_imdsv2_required", {"ec2.instances": [instance("i-1")]}),
    here("pass-imds-off", "ec2.instance_imdsv2_required",
         {"ec2.instances": [instance("i-1", MetadataOptions={"HttpTokens": "optional", "HttpEndpoint": "disabled"})]}),
    here("fail-imdsv1", "ec2.instance_imdsv2_required",
         {"ec2.instances": [instance("i-1", MetadataOptions={"HttpTokens": "optional"})]},
         message="HttpTokens=optional"),
    here("pass-account-default", "ec2.account_imdsv2_default",
         {"ec2.instance_metadata_defaults": {"HttpTokens": "required"}}),
    here("fail-account-no-default", "ec2.account_imdsv2_default", {"ec2.instance_metadata_defaults": {}},
         message="no account-level"),
    here("pass-role", "ec2.instance_uses_iam_role",
         {"ec2.instances": [instance("i-1", IamInstanceProfile={"Arn": "arn:aws:iam::1:instance-profile/web"})]}),
    here("fail-no-role", "ec2.instance_uses_iam_role", {"ec2.instances": [instance("i-1")]}),
    here("pass-stopped-recently", "ec2.stopped_instances_removed",
         {"ec2.instances": [instance("i-1", State={"Name": "stopped"},
                                     StateTransitionReason="User initiated (2026-11-20 10:00:00 UTC)")]}),
    here("fail-stopped-long-ago", "ec2.stopped_instances_removed", {"ec2.instances": [STOPPED_OLD]},
         message="stopped 119 days ago"),
    here("unknown-stop-time-missing", "ec2.stopped_instances_removed",
         {"ec2.instances": [instance("i-1", State={"Name": "stopped"}, StateTransitionReason="")]}),
    here("pass-template-imdsv2", "ec2.launch_template_imdsv2", {"ec2.launch_template_versions": versions(IMDS2)}),
    here("fail-template-latest-imdsv1", "ec2.launch_template_imdsv2",
         {"ec2.launch_template_versions": versions(IMDS2, {})}, message="version 2: IMDSv1 allowed"),
    here("pass-template-private", "ec2.launch_template_no_public_ip",
         {"ec2.launch_template_versions": versions({"NetworkInterfaces": [{"DeviceIndex": 0}]})}),
    here("fail-template-public", "ec2.launch_template_no_public_ip",
         {"ec2.launch_template_versions": versions(
             {"NetworkInterfaces": [{"DeviceIndex": 0, "AssociatePublicIpAddress": True}]})}),
    here("pass-ami-private", "ec2.ami_not_public",
         {"ec2.images": [{"ImageId": "ami-1", "OwnerId": "111122223333", "Public": False}]}),
    here("fail-ami-public", "ec2.ami_not_public",
         {"ec2.images": [{"ImageId": "ami-1", "OwnerId": "111122223333", "Public": True}]}),
    here("pass-eip-associated", "ec2.elastic_ip_unused",
         {"ec2.addresses": [{"AllocationId": "eipalloc-1", "PublicIp": "3.3.3.3", "AssociationId": "eipassoc-1",
                             "InstanceId": "i-1"}]}),
    here("fail-eip-dangling", "ec2.elastic_ip_unused",
         {"ec2.addresses": [{"AllocationId": "eipalloc-1", "PublicIp": "3.3.3.3"}]}, message="not associated"),
]

CASES = SG_CASES + INSTANCE_CASES


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)


def test_every_group_is_judged_and_eni_gap_only_blurs_the_attachment() -> None:
    snap = snapshot_with({"ec2.security_groups": Regional({REGION: [UNATTACHED_RDP, CLOSED]})}, (REGION,))
    findings = run_check(load_all_checks()["ec2.sg_no_rdp_from_internet"], snap)
    by_id = {f.resource_id: f for f in findings}
    assert by_id["sg-rdp"].status == Status.FAIL and by_id["sg-closed"].status == Status.PASS
    assert "attachment unknown" in by_id["sg-rdp"].message


def test_unused_groups_are_unknown_without_interfaces() -> None:
    snap = snapshot_with({"ec2.security_groups": Regional({REGION: [UNATTACHED_RDP]})}, (REGION,))
    findings = run_check(load_all_checks()["ec2.sg_unused"], snap)
    assert [f.status for f in findings] == [Status.UNKNOWN]
