"""Built-in detections of attacker behaviour, beyond CIS and SigmaHQ.

Grouped by ATT&CK tactic: credential access, persistence, defence evasion, discovery,
exfiltration, impact, initial access. Change detections fire on successful calls only
(``error_code IS NULL``): a denied attempt is what CIS 4.1 counts. Comparisons are exact, as
CloudTrail writes event names in one canonical case. Pure data.
"""

from __future__ import annotations

from cloudwarden.core.enums import Severity
from cloudwarden.engines.trail.rules import Rule, all_of, any_of, either, equals, matches

OK = "error_code IS NULL"
TEN_MINUTES = 600
HUMAN = "user_type IN ('IAMUser', 'AssumedRole', 'Root', 'FederatedUser') AND user_invoked_by IS NULL"
_PRIVATE_IP = r"^(10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.|127\.|169\.254\.|fd|fe80:)"
_IP_LITERAL = r"^([0-9]{1,3}\.){3}[0-9]{1,3}$|^[0-9a-fA-F:]+:[0-9a-fA-F:]*$"
# The caller's own name: an IAM user's name, or the session name of an assumed role.
_CALLER_NAME = "coalesce(user_name, regexp_extract(user_arn, '[^/]+$'))"
_TARGET_USER = "json_extract_string(request_parameters, '$.userName')"
# Calls that carry a resource policy in their request (S3, ECR, KMS, SQS, SNS, Secrets, OpenSearch...).
POLICY_EVENTS = ("PutBucketPolicy", "SetRepositoryPolicy", "PutKeyPolicy", "CreateKey", "SetQueueAttributes",
                  "CreateQueue", "SetTopicAttributes", "CreateTopic", "PutResourcePolicy", "AddPermission",
                  "CreateElasticsearchDomain", "UpdateElasticsearchDomainConfig", "CreateDomain",
                  "UpdateDomainConfig", "PutRepositoryPolicy", "PutFileSystemPolicy", "PutAccessPointPolicy",
                  "SetVaultAccessPolicy", "PutRegistryPolicy", "PutPermissionPolicy", "PutPolicy")
_POLICY_PATHS = ("bucketPolicy", "policyText", "policy", "attributes.Policy", "resourcePolicy",
                 "accessPolicies", "policyDocument")


def _names(*names: str) -> str:
    return any_of("event_name", names)


def rule(rule_id: str, title: str, severity: Severity, technique: str, where: str, **extra: object) -> Rule:
    return Rule(id=f"cw.{rule_id}", title=title, severity=severity, technique=technique, where=where,
                family="builtin", **extra)  # type: ignore[arg-type]


def policy_json() -> str:
    """The resource policy of a request, whether sent as an object or as a JSON string."""
    candidates = []
    for path in _POLICY_PATHS:
        value = f"json_extract(request_parameters, '$.{path}')"
        candidates.append(
            f"CASE WHEN json_type({value}) = 'VARCHAR' THEN try_cast(json_extract_string(request_parameters,"
            f" '$.{path}') AS JSON) ELSE {value} END")
    return "coalesce(" + ", ".join(candidates) + ")"


def _public_statement() -> str:
    """True when some Allow statement has a wildcard principal and no Condition."""
    policy = policy_json()
    statements = (f"CASE WHEN json_type({policy}, '$.Statement') = 'OBJECT' THEN [json_extract({policy},"
                  f" '$.Statement')] ELSE json_extract({policy}, '$.Statement[*]') END")
    wildcard = r"""regexp_matches(json_extract(s, '$.Principal')::VARCHAR, '^"\*"$|"AWS":\s*(\[[^\]]*)?"\*"')"""
    test = (f"lambda s: coalesce(json_extract_string(s, '$.Effect') = 'Allow' AND {wildcard}"
            " AND json_extract(s, '$.Condition') IS NULL, false)")
    return f"coalesce(len(list_filter({statements}, {test})) > 0, false)"


def _shared_outside(attribute: str) -> str:
    """An EC2 sharing attribute adds the group 'all' or an account other than the owner."""
    items = f"json_extract(request_parameters, '$.{attribute}.add.items[*]')"
    return (f"coalesce(len(list_filter({items}, lambda i: json_extract_string(i, '$.group') = 'all' OR "
            "coalesce(regexp_matches(json_extract_string(i, '$.userId'), '^[0-9]{12}$')"
            " AND json_extract_string(i, '$.userId') <> recipient_account_id, false))) > 0, false)")


