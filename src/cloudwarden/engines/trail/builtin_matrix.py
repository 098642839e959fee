"""Built-in detections for the rest of MITRE ATT&CK's IaaS matrix that CloudTrail can observe.

What builtin.py, builtin_attack.py, CIS and SigmaHQ leave uncovered. Several are tripwires of low
severity (a person creating a snapshot or terminating an instance is often routine): they put
the call on the record and into incidents, where it counts next to stronger signals of the same
actor. Calls that AWS services make for a principal (``invokedBy``) are left out. Pure data.
"""

from __future__ import annotations

from cloudwarden.core.enums import Severity
from cloudwarden.engines.trail.builtin import HUMAN, OK, TEN_MINUTES, rule
from cloudwarden.engines.trail.rules import Rule, all_of, any_of, equals

_NOT_CONSOLE = "NOT coalesce(contains(user_agent, 'console.') OR session_credential_from_console = 'true', false)"


def _names(*names: str) -> str:
    return any_of("event_name", names)


def _discovery_burst(rule_id: str, title: str, technique: str, names: tuple[str, ...]) -> Rule:
    """More than two distinct calls of ``names`` within ten minutes by one person, outside the console."""
    return rule(rule_id, title, Severity.LOW, technique, all_of(_names(*names), HUMAN, _NOT_CONSOLE),
                 threshold=2, window_seconds=TEN_MINUTES, distinct="event_name")


_CALLER_ROLE = "json_extract_string(user_identity, '$.sessionContext.sessionIssuer.arn')"
_FAILED_USER = "coalesce(user_name, json_extract_string(user_identity, '$.userName'), user_arn)"
# Reads of stored data across services: S3 objects, secrets, parameters, DynamoDB items, EBS blocks.
_DATA_READS = ("GetObject", "GetSecretValue", "BatchGetSecretValue", "GetParameter", "GetParameters",
               "GetParametersByPath", "Scan", "Query", "GetItem", "BatchGetItem", "ExportTableToPointInTime",
               "GetSnapshotBlock", "ListSnapshotBlocks", "GetLogEvents", "FilterLogEvents", "StartQueryExecution")


def collection_rules(failed_login: str) -> list[Rule]:
    """Rules for the five ATT&CK IaaS techniques the other files left open (T1548.005 ... T1074.002)."""
    return [
        rule("privilege_escalation.role_chained", "A role session assumed another role (temporary elevation)",
              Severity.LOW, "T1548.005",
              all_of(_names("AssumeRole"), equals("event_source", "sts.amazonaws.com"), OK, HUMAN,
                     equals("user_type", "AssumedRole"),
                     f"json_extract_string(request_parameters, '$.roleArn') IS DISTINCT FROM {_CALLER_ROLE}")),
        rule("credential_access.credential_stuffing", "Console sign-in failures for many users of one account",
              Severity.HIGH, "T1110.004", failed_login, threshold=4, window_seconds=TEN_MINUTES,
              group_by="coalesce(recipient_account_id, 'unknown')", distinct=_FAILED_USER),
        rule("discovery.console_from_access_keys", "Console sign-in token made from API credentials",
              Severity.MEDIUM, "T1538",
              all_of(_names("GetSigninToken"), equals("event_source", "signin.amazonaws.com"), OK)),
        rule("collection.multi_service_data_reads", "Stored data read from many services in ten minutes",
              Severity.MEDIUM, "T1119", all_of(_names(*_DATA_READS), OK, HUMAN, _NOT_CONSOLE),
              threshold=2, window_seconds=TEN_MINUTES, distinct="event_source"),
        rule("collection.objects_copied_burst", "Many S3 objects copied by a person in ten minutes",
              Severity.MEDIUM, "T1074.002",
              all_of(_names("CopyObject", "UploadPartCopy"), equals("event_source", "s3.amazonaws.com"), OK, HUMAN),
              threshold=10, window_seconds=TEN_MINUTES,
              distinct="coalesce(json_extract_string(request_parameters, '$.bucketName'), '') || '/' || "
                       "coalesce(json_extract_string(request_parameters, '$.key'), '')"),
    ]


