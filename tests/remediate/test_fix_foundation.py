"""The fixes that build what the baseline template builds, on moto: the trail (with its buckets, key,
log group and role), KMS and CloudWatch Logs on an existing trail, the trail bucket's access logging,
the CIS alarms with a topic the fix makes, AWS Config, GuardDuty with its protection plans.

For each: the checks FAIL, the fix is planned and applied, the rescan shows PASS (on the checks the
fix targets and on the ones about what it made), a second plan changes nothing, and the undo brings
the FAIL back."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from moto import mock_aws

from cloudwarden.remediate import GuardedClients, Target, apply_plan, plan_fixes, undo_changes, undo_document, verify
from tests.helpers import MOTO_CREDENTIALS
from tests.remediate.test_fix_families_more import _failing, _trail

R = "us-east-1"
ACCOUNT = "123456789012"
Setup = Callable[[], tuple[str, dict[str, Any]]]

# What the made resources must pass too: (check id, resource id).
TRAIL_MADE = [("cloudtrail.log_file_validation", "cloudwarden-trail"), ("cloudtrail.kms_encryption", "cloudwarden-trail"),
              ("cloudtrail.cloudwatch_logs_integration", "cloudwarden-trail"),
              ("cloudtrail.bucket_access_logging", "cloudwarden-trail"), ("cloudtrail.bucket_not_public", "cloudwarden-trail"),
              ("logs.log_group_retention", "/cloudwarden/cloudtrail"),
              ("logs.log_group_kms_encryption", "/cloudwarden/cloudtrail"),
              *[(c, b) for b in (f"cloudwarden-logs-{ACCOUNT}-{R}", f"cloudwarden-access-logs-{ACCOUNT}-{R}")
                for c in ("s3.bucket_versioning_enabled", "s3.bucket_public_access_block", "s3.bucket_acls_disabled",
                          "s3.bucket_ssl_required", "s3.bucket_lifecycle_configured", "s3.bucket_no_public_read",
                          "s3.bucket_no_public_write")]]


def _bare() -> tuple[str, dict[str, Any]]:
    return ACCOUNT, {}


def _plain_trail() -> tuple[str, dict[str, Any]]:
    _trail()
    return "main", {}


def _trail_with_group() -> tuple[str, dict[str, Any]]:
    _trail(log_group=True)
    return ACCOUNT, {"alarm_email": "security@example.com"}


def _custom_role_recorder() -> tuple[str, dict[str, Any]]:
    role = boto3.client("iam").create_role(RoleName="config-custom", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "config.amazonaws.com"}}]}))["Role"]["Arn"]
    boto3.client("config", region_name=R).put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": role, "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
    return "default", {}


# family -> (checks that FAIL first, the resource they fail on, the setup, [(check, resource)] that PASS after)
FAMILIES: dict[str, tuple[tuple[str, ...], Setup, list[tuple[str, str]]]] = {
    "trail-created": (("cloudtrail.multi_region_trail_logging",), _bare, TRAIL_MADE),
    "trail-kms": (("cloudtrail.kms_encryption",), _plain_trail, [("kms.cmk_rotation_enabled", "")]),
    "trail-to-logs": (("cloudtrail.cloudwatch_logs_integration",), _plain_trail,
                      [("logs.log_group_kms_encryption", "/cloudwarden/cloudtrail")]),
    "trail-bucket-logging": (("cloudtrail.bucket_access_logging",), _plain_trail,
                             [("s3.bucket_versioning_enabled", f"cloudwarden-access-logs-{ACCOUNT}-{R}")]),
    "alarms-own-topic": (("cloudwatch.alarm_root_usage", "cloudwatch.alarm_iam_policy_changes"), _trail_with_group,
                         [("cloudwatch.alarms_have_actions", "cloudwarden-root-usage")]),
    "config": (("config.recorder_all_regions",), _bare,
               [("config.delivery_channel_healthy", f"config/{R}"), ("config.recorder_service_linked_role", "default"),
                ("config.recorder_all_regions", f"config/{R}")]),
    "config-linked-role": (("config.recorder_service_linked_role",), _custom_role_recorder, []),
    "guardduty-with-plans": (("guardduty.enabled_all_regions",), lambda: (f"guardduty/{R}", {}),
                             [(c, "*") for c in ("guardduty.s3_protection", "guardduty.rds_protection",
                                                 "guardduty.ec2_malware_protection", "guardduty.runtime_monitoring",
                                                 "guardduty.eks_audit_logs", "guardduty.lambda_protection")]),
}


def _statuses(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], set[str]]:
    from cloudwarden.assess import assess, select_checks
    from cloudwarden.collect import all_calls, collect_snapshot
    from cloudwarden.remediate.engine import _calls_for

    checks = select_checks(sorted({c for c, _ in pairs}))
    calls = _calls_for({d for c in checks for d in (*c.meta.datasets, *c.meta.optional)}, all_calls())
    findings = assess(collect_snapshot(regions=[R], calls=calls), checks).findings
    return {(c, r): {f.status.value for f in findings if f.check_id == c and (r in ("", "*") or f.resource_id == r)}
            for c, r in pairs}


@pytest.mark.parametrize("family", list(FAMILIES))
def test_foundation_fix_applies_verifies_is_idempotent_and_undoes(family: str, monkeypatch: pytest.MonkeyPatch) -> None:
    check_ids, setup, made = FAMILIES[family]
    for key, value in {**MOTO_CREDENTIALS, "AWS_DEFAULT_REGION": R, "MOTO_IAM_LOAD_MANAGED_POLICIES": "false"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        resource_id, options = setup()
        targets = _failing(check_ids, resource_id)
        assert sorted({t.check_id for t in targets}) == sorted(check_ids), f"each should FAIL on {resource_id} first"
        aws = GuardedClients()
        plan = plan_fixes(aws, targets, options)
        assert plan.changes and not plan.skipped, plan.skipped
        results = apply_plan(aws, plan)
        assert results and not [r.error for r in results if r.error]
        status = verify(aws, targets, [R])
        assert set(status.values()) == {"PASS"}, status
        if made:
            after = _statuses(made)
            assert all(v == {"PASS"} for v in after.values()), after
        again = plan_fixes(aws, targets, options)
        assert again.changes == [] and len(again.compliant) == len(targets), again.skipped  # nothing left to do
        document = undo_document(results)
        assert not [e for _, e in undo_changes(aws, document) if e]
        # Undone: the checks fail again; a fresh plan would make the same change again.
        assert sorted({t.check_id for t in _failing(check_ids, resource_id)}) == sorted(check_ids)
        assert len(plan_fixes(aws, targets, options).changes) >= 1


def test_trail_fix_keeps_what_holds_logs_and_reuses_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Undo removes the trail and its role, keeps the buckets, key and log group; the next apply reuses them."""
    for key, value in {**MOTO_CREDENTIALS, "AWS_DEFAULT_REGION": R}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        target = Target("cloudtrail.multi_region_trail_logging", ACCOUNT, "global", account_id=ACCOUNT)
        aws = GuardedClients()
        results = apply_plan(aws, plan_fixes(aws, [target]))
        assert not [r.error for r in results if r.error]
        undo_changes(aws, undo_document(results))
        assert boto3.client("cloudtrail", region_name=R).describe_trails()["trailList"] == []
        buckets = {b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]}
        assert buckets == {f"cloudwarden-logs-{ACCOUNT}-{R}", f"cloudwarden-access-logs-{ACCOUNT}-{R}"}
        again = plan_fixes(aws, [target]).changes[0]
        assert [s.operation for s in again.steps] == ["create_role", "put_role_policy", "create_trail", "start_logging"]
        key = boto3.client("kms", region_name=R).describe_key(KeyId="alias/cloudwarden-trail")["KeyMetadata"]["Arn"]
        assert again.steps[2].params["KmsKeyId"] == key


