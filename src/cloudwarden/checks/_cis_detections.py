"""The 15 CIS monitoring detections as data: events each metric filter must and must not match.

A filter passes for a detection when it matches every `must` event and none of the `must_not`
events. The sample events carry the fields real CloudTrail records have for those calls, so any
pattern that follows the CIS text (any version) or an equivalent rewrite of it matches, while a
catch-all pattern, or one missing an event name, does not. Pure data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Event = dict[str, Any]
_NOTHING: tuple[tuple[str, Event], ...] = ()


@dataclass(frozen=True)
class Detection:
    label: str
    pattern: str  # a pattern that satisfies the detection, for the remediation text
    must: tuple[tuple[str, Event], ...]  # (what the event stands for, the event)
    must_not: tuple[tuple[str, Event], ...] = _NOTHING


def event(name: str, source: str, **fields: Any) -> Event:
    record: Event = {
        "eventVersion": "1.09", "eventTime": "2026-01-01T00:00:00Z", "eventSource": source,
        "eventName": name, "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.7",
        "eventType": "AwsApiCall", "recipientAccountId": "111122223333",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice",
                         "accountId": "111122223333", "userName": "alice"},
    }
    record.update(fields)
    return record


_BENIGN = (("a routine DescribeInstances call", event("DescribeInstances", "ec2.amazonaws.com")),)


def _changes(label: str, source: str, *names: str) -> Detection:
    """A detection of any of `names` from `source`, with the CIS-style pattern for it."""
    calls = " || ".join(f"($.eventName = {name})" for name in names)
    return Detection(label, f"{{ ($.eventSource = {source}) && ({calls}) }}",
                     tuple((f"eventName={name}", event(name, source)) for name in names), _BENIGN)


def _login(**fields: Any) -> Event:
    return event("ConsoleLogin", "signin.amazonaws.com", eventType="AwsConsoleSignIn", **fields)


_NO_MFA = _login(additionalEventData={"MFAUsed": "No", "LoginTo": "https://console.aws.amazon.com/"},
                 responseElements={"ConsoleLogin": "Success"})
_WITH_MFA = _login(additionalEventData={"MFAUsed": "Yes"}, responseElements={"ConsoleLogin": "Success"})
_FAILED_LOGIN = _login(errorMessage="Failed authentication", responseElements={"ConsoleLogin": "Failure"},
                       additionalEventData={"MFAUsed": "No"})
_ROOT = {"type": "Root", "arn": "arn:aws:iam::111122223333:root", "accountId": "111122223333"}

IAM_POLICY_EVENTS = (
    "DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy", "PutRolePolicy",
    "PutUserPolicy", "CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion",
    "AttachRolePolicy", "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy",
    "DetachGroupPolicy")
S3_POLICY_EVENTS = (
    "PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle", "PutBucketReplication",
    "DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle", "DeleteBucketReplication")
ORG_EVENTS = (
    "AcceptHandshake", "AttachPolicy", "CreateAccount", "CreateOrganizationalUnit", "CreatePolicy",
    "DeclineHandshake", "DeleteOrganization", "DeleteOrganizationalUnit", "DeletePolicy", "DetachPolicy",
    "DisablePolicyType", "EnablePolicyType", "InviteAccountToOrganization", "LeaveOrganization",
    "MoveAccount", "RemoveAccountFromOrganization", "UpdatePolicy", "UpdateOrganizationalUnit")

_UNAUTHORIZED = ('{ (($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && '
                 '($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }')
_NO_MFA_PATTERN = ('{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && '
                   '($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }')
_ROOT_PATTERN = ('{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && '
                 '$.eventType != "AwsServiceEvent" }')
_FAILURES_PATTERN = '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }'

DETECTIONS: dict[str, Detection] = {
    "cloudwatch.alarm_unauthorized_api_calls": Detection("unauthorized API calls", _UNAUTHORIZED, (
        ("errorCode=Client.UnauthorizedOperation",
         event("RunInstances", "ec2.amazonaws.com", errorCode="Client.UnauthorizedOperation")),
        ("errorCode=AccessDenied", event("GetObject", "s3.amazonaws.com", errorCode="AccessDenied")),
    ), _BENIGN),
    "cloudwatch.alarm_console_signin_without_mfa": Detection("console sign-in without MFA", _NO_MFA_PATTERN, (
        ("ConsoleLogin with MFAUsed=No", _NO_MFA),
    ), (("a console sign-in with MFA", _WITH_MFA), *_BENIGN)),
    "cloudwatch.alarm_root_usage": Detection("root user activity", _ROOT_PATTERN, (
        ("a call by the root user", event("CreateUser", "iam.amazonaws.com", userIdentity=_ROOT)),
    ), _BENIGN),
    "cloudwatch.alarm_iam_policy_changes": _changes(
        "IAM policy changes", "iam.amazonaws.com", *IAM_POLICY_EVENTS),
    "cloudwatch.alarm_cloudtrail_config_changes": _changes(
        "CloudTrail configuration changes", "cloudtrail.amazonaws.com", "CreateTrail", "UpdateTrail",
        "DeleteTrail", "StartLogging", "StopLogging"),
    "cloudwatch.alarm_console_auth_failures": Detection(
        "console authentication failures", _FAILURES_PATTERN, (
        ("ConsoleLogin with errorMessage=Failed authentication", _FAILED_LOGIN),
    ), (("a successful console sign-in", _WITH_MFA), *_BENIGN)),
    "cloudwatch.alarm_cmk_disable_or_deletion": _changes(
        "disabling or scheduled deletion of CMKs", "kms.amazonaws.com", "DisableKey", "ScheduleKeyDeletion"),
    "cloudwatch.alarm_s3_bucket_policy_changes": _changes(
        "S3 bucket policy changes", "s3.amazonaws.com", *S3_POLICY_EVENTS),
    "cloudwatch.alarm_config_changes": _changes(
        "AWS Config configuration changes", "config.amazonaws.com", "StopConfigurationRecorder",
        "DeleteDeliveryChannel", "PutDeliveryChannel", "PutConfigurationRecorder"),
    "cloudwatch.alarm_security_group_changes": _changes(
        "security group changes", "ec2.amazonaws.com", "AuthorizeSecurityGroupIngress",
        "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress",
        "CreateSecurityGroup", "DeleteSecurityGroup"),
    "cloudwatch.alarm_nacl_changes": _changes(
        "network ACL changes", "ec2.amazonaws.com", "CreateNetworkAcl", "CreateNetworkAclEntry",
        "DeleteNetworkAcl", "DeleteNetworkAclEntry", "ReplaceNetworkAclEntry",
        "ReplaceNetworkAclAssociation"),
    "cloudwatch.alarm_network_gateway_changes": _changes(
        "network gateway changes", "ec2.amazonaws.com", "CreateCustomerGateway", "DeleteCustomerGateway",
        "AttachInternetGateway", "CreateInternetGateway", "DeleteInternetGateway", "DetachInternetGateway"),
    "cloudwatch.alarm_route_table_changes": _changes(
        "route table changes", "ec2.amazonaws.com", "CreateRoute", "CreateRouteTable", "ReplaceRoute",
        "ReplaceRouteTableAssociation", "DeleteRouteTable", "DeleteRoute", "DisassociateRouteTable"),
    "cloudwatch.alarm_vpc_changes": _changes(
        "VPC changes", "ec2.amazonaws.com", "CreateVpc", "DeleteVpc", "ModifyVpcAttribute",
        "AcceptVpcPeeringConnection", "CreateVpcPeeringConnection", "DeleteVpcPeeringConnection",
        "RejectVpcPeeringConnection", "AttachClassicLinkVpc", "DetachClassicLinkVpc", "DisableVpcClassicLink",
        "EnableVpcClassicLink"),
    "cloudwatch.alarm_organizations_changes": _changes(
        "AWS Organizations changes", "organizations.amazonaws.com", *ORG_EVENTS),
}
