"""`cloudwarden drift`: the baseline template against a snapshot collected from moto."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
import yaml
from moto import mock_aws

from cloudwarden.cli import main
from cloudwarden.collect import collect_snapshot
from cloudwarden.inventory.snapshot import save_snapshot
from cloudwarden.remediate.drift import COMPARERS
from tests.helpers import MOTO_CREDENTIALS
from tests.remediate.moto_baseline import complete, deploy

GROUP_IDS = ("AdministratorsGroup", "DevelopersGroup", "ReadOnlyGroup")


def _log_group(trail: str) -> str:
    arn = boto3.client("cloudtrail").describe_trails(trailNameList=[trail])["trailList"][0]["CloudWatchLogsLogGroupArn"]
    return str(arn).split(":log-group:")[1].split(":")[0]


def _kind(template: Path, logical_id: str) -> str:
    return str(yaml.safe_load(template.read_text())["Resources"][logical_id]["Type"])


def _statuses(out: Path) -> dict[str, str]:
    findings = json.loads(out.read_text())["findings"]
    return {f["message"].split(":")[0]: f["status"] for f in findings}


def _build_baseline(template: Path) -> tuple[str, str]:
    """The template deployed into moto (what its CloudFormation skips completed); (trail, trail bucket)."""
    body = yaml.safe_load(template.read_text())
    stack = deploy(body, {"AlarmEmail": "security@example.com"}, "us-east-1")
    made = complete(body, stack, "us-east-1")
    # moto implements neither Security Hub standards nor IAM Access Analyzer: drift says UNKNOWN for them.
    assert sorted(m.split()[0] for m in made if "NOT MADE" in m) == ["Analyzer", "CisStandard", "FsbpStandard"]
    return "baseline-Trail", str(stack.resource_map["TrailBucket"].physical_resource_id)


def test_drift_bare_then_baselined_then_tampered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {**MOTO_CREDENTIALS, "AWS_DEFAULT_REGION": "us-east-1",
                       "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}.items():
        monkeypatch.setenv(key, value)
    template, snap, out = tmp_path / "baseline.yaml", tmp_path / "snap.json", tmp_path / "drift.json"
    assert main(["baseline", "--out", str(template)]) == 0
    with mock_aws():
        save_snapshot(collect_snapshot(regions=["us-east-1"]), snap)
        assert main(["drift", str(template), str(snap), "--out", str(out), "--fail-on-drift"]) == 1
        bare = _statuses(out)
        assert bare["Trail"] == "FAIL" and bare["Detector"] == "FAIL" and bare["AdministratorsGroup"] == "FAIL"
        assert bare["TrailBucket"] == "UNKNOWN"  # no trail, so the bucket cannot be found: never a PASS

        trail, bucket = _build_baseline(template)
        save_snapshot(collect_snapshot(regions=["us-east-1"]), snap)
        assert main(["drift", str(template), str(snap), "--out", str(out)]) == 0
        built = _statuses(out)
        assert [built.pop(k) for k in ("Analyzer", "FsbpStandard", "CisStandard")] == ["UNKNOWN"] * 3
        compared = {k: v for k, v in built.items() if _kind(template, k) in COMPARERS}
        assert set(compared) >= {"Trail", "TrailBucket", "AccessLogBucket", "Detector", "Hub", *GROUP_IDS,
                                 "SupportRole", "AdministratorRole", "TrailLogGroup", "FilterRootUsage", "AlarmRootUsage",
                                 "ConfigRecorder", "ConfigDeliveryChannel"}
        assert compared == dict.fromkeys(compared, "PASS"), compared
        # Types drift does not compare (none in this template) would be reported, never passed.
        assert {v for k, v in built.items() if k not in compared} <= {"UNKNOWN"}

        boto3.client("cloudtrail").stop_logging(Name=trail)
        boto3.client("s3").put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
        boto3.client("logs").delete_metric_filter(logGroupName=_log_group(trail), filterName="cloudwarden-root-usage")
        save_snapshot(collect_snapshot(regions=["us-east-1"]), snap)
        main(["drift", str(template), str(snap), "--out", str(out)])
    tampered = json.loads(out.read_text())["findings"]
    messages = {f["message"] for f in tampered if f["status"] == "FAIL"}
    assert any("not logging" in m for m in messages), messages
    assert any("versioning not enabled" in m for m in messages), messages
    assert not any("access-log bucket differs" in m for m in messages), messages
    assert any("no metric filter" in m for m in messages), messages


def test_bad_baseline_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad, snap = tmp_path / "bad.yaml", tmp_path / "snap.json"
    bad.write_text("just: text\n")
    snap.write_text("{}")
    assert main(["drift", str(bad), str(snap)]) == 2
    assert "no Resources section" in capsys.readouterr().err