def test_security_hub_standards_planned_on_moto_applied_against_the_api_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto 5.2 has neither GetEnabledStandards nor BatchEnableStandards: the read and the calls are checked
    against botocore's model of the real API (Stubber validates parameters); no rescan is claimed."""
    from botocore.stub import Stubber

    for key, value in {**MOTO_CREDENTIALS, "AWS_DEFAULT_REGION": R}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        aws = GuardedClients()
        client = aws.client("securityhub", R)
        target = Target("securityhub.standards_enabled", f"securityhub/{R}", R)
        hub = {"HubArn": f"arn:aws:securityhub:{R}:{ACCOUNT}:hub/default", "SubscribedAt": "2026-12-04T00:00:00Z"}
        fsbp = f"arn:aws:securityhub:{R}::standards/aws-foundational-security-best-practices/v/1.0.0"
        cis = f"arn:aws:securityhub:{R}::standards/cis-aws-foundations-benchmark/v/3.0.0"
        subscription = {"StandardsSubscriptionArn": f"arn:aws:securityhub:{R}:{ACCOUNT}:subscription/cis/1",
                        "StandardsArn": cis, "StandardsInput": {}, "StandardsStatus": "READY"}
        with Stubber(client) as stub:
            stub.add_response("describe_hub", hub, {})
            stub.add_response("get_enabled_standards", {"StandardsSubscriptions": [
                {**subscription, "StandardsSubscriptionArn": subscription["StandardsSubscriptionArn"].replace(
                    "cis/1", "fsbp/1"), "StandardsArn": fsbp}]}, {})
            plan = plan_fixes(aws, [target])
            assert [s.params for s in plan.changes[0].steps] == [
                {"StandardsSubscriptionRequests": [{"StandardsArn": cis}]}]
            stub.add_response("batch_enable_standards", {"StandardsSubscriptions": [subscription]},
                              {"StandardsSubscriptionRequests": [{"StandardsArn": cis}]})
            results = apply_plan(aws, plan)
            assert not results[0].error, results[0].error
            stub.add_response("batch_disable_standards", {"StandardsSubscriptions": [subscription]},
                              {"StandardsSubscriptionArns": [subscription["StandardsSubscriptionArn"]]})
            assert not [e for _, e in undo_changes(aws, undo_document(results)) if e]
            stub.add_response("describe_hub", hub, {})
            stub.add_response("get_enabled_standards", {"StandardsSubscriptions": [
                {**subscription, "StandardsArn": fsbp}, subscription]}, {})
            assert plan_fixes(aws, [target]).changes == []  # both enabled: nothing to do
            stub.assert_no_pending_responses()


