"""PASS, FAIL and UNKNOWN cases for the cross-cutting checks. ListEventDataStores and
DescribeInstancePatchStates answers are built on the AWS API reference's shapes (moto lacks both);
confused-deputy verdicts come from the IAM evaluator."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.checks.cases import ACCOUNT, Case, Regional, assert_case

LAKE, PATCH, DEPUTY = "ir.cloudtrail_lake_or_athena_ready", "ec2.instance_patch_compliant", \
    "iam.service_role_confused_deputy"
TRAIL = {"Name": "org", "TrailARN": f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/org", "S3BucketName": "logs"}


def lake(stores: list[dict[str, Any]], trails: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"cloudtrail.event_data_stores": Regional({"us-east-1": stores, "eu-west-1": []}),
            "cloudtrail.trails": Regional({"us-east-1": [TRAIL] if trails is None else trails, "eu-west-1": []})}


STORE = {"EventDataStoreArn": f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:eventdatastore/abc", "Name": "audit",
         "CreatedTimestamp": "2026-01-01T00:00:00Z"}
INFO = {"InstanceId": "i-0abc", "PingStatus": "Online", "PlatformType": "Linux", "ResourceType": "EC2Instance"}


def patches(state: dict[str, Any] | None) -> dict[str, Any]:
    base = {"InstanceId": "i-0abc", "PatchGroup": "", "BaselineId": "pb-0123", "Operation": "Scan",
            "OperationStartTime": "2026-11-27T01:00:00Z", "OperationEndTime": "2026-11-27T01:05:00Z",
            "InstalledCount": 120, "MissingCount": 0, "FailedCount": 0, "NotApplicableCount": 300,
            "CriticalNonCompliantCount": 0, "SecurityNonCompliantCount": 0, "OtherNonCompliantCount": 0}
    states = [] if state is None else [{**base, **state}]
    return {"ssm.managed_instances": Regional({"us-east-1": [INFO], "eu-west-1": []}),
            "ssm.instance_patch_states": Regional({"us-east-1": {"i-0abc": states}, "eu-west-1": {}})}


def role(service: str, condition: dict[str, Any] | None = None, path: str = "/service-role/") -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    body = {"RoleName": "events-to-sns", "Arn": f"arn:aws:iam::{ACCOUNT}:role/events-to-sns", "Path": path,
            "AssumeRolePolicyDocument": json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
            "RolePolicyList": [], "AttachedManagedPolicies": []}
    return {"iam.authorization_details": {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [body],
                                          "Policies": []}}


CASES = [
    Case("pass-lake-store", LAKE, lake([STORE]), message="audit in us-east-1"),
    Case("manual-trail-without-lake", LAKE, lake([]), message="Athena"),
    Case("fail-nothing-to-query", LAKE, lake([], trails=[]), message="no trail"),
    Case("unknown-lake-unread", LAKE, {"cloudtrail.trails": lake([])["cloudtrail.trails"]}),
    Case("pass-patched", PATCH, patches({}), message="compliant with baseline pb-0123"),
    Case("fail-missing-patches", PATCH, patches({"MissingCount": 4, "SecurityNonCompliantCount": 2}),
         message="4 missing"),
    Case("fail-never-scanned", PATCH, patches(None), message="never scanned"),
    Case("unknown-patch-state-unread", PATCH, {"ssm.managed_instances": patches({})["ssm.managed_instances"]}),
    Case("pass-source-account-pinned", DEPUTY, role("sns.amazonaws.com", {"StringEquals": {
        "aws:SourceAccount": ACCOUNT}}), message="pinned"),
    Case("pass-source-arn-pinned", DEPUTY, role("config.amazonaws.com", {"ArnLike": {
        "aws:SourceArn": f"arn:aws:config:*:{ACCOUNT}:*"}})),
    Case("fail-unpinned-service", DEPUTY, role("sns.amazonaws.com"), message="sns.amazonaws.com may assume"),
    Case("fail-wildcard-source", DEPUTY, role("events.amazonaws.com", {"StringLike": {"aws:SourceAccount": "*"}})),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)


def test_passed_role_services_are_not_judged() -> None:
    from tests.checks.cases import findings_for
    assert not findings_for(Case("pass-x", DEPUTY, role("ec2.amazonaws.com")))


BLIND = "detect.regional_blind_spots"
MULTI = {"Name": "org", "TrailARN": f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/org", "HomeRegion": "us-east-1",
         "IsMultiRegionTrail": True, "S3BucketName": "logs"}


def region_data(eu_watched: bool, trail: bool = True, eu_instances: int = 1) -> dict[str, Any]:
    instance = {"InstanceId": "i-1", "State": {"Name": "running"}}
    trails = [MULTI] if trail else []
    return {
        "ec2.instances": Regional({"us-east-1": [], "eu-west-1": [instance] * eu_instances}),
        "rds.db_instances": Regional({"us-east-1": [], "eu-west-1": []}),
        "lambda.functions": Regional({"us-east-1": [{"FunctionName": "f"}], "eu-west-1": []}),
        "ec2.vpcs": Regional({"us-east-1": [{"VpcId": "vpc-1", "IsDefault": True}], "eu-west-1": []}),
        "guardduty.detector_ids": Regional({"us-east-1": ["d1"], "eu-west-1": ["d2"] if eu_watched else []}),
        "guardduty.detectors": Regional({"us-east-1": {"d1": {"Status": "ENABLED"}},
                                         "eu-west-1": {"d2": {"Status": "ENABLED"}} if eu_watched else {}}),
        "config.recorder_status": Regional({"us-east-1": [{"name": "default", "recording": True}],
                                            "eu-west-1": [{"name": "default", "recording": eu_watched}]}),
        "cloudtrail.trails": Regional({"us-east-1": trails, "eu-west-1": trails}),
        "cloudtrail.trail_status": Regional({"us-east-1": {MULTI["TrailARN"]: {"IsLogging": True}} if trail else {},
                                             "eu-west-1": {}}),
    }


CASES += [
    Case("pass-every-held-region-watched", BLIND, region_data(True), message="watched by GuardDuty, Config"),
    Case("fail-eu-blind", BLIND, region_data(False), resource="region/eu-west-1",
         message="not watched by GuardDuty, Config recording"),
    Case("fail-no-trail", BLIND, region_data(True, trail=False), resource="region/us-east-1",
         message="a logging CloudTrail trail"),
    Case("pass-empty-region-not-judged", BLIND, region_data(False, eu_instances=0), resource="region/us-east-1"),
]


PRIV = "ec2.internet_facing_instance_with_privileged_role"
PROFILE = f"arn:aws:iam::{ACCOUNT}:instance-profile/web"


def web_host(public: bool, actions: Any, profile: bool = True) -> dict[str, Any]:
    from tests.engines.network.world import World, perm

    route = [("0.0.0.0/0", "igw-1" if public else "nat-1")]
    world = World().vpc().subnet("subnet-a", "10.0.1.0/24", routes=route).sg(
        "sg-web", perm("tcp", 443, cidrs=("0.0.0.0/0",)))
    world.eni("eni-a", "subnet-a", ["sg-web"], "54.0.0.10", "i-a").instance("i-a", ["eni-a"])
    if profile:
        world.data["ec2.instances"][0]["IamInstanceProfile"] = {"Arn": PROFILE, "Id": "AIPA1"}
    data: dict[str, Any] = {name: Regional({"us-east-1": value}) for name, value in world.datasets().items()}
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    data["iam.authorization_details"] = {"UserDetailList": [], "GroupDetailList": [], "Policies": [], "RoleDetailList": [
        {"RoleName": "web", "Arn": f"arn:aws:iam::{ACCOUNT}:role/web", "Path": "/",
         "AssumeRolePolicyDocument": json.dumps(trust), "AttachedManagedPolicies": [],
         "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": json.dumps(policy)}],
         "InstanceProfileList": [{"Arn": PROFILE, "InstanceProfileName": "web"}]}]}
    data["organizations.organization"] = None
    return data


R1 = ("us-east-1",)
CASES += [
    Case("pass-public-host-read-only-role", PRIV, web_host(True, ["s3:GetObject"]), resource="i-a", regions=R1,
         message="does not reach administrator"),
    Case("fail-public-host-admin-role", PRIV, web_host(True, "*"), resource="i-a", regions=R1,
         message="is administrator"),
    Case("fail-public-host-escalating-role", PRIV, web_host(True, ["iam:AttachRolePolicy"]), resource="i-a",
         regions=R1, message="reaches administrator"),
    Case("pass-private-host-admin-role", PRIV, web_host(False, "*"), resource="i-a", regions=R1,
         message="not reachable"),
    Case("unknown-iam-unread", PRIV, {k: v for k, v in web_host(True, "*").items()
                                      if k != "iam.authorization_details"}, regions=R1),
]


TLS = "tls.front_door_end_to_end"
LB_ARN = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:loadbalancer/app/front/1"
CERT_ARN = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/abc"


def front(policy: str = "ELBSecurityPolicy-TLS13-1-2-2021-06", http_redirects: bool = True,
          target_protocol: str = "HTTPS", not_after: str = "2027-06-01T00:00:00Z") -> dict[str, Any]:
    https = {"ListenerArn": "l-443", "Protocol": "HTTPS", "Port": 443, "SslPolicy": policy,
             "Certificates": [{"CertificateArn": CERT_ARN}],
             "DefaultActions": [{"Type": "forward", "TargetGroupArn": "tg-1"}]}
    http = {"ListenerArn": "l-80", "Protocol": "HTTP", "Port": 80, "DefaultActions": [
        {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}
        if http_redirects else {"Type": "forward", "TargetGroupArn": "tg-1"}]}
    lb = {"LoadBalancerName": "front", "LoadBalancerArn": LB_ARN, "Scheme": "internet-facing", "Type": "application"}
    return {"elbv2.load_balancers": Regional({"us-east-1": [lb], "eu-west-1": []}),
            "elbv2.listeners": Regional({"us-east-1": {LB_ARN: [https, http]}, "eu-west-1": {}}),
            "elbv2.ssl_policies": Regional({r: {"ELBSecurityPolicy-TLS13-1-2-2021-06": ["TLSv1.2", "TLSv1.3"],
                                                "ELBSecurityPolicy-2016-08": ["TLSv1", "TLSv1.1", "TLSv1.2"]}
                                            for r in ("us-east-1", "eu-west-1")}),
            "elbv2.target_groups": Regional({"us-east-1": [{"TargetGroupName": "app", "TargetGroupArn": "tg-1",
                                                            "Protocol": target_protocol, "LoadBalancerArns": [LB_ARN]}],
                                             "eu-west-1": []}),
            "acm.certificate": Regional({"us-east-1": {CERT_ARN: {"CertificateArn": CERT_ARN, "NotAfter": not_after,
                                                                  "KeyAlgorithm": "RSA_2048", "Status": "ISSUED"}},
                                         "eu-west-1": {}}),
            "iam.server_certificates": []}


CASES += [
    Case("pass-front-door-tls-all-the-way", TLS, front(), message="re-encrypted"),
    Case("fail-old-tls-policy", TLS, front(policy="ELBSecurityPolicy-2016-08"), message="allows TLSv1, TLSv1.1"),
    Case("fail-http-served", TLS, front(http_redirects=False), message="HTTP:80 without a redirect"),
    Case("fail-http-targets", TLS, front(target_protocol="HTTP"), message="cleartext target group(s) app (HTTP)"),
    Case("fail-cert-expiring", TLS, front(not_after="2026-12-10T12:00:00Z"), message="expires in 12 day(s)"),
    Case("unknown-cert-undescribed", TLS, {**front(), "acm.certificate": Regional({"us-east-1": {}, "eu-west-1": {}})}),
]


PIPE = "ir.detect_to_notify_pipeline"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:oncall"
RULE = {"Name": "findings", "State": "ENABLED", "EventPattern": json.dumps({"source": ["aws.guardduty"]})}


def pipeline(confirmed: bool = True, contact: bool = True, support: bool = True, gd: bool = True) -> dict[str, Any]:
    sub = {"TopicArn": TOPIC, "Protocol": "email",
           "SubscriptionArn": f"{TOPIC}:1234" if confirmed else "PendingConfirmation"}
    role = {"RoleName": "support", "Arn": f"arn:aws:iam::{ACCOUNT}:role/support", "Path": "/", "RolePolicyList": [],
            "AttachedManagedPolicies": [{"PolicyName": "AWSSupportAccess",
                                         "PolicyArn": "arn:aws:iam::aws:policy/AWSSupportAccess"}] if support else []}
    per_region = {
        "guardduty.detector_ids": ["d1"], "guardduty.detectors": {"d1": {"Status": "ENABLED" if gd else "DISABLED"}},
        "securityhub.hub": None, "events.rules": [RULE], "events.rule_targets": {"findings": [{"Id": "1", "Arn": TOPIC}]},
        "sns.subscriptions": [sub]}
    data: dict[str, Any] = {k: Regional({"us-east-1": v, "eu-west-1": v}) for k, v in per_region.items()}
    data["account.security_contact"] = {"AlternateContactType": "SECURITY", "EmailAddress": "sec@example.com"} \
        if contact else None
    data["iam.authorization_details"] = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [role],
                                         "Policies": []}
    return data


CASES += [
    Case("pass-chain-complete", PIPE, pipeline(), message="GuardDuty findings reach findings -> oncall"),
    Case("fail-unconfirmed-subscription", PIPE, pipeline(confirmed=False), message="no confirmed subscription"),
    Case("fail-no-security-contact", PIPE, pipeline(contact=False), message="no security contact"),
    Case("fail-no-support-role", PIPE, pipeline(support=False), message="AWSSupportAccess"),
    Case("fail-no-detector", PIPE, pipeline(gd=False), message="neither GuardDuty nor Security Hub"),
]


CWSHARE = "cloudwatch.cross_account_sharing_reviewed"
MEMBER = "222233334444"


def sharing(trust_account: str | None, sink_account: str | None, org: bool = True) -> dict[str, Any]:
    roles = []
    if trust_account:
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
            "AWS": f"arn:aws:iam::{trust_account}:root"}, "Action": "sts:AssumeRole"}]}
        roles.append({"RoleName": "CloudWatch-CrossAccountSharingRole", "Path": "/",
                      "Arn": f"arn:aws:iam::{ACCOUNT}:role/CloudWatch-CrossAccountSharingRole",
                      "AssumeRolePolicyDocument": json.dumps(trust), "RolePolicyList": [],
                      "AttachedManagedPolicies": []})
    links = [{"Arn": f"arn:aws:oam:us-east-1:{ACCOUNT}:link/1", "Id": "1", "Label": "to-monitoring",
              "ResourceTypes": ["AWS::CloudWatch::Metric"],
              "SinkArn": f"arn:aws:oam:us-east-1:{sink_account}:sink/abc"}] if sink_account else []
    data: dict[str, Any] = {
        "iam.authorization_details": {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": roles,
                                      "Policies": []},
        "oam.links": Regional({"us-east-1": links, "eu-west-1": []})}
    if org:
        data["organizations.accounts"] = [{"Id": ACCOUNT}, {"Id": MEMBER}]
    return data


CASES += [
    Case("pass-no-sharing", CWSHARE, sharing(None, None), message="no CloudWatch cross-account sharing"),
    Case("pass-shared-with-member", CWSHARE, sharing(MEMBER, MEMBER), message="only within the organization"),
    Case("fail-role-trusts-foreign", CWSHARE, sharing("999988887777", None), message="account 999988887777"),
    Case("fail-link-to-foreign-sink", CWSHARE, sharing(None, "999988887777"), message="with account 999988887777"),
    Case("fail-member-unread-org", CWSHARE, sharing(MEMBER, None, org=False), message="not read"),
    Case("unknown-links-unread", CWSHARE, {"iam.authorization_details": sharing(None, None)["iam.authorization_details"]}),
]


TAMPER = "logging.trail_tamperable"
MGMT = "999900001111"
TRAIL_ARN = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/audit"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k-1"
PROTECT_TRAIL = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Deny", "Action": ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:PutEventSelectors"],
     "Resource": "*", "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/SecurityAdmin"}}}]})
FULL_ACCESS = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
KEY_ADMINS_ONLY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/KeyAdmin"}, "Action": "kms:*", "Resource": "*"},
    {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "kms:GenerateDataKey*",
     "Resource": "*"}]})
ROOT_KEY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}]})


def audit_trail(member: bool = True, lock: str | None = "COMPLIANCE", key_policy: str = KEY_ADMINS_ONLY,
                bucket_owned: bool = True) -> dict[str, Any]:
    trail = {"Name": "audit", "TrailARN": TRAIL_ARN, "HomeRegion": "us-east-1", "IsMultiRegionTrail": True,
             "S3BucketName": "audit-logs", "KmsKeyId": KEY_ARN}
    owner = {"Owner": {"ID": "abc"}, "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": "abc"},
                                                  "Permission": "FULL_CONTROL"}]}
    data: dict[str, Any] = {
        "cloudtrail.trails": Regional({"us-east-1": [trail], "eu-west-1": [trail]}),
        "cloudtrail.trail_status": Regional({"us-east-1": {TRAIL_ARN: {"IsLogging": True}}, "eu-west-1": {}}),
        "s3.buckets": [{"Name": "audit-logs"}] if bucket_owned else [{"Name": "other"}],
        "s3.bucket_policy": {"audit-logs": None}, "s3.bucket_acl": {"audit-logs": owner},
        "s3.bucket_public_access_block": {"audit-logs": None}, "s3.account_public_access_block": None,
        "s3.bucket_object_lock": {"audit-logs": {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {
            "Mode": lock, "Days": 365}}} if lock else None},
        "s3.bucket_versioning": {"audit-logs": {"Status": "Enabled"}},
        "kms.key_policy": Regional({"us-east-1": {"k-1": key_policy}, "eu-west-1": {}}),
    }
    if member:
        data.update({
            "organizations.organization": {"Id": "o-x", "MasterAccountId": MGMT},
            "organizations.roots": [{"Id": "r-root", "PolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY",
                                                                      "Status": "ENABLED"}]}],
            "organizations.account_chain": [{"Id": "r-root", "Type": "ROOT"}, {"Id": ACCOUNT, "Type": "ACCOUNT"}],
            "organizations.scps_for_target": {"r-root": [{"Id": "p-full"}, {"Id": "p-trail"}], ACCOUNT: [{"Id": "p-full"}]},
            "organizations.scp_content": {"p-full": FULL_ACCESS, "p-trail": PROTECT_TRAIL}})
    else:
        data["organizations.organization"] = None
    return data


CASES += [
    Case("pass-trail-sealed", TAMPER, audit_trail(), resource="audit", message="no principal outside security"),
    Case("fail-no-scp", TAMPER, audit_trail(member=False), resource="audit", message="cloudtrail:StopLogging"),
    Case("fail-bucket-unlocked", TAMPER, audit_trail(lock=None), resource="audit", message="s3:DeleteObject"),
    Case("fail-governance-bypassable", TAMPER, audit_trail(lock="GOVERNANCE"), resource="audit",
         message="no Object Lock retention"),
    Case("fail-key-delegated-to-iam", TAMPER, audit_trail(key_policy=ROOT_KEY), resource="audit",
         message="kms:ScheduleKeyDeletion"),
    Case("unknown-bucket-elsewhere", TAMPER, audit_trail(bucket_owned=False), resource="audit"),
]


SECRET = "iam.secret_in_compute_with_privilege"
LEAKED = "AKIAIOSFODNN7EXAMPLE"


def leaked(actions: Any, status: str = "Active", owned: bool = True, key: str = LEAKED) -> dict[str, Any]:
    import base64

    from cloudwarden.collect.secrets import key_fingerprint, redact

    script = f"#!/bin/bash\nexport AWS_ACCESS_KEY_ID={key}\n/opt/app/start\n"
    user_data = redact({"UserData": base64.b64encode(script.encode()).decode()})["UserData"]
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}
    keys = [{"key_id_sha256": key_fingerprint(LEAKED if owned else "AKIAOTHERACCOUNTKEY1"), "Status": status}]
    return {
        "ec2.instances": Regional({"us-east-1": [{"InstanceId": "i-app", "State": {"Name": "running"}}], "eu-west-1": []}),
        "ec2.instance_user_data": Regional({"us-east-1": {"i-app": user_data}, "eu-west-1": {}}),
        "ec2.launch_template_versions": Regional({"us-east-1": [], "eu-west-1": []}),
        "cloudformation.stacks": Regional({"us-east-1": [], "eu-west-1": []}),
        "iam.access_keys": {"deployer": keys},
        "iam.authorization_details": {"GroupDetailList": [], "RoleDetailList": [], "Policies": [], "UserDetailList": [
            {"UserName": "deployer", "Arn": f"arn:aws:iam::{ACCOUNT}:user/deployer", "Path": "/", "GroupList": [],
             "AttachedManagedPolicies": [],
             "UserPolicyList": [{"PolicyName": "inline", "PolicyDocument": json.dumps(policy)}]}]},
        "organizations.organization": None,
    }


CASES += [
    Case("pass-key-of-unprivileged-user", SECRET, leaked(["s3:GetObject"]), message="does not reach administrator"),
    Case("fail-admin-key-in-user-data", SECRET, leaked("*"), resource="i-app", message="who is administrator"),
    Case("fail-escalating-user-key", SECRET, leaked(["iam:AttachUserPolicy"]), resource="i-app",
         message="reaches administrator"),
    Case("pass-inactive-admin-key", SECRET, leaked("*", status="Inactive"), message="is Inactive"),
    Case("pass-foreign-key", SECRET, leaked("*", owned=False), message="belongs to no IAM user"),
    Case("unknown-keys-unread", SECRET, {k: v for k, v in leaked("*").items() if k != "iam.access_keys"},
         resource="i-app"),
]
