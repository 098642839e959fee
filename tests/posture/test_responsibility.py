"""The shared responsibility table and view: data integrity, duty status, services in use."""

from __future__ import annotations

from fnmatch import fnmatchcase

from cloudwarden.checks.registry import catalog
from cloudwarden.core.enums import Area, Severity, Status
from cloudwarden.core.findings import Finding
from cloudwarden.inventory.snapshot import Gap, Snapshot
from cloudwarden.posture.responsibility import Coverage, responsibility_view, table


def test_table_keeps_its_attribution_and_every_pattern_names_catalogue_checks() -> None:
    data = table()
    assert "SHARED_RESPONSIBILITY.md" in data["source"]
    assert set(data["models"]) == {"infrastructure", "container", "abstracted"}
    ids = set(catalog())
    for service in data["services"]:
        assert service["model"] in data["models"] and service["aws"] and service["customer"]
        for duty in service["customer"]:
            for pattern in duty["checks"]:
                assert any(fnmatchcase(cid, pattern) for cid in ids), f"{service['id']}: {pattern} matches no check"
    models = {s["id"]: s["model"] for s in data["services"]}
    assert (models["ec2"], models["rds"], models["s3"], models["dynamodb"]) == (
        "infrastructure", "container", "abstracted", "abstracted")


def result(check_id: str, status: Status) -> Finding:
    return Finding(check_id=check_id, title="t", area=Area.DP, severity=Severity.HIGH, status=status,
                   account_id="1", region="us-east-1", resource_type="t", resource_id="r", resource_arn="",
                   message="m")


def snapshot() -> Snapshot:
    snap = Snapshot(account_id="1", collected_at="2026-11-28T00:00:00+00:00", regions=["us-east-1"])
    snap.put("s3.buckets", "global", [{"Name": "b"}])
    snap.put("dynamodb.table_names", "us-east-1", [])
    snap.add_gap(Gap("rds.db_instances", "rds", "DescribeDBInstances", "us-east-1", "AccessDenied", "no"))
    snap.put("rds.db_instances", "us-east-1", None)
    return snap


def test_duty_status_and_services_in_use() -> None:
    coverage = Coverage(registered=frozenset({"s3.bucket_no_public_read", "s3.bucket_kms_encryption",
                                              "s3.bucket_ssl_required", "iam.root_mfa_enabled"}),
                        catalogue=frozenset(catalog()), ran=frozenset({"s3.bucket_no_public_read",
                                                                       "s3.bucket_kms_encryption",
                                                                       "iam.root_mfa_enabled"}))
    findings = [result("s3.bucket_no_public_read", Status.PASS), result("s3.bucket_kms_encryption", Status.FAIL),
                result("s3.bucket_kms_encryption", Status.PASS), result("iam.root_mfa_enabled", Status.UNKNOWN)]
    view = responsibility_view(findings, coverage, snapshot(), "1")
    services = {s["id"]: s for s in view["services"]}
    assert services["s3"]["in_use"] == "yes"
    assert services["dynamodb"]["in_use"] == "no"
    assert services["rds"]["in_use"] == "unknown"  # the read failed: never "not in use"
    assert services["iam"]["in_use"] == "account-wide"
    assert services["cloudhsm"]["in_use"] == "not collected"
    duties = {d["duty"]: d for d in services["s3"]["customer_duties"]}
    assert duties["Bucket and access-point policies, ACLs and Block Public Access settings"]["status"] == "PASS"
    encryption = duties["Encryption choice (SSE-S3, SSE-KMS, customer managed key)"]
    assert encryption["status"] == "FAIL" and encryption["results"] == {"FAIL": 1, "PASS": 1}
    assert duties["TLS-only bucket policy"]["status"] == "not run"
    macie = duties["Classifying data (Macie)"]
    assert macie["status"] == "not covered" and macie["catalogue_only"] == ["s3.macie_automated_discovery",
                                                                             "s3.macie_enabled"]
    iam = {d["duty"]: d for d in services["iam"]["customer_duties"]}
    assert iam["Root user hygiene: MFA, no access keys, no daily use"]["status"] == "UNKNOWN"
    assert view["totals"]["duties_not_covered"] > 0
