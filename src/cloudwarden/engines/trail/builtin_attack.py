"""Built-in detections of the AWS attack techniques catalogued by Stratus Red Team, beyond builtin.py.

Each rule is written from the events real CloudTrail records carry for the behaviour (event names
and sources, request parameters as CloudTrail redacts them, error codes). Bursts are "more than N
distinct targets in W minutes" (``Rule.targets``): one call naming many targets counts as many.
Attempts that were denied count where the attempt itself is the signal (an attacker probing with
stolen credentials is often denied); configuration changes require success. ``HUMAN`` leaves out
calls that an AWS service made on a principal's behalf (``userIdentity.invokedBy``, e.g.
CloudFormation, Auto Scaling). The technique catalogue itself is ``coverage.py``. Pure data.
"""

from __future__ import annotations

from cloudwarden.core.enums import Severity
from cloudwarden.engines.trail.builtin import HUMAN, OK, POLICY_EVENTS, TEN_MINUTES, policy_json, rule
from cloudwarden.engines.trail.rules import Rule, all_of, any_of, either, equals, matches

THIRTY_MINUTES = 1800


def _names(*names: str) -> str:
    return any_of("event_name", names)


def _param(*keys: str) -> str:
    """A request parameter as text, under any of ``keys`` (services differ in the case of the first letter)."""
    values = [f"json_extract_string(request_parameters, '$.{key}')" for key in keys]
    return values[0] if len(values) == 1 else "coalesce(" + ", ".join(values) + ")"


def _present(*keys: str) -> str:
    return f"({_param(*keys)} IS NOT NULL)"


def _one(expression: str) -> str:
    """A one-item target list (empty when the value is absent)."""
    return f"list_filter([{expression}], lambda x: x IS NOT NULL)"


def _foreign_accounts(text: str) -> str:
    """True when the JSON text ``text`` names, as a principal, an account other than the recipient's."""
    accounts = (rf"regexp_extract_all({text}, '(?:arn:aws[a-z-]*:iam::|\"AWS\"\s*:\s*\[?\s*\"|"
                rf"\"AWS\"\s*:\s*\[[^\]]*\"arn:aws[a-z-]*:iam::)([0-9]{{12}})', 1)")
    own = "coalesce(recipient_account_id, user_account_id)"
    return f"coalesce(len(list_filter({accounts}, lambda a: a <> {own})) > 0, false)"


def credential_access() -> list[Rule]:
    decrypted = "coalesce(json_extract_string(request_parameters, '$.withDecryption') = 'true', false)"
    parameter_names = ("list_concat(json_extract_string(request_parameters, '$.names[*]'), "
                       + _one(_param("name", "path")) + ")")
    batch_by_filter = "coalesce(json_extract(request_parameters, '$.filters') IS NOT NULL, false)"
    batch_many = "coalesce(json_array_length(json_extract(request_parameters, '$.secretIdList')) >= 5, false)"
    return [
        rule("credential_access.password_data_burst", "EC2 Windows passwords requested for many instances",
              Severity.HIGH, "T1552", all_of(equals("event_name", "GetPasswordData"), HUMAN),
              threshold=5, window_seconds=TEN_MINUTES, distinct=_param("instanceId")),
        rule("credential_access.secrets_batch_retrieved", "Secrets retrieved in bulk with BatchGetSecretValue",
              Severity.HIGH, "T1555.006", all_of(equals("event_name", "BatchGetSecretValue"), HUMAN,
                                                 either(batch_by_filter, batch_many))),
        rule("credential_access.ssm_parameters_decrypted_burst", "Many SSM parameters read with decryption",
              Severity.HIGH, "T1555.006", all_of(
                  _names("GetParameter", "GetParameters", "GetParametersByPath"),
                  equals("event_source", "ssm.amazonaws.com"), HUMAN, decrypted),
              threshold=10, window_seconds=TEN_MINUTES, targets=parameter_names),
    ]


def defence_evasion() -> list[Rule]:
    days = r"""regexp_extract_all(request_parameters, '"Expiration"\s*:\s*\{[^{}]*"Days"\s*:\s*"?([0-9]+)', 1)"""
    short = f"coalesce(list_min(list_transform({days}, lambda d: d::INTEGER)) <= 7, false)"
    return [
        rule("defence_evasion.bucket_short_expiration", "S3 lifecycle rule expires objects within a week",
              Severity.MEDIUM, "T1485.001", all_of(equals("event_name", "PutBucketLifecycle"), OK,
                                                   equals("event_source", "s3.amazonaws.com"), short)),
        rule("defence_evasion.dns_query_logging_deleted", "Route 53 Resolver query logging deleted",
              Severity.MEDIUM, "T1562.008", all_of(
                  _names("DeleteResolverQueryLogConfig", "DisassociateResolverQueryLogConfig"), OK,
                  equals("event_source", "route53resolver.amazonaws.com"))),
        rule("defence_evasion.leave_organization", "Account attempted to leave its AWS Organization",
              Severity.HIGH, "T1666", all_of(equals("event_name", "LeaveOrganization"),
                                             equals("event_source", "organizations.amazonaws.com"))),
        rule("defence_evasion.admin_port_opened", "Security group opens SSH, RDP or all ports to the Internet",
              Severity.HIGH, "T1562.007", all_of(
                  _names("AuthorizeSecurityGroupIngress"), OK, equals("event_source", "ec2.amazonaws.com"),
                  _world_admin_port())),
    ]