def _trust_opened() -> str:
    # UpdateAssumeRolePolicy sends policyDocument; CreateRole sends assumeRolePolicyDocument
    document = ("coalesce(json_extract_string(request_parameters, '$.policyDocument'),"
                " json_extract_string(request_parameters, '$.assumeRolePolicyDocument'))")
    accounts = rf"regexp_extract_all({document}, '(?:arn:aws[a-z-]*:iam::|\"AWS\"\s*:\s*\[?\s*\")([0-9]{{12}})', 1)"
    wildcard = rf"regexp_matches({document}, '\"Principal\"\s*:\s*\"\*\"|\"AWS\"\s*:\s*(\[[^\]]*)?\"\*\"')"
    foreign = f"len(list_filter({accounts}, lambda a: a <> coalesce(recipient_account_id, user_account_id))) > 0"
    return f"coalesce({wildcard} OR {foreign}, false)"


def credential_access() -> list[Rule]:
    instance_session = matches("coalesce(user_arn, '')", ":assumed-role/[^/]+/i-[0-9a-f]{8,17}$")
    return [
        rule("credential_access.get_password_data", "EC2 Windows password data retrieved", Severity.MEDIUM,
              "T1552", all_of(equals("event_name", "GetPasswordData"), HUMAN)),
        rule("credential_access.secret_read_burst", "Many secrets read in a short time", Severity.HIGH,
              "T1555.006", all_of(_names("GetSecretValue", "BatchGetSecretValue"), OK),
              threshold=10, window_seconds=TEN_MINUTES,
              distinct="coalesce(json_extract_string(request_parameters, '$.secretId'), event_id)"),
        rule("credential_access.instance_credentials_outside", "EC2 instance credentials used from outside AWS",
              Severity.HIGH, "T1552.005", all_of(
                  instance_session, "user_invoked_by IS NULL",
                  f"coalesce(regexp_matches(source_ip, '{_IP_LITERAL}'), false)",
                  f"NOT coalesce(regexp_matches(source_ip, '{_PRIVATE_IP}'), false)",
                  "NOT coalesce(event_source IN ('ssm.amazonaws.com', 'ssmmessages.amazonaws.com',"
                  " 'ec2messages.amazonaws.com'), false)",
                  "NOT coalesce(event_name = 'RegisterManagedInstance', false)")),
    ]


def persistence() -> list[Rule]:
    other_user = f"coalesce({_TARGET_USER} <> {_CALLER_NAME}, false)"
    return [
        rule("persistence.access_key_for_other_user", "Access key created for another IAM user",
              Severity.HIGH, "T1098.001", all_of(equals("event_name", "CreateAccessKey"), OK, other_user)),
        rule("persistence.login_profile_for_other_user", "Console password set for another IAM user",
              Severity.HIGH, "T1098", all_of(
                  _names("CreateLoginProfile", "UpdateLoginProfile"), OK, other_user,
                  "coalesce(json_extract_string(request_parameters, '$.passwordResetRequired'), 'false')"
                  " <> 'true'")),
        rule("persistence.trust_policy_opened", "Role trust policy opened to another account or anyone",
              Severity.HIGH, "T1098.003", all_of(_names("UpdateAssumeRolePolicy", "CreateRole"), OK,
                                                  _trust_opened())),
        rule("persistence.iam_user_created", "IAM user created", Severity.LOW, "T1136.003",
              all_of(equals("event_name", "CreateUser"), equals("event_source", "iam.amazonaws.com"), OK)),
    ]


def defence_evasion() -> list[Rule]:
    selectors_off = (
        "coalesce(contains(request_parameters, '\"includeManagementEvents\":false'), false)"
        " OR coalesce(json_extract_string(request_parameters, '$.advancedEventSelectors') IS NOT NULL, false)")
    guardduty_off = either(_names("DeleteDetector", "DisassociateFromMasterAccount",
                                  "DisassociateFromAdministratorAccount", "StopMonitoringMembers"),
                           all_of(equals("event_name", "UpdateDetector"),
                                  "coalesce(json_extract_string(request_parameters, '$.enable') = 'false', false)"))
    return [
        rule("defence_evasion.trail_stopped_or_deleted", "CloudTrail logging stopped or trail deleted",
              Severity.HIGH, "T1562.008", all_of(_names("StopLogging", "DeleteTrail"), OK)),
        rule("defence_evasion.event_selectors_reduced", "CloudTrail event selectors changed to log less",
              Severity.MEDIUM, "T1562.008", all_of(_names("PutEventSelectors"), OK, f"({selectors_off})")),
        rule("defence_evasion.guardduty_disabled", "GuardDuty detector disabled or deleted", Severity.HIGH,
              "T1562.001", all_of(equals("event_source", "guardduty.amazonaws.com"), OK, guardduty_off)),
        rule("defence_evasion.config_disabled", "AWS Config recording stopped or deleted", Severity.HIGH,
              "T1562.001", all_of(equals("event_source", "config.amazonaws.com"), OK, _names(
                  "StopConfigurationRecorder", "DeleteConfigurationRecorder", "DeleteDeliveryChannel"))),
        rule("defence_evasion.securityhub_disabled", "Security Hub disabled", Severity.HIGH, "T1562.001",
              all_of(equals("event_source", "securityhub.amazonaws.com"), OK, _names(
                  "DisableSecurityHub", "BatchDisableStandards", "DisableImportFindingsForProduct"))),
        rule("defence_evasion.flow_logs_deleted", "VPC flow logs deleted", Severity.MEDIUM, "T1562.008",
              all_of(equals("event_name", "DeleteFlowLogs"), OK)),
    ]


