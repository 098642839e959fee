"""Every Stratus Red Team AWS technique is detected; its near-misses are not.

One table: per technique, the events an attack leaves (``pos``) and look-alikes that must not fire
(``miss``: the same API by an automation role, one target instead of many, a read of one secret...).
All cases share one store (each in its own account and hours), ingested once, and one hunt over
every rule; each case then checks the rules the coverage table lists for its technique.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from cloudwarden.engines.trail.coverage import stratus_techniques
from cloudwarden.engines.trail.detect import Detection, run_rules
from cloudwarden.engines.trail.hunt import rule_set
from cloudwarden.engines.trail.ingest import ingest
from cloudwarden.engines.trail.store import Store, connect

from .attack_events import Case
from .conftest import write_records

Events = tuple[list[dict[str, Any]], list[dict[str, Any]]]
EXTERNAL = "193672423079"
CONSOLE_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"


def password_data(c: Case) -> Events:
    role = c.assumed_role("stratus-red-team-get-pw-data-role", "stratus-session")
    pos = [c.record("pos", role, "ec2.amazonaws.com", "GetPasswordData", 5 * n, {"instanceId": f"i-0{n:016x}"},
                    error="Client.UnauthorizedOperation") for n in range(8)]
    admin = c.assumed_role("ops-admin", "jane")
    miss = [c.record("miss", admin, "ec2.amazonaws.com", "GetPasswordData", 60 * n, {"instanceId": "i-0aaaa1111bbbb2222"})
            for n in range(3)]
    return pos, miss


def steal_instance_credentials(c: Case) -> Events:
    stolen = c.instance_role("web-instance-role", "i-0adc17a5acb70d9ae")
    pos = [c.record("pos", stolen, "sts.amazonaws.com", "GetCallerIdentity", 0, ip="203.0.113.200"),
           c.record("pos", stolen, "ec2.amazonaws.com", "DescribeInstances", 5, {"instancesSet": {}, "filterSet": {}},
                    ip="203.0.113.200")]
    inside = c.instance_role("web-instance-role", "i-0bbbbbbbbbbbbbbbb")
    miss = [c.record("miss", inside, "s3.amazonaws.com", "ListBuckets", 0, ip="10.0.1.25"),
            c.record("miss", inside, "ssm.amazonaws.com", "UpdateInstanceInformation", 10, ip="198.51.100.99")]
    return pos, miss


def batch_secrets(c: Case) -> Events:
    user = c.iam_user("leaked-key-user")
    pos = [c.record("pos", user, "secretsmanager.amazonaws.com", "BatchGetSecretValue", 0,
                    {"filters": [{"key": "tag-key", "values": ["StratusRedTeam"]}]}, readOnly=True)]
    app = c.assumed_role("billing-app", "task-1")
    miss = [c.record("miss", app, "secretsmanager.amazonaws.com", "BatchGetSecretValue", 0,
                     {"secretIdList": ["prod/db", "prod/api"]})]
    return pos, miss


def many_secrets(c: Case) -> Events:
    user = c.federated("contractor")
    pos = [c.record("pos", user, "secretsmanager.amazonaws.com", "ListSecrets", 0)]
    pos += [c.record("pos", user, "secretsmanager.amazonaws.com", "GetSecretValue", 2 + n,
                     {"secretId": f"arn:aws:secretsmanager:us-east-1:{c.account}:secret:stratus-{n}-AbCdEf"})
            for n in range(20)]
    app = c.assumed_role("orders-service", "task-7")
    miss = [c.record("miss", app, "secretsmanager.amazonaws.com", "GetSecretValue", 30 * n, {"secretId": "prod/db"})
            for n in range(15)]
    return pos, miss


def ssm_parameters(c: Case) -> Events:
    role = c.assumed_role("stratus-ssm-reader", "attacker")
    pos = [c.record("pos", role, "ssm.amazonaws.com", "DescribeParameters", 0)]
    pos += [c.record("pos", role, "ssm.amazonaws.com", "GetParameters", 5 + n,
                     {"names": [f"/credentials/stratus-red-team/credentials-{10 * n + k}" for k in range(10)],
                      "withDecryption": True}) for n in range(3)]
    app = c.assumed_role("lambda-exec", "orders-fn")
    miss = [c.record("miss", app, "ssm.amazonaws.com", "GetParameters", 0,
                     {"names": ["/app/db-password", "/app/api-key", "/app/region"], "withDecryption": True}),
            c.record("miss", c.iam_user("ops"), "ssm.amazonaws.com", "GetParametersByPath", 60,
                     {"path": "/app/", "withDecryption": False, "recursive": True})]
    return pos, miss


def trail_delete(c: Case) -> Events:
    user = c.iam_user("intruder")
    pos = [c.record("pos", user, "cloudtrail.amazonaws.com", "DeleteTrail", 0,
                    {"name": f"arn:aws:cloudtrail:us-east-1:{c.account}:trail/org-trail"})]
    miss = [c.record("miss", user, "cloudtrail.amazonaws.com", "DeleteTrail", 60, {"name": "org-trail"},
                     error="AccessDenied")]
    return pos, miss


def event_selectors(c: Case) -> Events:
    role = c.assumed_role("stratus", "attacker")
    pos = [c.record("pos", role, "cloudtrail.amazonaws.com", "PutEventSelectors", 0,
                    {"trailName": "org-trail", "eventSelectors": [
                        {"readWriteType": "ReadOnly", "includeManagementEvents": False, "dataResources": [],
                         "excludeManagementEventSources": []}]})]
    miss = [c.record("miss", c.assumed_role("platform", "terraform"), "cloudtrail.amazonaws.com", "PutEventSelectors",
                     0, {"trailName": "org-trail", "eventSelectors": [
                         {"readWriteType": "All", "includeManagementEvents": True, "dataResources": [
                             {"type": "AWS::S3::Object", "values": ["arn:aws:s3"]}]}]})]
    return pos, miss


def lifecycle(c: Case) -> Events:
    user = c.iam_user("intruder")
    request = {"bucketName": "org-cloudtrail-logs", "Host": "org-cloudtrail-logs.s3.us-east-1.amazonaws.com",
               "lifecycle": "", "LifecycleConfiguration": {
                   "xmlns": "http://s3.amazonaws.com/doc/2006-03-01/",
                   "Rule": {"ID": "nuke-cloudtrail-logs-after-1-day", "Status": "Enabled",
                            "Filter": {"Prefix": "*"}, "Expiration": {"Days": 1}}}}
    pos = [c.record("pos", user, "s3.amazonaws.com", "PutBucketLifecycle", 0, request)]
    keep = json.loads(json.dumps(request))
    keep["LifecycleConfiguration"]["Rule"] = [{"ID": "archive", "Status": "Enabled", "Expiration": {"Days": 365},
                                               "NoncurrentVersionExpiration": {"NoncurrentDays": 1}}]
    miss = [c.record("miss", c.assumed_role("platform", "terraform"), "s3.amazonaws.com", "PutBucketLifecycle", 0,
                     keep)]
    return pos, miss


def trail_stop(c: Case) -> Events:
    root = c.root()
    pos = [c.record("pos", root, "cloudtrail.amazonaws.com", "StopLogging", 0,
                    {"name": f"arn:aws:cloudtrail:us-east-1:{c.account}:trail/org-trail"})]
    miss = [c.record("miss", c.iam_user("auditor"), "cloudtrail.amazonaws.com", "GetTrailStatus", 0,
                     {"name": "org-trail"})]
    return pos, miss


def dns_logs(c: Case) -> Events:
    role = c.assumed_role("stratus", "attacker")
    pos = [c.record("pos", role, "route53resolver.amazonaws.com", "DeleteResolverQueryLogConfig", 0,
                    {"resolverQueryLogConfigId": "rqlc-8ca61fe7c055415a"})]
    miss = [c.record("miss", role, "route53resolver.amazonaws.com", "ListResolverQueryLogConfigs", 0),
            c.record("miss", role, "route53resolver.amazonaws.com", "DeleteResolverQueryLogConfig", 10,
                     {"resolverQueryLogConfigId": "rqlc-8ca61fe7c055415a"}, error="AccessDeniedException")]
    return pos, miss


def leave_organization(c: Case) -> Events:
    role = c.assumed_role("stratus-red-team-leave-org-role", "attacker")
    pos = [c.record("pos", role, "organizations.amazonaws.com", "LeaveOrganization", 0, error="AccessDenied")]
    miss = [c.record("miss", role, "organizations.amazonaws.com", "DescribeOrganization", 0)]
    return pos, miss


def flow_logs(c: Case) -> Events:
    user = c.iam_user("intruder")
    pos = [c.record("pos", user, "ec2.amazonaws.com", "DeleteFlowLogs", 0,
                    {"DeleteFlowLogsRequest": {"FlowLogId": {"tag": 1, "content": "fl-0c2b3e8a1d2e3f4a5"}}})]
    miss = [c.record("miss", user, "ec2.amazonaws.com", "DescribeFlowLogs", 0)]
    return pos, miss


def user_data_download(c: Case) -> Events:
    role = c.assumed_role("stratus-red-team-ec2-get-user-data-role", "attacker")
    pos = [c.record("pos", role, "ec2.amazonaws.com", "DescribeInstanceAttribute", 3 * n,
                    {"instanceId": f"i-0{n:016x}", "attribute": "userData"}, error="Client.UnauthorizedOperation")
           for n in range(10)]
    ops = c.iam_user("ops")
    miss = [c.record("miss", ops, "ec2.amazonaws.com", "DescribeInstanceAttribute", 0,
                     {"instanceId": "i-0aaaa1111bbbb2222", "attribute": "userData"})]
    miss += [c.record("miss", ops, "ec2.amazonaws.com", "DescribeInstanceAttribute", 5 + n,
                      {"instanceId": f"i-0{n:016x}", "attribute": "instanceType"}) for n in range(10)]
    return pos, miss


def enumerate_from_instance(c: Case) -> Events:
    instance = c.instance_role("stratus-instance-role", "i-0adc17a5acb70d9ae")
    calls = [("sts", "GetCallerIdentity"), ("s3", "ListBuckets"), ("iam", "GetAccountSummary"), ("iam", "ListRoles"),
             ("iam", "ListUsers"), ("iam", "GetAccountAuthorizationDetails"), ("ec2", "DescribeSnapshots"),
             ("cloudtrail", "DescribeTrails"), ("guardduty", "ListDetectors")]
    pos = [c.record("pos", instance, f"{service}.amazonaws.com", name, 4 * n, ip="10.0.1.15",
                    agent="aws-cli/2.15.30 md/command#ssm") for n, (service, name) in enumerate(calls)]
    app = c.instance_role("app-role", "i-0ccccccccccccccc0")
    miss = [c.record("miss", app, service, name, 10 * n, ip="10.0.2.20") for n, (service, name) in enumerate(
        [("sts.amazonaws.com", "GetCallerIdentity"), ("ec2.amazonaws.com", "DescribeInstances"),
         ("s3.amazonaws.com", "ListBuckets"), ("ec2.amazonaws.com", "DescribeTags")])]
    return pos, miss


def ses_enumerate(c: Case) -> Events:
    user = c.iam_user("leaked-key-user")
    names = ["GetAccountSendingEnabled", "GetSendQuota", "ListIdentities", "GetIdentityVerificationAttributes"]
    pos = [c.record("pos", user, "ses.amazonaws.com", name, 2 * n, {"identities": ["example.com"]} if n == 3 else None)
           for n, name in enumerate(names)]
    mailer = c.assumed_role("newsletter", "sender")
    miss = [c.record("miss", mailer, "ses.amazonaws.com", "GetSendQuota", 60 * n) for n in range(3)]
    return pos, miss


def unusual_instances(c: Case) -> Events:
    role = c.assumed_role("stratus-red-team-ec2-launch-role", "attacker")
    pos = [c.record("pos", role, "ec2.amazonaws.com", "RunInstances", n,
                    {"instancesSet": {"items": [{"imageId": "ami-0c55b159cbfafe1f0", "minCount": 10, "maxCount": 10}]},
                     "instanceType": "p2.xlarge", "blockDeviceMapping": {}, "monitoring": {"enabled": False},
                     "disableApiTermination": False, "disableApiStop": False, "clientToken": f"tok-{n}"},
                    error="Client.UnauthorizedOperation") for n in range(3)]
    asg = c.assumed_role("AWSServiceRoleForAutoScaling", "AutoScaling", invoked_by="autoscaling.amazonaws.com")
    miss = [c.record("miss", asg, "ec2.amazonaws.com", "RunInstances", 0,
                     {"instancesSet": {"items": [{"imageId": "ami-0c55b159cbfafe1f0", "minCount": 1, "maxCount": 1}]},
                      "instanceType": "t3.micro"}, ip="autoscaling.amazonaws.com", agent="autoscaling.amazonaws.com")]
    return pos, miss


def ec2_user_data(c: Case) -> Events:
    user = c.iam_user("intruder")
    pos = [c.record("pos", user, "ec2.amazonaws.com", "StopInstances", 0,
                    {"instancesSet": {"items": [{"instanceId": "i-0adc17a5acb70d9ae"}]}, "force": False}),
           c.record("pos", user, "ec2.amazonaws.com", "ModifyInstanceAttribute", 60,
                    {"instanceId": "i-0adc17a5acb70d9ae", "userData": "<sensitiveDataRemoved>"}),
           c.record("pos", user, "ec2.amazonaws.com", "StartInstances", 70,
                    {"instancesSet": {"items": [{"instanceId": "i-0adc17a5acb70d9ae"}]}})]
    miss = [c.record("miss", c.iam_user("ops"), "ec2.amazonaws.com", "ModifyInstanceAttribute", 0,
                     {"instanceId": "i-0adc17a5acb70d9ae", "instanceType": {"value": "t3.large"}})]
    return pos, miss


def sagemaker(c: Case) -> Events:
    role = c.assumed_role("notebook-operator", "attacker")
    pos = [c.record("pos", role, "sagemaker.amazonaws.com", "StopNotebookInstance", 0,
                    {"notebookInstanceName": "research"}),
           c.record("pos", role, "sagemaker.amazonaws.com", "UpdateNotebookInstance", 300,
                    {"notebookInstanceName": "research", "lifecycleConfigName": "stratus-malicious-config"}),
           c.record("pos", role, "sagemaker.amazonaws.com", "StartNotebookInstance", 330,
                    {"notebookInstanceName": "research"})]
    miss = [c.record("miss", c.iam_user("ml-engineer"), "sagemaker.amazonaws.com", "UpdateNotebookInstance", 0,
                     {"notebookInstanceName": "research", "instanceType": "ml.t3.large"})]
    return pos, miss


def send_command(c: Case) -> Events:
    user = c.iam_user("intruder")
    pos = [c.record("pos", user, "ssm.amazonaws.com", "SendCommand", 0,
                    {"instanceIds": ["i-0f364762ca43f9661", "i-0a86d1f61db2b9b5d", "i-08a69bfbe21c67e70"],
                     "documentName": "AWS-RunShellScript", "parameters": "HIDDEN_DUE_TO_SECURITY_REASONS",
                     "interactive": False})]
    miss = [c.record("miss", c.iam_user("ops"), "ssm.amazonaws.com", "SendCommand", 0,
                     {"instanceIds": ["i-0f364762ca43f9661"], "documentName": "AWS-RunPatchBaseline",
                      "parameters": "HIDDEN_DUE_TO_SECURITY_REASONS", "interactive": False})]
    return pos, miss


def start_session(c: Case) -> Events:
    role = c.assumed_role("stratus", "attacker")
    pos = [c.record("pos", role, "ssm.amazonaws.com", "StartSession", 20 * n, {"target": f"i-0{n:016x}"},
                    {"sessionId": f"attacker-0{n}", "tokenValue": "Value hidden due to security reasons.",
                     "streamUrl": "wss://ssmmessages.us-east-1.amazonaws.com/v1/data-channel/attacker"})
           for n in range(3)]
    miss = [c.record("miss", c.iam_user("ops"), "ssm.amazonaws.com", "StartSession", 60 * n,
                     {"target": "i-0aaaa1111bbbb2222"}) for n in range(4)]
    return pos, miss


def open_port_22(c: Case) -> Events:
    user = c.iam_user("intruder")
    rule = {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "groups": {},
            "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}, "ipv6Ranges": {}, "prefixListIds": {}}
    pos = [c.record("pos", user, "ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", 0,
                    {"groupId": "sg-0123456789abcdef0", "ipPermissions": {"items": [rule]}},
                    {"requestId": "r", "_return": True})]
    web = dict(rule, fromPort=443, toPort=443)
    vpn = dict(rule, ipRanges={"items": [{"cidrIp": "10.0.0.0/8"}]})
    miss = [c.record("miss", user, "ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", 60,
                     {"groupId": "sg-0123456789abcdef0", "ipPermissions": {"items": [web, vpn]}})]
    return pos, miss


def share_ami(c: Case) -> Events:
    user = c.iam_user("intruder")
    pos = [c.record("pos", user, "ec2.amazonaws.com", "ModifyImageAttribute", 0,
                    {"imageId": "ami-0b87ea1d007078d18", "attributeType": "launchPermission",
                     "launchPermission": {"add": {"items": [{"userId": EXTERNAL}]}}})]
    miss = [c.record("miss", user, "ec2.amazonaws.com", "ModifyImageAttribute", 60,
                     {"imageId": "ami-0b87ea1d007078d18", "attributeType": "launchPermission",
                      "launchPermission": {"remove": {"items": [{"userId": EXTERNAL}]}}})]
    return pos, miss


def share_snapshot(c: Case) -> Events:
    role = c.assumed_role("stratus", "attacker")
    pos = [c.record("pos", role, "ec2.amazonaws.com", "ModifySnapshotAttribute", 0,
                    {"snapshotId": "snap-01b3f7d87a02559a1", "attributeType": "CREATE_VOLUME_PERMISSION",
                     "createVolumePermission": {"add": {"items": [{"userId": "111111111111"}]}}})]
    miss = [c.record("miss", role, "ec2.amazonaws.com", "ModifySnapshotAttribute", 60,
                     {"snapshotId": "snap-01b3f7d87a02559a1", "attributeType": "CREATE_VOLUME_PERMISSION",
                      "createVolumePermission": {"add": {"items": [{"userId": c.account}]}}})]
    return pos, miss


def share_rds(c: Case) -> Events:
    user = c.federated("dba")
    pos = [c.record("pos", user, "rds.amazonaws.com", "ModifyDBSnapshotAttribute", 0,
                    {"dBSnapshotIdentifier": "my-db-snapshot", "attributeName": "restore", "valuesToAdd": [EXTERNAL]})]
    miss = [c.record("miss", user, "rds.amazonaws.com", "ModifyDBSnapshotAttribute", 60,
                     {"dBSnapshotIdentifier": "my-db-snapshot", "attributeName": "restore",
                      "valuesToRemove": [EXTERNAL]})]
    return pos, miss


def bucket_policy(c: Case) -> Events:
    user = c.iam_user("intruder")

    def policy(principal: str) -> dict[str, Any]:
        return {"bucketName": "stratus-bucket", "Host": "stratus-bucket.s3.us-east-1.amazonaws.com", "policy": "",
                "bucketPolicy": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": principal},
                     "Action": ["s3:GetObject", "s3:GetBucketLocation", "s3:ListBucket"],
                     "Resource": ["arn:aws:s3:::stratus-bucket/*", "arn:aws:s3:::stratus-bucket"]}]}}
    pos = [c.record("pos", user, "s3.amazonaws.com", "PutBucketPolicy", 0, policy(f"arn:aws:iam::{EXTERNAL}:root"))]
    miss = [c.record("miss", c.assumed_role("platform", "terraform"), "s3.amazonaws.com", "PutBucketPolicy", 0,
                     policy(f"arn:aws:iam::{c.account}:role/reader"))]
    return pos, miss


def bedrock(c: Case) -> Events:
    user = c.iam_user("leaked-key-user")
    earlier = [c.record("pos", user, "sts.amazonaws.com", "GetCallerIdentity", -3 * 86400)]
    pos = earlier + [
        c.record("pos", user, "bedrock.amazonaws.com", "ListFoundationModels", 0),
        c.record("pos", user, "bedrock.amazonaws.com", "PutUseCaseForModelAccess", 10,
                 {"formData": "HIDDEN_DUE_TO_SECURITY_REASONS"}),
        c.record("pos", user, "bedrock.amazonaws.com", "CreateFoundationModelAgreement", 20,
                 {"modelId": "anthropic.claude-3-sonnet-20240229-v1:0", "offerToken": "HIDDEN_DUE_TO_SECURITY_REASONS"}),
        c.record("pos", user, "bedrock.amazonaws.com", "InvokeModel", 60,
                 {"modelId": "anthropic.claude-3-sonnet-20240229-v1:0"})]
    app = c.assumed_role("chat-backend", "task-1")
    miss = [c.record("miss", app, "bedrock.amazonaws.com", "InvokeModel", -86400 * 2 + 60 * n,
                     {"modelId": "anthropic.claude-3-haiku-20240307-v1:0"}) for n in range(2)]
    miss += [c.record("miss", app, "bedrock.amazonaws.com", "InvokeModel", 60 * n,
                      {"modelId": "anthropic.claude-3-haiku-20240307-v1:0"}) for n in range(2)]
    return pos, miss


def deregister_ami(c: Case) -> Events:
    user = c.iam_user("intruder")
    pos = [c.record("pos", user, "ec2.amazonaws.com", "DeregisterImage", 0,
                    {"imageId": "ami-0b87ea1d007078d18", "deleteAssociatedSnapshots": False})]
    builder = c.assumed_role("EC2ImageBuilderDistributionCrossAccountRole", "imagebuilder",
                             invoked_by="imagebuilder.amazonaws.com")
    miss = [c.record("miss", builder, "ec2.amazonaws.com", "DeregisterImage", 0, {"imageId": "ami-0aaaaaaaaaaaaaaaa"},
                     ip="imagebuilder.amazonaws.com", agent="imagebuilder.amazonaws.com")]
    return pos, miss


def batch_deletion(c: Case) -> Events:
    role = c.assumed_role("stratus", "attacker")
    pos = [c.s3_data("pos", role, "ListObjectVersions", "stratus-ransomware-bucket", None, 0),
           c.s3_data("pos", role, "DeleteObjects", "stratus-ransomware-bucket", None, 30),
           c.s3_data("pos", role, "PutObject", "stratus-ransomware-bucket", "FILES-DELETED.txt", 40)]
    pos[1]["requestParameters"]["delete"] = ""
    lifecycle = c.assumed_role("cleanup", "nightly", invoked_by="s3.amazonaws.com")
    miss = [c.s3_data("miss", c.assumed_role("etl", "job-4"), "DeleteObjects", "tmp-bucket", None, 0),
            c.s3_data("miss", lifecycle, "ListObjectVersions", "tmp-bucket", None, 10),
            c.s3_data("miss", lifecycle, "DeleteObjects", "tmp-bucket", None, 20)]
    return pos, miss


def client_side_encryption(c: Case) -> Events:
    user = c.iam_user("intruder")
    pos = []
    for n in range(60):
        pos.append(c.s3_data("pos", user, "GetObject", "victim-bucket", f"data/{n:04d}.csv", 2 * n))
        pos.append(c.s3_data("pos", user, "PutObject", "victim-bucket", f"data/{n:04d}.csv", 2 * n + 1))
    ops = c.iam_user("uploader")
    miss = [c.s3_data("miss", ops, "PutObject", "victim-bucket", f"in/{n}.csv", n) for n in range(20)]
    miss += [c.s3_data("miss", ops, "PutObject", "victim-bucket", "in/same.csv", 30 + n) for n in range(80)]
    return pos, miss


def individual_deletion(c: Case) -> Events:
    role = c.assumed_role("stratus", "attacker")
    pos = [c.s3_data("pos", role, "ListObjectVersions", "stratus-ransomware-bucket", None, 0)]
    pos += [c.s3_data("pos", role, "DeleteObject", "stratus-ransomware-bucket", f"{n:04d}.bin", 1 + n / 2,
                      responseElements=None) for n in range(80)]
    for n, record in enumerate(pos[1:]):
        record["requestParameters"]["versionId"] = f"v{n}"
    janitor = c.iam_user("janitor")
    miss = [c.s3_data("miss", janitor, "DeleteObject", "tmp-bucket", f"{n}.tmp", n) for n in range(10)]
    return pos, miss


def console_without_mfa(c: Case) -> Events:
    user = c.iam_user("console-user-wgrosmao")
    del user["accessKeyId"]

    def login(tag: str, mfa: str, who: dict[str, Any]) -> dict[str, Any]:
        return c.record(tag, who, "signin.amazonaws.com", "ConsoleLogin", 0, None, {"ConsoleLogin": "Success"},
                        agent=CONSOLE_AGENT, eventType="AwsConsoleSignIn",
                        additionalEventData={"LoginTo": "https://console.aws.amazon.com/console/home",
                                             "MobileVersion": "No", "MFAUsed": mfa})
    other = c.iam_user("careful-user")
    del other["accessKeyId"]
    return [login("pos", "No", user)], [login("miss", "Yes", other)]


def instance_connect(c: Case) -> Events:
    user = c.iam_user("intruder")
    pos = [c.record("pos", user, "ec2-instance-connect.amazonaws.com", "SendSSHPublicKey", 5 * n,
                    {"instanceId": f"i-0{n:016x}", "instanceOSUser": "ec2-user", "sSHPublicKey": "ssh-ed25519 AAAA"},
                    {"requestId": "r", "success": True}) for n in range(3)]
    miss = [c.record("miss", c.iam_user("dev"), "ec2-instance-connect.amazonaws.com", "SendSSHPublicKey", 60 * n,
                     {"instanceId": "i-0aaaa1111bbbb2222", "instanceOSUser": "ec2-user",
                      "sSHPublicKey": "ssh-ed25519 AAAA"}) for n in range(3)]
    return pos, miss


def serial_console(c: Case) -> Events:
    role = c.assumed_role("stratus", "attacker")
    pos = [c.record("pos", role, "ec2-instance-connect.amazonaws.com", "SendSerialConsoleSSHPublicKey", 0,
                    {"instanceId": "i-0adc17a5acb70d9ae", "serialPort": 0, "sSHPublicKey": "ssh-ed25519 AAAA"})]
    miss = [c.record("miss", role, "ec2.amazonaws.com", "GetSerialConsoleAccessStatus", 0)]
    return pos, miss


def _trust(principal: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}]})


def backdoor_role(c: Case) -> Events:
    user = c.iam_user("intruder")
    pos = [c.record("pos", user, "iam.amazonaws.com", "UpdateAssumeRolePolicy", 0,
                    {"roleName": "stratus-red-team-backdoor-role", "policyDocument": _trust(f"arn:aws:iam::{EXTERNAL}:root")})]
    miss = [c.record("miss", user, "iam.amazonaws.com", "UpdateAssumeRolePolicy", 60,
                     {"roleName": "app-role", "policyDocument": _trust(f"arn:aws:iam::{c.account}:root")})]
    return pos, miss


def backdoor_user(c: Case) -> Events:
    user = c.iam_user("intruder")
    pos = [c.record("pos", user, "iam.amazonaws.com", "CreateAccessKey", 0, {"userName": "stratus-red-team-user"},
                    {"accessKey": {"accessKeyId": "AKIAEXAMPLENEWKEY001", "status": "Active", "userName":
                                   "stratus-red-team-user", "createDate": "May 1, 2024 10:00:00 AM"}})]
    self_service = c.iam_user("rotating-user")
    miss = [c.record("miss", self_service, "iam.amazonaws.com", "CreateAccessKey", 0, None,
                     {"accessKey": {"accessKeyId": "AKIAEXAMPLENEWKEY002", "status": "Active",
                                    "userName": "rotating-user"}})]
    return pos, miss


def admin_user(c: Case) -> Events:
    role = c.assumed_role("stratus", "attacker")
    pos = [c.record("pos", role, "iam.amazonaws.com", "CreateUser", 0, {"userName": "malicious-iam-user"},
                    {"user": {"userName": "malicious-iam-user", "path": "/", "userId": "AIDAEXAMPLENEW0000001",
                              "arn": f"arn:aws:iam::{c.account}:user/malicious-iam-user"}}),
           c.record("pos", role, "iam.amazonaws.com", "AttachUserPolicy", 5,
                    {"userName": "malicious-iam-user", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
           c.record("pos", role, "iam.amazonaws.com", "CreateAccessKey", 10, {"userName": "malicious-iam-user"})]
    miss = [c.record("miss", c.iam_user("ops"), "iam.amazonaws.com", "AttachUserPolicy", 0,
                     {"userName": "auditor", "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"})]
    return pos, miss


def create_backdoor_role(c: Case) -> Events:
    root = c.root()
    document = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{EXTERNAL}:root"}, "Action": "sts:AssumeRole"}]})
    pos = [c.record("pos", root, "iam.amazonaws.com", "CreateRole", 0,
                    {"roleName": "stratus-red-team-malicious-iam-role", "assumeRolePolicyDocument": document,
                     "permissionsBoundary": "arn:aws:iam::aws:policy/AWSDenyAll"})]
    service = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    miss = [c.record("miss", c.assumed_role("platform", "terraform"), "iam.amazonaws.com", "CreateRole", 0,
                     {"roleName": "lambda-exec", "assumeRolePolicyDocument": service})]
    return pos, miss


def login_profile(c: Case) -> Events:
    user = c.iam_user("intruder")
    pos = [c.record("pos", user, "iam.amazonaws.com", "CreateLoginProfile", 0,
                    {"userName": "stratus-red-team-user", "passwordResetRequired": False},
                    {"loginProfile": {"userName": "stratus-red-team-user", "createDate": "May 1, 2024",
                                      "passwordResetRequired": False}})]
    miss = [c.record("miss", c.iam_user("helpdesk"), "iam.amazonaws.com", "CreateLoginProfile", 0,
                     {"userName": "new-hire", "passwordResetRequired": True})]
    return pos, miss


def lambda_backdoor(c: Case) -> Events:
    role = c.assumed_role("stratus", "attacker")
    pos = [c.record("pos", role, "lambda.amazonaws.com", "AddPermission20150331v2", 0,
                    {"functionName": "stratus-red-team-backdoor-f", "statementId": "backdoor",
                     "action": "lambda:InvokeFunction", "principal": EXTERNAL},
                    {"statement": "{\"Sid\":\"backdoor\"}"})]
    miss = [c.record("miss", c.assumed_role("platform", "terraform"), "lambda.amazonaws.com", "AddPermission20150331v2",
                     0, {"functionName": "thumbnails", "statementId": "s3", "action": "lambda:InvokeFunction",
                         "principal": "s3.amazonaws.com", "sourceAccount": c.account})]
    return pos, miss


def lambda_layer(c: Case) -> Events:
    user = c.iam_user("intruder")
    layer = f"arn:aws:lambda:us-east-1:{EXTERNAL}:layer:stratus-red-team-extension:1"
    pos = [c.record("pos", user, "lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", 0,
                    {"functionName": "payments", "layers": [layer]}, {"functionName": "payments",
                                                                       "layers": [{"arn": layer, "codeSize": 1024}]})]
    miss = [c.record("miss", user, "lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", 60,
                     {"functionName": "payments", "timeout": 30})]
    return pos, miss


def lambda_code(c: Case) -> Events:
    user = c.federated("contractor")
    pos = [c.record("pos", user, "lambda.amazonaws.com", "UpdateFunctionCode20150331v2", 0,
                    {"functionName": "payments", "publish": False, "dryRun": False})]
    cfn = c.assumed_role("cfn-deploy", "AWSCloudFormation", invoked_by="cloudformation.amazonaws.com")
    miss = [c.record("miss", cfn, "lambda.amazonaws.com", "UpdateFunctionCode20150331v2", 0,
                     {"functionName": "payments", "publish": True}, ip="cloudformation.amazonaws.com",
                     agent="cloudformation.amazonaws.com")]
    return pos, miss


def trust_anchor(c: Case) -> Events:
    role = c.assumed_role("stratus", "attacker")
    pos = [c.record("pos", role, "rolesanywhere.amazonaws.com", "CreateTrustAnchor", 0,
                    {"name": "stratus-red-team-trust-anchor", "enabled": True,
                     "source": {"sourceType": "CERTIFICATE_BUNDLE", "sourceData": {"x509CertificateData": "HIDDEN"}}}),
           c.record("pos", role, "rolesanywhere.amazonaws.com", "CreateProfile", 5,
                    {"name": "stratus-red-team-profile", "roleArns": [f"arn:aws:iam::{c.account}:role/x"]})]
    miss = [c.record("miss", role, "rolesanywhere.amazonaws.com", "ListTrustAnchors", 0)]
    return pos, miss


def federation_token(c: Case) -> Events:
    user = c.iam_user("stratus-red-team-user")
    pos = [c.record("pos", user, "sts.amazonaws.com", "GetFederationToken", 0,
                    {"name": "stratus_red_team", "durationSeconds": 129600},
                    {"credentials": {"accessKeyId": "ASIAEXAMPLEFEDERATED", "sessionToken": "HIDDEN",
                                     "expiration": "May 3, 2024"},
                     "federatedUser": {"arn": f"arn:aws:sts::{c.account}:federated-user/stratus_red_team"}})]
    role = c.assumed_role("app", "task")
    miss = [c.record("miss", role, "sts.amazonaws.com", "GetFederationToken", 0, {"name": "x"}, error="AccessDenied")]
    return pos, miss


def update_login_profile(c: Case) -> Events:
    role = c.assumed_role("stratus", "attacker")
    pos = [c.record("pos", role, "iam.amazonaws.com", "UpdateLoginProfile", 0, {"userName": "victim-user"})]
    miss = [c.record("miss", c.iam_user("victim-user"), "iam.amazonaws.com", "UpdateLoginProfile", 0,
                     {"userName": "victim-user", "passwordResetRequired": False}),
            c.record("miss", c.iam_user("helpdesk"), "iam.amazonaws.com", "UpdateLoginProfile", 10,
                     {"userName": "forgetful-user", "passwordResetRequired": True})]
    return pos, miss


CASES: dict[str, Callable[[Case], Events]] = {
    "aws.credential-access.ec2-get-password-data": password_data,
    "aws.credential-access.ec2-steal-instance-credentials": steal_instance_credentials,
    "aws.credential-access.secretsmanager-batch-retrieve-secrets": batch_secrets,
    "aws.credential-access.secretsmanager-retrieve-secrets": many_secrets,
    "aws.credential-access.ssm-retrieve-securestring-parameters": ssm_parameters,
    "aws.defense-evasion.cloudtrail-delete": trail_delete,
    "aws.defense-evasion.cloudtrail-event-selectors": event_selectors,
    "aws.defense-evasion.cloudtrail-lifecycle-rule": lifecycle,
    "aws.defense-evasion.cloudtrail-stop": trail_stop,
    "aws.defense-evasion.dns-delete-logs": dns_logs,
    "aws.defense-evasion.organizations-leave": leave_organization,
    "aws.defense-evasion.vpc-remove-flow-logs": flow_logs,
    "aws.discovery.ec2-download-user-data": user_data_download,
    "aws.discovery.ec2-enumerate-from-instance": enumerate_from_instance,
    "aws.discovery.ses-enumerate": ses_enumerate,
    "aws.execution.ec2-launch-unusual-instances": unusual_instances,
    "aws.execution.ec2-user-data": ec2_user_data,
    "aws.execution.sagemaker-update-lifecycle-config": sagemaker,
    "aws.execution.ssm-send-command": send_command,
    "aws.execution.ssm-start-session": start_session,
    "aws.exfiltration.ec2-security-group-open-port-22-ingress": open_port_22,
    "aws.exfiltration.ec2-share-ami": share_ami,
    "aws.exfiltration.ec2-share-ebs-snapshot": share_snapshot,
    "aws.exfiltration.rds-share-snapshot": share_rds,
    "aws.exfiltration.s3-backdoor-bucket-policy": bucket_policy,
    "aws.impact.bedrock-invoke-model": bedrock,
    "aws.impact.ec2-deregister-ami": deregister_ami,
    "aws.impact.s3-ransomware-batch-deletion": batch_deletion,
    "aws.impact.s3-ransomware-client-side-encryption": client_side_encryption,
    "aws.impact.s3-ransomware-individual-deletion": individual_deletion,
    "aws.initial-access.console-login-without-mfa": console_without_mfa,
    "aws.lateral-movement.ec2-instance-connect": instance_connect,
    "aws.lateral-movement.ec2-serial-console-send-ssh-public-key": serial_console,
    "aws.persistence.iam-backdoor-role": backdoor_role,
    "aws.persistence.iam-backdoor-user": backdoor_user,
    "aws.persistence.iam-create-admin-user": admin_user,
    "aws.persistence.iam-create-backdoor-role": create_backdoor_role,
    "aws.persistence.iam-create-user-login-profile": login_profile,
    "aws.persistence.lambda-backdoor-function": lambda_backdoor,
    "aws.persistence.lambda-layer-extension": lambda_layer,
    "aws.persistence.lambda-overwrite-code": lambda_code,
    "aws.persistence.rolesanywhere-create-trust-anchor": trust_anchor,
    "aws.persistence.sts-federation-token": federation_token,
    "aws.privilege-escalation.iam-update-user-login-profile": update_login_profile,
}
TECHNIQUES = {technique.id: technique for technique in stratus_techniques()}
RULES = {rule.id: rule for rule in rule_set()}


@pytest.fixture(scope="module")
def hunted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Detection]]:
    """Every case's events in one store, every rule run once; detections per technique (by event ids)."""
    root = tmp_path_factory.mktemp("attack")
    events = []
    for number, (technique, build) in enumerate(CASES.items()):
        positives, misses = build(Case(number))
        for record in positives + misses:
            record["eventID"] = f"{technique}/{record['eventID']}"
        events += positives + misses
    write_records(root / "logs" / "all.json.gz", events)
    ingest([str(root / "logs")], root / "store")
    connection = connect()
    try:
        Store.open(root / "store").attach(connection)
        detections = run_rules(connection, list(RULES.values()))
    finally:
        connection.close()
    found: dict[str, list[Detection]] = {}
    for detection in detections:
        for technique in {event_id.split("/")[0] for event_id in detection.event_ids}:
            found.setdefault(technique, []).append(detection)
    return found