def _world_admin_port() -> str:
    """Some permission of the request allows 0.0.0.0/0 or ::/0 on SSH, RDP or every port."""
    def admin(protocol: str, low: str, high: str) -> str:
        ports = " OR ".join(f"(coalesce({low}, -1) <= {p} AND coalesce({high}, 65535) >= {p})" for p in (22, 3389))
        return f"(coalesce({protocol} IN ('-1', 'all'), false) OR ({protocol} IN ('tcp', '6') AND ({ports})))"

    world = r"""regexp_matches(i::VARCHAR, '"cidrIp(v6)?"\s*:\s*"(0\.0\.0\.0/0|::/0)"')"""
    item = admin("json_extract_string(i, '$.ipProtocol')", "try_cast(json_extract_string(i, '$.fromPort') AS INTEGER)",
                 "try_cast(json_extract_string(i, '$.toPort') AS INTEGER)")
    listed = (f"coalesce(len(list_filter(json_extract(request_parameters, '$.ipPermissions.items[*]'),"
              f" lambda i: coalesce({world} AND {item}, false))) > 0, false)")
    legacy_world = f"coalesce({_param('cidrIp')} IN ('0.0.0.0/0', '::/0'), false)"
    legacy = admin(_param("ipProtocol"), f"try_cast({_param('fromPort')} AS INTEGER)",
                   f"try_cast({_param('toPort')} AS INTEGER)")
    return either(listed, f"({legacy_world} AND coalesce({legacy}, false))")


def discovery() -> list[Rule]:
    instance_session = matches("coalesce(user_arn, '')", ":assumed-role/[^/]+/i-[0-9a-f]{8,17}$")
    enumeration = ("GetCallerIdentity", "ListBuckets", "GetAccountSummary", "ListRoles", "ListUsers", "ListGroups",
                   "ListPolicies", "GetAccountAuthorizationDetails", "DescribeSnapshots", "DescribeInstances",
                   "DescribeSecurityGroups", "DescribeVpcs", "DescribeTrails", "ListTrails", "ListDetectors",
                   "DescribeOrganization", "ListAccounts", "ListSecrets", "DescribeParameters",
                   "ListFunctions20150331", "DescribeDBInstances", "ListAttachedRolePolicies", "ListRolePolicies")
    ses = ("GetAccountSendingEnabled", "GetSendQuota", "ListIdentities", "GetIdentityVerificationAttributes",
           "ListEmailIdentities", "GetSendStatistics", "GetAccount")
    return [
        rule("discovery.user_data_download_burst", "EC2 user data read for many instances", Severity.MEDIUM,
              "T1580", all_of(equals("event_name", "DescribeInstanceAttribute"), HUMAN,
                              f"coalesce({_param('attribute')} = 'userData', false)"),
              threshold=5, window_seconds=TEN_MINUTES, distinct=_param("instanceId")),
        rule("discovery.instance_role_enumeration", "Account enumeration with an EC2 instance's credentials",
              Severity.MEDIUM, "T1580", all_of(_names(*enumeration), instance_session, "user_invoked_by IS NULL"),
              threshold=4, window_seconds=TEN_MINUTES, distinct="event_name"),
        rule("discovery.ses_enumeration", "SES sending limits and identities enumerated", Severity.MEDIUM, "T1526",
              all_of(_names(*ses), equals("event_source", "ses.amazonaws.com"), HUMAN),
              threshold=1, window_seconds=TEN_MINUTES, distinct="event_name"),
    ]


