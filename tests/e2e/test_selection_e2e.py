"""Select before collecting, and keep what was collected: the CLI on moto's server."""

from __future__ import annotations

import json
from pathlib import Path

from cloudwarden.assess import assess, select_checks
from cloudwarden.collect import all_calls, calls_for
from cloudwarden.demo.plan import Plan
from cloudwarden.inventory.snapshot import Snapshot, load_snapshot
from tests.e2e.test_scan_e2e import run_cli


def test_collect_out_folder_writes_account_snapshot(demo_account: Plan, moto_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "weekly"
    result = run_cli("collect", "--endpoint-url", moto_url, "--regions", "us-east-1", "--quiet",
                     "--checks", "iam", "--out", f"{folder}/")
    assert result.returncode == 0, result.stderr
    assert (folder / "account.snapshot").is_file()
    assert f"wrote {folder / 'account.snapshot'}" in result.stderr
    again = run_cli("collect", "--endpoint-url", moto_url, "--regions", "us-east-1", "--quiet",
                    "--checks", "iam", "--out", str(folder))  # an existing folder, no slash
    assert again.returncode == 2 and "already exists" in again.stderr
    forced = run_cli("collect", "--endpoint-url", moto_url, "--regions", "us-east-1", "--quiet",
                     "--checks", "iam", "--out", str(folder), "--force")
    assert forced.returncode == 0, forced.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["account.snapshot"]  # no stray .tmp


def test_one_s3_check_reads_only_what_it_needs(demo_account: Plan, moto_url: str, tmp_path: Path) -> None:
    result = run_cli("scan", "--endpoint-url", moto_url, "--regions", "us-east-1", "--quiet",
                     "--checks", "s3.bucket_versioning_enabled", "--out", str(tmp_path / "r"))
    assert result.returncode == 0, result.stderr
    snapshot = load_snapshot(tmp_path / "r" / "account.snapshot")
    assert set(snapshot.datasets) <= {"s3.buckets", "s3.bucket_location", "s3.bucket_versioning"}
    buckets = len(snapshot.get("s3.buckets"))
    # ListBuckets, then at most a location and a versioning read per bucket (and STS, DescribeRegions).
    assert snapshot.stats["api_requests"] <= 3 + 2 * buckets, snapshot.stats
    findings = json.loads((tmp_path / "r" / "findings.json").read_text())["findings"]
    assert {f["check_id"] for f in findings} == {"s3.bucket_versioning_enabled"}
    assert all(f["status"] in ("PASS", "FAIL") for f in findings)


def _only(snapshot: Snapshot, datasets: set[str]) -> Snapshot:
    data = snapshot.to_dict()
    data["datasets"] = {k: v for k, v in data["datasets"].items() if k in datasets}
    return Snapshot.from_dict(data)


def _verdicts(snapshot: Snapshot, check: object) -> list[tuple[str, str, str]]:
    return sorted((f.resource_id, f.region, f.status.value) for f in assess(snapshot, [check]).findings)  # type: ignore[list-item]


def test_every_check_declares_every_dataset_it_reads(demo_account: Plan, moto_url: str, tmp_path: Path) -> None:
    """Collecting only a check's declared datasets gives the same verdicts as collecting everything."""
    out = tmp_path / "full.snapshot"
    assert run_cli("collect", "--endpoint-url", moto_url, "--regions", "us-east-1", "--quiet",
                   "--out", str(out)).returncode == 0
    full = load_snapshot(out)
    calls = all_calls()
    undeclared = []
    for check in select_checks():
        needed = {call.dataset for call in calls_for(check.meta.datasets, calls)}
        if _verdicts(_only(full, needed), check) != _verdicts(full, check):
            undeclared.append(check.meta.id)
    assert not undeclared, f"checks that read datasets they do not declare: {undeclared}"
