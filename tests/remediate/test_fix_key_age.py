"""The key-age IAM fixes on moto. moto dates every access key "now", so the test reaches moto's IAM
backend (in-process mock_aws) and moves the key's creation date into the past; the credential report
the checks read is built from that date. FAIL -> apply -> the check no longer fails -> a second plan
changes nothing -> undo reactivates the key and the FAIL is back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from cloudwarden.cli import main
from cloudwarden.remediate import GuardedClients, apply_plan, plan_fixes, undo_changes, undo_document, verify
from tests.helpers import MOTO_CREDENTIALS
from tests.remediate.test_fix_families_more import _failing

R = "us-east-1"
ACCOUNT = "123456789012"


def _age_key(user: str, days: int) -> str:
    """Create an active key for `user` and date it `days` ago in moto's backend."""
    from moto.core.utils import utcnow
    from moto.iam.models import iam_backends

    key_id = boto3.client("iam").create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
    key = next(k for k in iam_backends[ACCOUNT]["global"].users[user].access_keys if k.access_key_id == key_id)
    key.create_date = utcnow() - timedelta(days=days)
    return key_id


def _status(user: str) -> dict[str, str]:
    keys = boto3.client("iam").list_access_keys(UserName=user)["AccessKeyMetadata"]
    return {k["AccessKeyId"]: k["Status"] for k in keys}


def _old_key() -> tuple[str, str, str]:
    boto3.client("iam").create_user(UserName="deployer")
    return "deployer", _age_key("deployer", 120), "deployer/key1"


def _unused_key() -> tuple[str, str, str]:
    boto3.client("iam").create_user(UserName="batch")
    return "batch", _age_key("batch", 60), "batch"


def _console_user_key() -> tuple[str, str, str]:
    iam = boto3.client("iam")
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="not-a-secret-Pa55!")
    return "alice", _age_key("alice", 50), "alice"


CASES: dict[str, tuple[str, Any]] = {
    "rotated-90-days": ("iam.access_keys_rotated_90_days", _old_key),
    "unused-45-days": ("iam.credentials_unused_45_days", _unused_key),
    "key-at-user-setup": ("iam.no_access_key_at_user_setup", _console_user_key),
}


@pytest.mark.parametrize("case", list(CASES))
def test_key_age_fix_deactivates_verifies_is_idempotent_and_reactivates(case: str,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    check_id, setup = CASES[case]
    for key, value in {**MOTO_CREDENTIALS, "AWS_DEFAULT_REGION": R, "MOTO_IAM_LOAD_MANAGED_POLICIES": "false"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        user, key_id, resource_id = setup()
        fresh = _age_key(user, 0) if case == "rotated-90-days" else None  # a new key the fix leaves alone
        targets = _failing((check_id,), resource_id)
        assert [t.check_id for t in targets] == [check_id], f"{check_id} should FAIL on {resource_id} first"
        aws = GuardedClients()
        plan = plan_fixes(aws, targets)
        assert len(plan.changes) == 1, plan.skipped
        assert [s.params for s in plan.changes[0].steps] == [
            {"UserName": user, "AccessKeyId": key_id, "Status": "Inactive"}]
        results = apply_plan(aws, plan)
        assert results and not results[0].error, results[0].error
        assert _status(user)[key_id] == "Inactive"
        if fresh:
            assert _status(user)[fresh] == "Active"
        status = verify(aws, targets, [R])
        # The rotation check judges active keys only: the deactivated key is no longer reported.
        wanted = "GONE" if case == "rotated-90-days" else "PASS"
        assert set(status.values()) == {wanted}, status
        again = plan_fixes(aws, targets)
        assert again.changes == [], again.changes  # nothing left to deactivate
        outcome = undo_changes(aws, undo_document(results))
        assert not [e for _, e in outcome if e], outcome
        assert _status(user)[key_id] == "Active"  # reactivated
        assert [t.check_id for t in _failing((check_id,), resource_id)] == [check_id]


def test_cli_counts_a_key_no_longer_reported_as_resolved(monkeypatch: pytest.MonkeyPatch, tmp_path: Any,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    import json

    for key, value in {**MOTO_CREDENTIALS, "AWS_DEFAULT_REGION": R, "MOTO_IAM_LOAD_MANAGED_POLICIES": "false"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        _, key_id, resource_id = _old_key()
        findings = [{**t.__dict__, "status": "FAIL"} for t in _failing(("iam.access_keys_rotated_90_days",), resource_id)]
        path = tmp_path / "findings.json"
        path.write_text(json.dumps({"schema": "cloudwarden-findings", "account_id": ACCOUNT, "regions": [R],
                                    "findings": findings}))
        code = main(["fix", str(path), "--apply", "--yes", "--out", str(tmp_path / "plan.json"),
                     "--undo-file", str(tmp_path / "undo.json")])
        out = capsys.readouterr().out
        assert code == 0, out
        assert "verified by rescan: 1/1 now PASS (1 no longer reported" in out
        assert _status("deployer")[key_id] == "Inactive"
        assert main(["fix", "--undo", str(tmp_path / "undo.json"), "--yes"]) == 0
        assert _status("deployer")[key_id] == "Active"