def test_alarms_wait_for_the_trail_and_cli_applies_them_in_a_second_round(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """On a bare account the alarm fixes need the trail the trail fix makes: `fix --apply` plans them again
    once the trail exists, in the same run."""
    from cloudwarden.cli import main

    for key, value in {**MOTO_CREDENTIALS, "AWS_DEFAULT_REGION": R, "MOTO_IAM_LOAD_MANAGED_POLICIES": "false"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        checks = ("cloudtrail.multi_region_trail_logging", "cloudwatch.alarm_root_usage")
        findings = [{"check_id": t.check_id, "resource_id": t.resource_id, "region": t.region, "status": "FAIL",
                     "resource_arn": t.resource_arn, "account_id": ACCOUNT} for t in _failing(checks, ACCOUNT)]
        assert len(findings) == 2
        path = tmp_path / "findings.json"
        path.write_text(json.dumps({"schema": "cloudwarden-findings", "account_id": ACCOUNT, "regions": [R],
                                    "findings": findings}))
        code = main(["fix", str(path), "--apply", "--yes", "--alarm-email", "security@example.com",
                     "--out", str(tmp_path / "plan.json"), "--undo-file", str(tmp_path / "undo.json")])
        out = capsys.readouterr().out
        assert code == 0, out
        assert "round 2" in out and "verified by rescan: 2/2 now PASS" in out
        undo = json.loads((tmp_path / "undo.json").read_text())
        assert [c["check_id"] for c in undo["changes"]] == list(checks)


def test_access_analyzer_planned_on_moto_applied_against_the_api_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto 5.2 has no IAM Access Analyzer: the read and the calls are checked against botocore's model (Stubber)."""
    from botocore.stub import Stubber

    for key, value in {**MOTO_CREDENTIALS, "AWS_DEFAULT_REGION": R}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        aws = GuardedClients()
        client = aws.client("accessanalyzer", R)
        target = Target("iam.access_analyzer_enabled", f"access-analyzer/{R}", R)
        created = {"arn": f"arn:aws:access-analyzer:{R}:{ACCOUNT}:analyzer/cloudwarden-external"}
        with Stubber(client) as stub:
            stub.add_response("list_analyzers", {"analyzers": []}, {})
            plan = plan_fixes(aws, [target])
            assert [s.params for s in plan.changes[0].steps] == [{"analyzerName": "cloudwarden-external", "type": "ACCOUNT"}]
            stub.add_response("create_analyzer", created, {"analyzerName": "cloudwarden-external", "type": "ACCOUNT"})
            results = apply_plan(aws, plan)
            assert not results[0].error, results[0].error
            stub.add_response("list_analyzers", {"analyzers": [{
                "arn": created["arn"], "name": "cloudwarden-external", "type": "ACCOUNT", "status": "ACTIVE",
                "createdAt": "2026-12-04T00:00:00Z"}]}, {})
            assert plan_fixes(aws, [target]).changes == []  # active: nothing to do
            stub.add_response("delete_analyzer", {}, {"analyzerName": "cloudwarden-external"})
            assert not [e for _, e in undo_changes(aws, undo_document(results)) if e]
            stub.assert_no_pending_responses()


def test_a_call_waiting_for_a_new_role_to_propagate_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    """Against AWS, CreateTrail right after CreateRole may say the role is invalid until IAM propagates: the
    engine retries such errors (checked against botocore's model with Stubber), and gives up on others."""
    from botocore.stub import Stubber

    from cloudwarden.remediate import Change, Step, engine

    for key, value in {**MOTO_CREDENTIALS, "AWS_DEFAULT_REGION": R}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(engine, "SETTLE_WAITS", (0.0, 0.0))
    with mock_aws():
        aws = GuardedClients()
        client = aws.client("cloudtrail", R)
        step = Step("cloudtrail", R, "start_logging", {"Name": "main"})
        target = Target("cloudtrail.multi_region_trail_logging", ACCOUNT, "global")
        plan = engine.FixPlan([Change(target, None, [step], [])])
        with Stubber(client) as stub:
            stub.add_client_error("start_logging", "InvalidCloudWatchLogsRoleArnException", expected_params={"Name": "main"})
            stub.add_response("start_logging", {}, {"Name": "main"})
            assert not apply_plan(aws, plan)[0].error
            for _ in range(3):  # the first try and both retries
                stub.add_client_error("start_logging", "InvalidCloudWatchLogsRoleArnException")
            assert "InvalidCloudWatchLogsRoleArnException" in apply_plan(aws, plan)[0].error
            stub.add_client_error("start_logging", "TrailNotFoundException")
            assert "TrailNotFoundException" in apply_plan(aws, plan)[0].error  # not retried
            stub.assert_no_pending_responses()


def test_undo_after_a_partial_apply_skips_what_was_never_made(monkeypatch: pytest.MonkeyPatch) -> None:
    """An apply that fails part-way records the change's whole undo; undoing it passes over removals of
    what was never made (the trail) and still removes what was (the role)."""
    for key, value in {**MOTO_CREDENTIALS, "AWS_DEFAULT_REGION": R, "MOTO_IAM_LOAD_MANAGED_POLICIES": "false"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        aws = GuardedClients()
        target = Target("cloudtrail.multi_region_trail_logging", ACCOUNT, "global", account_id=ACCOUNT)
        plan = plan_fixes(aws, [target])
        change = plan.changes[0]
        # CreateTrail names a bucket that does not exist: it fails after the role is made.
        from cloudwarden.remediate import Step

        change.steps = [Step(s.service, s.region, s.operation, {**s.params, "S3BucketName": "no-such-bucket-15f"})
                        if s.operation == "create_trail" else s for s in change.steps]
        results = apply_plan(aws, plan)
        assert "CreateTrail failed" in results[0].error
        iam = boto3.client("iam")
        assert iam.get_role(RoleName="cloudwarden-cloudtrail-to-logs")
        outcome = undo_changes(aws, undo_document(results))
        assert not [e for _, e in outcome if e], outcome
        with pytest.raises(iam.exceptions.NoSuchEntityException):
            iam.get_role(RoleName="cloudwarden-cloudtrail-to-logs")


def test_trail_fix_leaves_a_single_region_trail_of_its_name_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {**MOTO_CREDENTIALS, "AWS_DEFAULT_REGION": R}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        boto3.client("s3").create_bucket(Bucket="someone-elses-logs")
        boto3.client("cloudtrail", region_name=R).create_trail(Name="cloudwarden-trail", S3BucketName="someone-elses-logs")
        aws = GuardedClients()
        plan = plan_fixes(aws, [Target("cloudtrail.multi_region_trail_logging", ACCOUNT, "global", account_id=ACCOUNT)])
        assert not plan.changes and "exists and is not multi-region" in plan.skipped[0][1]
