"""Collection: the only package that reads AWS (boto3, read-only calls only).

`collect_snapshot` resolves credentials and regions, runs every call spec, and returns a Snapshot
in which whatever could not be read is a gap.
"""

from __future__ import annotations

import logging
from typing import Any

import botocore.exceptions as bex

from cloudwarden.collect.aws import AwsClients, classify
from cloudwarden.collect.guard import ReadOnlyGuard, ReadOnlyViolation
from cloudwarden.collect.responses import MalformedResponse
from cloudwarden.collect.runner import Collector, ProgressFn, new_snapshot
from cloudwarden.collect.services import all_calls
from cloudwarden.collect.spec import Call
from cloudwarden.core.arn import partition_for_region
from cloudwarden.core.errors import UsageError
from cloudwarden.inventory.snapshot import Gap, Snapshot

__all__ = ["collect_snapshot", "all_calls", "Call", "AwsClients", "ReadOnlyViolation", "enabled_regions"]

log = logging.getLogger(__name__)
_ENABLED = ("opt-in-not-required", "opted-in")
REGION_NOT_ENABLED = "RegionNotEnabled"


def enabled_regions(clients: AwsClients, home_region: str) -> tuple[list[str] | None, str]:
    """Regions enabled for the account, or (None, reason) when DescribeRegions is refused."""
    try:
        answer = clients.client("ec2", home_region).describe_regions(AllRegions=True)
    except MalformedResponse as error:
        return None, f"ec2:DescribeRegions failed: {error}"
    except (bex.ClientError, bex.BotoCoreError) as error:
        failure = classify(error)
        return None, f"ec2:DescribeRegions failed: {failure.code} {failure.message}".strip()
    # Filters are not honoured everywhere (moto): decide from the returned status instead, and keep
    # to the partition of the credentials (moto also lists China and GovCloud regions).
    partition = partition_for_region(home_region)
    regions = [
        r["RegionName"] for r in answer.get("Regions", [])
        if r.get("OptInStatus", _ENABLED[0]) in _ENABLED and partition_for_region(r["RegionName"]) == partition
    ]
    return sorted(regions), ""


def collect_snapshot(
    profile: str | None = None,
    regions: list[str] | None = None,
    endpoint_url: str | None = None,
    progress: ProgressFn | None = None,
    workers: int = 24,
    calls: list[Call] | None = None,
    clients: AwsClients | None = None,
) -> Snapshot:
    clients = clients or AwsClients(profile=profile, endpoint_url=endpoint_url)
    spec_calls = calls if calls is not None else all_calls()
    # Refuses a spec naming a write or secret-returning operation here, before any request.
    clients.guard = ReadOnlyGuard(spec_calls)
    home = clients.session.region_name or (regions[0] if regions else "us-east-1")
    identity = clients.caller_identity(home)
    enabled, why_not = enabled_regions(clients, home)
    if regions:
        unknown = [r for r in regions if not _looks_like_region(r)]
        if unknown:
            raise UsageError(f"not a region name: {', '.join(unknown)}",
                             hint="use names such as us-east-1,eu-west-1")
        chosen = list(dict.fromkeys(regions))
    elif enabled:
        chosen = enabled
    else:
        chosen = [home]
    disabled = [r for r in chosen if enabled is not None and r not in enabled]
    snapshot = new_snapshot(identity["Account"], identity["Arn"], chosen,
                            partition_for_region(home), endpoint_url)
    if why_not:
        snapshot.stats["region_discovery"] = why_not
    for region in disabled:
        _mark_region_disabled(snapshot, spec_calls, region)
    collected = [r for r in chosen if r not in disabled]
    collector = Collector(clients, spec_calls, collected, home, workers=workers, progress=progress)
    collector.collect(snapshot)
    snapshot.stats["regions_not_enabled"] = disabled
    return snapshot


def _mark_region_disabled(snapshot: Snapshot, calls: list[Call], region: str) -> None:
    message = f"region {region} is not enabled for this account"
    for call in calls:
        if call.scope == "regional":
            snapshot.add_gap(Gap(call.dataset, call.service, call.operation_name, region,
                                 REGION_NOT_ENABLED, message, "account:EnableRegion"))


def _looks_like_region(name: Any) -> bool:
    parts = str(name).split("-")
    return len(parts) >= 3 and parts[-1].isdigit()
