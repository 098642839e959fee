"""Collection: the only package that reads AWS (boto3, read-only calls only).

`collect_snapshot` resolves credentials and regions, runs every call spec, and returns a Snapshot
in which whatever could not be read is a gap.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import botocore.exceptions as bex

from cloudwarden.collect.aws import AwsClients, classify
from cloudwarden.collect.guard import ReadOnlyGuard, ReadOnlyViolation
from cloudwarden.collect.runner import Collector, ProgressFn, new_snapshot
from cloudwarden.collect.services import all_calls
from cloudwarden.collect.spec import Call
from cloudwarden.core.arn import partition_for_region
from cloudwarden.core.errors import CollectionError, UsageError
from cloudwarden.inventory.snapshot import Gap, Snapshot

__all__ = ["collect_snapshot", "calls_for", "all_calls", "Call", "AwsClients", "ReadOnlyViolation",
           "enabled_regions"]

log = logging.getLogger(__name__)
_ENABLED = ("opt-in-not-required", "opted-in")
REGION_NOT_ENABLED = "RegionNotEnabled"


def enabled_regions(clients: AwsClients, home_region: str, required: bool = True) -> tuple[list[str] | None, str]:
    """Regions enabled for the account, or (None, reason) when DescribeRegions is refused.

    A garbage answer is fatal when the regions depend on it (`required`), else only noted.
    """
    try:
        listed = clients.describe_regions(home_region)
    except CollectionError as error:
        if required:
            raise
        return None, f"ec2:DescribeRegions failed: {error.message}"
    except (bex.ClientError, bex.BotoCoreError) as error:
        failure = classify(error)
        return None, f"ec2:DescribeRegions failed: {failure.code} {failure.message}".strip()
    # Filters are not honoured everywhere (moto): decide from the returned status instead, and keep
    # to the partition of the credentials (moto also lists China and GovCloud regions).
    partition = partition_for_region(home_region)
    regions = [
        r["RegionName"] for r in listed
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
    datasets: Iterable[str] | None = None,
) -> Snapshot:
    """Collect a snapshot; with `datasets`, only the calls that fill them (and what they depend on)."""
    clients = clients or AwsClients(profile=profile, endpoint_url=endpoint_url)
    spec_calls = calls if calls is not None else all_calls()
    # Refuses a spec naming a write or secret-returning operation here, before any request.
    clients.guard = ReadOnlyGuard(spec_calls)
    home = clients.session.region_name or (regions[0] if regions else "us-east-1")
    identity = clients.caller_identity(home)
    enabled, why_not = enabled_regions(clients, home, required=not regions)
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
    if datasets is not None:
        spec_calls = calls_for(datasets, spec_calls)
        clients.guard = ReadOnlyGuard(spec_calls)
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
    if datasets is not None:
        snapshot.stats["datasets_selected"] = sorted(call.dataset for call in spec_calls)
    return snapshot


def calls_for(datasets: Iterable[str], calls: list[Call]) -> list[Call]:
    """The calls that fill these datasets, with the parents (`per`, `after`) they need first."""
    by_dataset = {call.dataset: call for call in calls}
    wanted: set[str] = set()
    pending = [d for d in datasets if d in by_dataset]
    while pending:
        name = pending.pop()
        if name not in wanted:
            wanted.add(name)
            call = by_dataset[name]
            pending.extend(d for d in (call.per, *call.after) if d and d in by_dataset)
    return [call for call in calls if call.dataset in wanted]


def _mark_region_disabled(snapshot: Snapshot, calls: list[Call], region: str) -> None:
    message = f"region {region} is not enabled for this account"
    for call in calls:
        if call.scope == "regional":
            snapshot.add_gap(Gap(call.dataset, call.service, call.operation_name, region,
                                 REGION_NOT_ENABLED, message, "account:EnableRegion"))


def _looks_like_region(name: Any) -> bool:
    parts = str(name).split("-")
    return len(parts) >= 3 and parts[-1].isdigit()
