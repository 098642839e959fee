"""Every operation the collector calls during a full collection is a read-only one.

The hook sits on botocore itself (every client's `_make_api_call`), not on cloudwarden's own
bookkeeping, so a write call slipped in anywhere would be caught.
"""

from __future__ import annotations

import re
from typing import Any

import botocore.client
import pytest

from cloudwarden.collect import collect_snapshot
from cloudwarden.demo.plan import DEMO_REGIONS, Plan
from cloudwarden.demo.server import DEMO_CREDENTIALS

READ_ONLY = re.compile(r"^(List|Describe|Get|GenerateCredentialReport$|BatchGet|Lookup|Search)")


@pytest.fixture()
def recorded_operations(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    calls: list[tuple[str, str]] = []
    original = botocore.client.BaseClient._make_api_call

    def recording(self: Any, operation_name: str, api_params: Any) -> Any:
        calls.append((self.meta.service_model.service_name, operation_name))
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    for key, value in DEMO_CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return calls


def test_full_collection_calls_only_read_only_operations(
        demo_account: Plan, moto_url: str, recorded_operations: list[tuple[str, str]]) -> None:
    snapshot = collect_snapshot(regions=list(DEMO_REGIONS), endpoint_url=moto_url)
    assert len(recorded_operations) > 80
    writes = sorted({f"{svc}:{op}" for svc, op in recorded_operations if not READ_ONLY.match(op)})
    assert not writes, f"the collector called non-read-only operations: {writes}"
    # The same set as cloudwarden's own bookkeeping, and every dataset family was reached.
    services = {svc for svc, _ in recorded_operations}
    assert {"iam", "s3", "ec2", "cloudtrail", "rds", "kms", "dynamodb", "guardduty"} <= services
    assert snapshot.stats["api_requests"] >= len(recorded_operations)


def test_unimplemented_operations_over_http_cost_one_request_each(
        moto_url: str, recorded_operations: list[tuple[str, str]]) -> None:
    """moto answers an HTML 500 page for services it lacks: a gap at once, not a retry storm."""
    from cloudwarden.collect.spec import Call

    calls = [Call("accessanalyzer.analyzers", "accessanalyzer", "list_analyzers", "analyzers", paginate=True),
             Call("ec2.instance_metadata_defaults", "ec2", "get_instance_metadata_defaults", "AccountLevel")]
    snapshot = collect_snapshot(regions=["us-east-1"], endpoint_url=moto_url, calls=calls)
    assert {g.error_code for g in snapshot.gaps} == {"NotImplemented"}
    # GetCallerIdentity + DescribeRegions + one request per unimplemented call.
    assert snapshot.stats["api_requests"] == 4
