"""diff on hand-built findings: categories, severity counts, removed resources, muted and unknown."""

from __future__ import annotations

from pathlib import Path

from cloudwarden.core.enums import Area, Severity, Status
from cloudwarden.core.findings import Finding
from cloudwarden.posture.diff import change_kind, diff
from cloudwarden.posture.sources import Results


def result(check_id: str, resource: str, status: Status, severity: Severity = Severity.HIGH) -> Finding:
    return Finding(check_id=check_id, title=f"{check_id} holds", area=Area.DP, severity=severity, status=status,
                   account_id="1", region="us-east-1", resource_type="AWS::S3::Bucket", resource_id=resource,
                   resource_arn="", message=f"{resource} {status.value}")


def side(*findings: Finding) -> Results:
    return Results(Path("x.json"), "1", "t", list(findings), {f.check_id for f in findings})


def test_categories_and_counts() -> None:
    old = side(result("s3.a", "b1", Status.PASS), result("s3.a", "b2", Status.FAIL),
               result("s3.a", "b3", Status.FAIL, Severity.CRITICAL), result("s3.a", "gone", Status.FAIL),
               result("s3.b", "b1", Status.PASS), result("s3.c", "b1", Status.FAIL))
    new = side(result("s3.a", "b1", Status.FAIL, Severity.CRITICAL), result("s3.a", "b2", Status.PASS),
               result("s3.a", "b3", Status.FAIL, Severity.CRITICAL), result("s3.b", "b1", Status.UNKNOWN),
               result("s3.c", "b1", Status.MUTED), result("s3.a", "brand-new", Status.FAIL, Severity.LOW))
    changes = diff(old, new)
    by = {c: sorted(ch.finding.resource_id + "/" + ch.finding.check_id for ch in changes.of(c))
          for c in ("new", "resolved", "still_failing", "newly_unknown", "newly_muted")}
    assert by == {"new": ["b1/s3.a", "brand-new/s3.a"], "resolved": ["b2/s3.a", "gone/s3.a"],
                  "still_failing": ["b3/s3.a"], "newly_unknown": ["b1/s3.b"], "newly_muted": ["b1/s3.c"]}
    counts = changes.counts()
    assert counts["new"]["critical"] == 1 and counts["new"]["low"] == 1 and counts["new"]["total"] == 2
    assert [c.finding.resource_id for c in changes.new_at_or_above(Severity.HIGH)] == ["b1"]
    gone = next(c for c in changes.of("resolved") if c.finding.resource_id == "gone")
    assert gone.after is None and gone.to_dict()["after"] is None
    assert "configuration_changes" not in changes.to_dict()  # findings files carry no configuration


def test_a_result_missing_because_its_check_did_not_run_is_not_resolved() -> None:
    old = side(result("s3.a", "b1", Status.FAIL))
    new = side(result("s3.other", "b1", Status.PASS))
    assert diff(old, new).of("resolved") == []


def test_change_kinds_follow_the_check() -> None:
    assert change_kind("s3.bucket_no_public_read", worse=True) == "made public"
    assert change_kind("cloudtrail.multi_region_trail_logging", worse=True) == "monitoring turned off"
    assert change_kind("ec2.sg_no_ssh_from_internet", worse=False) == "network closed"
    assert change_kind("iam.inline_policy_no_full_admin", worse=True) == "permissions widened"
    assert change_kind("s3.bucket_versioning_enabled", worse=False) == "setting fixed"