def execution() -> list[Rule]:
    unusual = matches(f"coalesce({_param('instanceType')}, '')",
                      r"^(p[0-9]|g[0-9]|inf[0-9]|trn[0-9]|dl[0-9]|f[0-9]|vt[0-9]|x[0-9]|u-|hpc[0-9])")
    user_data = either(_present("userData", "UserData"), f"coalesce({_param('attribute')} = 'userData', false)")
    instance_ids = ("list_concat(json_extract_string(request_parameters, '$.instanceIds[*]'),"
                    " flatten(list_transform(list_filter(json_extract(request_parameters, '$.targets[*]'),"
                    " lambda t: json_extract_string(t, '$.key') = 'InstanceIds'),"
                    " lambda t: json_extract_string(t, '$.values[*]'))))")
    return [
        rule("execution.unusual_instance_type", "GPU or other unusual EC2 instance type launched or attempted",
              Severity.MEDIUM, "T1496.001", all_of(equals("event_name", "RunInstances"),
                                               equals("event_source", "ec2.amazonaws.com"), unusual)),
        rule("execution.user_data_modified", "EC2 instance user data replaced", Severity.HIGH, "T1059",
              all_of(equals("event_name", "ModifyInstanceAttribute"), OK, user_data)),
        rule("execution.sagemaker_lifecycle_attached", "SageMaker notebook lifecycle script attached or changed",
              Severity.HIGH, "T1059", all_of(
                  equals("event_source", "sagemaker.amazonaws.com"), OK, either(
                      all_of(equals("event_name", "UpdateNotebookInstance"),
                             _present("lifecycleConfigName", "LifecycleConfigName")),
                      equals("event_name", "UpdateNotebookInstanceLifecycleConfig")))),
        rule("execution.ssm_command_many_instances", "SSM commands sent to many instances", Severity.MEDIUM,
              "T1651", all_of(equals("event_name", "SendCommand"), equals("event_source", "ssm.amazonaws.com"),
                              HUMAN), threshold=2, window_seconds=TEN_MINUTES, targets=instance_ids),
        rule("execution.ssm_sessions_many_instances", "SSM sessions started on many instances", Severity.MEDIUM,
              "T1651", all_of(equals("event_name", "StartSession"), equals("event_source", "ssm.amazonaws.com"),
                              HUMAN), threshold=2, window_seconds=TEN_MINUTES, distinct=_param("target")),
        rule("execution.lambda_code_overwritten", "Lambda function code replaced by a person", Severity.MEDIUM,
              "T1648", all_of(matches("coalesce(event_name, '')", "^UpdateFunctionCode"),
                              equals("event_source", "lambda.amazonaws.com"), OK, HUMAN)),
        rule("execution.lambda_layer_added", "Lambda layer attached to a function", Severity.MEDIUM, "T1648",
              all_of(matches("coalesce(event_name, '')", "^UpdateFunctionConfiguration"),
                     equals("event_source", "lambda.amazonaws.com"), OK,
                     "coalesce(json_array_length(json_extract(request_parameters, '$.layers')) > 0, false)")),
    ]


def persistence() -> list[Rule]:
    admin_arn = matches(f"coalesce({_param('policyArn')}, '')", r"^arn:aws[a-z-]*:iam::aws:policy/AdministratorAccess$")
    allow_all = (r'"Effect"\s*:\s*"Allow"[^{}]*"Action"\s*:\s*(\[\s*)?"\*"'
                 r'|"Action"\s*:\s*(\[\s*)?"\*"[^{}]*"Effect"\s*:\s*"Allow"')
    star = f"regexp_matches(coalesce({_param('policyDocument')}, ''), '{allow_all}')"
    principal = _param("principal")
    foreign = (f"coalesce({principal} = '*' OR (regexp_matches({principal}, '^[0-9]{{12}}$|^arn:aws[a-z-]*:iam::')"
               f" AND NOT contains({principal}, coalesce(recipient_account_id, user_account_id))), false)")
    return [
        rule("persistence.admin_policy_attached", "Administrator permissions granted to an IAM identity",
              Severity.HIGH, "T1098.003", all_of(
                  equals("event_source", "iam.amazonaws.com"), OK, either(
                      all_of(_names("AttachUserPolicy", "AttachRolePolicy", "AttachGroupPolicy"), admin_arn),
                      all_of(_names("PutUserPolicy", "PutRolePolicy", "PutGroupPolicy"), f"coalesce({star}, false)")))),
        rule("persistence.lambda_permission_external", "Lambda function opened to another account or anyone",
              Severity.HIGH, "T1098", all_of(matches("coalesce(event_name, '')", "^AddPermission"),
                                             equals("event_source", "lambda.amazonaws.com"), OK, foreign)),
        rule("persistence.resource_policy_other_account", "Resource policy grants access to another account",
              Severity.MEDIUM, "T1537", all_of(_names(*POLICY_EVENTS), OK,
                                               _foreign_accounts(f"({policy_json()})::VARCHAR"))),
        rule("persistence.roles_anywhere_trust_anchor", "IAM Roles Anywhere trust anchor created or changed",
              Severity.HIGH, "T1098", all_of(_names("CreateTrustAnchor", "UpdateTrustAnchor"), OK,
                                             equals("event_source", "rolesanywhere.amazonaws.com"))),
        rule("persistence.federation_token", "Temporary credentials minted with GetFederationToken",
              Severity.MEDIUM, "T1550.001", all_of(equals("event_name", "GetFederationToken"), OK,
                                                   equals("event_source", "sts.amazonaws.com"))),
    ]


