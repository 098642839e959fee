"""The 15 CIS AWS Foundations monitoring controls (v1.4-v3 numbering 4.1-4.15) as detections.

Each follows the published CloudWatch Logs metric-filter pattern, with the same case-sensitive
comparison, ``!=`` matching an absent key, and the count alarms (4.1, 4.6) as sliding 5-minute
windows. The v1.2 number is in the title. Pure data.
"""

from __future__ import annotations

from cloudwarden.core.enums import Severity
from cloudwarden.engines.trail.rules import Rule, all_of, any_of, differs, either, equals

FIVE_MINUTES = 300
UNAUTHORIZED_THRESHOLD = 5  # "practice is >= N in 5 min"; more than 5 denied calls per principal
FAILED_LOGIN_THRESHOLD = 3

_IAM_POLICY_EVENTS = (
    "DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy", "PutRolePolicy",
    "PutUserPolicy", "CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion",
    "AttachRolePolicy", "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy",
    "DetachGroupPolicy",
)
_S3_POLICY_EVENTS = (
    "PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle", "PutBucketReplication",
    "DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle", "DeleteBucketReplication",
)
_ORG_EVENTS = (
    "AcceptHandshake", "AttachPolicy", "CreateAccount", "CreateOrganizationalUnit", "CreatePolicy",
    "DeclineHandshake", "DeleteOrganization", "DeleteOrganizationalUnit", "DeletePolicy", "DetachPolicy",
    "DisablePolicyType", "EnablePolicyType", "InviteAccountToOrganization", "LeaveOrganization",
    "MoveAccount", "RemoveAccountFromOrganization", "UpdatePolicy", "UpdateOrganizationalUnit",
)


def _names(*names: str) -> str:
    return any_of("event_name", names)


def _cis(number: str, old: str, title: str, severity: Severity, technique: str, where: str,
         **window: int) -> Rule:
    return Rule(
        id=f"cis.{number}", title=f"CIS {number} [{old}]: {title}", severity=severity,
        technique=technique, where=where, family="cis", **window,  # type: ignore[arg-type]
    )


def cis_rules() -> list[Rule]:
    unauthorized = all_of(
        either("coalesce(error_code LIKE '%UnauthorizedOperation', false)",
               "coalesce(error_code LIKE 'AccessDenied%', false)"),
        differs("source_ip", "delivery.logs.amazonaws.com"),
        differs("event_name", "HeadBucket"),
    )
    return [
        _cis("4.1", "3.1", "Unauthorized API calls", Severity.MEDIUM, "T1580", unauthorized,
             threshold=UNAUTHORIZED_THRESHOLD, window_seconds=FIVE_MINUTES),
        _cis("4.2", "3.2", "Console sign-in without MFA", Severity.HIGH, "T1078.004", all_of(
            equals("event_name", "ConsoleLogin"),
            differs("json_extract_string(additional_event_data, '$.MFAUsed')", "Yes"),
            equals("user_type", "IAMUser"),
            equals("json_extract_string(response_elements, '$.ConsoleLogin')", "Success"))),
        _cis("4.3", "3.3", "Root user used", Severity.HIGH, "T1078.004", all_of(
            equals("user_type", "Root"), "user_invoked_by IS NULL",
            differs("event_type", "AwsServiceEvent"))),
        _cis("4.4", "3.4", "IAM policy changes", Severity.MEDIUM, "T1098", all_of(
            equals("event_source", "iam.amazonaws.com"), _names(*_IAM_POLICY_EVENTS))),
        _cis("4.5", "3.5", "CloudTrail configuration changes", Severity.HIGH, "T1562.008", _names(
            "CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging")),
        _cis("4.6", "3.6", "Console authentication failures", Severity.MEDIUM, "T1110.001", all_of(
            equals("event_name", "ConsoleLogin"), equals("error_message", "Failed authentication")),
             threshold=FAILED_LOGIN_THRESHOLD, window_seconds=FIVE_MINUTES),
        _cis("4.7", "3.7", "Customer-managed KMS key disabled or scheduled for deletion",
             Severity.HIGH, "T1485", all_of(
                 equals("event_source", "kms.amazonaws.com"), _names("DisableKey", "ScheduleKeyDeletion"))),
        _cis("4.8", "3.8", "S3 bucket policy changes", Severity.MEDIUM, "T1530", all_of(
            equals("event_source", "s3.amazonaws.com"), _names(*_S3_POLICY_EVENTS))),
        _cis("4.9", "3.9", "AWS Config configuration changes", Severity.MEDIUM, "T1562.001", all_of(
            equals("event_source", "config.amazonaws.com"), _names(
                "StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel",
                "PutConfigurationRecorder"))),
        _cis("4.10", "3.10", "Security group changes", Severity.LOW, "T1562.007", _names(
            "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress",
            "RevokeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup")),
        _cis("4.11", "3.11", "Network ACL changes", Severity.LOW, "T1562.007", _names(
            "CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry",
            "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation")),
        _cis("4.12", "3.12", "Network gateway changes", Severity.LOW, "T1562.007", _names(
            "CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway",
            "CreateInternetGateway", "DeleteInternetGateway", "DetachInternetGateway")),
        _cis("4.13", "3.13", "Route table changes", Severity.LOW, "T1562.007", all_of(
            equals("event_source", "ec2.amazonaws.com"), _names(
                "CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation",
                "DeleteRouteTable", "DeleteRoute", "DisassociateRouteTable"))),
        _cis("4.14", "3.14", "VPC changes", Severity.LOW, "T1562.007", _names(
            "CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection",
            "CreateVpcPeeringConnection", "DeleteVpcPeeringConnection", "RejectVpcPeeringConnection",
            "AttachClassicLinkVpc", "DetachClassicLinkVpc", "DisableVpcClassicLink", "EnableVpcClassicLink")),
        _cis("4.15", "-", "AWS Organizations changes", Severity.MEDIUM, "T1484.002", all_of(
            equals("event_source", "organizations.amazonaws.com"), _names(*_ORG_EVENTS))),
    ]
