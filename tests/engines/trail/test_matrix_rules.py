"""The rules that fill ATT&CK IaaS gaps (builtin_matrix): each fires on its events, not on near-misses.

Same shape as test_attack_techniques: one store, one run, each case in its own account and hours.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cloudwarden.engines.trail.builtin_matrix import matrix_rules
from cloudwarden.engines.trail.detect import Detection, run_rules
from cloudwarden.engines.trail.ingest import ingest
from cloudwarden.engines.trail.store import Store, connect

from .attack_events import Case
from .conftest import write_records

Events = tuple[list[dict[str, Any]], list[dict[str, Any]]]
RULES = {rule.id: rule for rule in matrix_rules()}


def root_key(c: Case) -> Events:
    root = c.root()
    root["accessKeyId"] = "AKIAROOTKEY000000001"
    console = c.root()
    return ([c.record("pos", root, "s3.amazonaws.com", "ListBuckets", 0)],
            [c.record("miss", console, "s3.amazonaws.com", "ListBuckets", 0, sessionCredentialFromConsole="true")])


def external_principal(c: Case) -> Events:
    def assume(tag: str, second: float, account: str) -> dict[str, Any]:
        caller = {"type": "AWSAccount", "principalId": f"AIDAEXTERNAL{account[-4:]}:vendor", "accountId": account}
        return c.record(tag, caller, "sts.amazonaws.com", "AssumeRole", second,
                        {"roleArn": f"arn:aws:iam::{c.account}:role/vendor-access", "roleSessionName": "vendor"})
    history = c.record("miss", c.iam_user("admin"), "iam.amazonaws.com", "GetRole", -2 * 86400)
    return [assume("pos", 0, "999988887777")], [history, assume("miss", 60, "999988887777")]


def spraying(c: Case) -> Events:
    def failed(tag: str, user: str, second: float, ip: str) -> dict[str, Any]:
        identity = {"type": "IAMUser", "principalId": "", "accountId": c.account, "userName": user}
        return c.record(tag, identity, "signin.amazonaws.com", "ConsoleLogin", second, None,
                        {"ConsoleLogin": "Failure"}, ip=ip, eventType="AwsConsoleSignIn",
                        errorMessage="Failed authentication", additionalEventData={"MFAUsed": "No"})
    pos = [failed("pos", name, n * 10, "192.0.2.66") for n, name in enumerate(["alice", "bob", "carol", "dave", "erin"])]
    miss = [failed("miss", "frank", n * 30, "198.51.100.5") for n in range(5)]
    return pos, miss


def mfa_removed(c: Case) -> Events:
    user = c.iam_user("intruder")
    return ([c.record("pos", user, "iam.amazonaws.com", "DeactivateMFADevice", 0,
                      {"userName": "alice", "serialNumber": f"arn:aws:iam::{c.account}:mfa/alice"})],
            [c.record("miss", user, "iam.amazonaws.com", "ListMFADevices", 0, {"userName": "alice"})])


def key_pair(c: Case) -> Events:
    user = c.iam_user("intruder")
    cfn = c.assumed_role("cfn", "AWSCloudFormation", invoked_by="cloudformation.amazonaws.com")
    return ([c.record("pos", user, "ec2.amazonaws.com", "ImportKeyPair", 0, {"keyName": "x", "publicKeyMaterial": "HIDDEN"})],
            [c.record("miss", cfn, "ec2.amazonaws.com", "ImportKeyPair", 0, {"keyName": "y"})])


def mirroring(c: Case) -> Events:
    role = c.assumed_role("stratus", "attacker")
    return ([c.record("pos", role, "ec2.amazonaws.com", "CreateTrafficMirrorSession", 0,
                      {"CreateTrafficMirrorSessionRequest": {"NetworkInterfaceId": "eni-1", "SessionNumber": 1}})],
            [c.record("miss", role, "ec2.amazonaws.com", "CreateTrafficMirrorSession", 0, error="UnauthorizedOperation")])


def discovery(names: list[str], source: str) -> Callable[[Case], Events]:
    def build(c: Case) -> Events:
        user = c.iam_user("recon")
        pos = [c.record("pos", user, source, name, 5 * n) for n, name in enumerate(names)]
        console = c.iam_user("browsing-admin")
        miss = [c.record("miss", console, source, name, 5 * n, agent="AWS Internal", sessionCredentialFromConsole="true")
                for n, name in enumerate(names)]
        miss += [c.record("miss", c.iam_user("one-call"), source, names[0], 60 * n) for n in range(4)]
        return pos, miss
    return build


def single(name: str, source: str, request: dict[str, Any] | None = None) -> Callable[[Case], Events]:
    def build(c: Case) -> Events:
        service = c.assumed_role("AWSServiceRole", "svc", invoked_by="backup.amazonaws.com")
        return ([c.record("pos", c.federated("operator"), source, name, 0, request)],
                [c.record("miss", service, source, name, 0, request, ip="backup.amazonaws.com")])
    return build


def password_policy(c: Case) -> Events:
    user = c.iam_user("recon")
    console = c.iam_user("browsing-admin")
    return ([c.record("pos", user, "iam.amazonaws.com", "GetAccountPasswordPolicy", 0)],
            [c.record("miss", console, "iam.amazonaws.com", "GetAccountPasswordPolicy", 0, agent="AWS Internal",
                      sessionCredentialFromConsole="true")])


def role_chained(c: Case) -> Events:
    def assume(tag: str, identity: dict[str, Any], role: str) -> dict[str, Any]:
        return c.record(tag, identity, "sts.amazonaws.com", "AssumeRole", 0,
                        {"roleArn": f"arn:aws:iam::{c.account}:role/{role}", "roleSessionName": "s"},
                        {"credentials": {"accessKeyId": "ASIAHIDDEN", "sessionToken": "HIDDEN"}})
    attacker = c.assumed_role("developer", "mallory")
    automation = c.assumed_role("deployer", "pipeline", invoked_by="codebuild.amazonaws.com")
    return ([assume("pos", attacker, "admin")],
            [assume("miss", automation, "admin"), assume("miss", c.iam_user("ops"), "admin"),
             assume("miss", c.assumed_role("developer", "bob"), "developer")])


def stuffing(c: Case) -> Events:
    def failed(tag: str, user: str, second: float, ip: str) -> dict[str, Any]:
        identity = {"type": "IAMUser", "principalId": "", "accountId": c.account, "userName": user}
        return c.record(tag, identity, "signin.amazonaws.com", "ConsoleLogin", second, None,
                        {"ConsoleLogin": "Failure"}, ip=ip, eventType="AwsConsoleSignIn",
                        errorMessage="Failed authentication", additionalEventData={"MFAUsed": "No"})
    users = ["ann", "ben", "cat", "dan", "eve", "fay"]
    pos = [failed("pos", name, n * 20, f"203.0.113.{10 + n}") for n, name in enumerate(users)]
    later = 4 * 3600  # one user mistyping, hours later: one distinct user only
    miss = [failed("miss", "gus", later + n * 30, "198.51.100.5") for n in range(6)]
    return pos, miss


def signin_token(c: Case) -> Events:
    federated = c.federated("stolen")
    record = c.record("pos", federated, "signin.amazonaws.com", "GetSigninToken", 0, None,
                      {"GetSigninToken": "Success"}, eventType="AwsConsoleSignIn")
    denied = c.record("miss", federated, "signin.amazonaws.com", "GetSigninToken", 60, None,
                      {"GetSigninToken": "Failure"}, error="AccessDenied", eventType="AwsConsoleSignIn")
    login = c.record("miss", c.iam_user("alice"), "signin.amazonaws.com", "ConsoleLogin", 120, None,
                     {"ConsoleLogin": "Success"}, eventType="AwsConsoleSignIn")
    return [record], [denied, login]


def multi_service(c: Case) -> Events:
    thief = c.assumed_role("app", "stolen")
    pos = [c.s3_data("pos", thief, "GetObject", "payroll", "2026/q3.csv", 0),
           c.record("pos", thief, "secretsmanager.amazonaws.com", "GetSecretValue", 30, {"secretId": "db"}),
           c.record("pos", thief, "dynamodb.amazonaws.com", "Scan", 60, {"tableName": "customers"})]
    reader = c.iam_user("reader")
    miss = [c.record("miss", reader, "secretsmanager.amazonaws.com", "GetSecretValue", 0, {"secretId": "app"})]
    miss += [c.s3_data("miss", reader, "GetObject", "reports", f"r{n}.csv", 10 + n) for n in range(5)]
    return pos, miss


def objects_copied(c: Case) -> Events:
    user = c.iam_user("stager")
    def copy(tag: str, identity: dict[str, Any], key: str, second: float) -> dict[str, Any]:
        record = c.s3_data(tag, identity, "CopyObject", "staging-outbound", key, second)
        record["requestParameters"]["x-amz-copy-source"] = f"finance/{key}"
        return record
    pos = [copy("pos", user, f"ledger-{n}.csv", n * 5) for n in range(12)]
    miss = [copy("miss", c.iam_user("one-copy"), "report.csv", 0)]
    miss += [copy("miss", c.assumed_role("s3-batch", "job", invoked_by="batchoperations.s3.amazonaws.com"),
                  f"obj-{n}", n) for n in range(12)]
    return pos, miss


CASES: dict[str, Callable[[Case], Events]] = {
    "cw.privilege_escalation.role_chained": role_chained,
    "cw.credential_access.credential_stuffing": stuffing,
    "cw.discovery.console_from_access_keys": signin_token,
    "cw.collection.multi_service_data_reads": multi_service,
    "cw.collection.objects_copied_burst": objects_copied,
    "cw.initial_access.root_access_key_used": root_key,
    "cw.initial_access.new_external_principal": external_principal,
    "cw.credential_access.password_spraying": spraying,
    "cw.persistence.mfa_device_removed": mfa_removed,
    "cw.persistence.ssh_key_pair_imported": key_pair,
    "cw.exfiltration.traffic_mirroring": mirroring,
    "cw.defence_evasion.snapshot_created": single("CreateSnapshot", "ec2.amazonaws.com", {"volumeId": "vol-1"}),
    "cw.defence_evasion.instance_created": single("RunInstances", "ec2.amazonaws.com", {"instanceType": "t3.micro"}),
    "cw.defence_evasion.instance_deleted": single("TerminateInstances", "ec2.amazonaws.com"),
    "cw.defence_evasion.quota_increase": single("RequestServiceQuotaIncrease", "servicequotas.amazonaws.com",
                                                {"serviceCode": "ec2", "quotaCode": "L-1216C47A", "desiredValue": 512}),
    "cw.discovery.log_enumeration": discovery(["DescribeTrails", "GetTrailStatus", "GetEventSelectors", "LookupEvents"],
                                              "cloudtrail.amazonaws.com"),
    "cw.discovery.security_tooling": discovery(["ListDetectors", "GetDetector", "ListFindings"],
                                               "guardduty.amazonaws.com"),
    "cw.discovery.cloud_groups": discovery(["ListGroups", "GetGroup", "ListAttachedGroupPolicies"], "iam.amazonaws.com"),
    "cw.discovery.password_policy": password_policy,
    "cw.defence_evasion.instance_reverted": single("CreateReplaceRootVolumeTask", "ec2.amazonaws.com",
                                                   {"InstanceId": "i-0adc17a5acb70d9ae", "SnapshotId": "snap-1"}),
}


@pytest.fixture(scope="module")
def hunted(tmp_path_factory: pytest.TempPathFactory) -> list[Detection]:
    root = tmp_path_factory.mktemp("matrix")
    events = []
    for number, (rule_id, build) in enumerate(CASES.items()):
        positives, misses = build(Case(number))
        for record in positives + misses:
            record["eventID"] = f"{rule_id}/{record['eventID']}"
        events += positives + misses
    ingest([str(write_records(root / "logs" / "all.json.gz", events))], root / "store")
    connection = connect()
    try:
        Store.open(root / "store").attach(connection)
        return run_rules(connection, list(RULES.values()))
    finally:
        connection.close()


def test_cases_cover_every_rule_with_a_technique_id() -> None:
    assert set(CASES) == set(RULES)
    assert all(rule.technique.startswith("T") for rule in RULES.values())


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_on_its_events_only(rule_id: str, hunted: list[Detection]) -> None:
    mine = [d for d in hunted if d.rule.id == rule_id]
    assert any(e.startswith(f"{rule_id}/pos-") for d in mine for e in d.event_ids), f"{rule_id} did not fire"
    assert not any(e.startswith(f"{rule_id}/miss-") for d in mine for e in d.event_ids), f"{rule_id} near-miss fired"
