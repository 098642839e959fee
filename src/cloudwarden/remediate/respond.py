"""Incident-response actions as plans of calls, dry-run unless applied, each with its undo.

Covered: deactivate-access-key, quarantine-user (deny-all inline policy), revoke-role-sessions (deny
for sessions issued before now, on aws:TokenIssueTime), block-public-access (bucket), enable-trail-logging, isolate-instance (quarantine security group without
rules, EBS snapshots for forensics, tags, instance profile detached; the plan reads the instance first and
records what it replaces: its security groups and instance profile).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from cloudwarden.core.errors import InputError, UsageError
from cloudwarden.remediate.model import Step

HOME = "us-east-1"
QUARANTINE = "cloudwarden-quarantine"
REVOKE = "cloudwarden-revoke-older-sessions"
ALL_BLOCKED = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
               "RestrictPublicBuckets": True}
ACTIONS = {
    "deactivate-access-key": ["iam:UpdateAccessKey"],
    "quarantine-user": ["iam:PutUserPolicy", "iam:DeleteUserPolicy"],
    "revoke-role-sessions": ["iam:PutRolePolicy", "iam:DeleteRolePolicy"],
    "block-public-access": ["s3:PutPublicAccessBlock", "s3:DeletePublicAccessBlock"],
    "enable-trail-logging": ["cloudtrail:StartLogging", "cloudtrail:StopLogging"],
    "isolate-instance": ["ec2:CreateSecurityGroup", "ec2:RevokeSecurityGroupEgress", "ec2:ModifyInstanceAttribute",
                         "ec2:CreateSnapshot", "ec2:CreateTags", "ec2:DeleteTags",
                         "ec2:DisassociateIamInstanceProfile", "ec2:AssociateIamInstanceProfile"],
}
# Actions whose plan reads the target first (the others are planned from the target's name alone).
READS_FIRST = {"isolate-instance"}
QUARANTINE_SG = "${QuarantineGroupId}"
ISOLATION_TAGS = [{"Key": "cloudwarden:isolated", "Value": "true"}]


def _deny(condition: dict[str, object] | None = None) -> str:
    statement: dict[str, object] = {"Effect": "Deny", "Action": "*", "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def plan_action(action: str, target: str, region: str = HOME) -> tuple[list[Step], list[Step]]:
    """(steps, undo steps) for one action on one target."""
    if action == "deactivate-access-key":
        user, _, key = target.partition(":")
        if not key:
            raise UsageError("deactivate-access-key takes USER:ACCESS_KEY_ID", hint="e.g. alice:AKIA...")
        base = {"UserName": user, "AccessKeyId": key}
        return [Step("iam", HOME, "update_access_key", {**base, "Status": "Inactive"})], \
            [Step("iam", HOME, "update_access_key", {**base, "Status": "Active"})]
    if action == "quarantine-user":
        return [Step("iam", HOME, "put_user_policy", {"UserName": target, "PolicyName": QUARANTINE,
                                                      "PolicyDocument": _deny()})], \
            [Step("iam", HOME, "delete_user_policy", {"UserName": target, "PolicyName": QUARANTINE})]
    if action == "revoke-role-sessions":
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        document = _deny({"DateLessThan": {"aws:TokenIssueTime": now}})
        return [Step("iam", HOME, "put_role_policy", {"RoleName": target, "PolicyName": REVOKE,
                                                      "PolicyDocument": document})], \
            [Step("iam", HOME, "delete_role_policy", {"RoleName": target, "PolicyName": REVOKE})]
    if action == "block-public-access":
        return [Step("s3", region, "put_public_access_block", {"Bucket": target,
                                                               "PublicAccessBlockConfiguration": ALL_BLOCKED})], \
            [Step("s3", region, "delete_public_access_block", {"Bucket": target})]
    if action == "enable-trail-logging":
        return [Step("cloudtrail", region, "start_logging", {"Name": target})], \
            [Step("cloudtrail", region, "stop_logging", {"Name": target})]
    if action in READS_FIRST:
        raise UsageError(f"{action} reads its target first", hint="plan it with plan_isolate(clients, ...)")
    raise UsageError(f"unknown action {action}", hint="one of " + ", ".join(ACTIONS))


def plan_isolate(clients: Any, instance_id: str, region: str = HOME) -> tuple[list[Step], list[Step], dict[str, Any]]:
    """(steps, undo steps, what is replaced) to isolate one EC2 instance; reads it first (read-only calls)."""
    ec2 = clients.client("ec2", region)
    try:
        reservations = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    except Exception as exc:  # botocore ClientError: unknown id, denied, ...
        raise InputError(f"cannot read instance {instance_id} in {region}: {exc}") from None
    instance = next((i for r in reservations for i in r["Instances"]), None)
    if instance is None or not instance.get("VpcId"):
        raise InputError(f"instance {instance_id} not found in a VPC in {region}")
    vpc = instance["VpcId"]
    groups = [g["GroupId"] for g in instance.get("SecurityGroups") or []]
    volumes = [m["Ebs"]["VolumeId"] for m in instance.get("BlockDeviceMappings") or [] if m.get("Ebs")]
    associations = ec2.describe_iam_instance_profile_associations(
        Filters=[{"Name": "instance-id", "Values": [instance_id]}])["IamInstanceProfileAssociations"]
    profile = next((a for a in associations if a.get("State") in ("associated", "associating")), None)
    existing = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                     {"Name": "group-name", "Values": [QUARANTINE]}])["SecurityGroups"]
    steps: list[Step] = []
    if existing:
        group: str = existing[0]["GroupId"]
    else:
        group = QUARANTINE_SG
        steps.append(Step("ec2", region, "create_security_group", {
            "GroupName": QUARANTINE, "VpcId": vpc, "Description": "cloudwarden quarantine: no ingress, no egress"}))
        steps.append(Step("ec2", region, "revoke_security_group_egress", {
            "GroupId": group, "IpPermissions": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}))
    steps.append(Step("ec2", region, "modify_instance_attribute", {"InstanceId": instance_id, "Groups": [group]}))
    for volume in volumes:
        steps.append(Step("ec2", region, "create_snapshot", {
            "VolumeId": volume, "Description": f"cloudwarden forensics of {instance_id}",
            "TagSpecifications": [{"ResourceType": "snapshot", "Tags": [
                {"Key": "cloudwarden:forensics-of", "Value": instance_id}]}]}))
    steps.append(Step("ec2", region, "create_tags", {"Resources": [instance_id], "Tags": ISOLATION_TAGS}))
    undo = [Step("ec2", region, "modify_instance_attribute", {"InstanceId": instance_id, "Groups": groups}),
            Step("ec2", region, "delete_tags", {"Resources": [instance_id], "Tags": ISOLATION_TAGS})]
    replaced: dict[str, Any] = {"SecurityGroups": groups, "Volumes": volumes, "IamInstanceProfile": None}
    if profile:
        steps.append(Step("ec2", region, "disassociate_iam_instance_profile",
                          {"AssociationId": profile["AssociationId"]}))
        arn = profile["IamInstanceProfile"]["Arn"]
        replaced["IamInstanceProfile"] = arn
        undo.append(Step("ec2", region, "associate_iam_instance_profile",
                         {"InstanceId": instance_id, "IamInstanceProfile": {"Arn": arn}}))
    return steps, undo, replaced


def run_steps(clients: Any, steps: list[Step]) -> list[Any]:
    """Make the calls in order; the quarantine group's id, known once created, fills its placeholder."""
    answers, group = [], None
    for step in steps:
        if group is not None:
            step = Step(step.service, step.region, step.operation, json.loads(
                json.dumps(step.params).replace(QUARANTINE_SG, group)))
        answer = clients.run(step)
        if step.operation == "create_security_group":
            group = answer["GroupId"]
        answers.append(answer)
    return answers
