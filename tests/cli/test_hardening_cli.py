"""Files written owner-only, credentials masked in debug logs, SIGTERM a clean stop."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from cloudwarden.cli import _interrupt, main
from cloudwarden.core.redact import SecretLogFilter, mask_identifiers, mask_secrets
from cloudwarden.inventory.snapshot import Snapshot, save_snapshot


def test_snapshot_is_written_owner_only(tmp_path: Path) -> None:
    path = save_snapshot(Snapshot("123456789012", "2026-12-01T00:00:00+00:00", ["us-east-1"]),
                         tmp_path / "new" / "a.snapshot")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_reports_written_by_the_cli_are_owner_only(tmp_path: Path) -> None:
    snapshot = save_snapshot(Snapshot("123456789012", "2026-12-01T00:00:00+00:00", ["us-east-1"]),
                             tmp_path / "a.snapshot")
    code = subprocess.run([sys.executable, "-m", "cloudwarden", "assess", str(snapshot), "--out",
                           str(tmp_path / "report"), "--format", "html,csv"],
                          capture_output=True, text=True, timeout=300).returncode
    assert code in (0, 1, 4)
    files = list((tmp_path / "report").iterdir())
    assert files and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files), [
        (f.name, oct(f.stat().st_mode)) for f in files]
    assert stat.S_IMODE((tmp_path / "report").stat().st_mode) == 0o700


def test_debug_log_masks_the_session_token(caplog: pytest.LogCaptureFixture) -> None:
    record = logging.LogRecord("botocore.endpoint", logging.DEBUG, __file__, 1,
                               "Sending http request: %s", ("{'X-Amz-Security-Token': b'IQoJb3JpZ2luX2VjEXAMPLE', "
                                                            "'Authorization': b'AWS4-HMAC-SHA256 Credential="
                                                            "ASIAEXAMPLEKEY1234/2026/us-east-1/sts, Signature="
                                                            "0123456789abcdef0123456789abcdef'}",), None)
    assert SecretLogFilter().filter(record)
    text = record.getMessage()
    assert "IQoJb3JpZ2luX2VjEXAMPLE" not in text and "0123456789abcdef0123" not in text
    assert "ASIAEXAMPLEKEY1234" not in text
    assert "X-Amz-Security-Token" in text


def test_mask_helpers() -> None:
    assert mask_secrets("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG") == "aws_secret_access_key = ****"
    assert mask_identifiers("arn:aws:iam::123456789012:role/x from 203.0.113.7") == \
        "arn:aws:iam::XXXXXXXXXXXX:role/x from x.x.x.x"


def test_sigterm_is_a_clean_interrupt() -> None:
    with pytest.raises(KeyboardInterrupt):
        _interrupt(15, None)


def test_umask_applies_to_every_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = os.umask(0o022)
    try:
        assert main(["checks", "--format", "json"]) == 0
        current = os.umask(0o022)
        assert current == 0o077
    finally:
        os.umask(old)