def lateral_movement() -> list[Rule]:
    return [
        rule("lateral_movement.instance_connect_many", "SSH keys pushed to many instances with EC2 Instance Connect",
              Severity.MEDIUM, "T1021.008", all_of(equals("event_name", "SendSSHPublicKey"), HUMAN),
              threshold=2, window_seconds=TEN_MINUTES, distinct=_param("instanceId")),
        rule("lateral_movement.serial_console_key", "SSH key pushed to an EC2 serial console", Severity.HIGH,
              "T1021.008", all_of(equals("event_name", "SendSerialConsoleSSHPublicKey"), HUMAN)),
    ]


def impact() -> list[Rule]:
    # one JSON parse for both parts (a window's pre-check computes this for every candidate event)
    object_key = "array_to_string(json_extract_string(request_parameters, ['$.bucketName', '$.key']), '/')"
    return [
        rule("impact.ami_deregistered", "AMI deregistered by a person", Severity.MEDIUM, "T1485",
              all_of(equals("event_name", "DeregisterImage"), equals("event_source", "ec2.amazonaws.com"), OK, HUMAN)),
        rule("impact.bucket_versions_deleted", "Object versions listed, then deleted in bulk", Severity.HIGH,
              "T1485", all_of(equals("event_name", "DeleteObjects"), OK, HUMAN), window_seconds=THIRTY_MINUTES,
              near=all_of(equals("event_name", "ListObjectVersions"), OK, HUMAN)),
        rule("impact.object_deletion_burst", "Many S3 objects deleted one by one", Severity.HIGH, "T1485",
              all_of(equals("event_name", "DeleteObject"), equals("event_source", "s3.amazonaws.com"), OK, HUMAN),
              threshold=50, window_seconds=TEN_MINUTES, distinct=object_key),
        rule("impact.object_overwrite_burst", "Many S3 objects read and rewritten (client-side encryption)",
              Severity.HIGH, "T1486", all_of(equals("event_name", "PutObject"),
                                             equals("event_source", "s3.amazonaws.com"), OK, HUMAN),
              threshold=50, window_seconds=TEN_MINUTES, distinct=object_key),
        rule("impact.bedrock_model_access_enabled", "Bedrock model access enabled or agreement accepted",
              Severity.MEDIUM, "T1496.004", all_of(_names("PutUseCaseForModelAccess", "CreateFoundationModelAgreement",
                                                      "PutFoundationModelEntitlement"), HUMAN)),
    ]


def new_behaviour() -> list[Rule]:
    """First time in the store's history (baseline.py), after a day of the principal's history."""
    people = "user_type IN ('IAMUser', 'Root') AND user_invoked_by IS NULL"
    bedrock = _names("InvokeModel", "InvokeModelWithResponseStream", "Converse", "ConverseStream")
    return [
        rule("baseline.new_bedrock_user", "Bedrock model invoked by a principal for the first time",
              Severity.MEDIUM, "T1496.004", all_of(bedrock, equals("event_source", "bedrock.amazonaws.com"), HUMAN),
              baseline="action"),
        rule("baseline.new_region", "Principal active in a region for the first time", Severity.LOW, "T1535",
              all_of(HUMAN, "aws_region IS NOT NULL"), baseline="region"),
        rule("baseline.new_source_ip", "IAM user or root signed requests from a new IP", Severity.LOW,
              "T1078.004", all_of(people, matches("coalesce(source_ip, '')", r"^[0-9a-fA-F.:]+$")),
              baseline="source_ip"),
        rule("baseline.new_user_agent", "IAM user or root used a new client (user agent)", Severity.LOW,
              "T1078.004", people, baseline="user_agent"),
        rule("baseline.new_access_key", "Long-term access key used for the first time", Severity.LOW,
              "T1098.001", all_of(equals("user_type", "IAMUser"), "starts_with(user_access_key_id, 'AKIA')"),
              baseline="access_key"),
        rule("baseline.new_principal", "Principal seen for the first time in the account", Severity.LOW,
              "T1078.004", all_of(HUMAN, "user_type <> 'AWSService'"), baseline="principal"),
    ]


def attack_rules() -> list[Rule]:
    return (credential_access() + defence_evasion() + discovery() + execution() + persistence()
            + lateral_movement() + impact() + new_behaviour())