def matrix_rules() -> list[Rule]:
    failed_login = all_of(equals("event_name", "ConsoleLogin"),
                          "coalesce(json_extract_string(response_elements, '$.ConsoleLogin') = 'Failure', false)")
    return [
        rule("initial_access.root_access_key_used", "Root user's access key used", Severity.HIGH, "T1078.001",
              all_of(equals("user_type", "Root"), "starts_with(user_access_key_id, 'AKIA')",
                     "user_invoked_by IS NULL")),
        rule("initial_access.new_external_principal", "Role assumed by an external principal for the first time",
              Severity.MEDIUM, "T1199", all_of(_names("AssumeRole"), equals("user_type", "AWSAccount"), OK,
                                               "user_account_id IS DISTINCT FROM recipient_account_id"),
              baseline="principal"),
        rule("credential_access.password_spraying", "Console sign-in failures for many users from one IP",
              Severity.HIGH, "T1110.003", failed_login, threshold=3, window_seconds=TEN_MINUTES,
              group_by="coalesce(source_ip, 'unknown')",
              distinct="coalesce(user_name, json_extract_string(user_identity, '$.userName'), user_arn)"),
        rule("persistence.mfa_device_removed", "MFA device deactivated or deleted", Severity.HIGH, "T1556.006",
              all_of(_names("DeactivateMFADevice", "DeleteVirtualMFADevice"), OK,
                     equals("event_source", "iam.amazonaws.com"))),
        rule("persistence.ssh_key_pair_imported", "SSH key pair imported into EC2", Severity.LOW, "T1098.004",
              all_of(_names("ImportKeyPair"), OK, HUMAN)),
        rule("exfiltration.traffic_mirroring", "VPC traffic mirroring session created", Severity.HIGH, "T1020.001",
              all_of(_names("CreateTrafficMirrorSession", "CreateTrafficMirrorTarget"), OK)),
        rule("defence_evasion.snapshot_created", "Snapshot created by a person", Severity.LOW, "T1578.001",
              all_of(_names("CreateSnapshot", "CreateSnapshots", "CreateDBSnapshot", "CreateDBClusterSnapshot"),
                     OK, HUMAN)),
        rule("defence_evasion.instance_created", "EC2 instance launched by a person", Severity.LOW, "T1578.002",
              all_of(_names("RunInstances"), OK, HUMAN, equals("event_source", "ec2.amazonaws.com"))),
        rule("defence_evasion.instance_deleted", "EC2 instance terminated by a person", Severity.LOW, "T1578.003",
              all_of(_names("TerminateInstances"), OK, HUMAN)),
        rule("defence_evasion.instance_reverted", "EC2 root volume replaced from a snapshot or image",
              Severity.MEDIUM, "T1578.004", all_of(_names("CreateReplaceRootVolumeTask"), OK, HUMAN)),
        rule("defence_evasion.quota_increase", "Service quota increase requested by a person", Severity.LOW,
              "T1578.005", all_of(_names("RequestServiceQuotaIncrease"), OK, HUMAN)),
        _discovery_burst("discovery.log_enumeration", "Logging configuration enumerated", "T1654",
                         ("DescribeTrails", "GetTrailStatus", "GetEventSelectors", "LookupEvents", "ListTrails",
                          "DescribeLogGroups", "DescribeFlowLogs", "GetBucketLogging", "DescribeResolverQueryLogConfig",
                          "ListResolverQueryLogConfigs")),
        _discovery_burst("discovery.security_tooling", "Security services enumerated", "T1518.001",
                         ("ListDetectors", "GetDetector", "DescribeHub", "GetEnabledStandards", "GetFindings",
                          "DescribeConfigurationRecorders", "DescribeConfigurationRecorderStatus", "GetMacieSession",
                          "ListFindings", "DescribeOrganizationConfiguration", "GetAdministratorAccount")),
        _discovery_burst("discovery.cloud_groups", "IAM groups enumerated", "T1069.003",
                         ("ListGroups", "ListGroupsForUser", "GetGroup", "ListGroupPolicies",
                          "ListAttachedGroupPolicies", "GetGroupPolicy")),
        rule("discovery.password_policy", "Account password policy read outside the console", Severity.LOW,
              "T1201", all_of(_names("GetAccountPasswordPolicy"), HUMAN, _NOT_CONSOLE)),
    ] + collection_rules(failed_login)
