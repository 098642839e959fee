"""Each configurable threshold reaches its check through the assessment context and changes its verdict."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pytest

from cloudwarden.assess import assess, run_check
from cloudwarden.checks.context import AssessmentContext
from cloudwarden.checks.registry import load_all_checks
from cloudwarden.core.enums import Status
from cloudwarden.core.settings import DEFAULT_THRESHOLDS, SETTINGS, Thresholds
from tests.checks.cases import snapshot_with
from tests.checks.test_edge import cert
from tests.checks.test_iam_credentials import STRONG, user
from tests.checks.test_logs import group, groups
from tests.checks.test_rds import instance, rds
from tests.checks.test_vpc_connectivity import cluster as hsm_cluster

# The snapshots are taken at tests.checks.cases.NOW = 2026-11-28T12:00Z.
KEY_27_DAYS_OLD_USED_40_DAYS_AGO = dict(access_key_1_active=True, access_key_1_last_rotated="2026-11-01T00:00:00+00:00",
                                        access_key_1_last_used_date="2026-10-19T00:00:00+00:00")


@dataclass
class Shift:
    field: str  # Thresholds field
    check_id: str
    data: dict[str, Any]
    default: Status  # verdict with the built-in threshold
    value: int  # a configured threshold
    changed: Status  # verdict with it
    regions: tuple[str, ...] = ("us-east-1", "eu-west-1")

    def __str__(self) -> str:
        return f"{self.field}={self.value}"


SHIFTS = [
    Shift("iam_access_key_max_age_days", "iam.access_keys_rotated_90_days",
          {"iam.credential_report": [user("a", **KEY_27_DAYS_OLD_USED_40_DAYS_AGO)]}, Status.PASS, 20, Status.FAIL),
    Shift("iam_credentials_unused_days", "iam.credentials_unused_45_days",
          {"iam.credential_report": [user("a", **KEY_27_DAYS_OLD_USED_40_DAYS_AGO)]}, Status.PASS, 30, Status.FAIL),
    Shift("iam_password_min_length", "iam.password_policy_min_length_14", {"iam.password_policy": STRONG},
          Status.PASS, 20, Status.FAIL),
    Shift("iam_password_reuse_prevention", "iam.password_policy_reuse_24",
          {"iam.password_policy": {**STRONG, "PasswordReusePrevention": 12}}, Status.FAIL, 10, Status.PASS),
    Shift("iam_password_max_age_days", "iam.password_policy_max_age_90", {"iam.password_policy": STRONG},
          Status.PASS, 60, Status.FAIL),
    Shift("iam_root_recent_use_days", "iam.root_not_used_recently",
          {"iam.credential_report": [user("<root_account>", password_last_used="2026-11-20T00:00:00+00:00")]},
          Status.FAIL, 5, Status.PASS),
    Shift("logs_min_retention_days", "logs.log_group_retention", groups(group(retentionInDays=180)),
          Status.FAIL, 90, Status.PASS),
    Shift("acm_expiry_warning_days", "acm.certificate_not_expiring", cert(NotAfter="2027-01-07T12:00:00+00:00"),
          Status.PASS, 60, Status.FAIL, ("us-east-1",)),
    Shift("rds_min_backup_retention_days", "rds.automatic_backups", rds([instance(BackupRetentionPeriod=10)]),
          Status.PASS, 14, Status.FAIL, ("eu-west-1",)),
    Shift("cloudhsm_recent_backup_days", "cloudhsm.backup_retention",
          hsm_cluster(["us-east-1a"], backup_age="2026-11-23T00:00:00Z"), Status.PASS, 3, Status.FAIL, ("us-east-1",)),
]


def _statuses(shift: Shift, thresholds: Thresholds | None) -> set[Status]:
    snapshot = snapshot_with(shift.data, shift.regions)
    findings = run_check(load_all_checks()[shift.check_id], snapshot, AssessmentContext(snapshot, thresholds))
    assert findings, f"{shift.check_id} produced no finding"
    return {f.status for f in findings}


@pytest.mark.parametrize("shift", SHIFTS, ids=str)
def test_a_configured_threshold_changes_the_verdict(shift: Shift) -> None:
    assert _statuses(shift, None) == {shift.default}
    assert _statuses(shift, replace(DEFAULT_THRESHOLDS, **{shift.field: shift.value})) == {shift.changed}


def test_every_threshold_setting_is_exercised() -> None:
    fields = {s.threshold for s in SETTINGS if s.threshold}
    assert fields == set(Thresholds.__dataclass_fields__)
    assert fields == {s.field for s in SHIFTS}


def test_assess_passes_thresholds_to_every_check_and_messages_name_the_value() -> None:
    snapshot = snapshot_with({"iam.credential_report": [user("a", **KEY_27_DAYS_OLD_USED_40_DAYS_AGO)]})
    checks = [load_all_checks()["iam.credentials_unused_45_days"]]
    [finding] = assess(snapshot, checks, thresholds=replace(DEFAULT_THRESHOLDS, iam_credentials_unused_days=60)).findings
    assert finding.status is Status.PASS and "in the last 60 days" in finding.message
    [finding] = assess(snapshot, checks).findings
    assert finding.status is Status.PASS and "in the last 45 days" in finding.message


def test_module_constants_stay_the_defaults() -> None:
    from cloudwarden.checks import acm, cloudhsm, logs
    from cloudwarden.checks import rds as rds_checks

    assert (logs.MIN_RETENTION_DAYS, acm.EXPIRY_WARNING_DAYS, rds_checks.MIN_BACKUP_DAYS,
            cloudhsm.RECENT_BACKUP_DAYS) == (365, 30, 7, 7)
