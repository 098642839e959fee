"""The baseline template: cfn-lint clean in every form, and, deployed into moto through CloudFormation,
a rescan shows the findings it addresses turned to PASS (UNKNOWN where moto lacks the API)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from cloudwarden.cli import main
from cloudwarden.core.enums import Status
from cloudwarden.remediate.baseline import NOT_IN_TEMPLATE, addressed_checks, baseline_template
from tests.helpers import MOTO_CREDENTIALS
from tests.remediate.moto_baseline import FIX_PATH, complete, deploy

R = "us-east-1"
FORMS = {"single": [], "regions": ["--regions", "us-east-1,eu-west-1"], "org": ["--org"],
         "org-regions": ["--org", "--regions", "us-east-1", "--regions", "eu-west-1"]}
# APIs moto 5.2 does not implement (the rescan says UNKNOWN for these checks, naming the gap).
MOTO_GAPS = {"securityhub.standards_enabled": "GetEnabledStandards", "iam.access_analyzer_enabled": "ListAnalyzers"}


def _lint(*paths: Path) -> None:
    lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run([str(lint), *map(str, paths)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cfn_lint_passes_in_every_form(tmp_path: Path) -> None:
    paths = []
    for name, options in FORMS.items():
        out = tmp_path / f"{name}.yaml"
        assert main(["baseline", *options, "--out", str(out)]) == 0
        paths.append(out)
    # The StackSets' own templates too.
    for name, kwargs in (("regions-member", {"regions": ["us-east-1", "eu-west-1"]}), ("org-member", {"org": True})):
        template = baseline_template(**kwargs)
        stack_set = next(r for r in template["Resources"].values() if r["Type"] == "AWS::CloudFormation::StackSet")
        member = tmp_path / f"{name}.json"
        member.write_text(stack_set["Properties"]["TemplateBody"])
        paths.append(member)
    _lint(*paths)


def test_template_content() -> None:
    from cloudwarden.checks._cis_detections import DETECTIONS

    resources = baseline_template()["Resources"]
    patterns = {r["Properties"]["FilterPattern"] for r in resources.values() if r["Type"] == "AWS::Logs::MetricFilter"}
    assert patterns == {d.pattern for d in DETECTIONS.values()}  # the checks' own patterns, one filter each
    assert sum(r["Type"] == "AWS::CloudWatch::Alarm" for r in resources.values()) == len(DETECTIONS)
    kinds = {r["Type"] for r in resources.values()}
    assert {"AWS::Config::ConfigurationRecorder", "AWS::Config::DeliveryChannel", "AWS::SNS::Topic",
            "AWS::SecurityHub::Standard"} <= kinds
    assert "AWSSupportAccess" in json.dumps(resources["SupportRole"])
    assert resources["TrailBucket"]["Properties"]["LoggingConfiguration"]["DestinationBucketName"] == {
        "Ref": "AccessLogBucket"}
    regions = baseline_template(regions=["eu-west-1", "us-east-1"])["Resources"]
    assert "Detector" not in regions and regions["RegionalBaseline"]["Properties"]["PermissionModel"] == "SELF_MANAGED"
    org = baseline_template(org=True)["Resources"]
    assert org["Trail"]["Properties"]["IsOrganizationTrail"] is True
    assert org["MemberBaseline"]["Properties"]["PermissionModel"] == "SERVICE_MANAGED"


def test_bad_region_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["baseline", "--regions", "us-east-1,mars-1"]) == 2
    assert "'mars-1' is not a region name" in capsys.readouterr().err


def _scan() -> dict[tuple[str, str, str], object]:
    from cloudwarden.assess import assess
    from cloudwarden.collect import collect_snapshot

    return {(f.check_id, f.resource_id, f.region): f for f in assess(collect_snapshot(regions=[R])).findings}


def test_deployed_baseline_turns_addressed_findings_to_pass(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Deployed through CloudFormation; what moto's CloudFormation does not create (`FIX_PATH`) and
    what has no CloudFormation resource (`NOT_IN_TEMPLATE`) applied with `cloudwarden fix --apply`, as a
    user runs it on the findings of a scan after the deployment."""
    for key, value in {**MOTO_CREDENTIALS, "AWS_DEFAULT_REGION": R, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}.items():
        monkeypatch.setenv(key, value)
    addressed = {**addressed_checks(), **NOT_IN_TEMPLATE}
    with mock_aws():
        before = _scan()
        template = baseline_template()
        stack = deploy(template, {"AlarmEmail": "security@example.com"}, R)
        made = complete(template, stack, R, skip=FIX_PATH)
        assert not [m for m in made if "NOT MADE" in m], made
        topic = next(o["OutputValue"] for o in boto3.client("cloudformation", region_name=R).describe_stacks(
            StackName="baseline")["Stacks"][0]["Outputs"] if o["OutputKey"] == "AlarmTopicArn")
        assert main(["scan", "--regions", R, "--quiet", "--out", str(tmp_path / "scan")]) == 0
        capsys.readouterr()
        selection = [arg for check_id in sorted(addressed) for arg in ("--check", check_id)]
        code = main(["fix", str(tmp_path / "scan" / "findings.json"), "--apply", "--yes", "--alarm-topic", topic,
                     "--out", str(tmp_path / "plan.json"), "--undo-file", str(tmp_path / "undo.json"), *selection])
        fix_output = capsys.readouterr().out
        assert code == 0, fix_output
        after = _scan()
    undo = json.loads((tmp_path / "undo.json").read_text())
    fixed = sorted({c["check_id"] for c in undo["changes"]})
    # The fix path made every part moto's CloudFormation skipped that a check addresses.
    assert {"cloudtrail.multi_region_trail_logging", "config.recorder_all_regions", "guardduty.enabled_all_regions",
            "securityhub.enabled", "s3.bucket_ssl_required", "cloudwatch.alarm_root_usage",
            "cloudtrail.s3_data_events_read", "ebs.default_encryption_enabled", "s3.account_public_access_block",
            } <= set(fixed), fixed
    # The four password-policy checks share one call; it is made (and recorded for undo) once.
    assert len([c for c in fixed if c.startswith("iam.password_policy_")]) == 1, fixed
    plan = json.loads((tmp_path / "plan.json").read_text())
    skipped = {s["check_id"]: s["reason"] for s in plan["skipped"]}
    assert set(skipped) <= set(MOTO_GAPS), skipped  # only what moto cannot read
    for check_id in addressed:
        found = [f for (c, _, _), f in after.items() if c == check_id]
        assert found, f"{check_id}: not evaluated after the deployment"
        for finding in found:
            if check_id in MOTO_GAPS:
                assert finding.status is Status.UNKNOWN and MOTO_GAPS[check_id] in finding.message, finding.message
            else:
                assert finding.status is Status.PASS, f"{check_id}: {finding.status.value} {finding.message}"
    failed_before = {k for k, f in before.items() if f.status is Status.FAIL and k[0] in addressed}
    turned = {k for k in failed_before if k in after and after[k].status is Status.PASS}
    # Every addressed FAIL of the bare account now passes, or moto cannot tell (UNKNOWN, above).
    assert {k[0] for k in failed_before - turned} <= set(MOTO_GAPS)
    all_turned = {k for k, f in before.items() if f.status is Status.FAIL and k in after
                  and after[k].status is Status.PASS}
    print(f"\nrescan after the baseline: {len(turned)} addressed FAILs -> PASS (of {len(failed_before)}; "
          f"the rest UNKNOWN: {sorted(k[0] for k in failed_before - turned)}); "
          f"all findings FAIL -> PASS: {len(all_turned)}; FAIL before {sum(f.status is Status.FAIL for f in before.values())}"
          f", after {sum(f.status is Status.FAIL for f in after.values())}; addressed checks {len(addressed)}, "
          f"PASS {len([c for c in addressed if c not in MOTO_GAPS])}, UNKNOWN (moto) {len(MOTO_GAPS)}")
    print(f"through `cloudwarden fix --apply`: {len(undo['changes'])} changes for {len(fixed)} checks; skipped: {skipped}")
    print(fix_output.strip().splitlines()[-1])
    new_fails = sorted({k[0] for k, f in after.items() if f.status is Status.FAIL
                        and not (k in before and before[k].status is Status.FAIL)})
    print(f"FAILs the baseline's own resources bring (checks it does not address): {new_fails}")
    for line in made:
        print(" ", line)