def discovery() -> list[Rule]:
    readonly = "coalesce(regexp_matches(event_name, '^(List|Describe|Get)'), false)"
    from_console = "coalesce(contains(user_agent, 'console.') OR session_credential_from_console = 'true', false)"
    return [
        rule("discovery.api_burst", "Burst of discovery calls across many APIs", Severity.LOW, "T1580",
              all_of(readonly, HUMAN, f"NOT {from_console}"), threshold=15, window_seconds=TEN_MINUTES,
              distinct="event_name"),
    ]


def exfiltration() -> list[Rule]:
    return [
        rule("exfiltration.snapshot_shared", "EBS snapshot shared outside the account", Severity.HIGH,
              "T1537", all_of(equals("event_name", "ModifySnapshotAttribute"), OK,
                              _shared_outside("createVolumePermission"))),
        rule("exfiltration.ami_shared", "AMI shared outside the account", Severity.HIGH, "T1537",
              all_of(equals("event_name", "ModifyImageAttribute"), OK, _shared_outside("launchPermission"))),
        rule("exfiltration.rds_snapshot_shared", "RDS snapshot shared outside the account", Severity.HIGH,
              "T1537", all_of(_names("ModifyDBSnapshotAttribute", "ModifyDBClusterSnapshotAttribute"), OK,
                              "coalesce(json_extract_string(request_parameters, '$.attributeName') = 'restore'"
                              " AND json_extract(request_parameters, '$.valuesToAdd[0]') IS NOT NULL, false)")),
        rule("exfiltration.resource_made_public", "Resource policy grants access to anyone", Severity.HIGH,
              "T1530", all_of(_names(*POLICY_EVENTS), OK, _public_statement())),
        rule("exfiltration.bucket_acl_public", "Bucket ACL grants access to all users", Severity.HIGH,
              "T1530", all_of(equals("event_name", "PutBucketAcl"), OK,
                              "coalesce(regexp_matches(request_parameters, 'acs.amazonaws.com/groups/global/"
                              "(AllUsers|AuthenticatedUsers)'), false)")),
        rule("exfiltration.public_access_block_removed", "S3 public access block removed", Severity.MEDIUM,
              "T1530", all_of(_names("DeleteBucketPublicAccessBlock", "DeleteAccountPublicAccessBlock"), OK,
                              equals("event_source", "s3.amazonaws.com"))),
        rule("exfiltration.object_read_burst", "Burst of S3 object downloads", Severity.MEDIUM, "T1530",
              all_of(equals("event_name", "GetObject"), OK, HUMAN), threshold=100, window_seconds=TEN_MINUTES),
    ]


def impact() -> list[Rule]:
    return [
        rule("impact.kms_key_deletion", "KMS key scheduled for deletion or disabled", Severity.HIGH, "T1485",
              all_of(equals("event_source", "kms.amazonaws.com"), _names("ScheduleKeyDeletion", "DisableKey"),
                     OK)),
        rule("impact.mass_deletion", "Mass deletion of resources", Severity.HIGH, "T1485", all_of(
            OK, HUMAN, "coalesce(regexp_matches(event_name, '^(Delete|Terminate)'), false)"),
            threshold=25, window_seconds=TEN_MINUTES),
    ]


def initial_access() -> list[Rule]:
    success = "coalesce(json_extract_string(response_elements, '$.ConsoleLogin') = 'Success', false)"
    no_mfa = "coalesce(json_extract_string(additional_event_data, '$.MFAUsed'), 'No') <> 'Yes'"
    # A SAML sign-in authenticates (and checks MFA) at the identity provider, not in AWS.
    not_saml = "json_extract_string(additional_event_data, '$.SamlProviderArn') IS NULL"
    return [
        rule("initial_access.console_login_without_mfa", "Console login without MFA", Severity.MEDIUM,
              "T1078.004", all_of(equals("event_name", "ConsoleLogin"), success, no_mfa, not_saml,
                                  "user_type IN ('IAMUser', 'Root')")),
        rule("initial_access.console_login_new_place", "Console login from a source IP new for the user",
              Severity.LOW, "T1078.004", all_of(equals("event_name", "ConsoleLogin"), success),
              first_seen="source_ip"),
        rule("initial_access.root_console_login", "Root user signed in to the console", Severity.HIGH,
              "T1078.004", all_of(equals("event_name", "ConsoleLogin"), success, equals("user_type", "Root"))),
    ]


def builtin_rules() -> list[Rule]:
    return (credential_access() + persistence() + defence_evasion() + discovery() + exfiltration()
            + impact() + initial_access())
