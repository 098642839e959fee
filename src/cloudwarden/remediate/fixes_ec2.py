"""EC2 and VPC fixes: internet ingress rules revoked per port class, the default group emptied,
IMDSv2 on instances and launch templates, EBS default encryption, public snapshots and AMIs made
private, subnets that stop auto-assigning public IPs. No instance, volume or group is deleted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cloudwarden.checks.ec2 import AUTHORIZED_TCP, HIGH_RISK_TCP
from cloudwarden.core.net import OPEN_TO_ALL
from cloudwarden.remediate.model import CannotFix, Plan, Reader, Step, Target, fix, region_of

INTERNET_V4, INTERNET_V6 = OPEN_TO_ALL
PortTest = Callable[[str, int, int], bool]  # (protocol, from, to) -> the permission is one to revoke
_REVOKE = ["ec2:RevokeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupIngress"]
_RISK_SG = "high: clients on the internet lose that access (check who connects before applying)"


def _protocol(raw: Any) -> str:
    return {"-1": "all", "6": "tcp", "17": "udp"}.get(str(raw), str(raw))


def _span(permission: dict[str, Any]) -> tuple[int, int]:
    low, high = permission.get("FromPort"), permission.get("ToPort")
    if low is None or high is None or low == -1:
        return 0, 65535
    return int(low), int(high)


def covering(*ports: tuple[str, int]) -> PortTest:
    return lambda protocol, low, high: any(protocol in ("all", p) and low <= port <= high for p, port in ports)


def _group(reader: Reader, target: Target) -> tuple[str, dict[str, Any]]:
    region = region_of(target)
    answer = reader.call("ec2", region, "describe_security_groups", absent=("InvalidGroup.NotFound",),
                         GroupIds=[target.resource_id])
    groups = (answer or {}).get("SecurityGroups") or []
    if not groups:
        raise CannotFix(f"security group {target.resource_id} no longer exists")
    return region, groups[0]


def _internet_only(permission: dict[str, Any]) -> dict[str, Any] | None:
    """The part of an ingress permission whose source is the whole internet."""
    v4 = [r for r in permission.get("IpRanges") or [] if r.get("CidrIp") == INTERNET_V4]
    v6 = [r for r in permission.get("Ipv6Ranges") or [] if r.get("CidrIpv6") == INTERNET_V6]
    if not v4 and not v6:
        return None
    part: dict[str, Any] = {"IpProtocol": permission["IpProtocol"]}
    for key in ("FromPort", "ToPort"):
        if key in permission:
            part[key] = permission[key]
    if v4:
        part["IpRanges"] = v4
    if v6:
        part["Ipv6Ranges"] = v6
    return part


def revoke_internet(reader: Reader, target: Target, test: PortTest) -> Plan | None:
    region, group = _group(reader, target)
    revoked = []
    for permission in group.get("IpPermissions") or []:
        part = _internet_only(permission)
        if part and test(_protocol(permission.get("IpProtocol")), *_span(permission)):
            revoked.append(part)
    if not revoked:
        return None
    gid = group["GroupId"]
    return revoked, [Step("ec2", region, "revoke_security_group_ingress", {"GroupId": gid, "IpPermissions": revoked})], \
        [Step("ec2", region, "authorize_security_group_ingress", {"GroupId": gid, "IpPermissions": revoked})]


def _sg_fix(check_id: str, what: str, test: PortTest) -> None:
    @fix(check_id, summary=f"Revoke the ingress rules that open {what} to 0.0.0.0/0 or ::/0.", risk=_RISK_SG,
         writes=_REVOKE)
    def planner(reader: Reader, target: Target) -> Plan | None:
        return revoke_internet(reader, target, test)


_sg_fix("ec2.sg_no_ssh_from_internet", "SSH (tcp 22)", covering(("tcp", 22)))
_sg_fix("ec2.sg_no_rdp_from_internet", "RDP (tcp 3389)", covering(("tcp", 3389)))
_sg_fix("ec2.sg_no_cifs_from_internet", "NetBIOS/SMB (tcp 139, 445)", covering(("tcp", 139), ("tcp", 445)))
_sg_fix("ec2.sg_no_high_risk_ports", "database, cache and legacy ports",
        covering(*(("tcp", port) for port in HIGH_RISK_TCP)))
_sg_fix("ec2.sg_no_all_ports_from_internet", "every port",
        lambda protocol, low, high: protocol == "all" or (protocol in ("tcp", "udp") and low <= 1 and high >= 65535))
_sg_fix("ec2.sg_unrestricted_only_authorized_ports", "any port but tcp 80 and 443",
        lambda protocol, low, high: not (protocol in ("icmp", "icmpv6", "1", "58")
                                         or (protocol == "tcp" and low == high and low in AUTHORIZED_TCP)))


@fix("ec2.default_sg_restricts_all",
     summary="Revoke every ingress and egress rule of the VPC's default security group.",
     risk="high: resources still in the default group lose the traffic it allowed (move them first)",
     writes=["ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress",
             "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress"])
def default_group(reader: Reader, target: Target) -> Plan | None:
    region, group = _group(reader, target)
    ingress = [_strip(p) for p in group.get("IpPermissions") or []]
    egress = [_strip(p) for p in group.get("IpPermissionsEgress") or []]
    if not ingress and not egress:
        return None
    gid = group["GroupId"]
    steps, undo = [], []
    if ingress:
        steps.append(Step("ec2", region, "revoke_security_group_ingress", {"GroupId": gid, "IpPermissions": ingress}))
        undo.append(Step("ec2", region, "authorize_security_group_ingress", {"GroupId": gid, "IpPermissions": ingress}))
    if egress:
        steps.append(Step("ec2", region, "revoke_security_group_egress", {"GroupId": gid, "IpPermissions": egress}))
        undo.append(Step("ec2", region, "authorize_security_group_egress", {"GroupId": gid, "IpPermissions": egress}))
    return {"ingress": ingress, "egress": egress}, steps, undo


def _strip(permission: dict[str, Any]) -> dict[str, Any]:
    """A permission as the Authorize/Revoke APIs take it (user-group pairs without the read-only fields)."""
    keep = {k: permission[k] for k in ("IpProtocol", "FromPort", "ToPort", "IpRanges", "Ipv6Ranges", "PrefixListIds")
            if permission.get(k) not in (None, [])}
    pairs = [{k: v for k, v in pair.items() if k in ("GroupId", "UserId", "Description")}
             for pair in permission.get("UserIdGroupPairs") or []]
    if pairs:
        keep["UserIdGroupPairs"] = pairs
    return keep


@fix("ec2.instance_imdsv2_required",
     summary="Require IMDSv2 session tokens on the instance's metadata service.",
     risk="medium: software on the instance that uses IMDSv1 (old SDKs) loses its credentials",
     writes=["ec2:ModifyInstanceMetadataOptions"])
def instance_imdsv2(reader: Reader, target: Target) -> Plan | None:
    region = region_of(target)
    answer = reader.call("ec2", region, "describe_instances", InstanceIds=[target.resource_id]) or {}
    instances = [i for r in answer.get("Reservations") or [] for i in r.get("Instances") or []]
    if not instances:
        raise CannotFix(f"instance {target.resource_id} no longer exists")
    options = instances[0].get("MetadataOptions") or {}
    if options.get("HttpTokens") == "required" or options.get("HttpEndpoint") == "disabled":
        return None
    base = {"InstanceId": target.resource_id}
    return options, [Step("ec2", region, "modify_instance_metadata_options",
                          {**base, "HttpTokens": "required", "HttpEndpoint": "enabled"})], \
        [Step("ec2", region, "modify_instance_metadata_options", {**base, "HttpTokens": options.get("HttpTokens") or "optional"})]


@fix("ec2.launch_template_imdsv2",
     summary="Create a launch template version requiring IMDSv2 (from the default) and make it the default.",
     risk="low: instances launched from the template afterwards require IMDSv2",
     writes=["ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"])
def template_imdsv2(reader: Reader, target: Target) -> Plan | None:
    region = region_of(target)
    answer = reader.call("ec2", region, "describe_launch_templates", LaunchTemplateIds=[target.resource_id]) or {}
    templates = answer.get("LaunchTemplates") or []
    if not templates:
        raise CannotFix(f"launch template {target.resource_id} no longer exists")
    default = int(templates[0]["DefaultVersionNumber"])
    versions = reader.call("ec2", region, "describe_launch_template_versions", LaunchTemplateId=target.resource_id,
                           Versions=[str(default)]) or {}
    data = ((versions.get("LaunchTemplateVersions") or [{}])[0]).get("LaunchTemplateData") or {}
    if (data.get("MetadataOptions") or {}).get("HttpTokens") == "required" and \
            int(templates[0].get("LatestVersionNumber", default)) == default:
        return None
    tid = target.resource_id
    return {"DefaultVersionNumber": default}, [
        Step("ec2", region, "create_launch_template_version", {
            "LaunchTemplateId": tid, "SourceVersion": str(default), "VersionDescription": "cloudwarden: IMDSv2 required",
            "LaunchTemplateData": {"MetadataOptions": {"HttpTokens": "required", "HttpEndpoint": "enabled"}}}),
        Step("ec2", region, "modify_launch_template", {"LaunchTemplateId": tid, "DefaultVersion": "$Latest"}),
    ], [Step("ec2", region, "modify_launch_template", {"LaunchTemplateId": tid, "DefaultVersion": str(default)})]


@fix("ebs.default_encryption_enabled",
     summary="Turn on EBS encryption by default in the region.",
     risk="low: new volumes are encrypted; instance types without encryption support cannot launch",
     writes=["ec2:EnableEbsEncryptionByDefault", "ec2:DisableEbsEncryptionByDefault"])
def ebs_default(reader: Reader, target: Target) -> Plan | None:
    region = region_of(target)
    if (reader.call("ec2", region, "get_ebs_encryption_by_default") or {}).get("EbsEncryptionByDefault"):
        return None
    return False, [Step("ec2", region, "enable_ebs_encryption_by_default")], \
        [Step("ec2", region, "disable_ebs_encryption_by_default")]


@fix("ebs.snapshot_not_public",
     summary="Remove the public (group all) create-volume permission from the snapshot.",
     risk="low: anyone restoring the snapshot from outside the account loses access",
     writes=["ec2:ModifySnapshotAttribute"])
def snapshot_private(reader: Reader, target: Target) -> Plan | None:
    region = region_of(target)
    answer = reader.call("ec2", region, "describe_snapshot_attribute", SnapshotId=target.resource_id,
                         Attribute="createVolumePermission") or {}
    if not any(p.get("Group") == "all" for p in answer.get("CreateVolumePermissions") or []):
        return None
    base = {"SnapshotId": target.resource_id, "Attribute": "createVolumePermission"}
    return answer.get("CreateVolumePermissions"), [
        Step("ec2", region, "modify_snapshot_attribute", {**base, "OperationType": "remove", "GroupNames": ["all"]})], [
        Step("ec2", region, "modify_snapshot_attribute", {**base, "OperationType": "add", "GroupNames": ["all"]})]


@fix("ec2.ami_not_public",
     summary="Remove the public launch permission from the AMI.",
     risk="low: other accounts can no longer launch the image",
     writes=["ec2:ModifyImageAttribute"])
def ami_private(reader: Reader, target: Target) -> Plan | None:
    region = region_of(target)
    answer = reader.call("ec2", region, "describe_image_attribute", ImageId=target.resource_id,
                         Attribute="launchPermission") or {}
    if not any(p.get("Group") == "all" for p in answer.get("LaunchPermissions") or []):
        return None
    image = target.resource_id
    return answer.get("LaunchPermissions"), [
        Step("ec2", region, "modify_image_attribute", {"ImageId": image, "LaunchPermission": {"Remove": [{"Group": "all"}]}})], [
        Step("ec2", region, "modify_image_attribute", {"ImageId": image, "LaunchPermission": {"Add": [{"Group": "all"}]}})]


@fix("vpc.subnet_no_auto_public_ip",
     summary="Stop the subnet assigning public IPv4 addresses to new interfaces.",
     risk="medium: instances launched there afterwards get no public IP unless asked for",
     writes=["ec2:ModifySubnetAttribute"])
def subnet_no_public_ip(reader: Reader, target: Target) -> Plan | None:
    region = region_of(target)
    answer = reader.call("ec2", region, "describe_subnets", SubnetIds=[target.resource_id]) or {}
    subnets = answer.get("Subnets") or []
    if not subnets:
        raise CannotFix(f"subnet {target.resource_id} no longer exists")
    if not subnets[0].get("MapPublicIpOnLaunch"):
        return None
    sid = target.resource_id
    return True, [Step("ec2", region, "modify_subnet_attribute", {"SubnetId": sid, "MapPublicIpOnLaunch": {"Value": False}})], \
        [Step("ec2", region, "modify_subnet_attribute", {"SubnetId": sid, "MapPublicIpOnLaunch": {"Value": True}})]