def test_regions_form_deploys_its_stack_set_to_every_listed_region(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's CloudFormation accepts an AWS::CloudFormation::StackSet resource without creating it, but its
    API has CreateStackSet and CreateStackInstances (self-managed: a stack per region). The stack is
    deployed, then the StackSet made with the properties moto resolved, as CloudFormation would."""
    import copy

    from moto.cloudformation.parsing import clean_json

    regions = ["us-east-1", "eu-west-1"]
    for key, value in {**MOTO_CREDENTIALS, "AWS_DEFAULT_REGION": R, "MOTO_IAM_LOAD_MANAGED_POLICIES": "false"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        template = baseline_template(regions=regions)
        stack = deploy(template, {"AlarmEmail": "security@example.com"}, R)
        p = clean_json(copy.deepcopy(template["Resources"]["RegionalBaseline"]["Properties"]), stack.resource_map)
        cfn = boto3.client("cloudformation", region_name=R)
        cfn.create_stack_set(StackSetName=p["StackSetName"], TemplateBody=p["TemplateBody"],
                             PermissionModel=p["PermissionModel"], Capabilities=p["Capabilities"],
                             Parameters=p["Parameters"], Description=p["Description"])
        group = p["StackInstancesGroup"][0]
        assert p["StackSetName"] == "baseline-regions" and group["Regions"] == regions
        cfn.create_stack_instances(StackSetName=p["StackSetName"], Accounts=group["DeploymentTargets"]["Accounts"],
                                   Regions=group["Regions"], OperationPreferences=p["OperationPreferences"])
        instances = cfn.list_stack_instances(StackSetName=p["StackSetName"])["Summaries"]
        assert sorted(i["Region"] for i in instances) == sorted(regions)
        assert {i["Account"] for i in instances} == {"123456789012"}
        member = json.loads(p["TemplateBody"])
        params = {x["ParameterKey"]: x["ParameterValue"] for x in p["Parameters"]}
        assert params["HomeRegion"] == "us-east-1" and params["LogBucketName"] == stack.resource_map["TrailBucket"].physical_resource_id
        for region in regions:
            stacks = boto3.client("cloudformation", region_name=region).describe_stacks()["Stacks"]
            per_region = [s for s in stacks if s["StackName"] == f"StackSet:{p['StackSetName']}"]
            assert [s["StackStatus"] for s in per_region] == ["CREATE_COMPLETE"], (region, stacks)
            given = {x["ParameterKey"]: x["ParameterValue"] for x in per_region[0]["Parameters"]}
            assert given["HomeRegion"] == "us-east-1" and given["LogBucketName"] == params["LogBucketName"]
        assert {"ConfigRecorder", "ConfigDeliveryChannel", "Detector", "Hub", "FsbpStandard", "CisStandard",
                "Analyzer"} <= set(member["Resources"])


def test_org_form_deploys_its_stack_set_to_the_member_accounts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The `--org` form: the service-managed StackSet made from the resource's properties as moto resolved
    them deploys one instance per member account of the OU and region (moto keeps those stacks hidden)."""
    import copy

    from moto.cloudformation.parsing import clean_json

    regions = ["us-east-1", "eu-west-1"]
    for key, value in {**MOTO_CREDENTIALS, "AWS_DEFAULT_REGION": R, "MOTO_IAM_LOAD_MANAGED_POLICIES": "false"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        org = boto3.client("organizations", region_name=R)
        org_id = org.create_organization(FeatureSet="ALL")["Organization"]["Id"]
        root = org.list_roots()["Roots"][0]["Id"]
        ou = org.create_organizational_unit(ParentId=root, Name="workloads")["OrganizationalUnit"]["Id"]
        member = org.create_account(Email="member@example.com", AccountName="member")["CreateAccountStatus"]["AccountId"]
        org.move_account(AccountId=member, SourceParentId=root, DestinationParentId=ou)
        template = baseline_template(regions=regions, org=True)
        stack = deploy(template, {"AlarmEmail": "security@example.com", "OrganizationId": org_id,
                                  "OrganizationalUnitIds": ou}, R)
        p = clean_json(copy.deepcopy(template["Resources"]["MemberBaseline"]["Properties"]), stack.resource_map)
        assert p["PermissionModel"] == "SERVICE_MANAGED" and p["AutoDeployment"]["Enabled"] is True
        cfn = boto3.client("cloudformation", region_name=R)
        cfn.create_stack_set(StackSetName=p["StackSetName"], TemplateBody=p["TemplateBody"],
                             PermissionModel=p["PermissionModel"], Capabilities=p["Capabilities"],
                             Parameters=p["Parameters"], AutoDeployment=p["AutoDeployment"])
        group = p["StackInstancesGroup"][0]
        assert group["DeploymentTargets"] == {"OrganizationalUnitIds": [ou]} and group["Regions"] == regions
        cfn.create_stack_instances(StackSetName=p["StackSetName"], DeploymentTargets=group["DeploymentTargets"],
                                   Regions=group["Regions"])
        instances = cfn.list_stack_instances(StackSetName=p["StackSetName"])["Summaries"]
        assert sorted((i["Account"], i["Region"]) for i in instances) == sorted((member, r) for r in regions)
        people = {"AdministratorsGroup", "DevelopersGroup", "ReadOnlyGroup", "SupportRole", "AdministratorRole"}
        body = json.loads(p["TemplateBody"])
        # The member template carries the groups and the support role, for the home region only.
        assert people <= set(body["Resources"]) and {body["Resources"][k]["Condition"] for k in people} == {"IsHome"}