def test_every_catalogued_technique_has_a_case_and_rules_that_exist() -> None:
    assert len(TECHNIQUES) == 44
    assert set(CASES) == set(TECHNIQUES)
    for technique in TECHNIQUES.values():
        assert technique.rules and all(rule in RULES for rule in technique.rules), technique.id
        assert any(RULES[rule].technique == technique.attack for rule in technique.rules), technique.id


def test_positive_events_use_every_identity_type() -> None:
    types = {record["userIdentity"]["type"] for number, build in enumerate(CASES.values())
             for record in build(Case(number))[0]}
    assert {"IAMUser", "AssumedRole", "Root", "FederatedUser"} <= types


@pytest.mark.parametrize("technique", sorted(CASES))
def test_technique_detected_and_near_misses_quiet(technique: str, hunted: dict[str, list[Detection]]) -> None:
    listed = set(TECHNIQUES[technique].rules)
    fired = {d.rule.id: d for d in hunted.get(technique, []) if d.rule.id in listed
             and any(e.startswith(f"{technique}/pos-") for e in d.event_ids)}
    assert set(fired) == listed, f"{technique}: {sorted(listed - set(fired))} did not fire"
    noisy = sorted({d.rule.id for d in hunted.get(technique, []) if d.rule.id in listed
                    and any(e.startswith(f"{technique}/miss-") for e in d.event_ids)})
    assert noisy == [], f"{technique}: near-misses fired {noisy}"

