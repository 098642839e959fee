"""Runs the call specs concurrently across services and regions and fills a Snapshot.

Calls run level by level: top-level calls first, then the per-item calls whose parent dataset is
complete. Every failure becomes a Gap (data), never an exception that stops the collection.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cloudwarden import __version__
from cloudwarden.collect.aws import (
    NOT_IMPLEMENTED,
    REGION_DISABLED_CODES,
    AwsClients,
    Unimplemented,
    classify,
)
from cloudwarden.collect.guard import ReadOnlyViolation
from cloudwarden.collect.responses import MalformedResponse
from cloudwarden.collect.secrets import redact
from cloudwarden.collect.spec import Call
from cloudwarden.inventory.snapshot import GLOBAL, Gap, Snapshot

log = logging.getLogger(__name__)

UNEXPECTED = "Unexpected"  # classify()'s code prefix for exceptions that are neither AWS's nor botocore's
STRICT_ENV = "CLOUDWARDEN_STRICT"


def strict() -> bool:
    """CLOUDWARDEN_STRICT=1: a Python bug inside a collection spec raises instead of becoming a gap."""
    return os.environ.get(STRICT_ENV, "") not in ("", "0")


ProgressFn = Callable[[str, int, int], None]  # (label of the finished task, done, total)


@dataclass(frozen=True)
class Task:
    call: Call
    region: str  # snapshot region ("global" for global calls)
    client_region: str
    item_key: str | None = None
    params: tuple[tuple[str, Any], ...] = ()


def _normalise(value: Any) -> Any:
    """JSON-compatible copy (datetimes to ISO text), so a scan and a saved snapshot agree."""
    return json.loads(json.dumps(value, default=_default))


def _default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", errors="replace")
    if hasattr(value, "read"):
        return value.read().decode("utf-8", errors="replace")
    return str(value)


class Collector:
    def __init__(self, clients: AwsClients, calls: Iterable[Call], regions: list[str],
                 home_region: str, workers: int = 24, progress: ProgressFn | None = None) -> None:
        self.clients = clients
        self.calls = list(calls)
        self.regions = regions
        self.home_region = home_region
        self.workers = workers
        self.progress = progress
        self.account_id = ""

    # -- planning --
    def _levels(self) -> list[list[Call]]:
        by_dataset = {call.dataset: call for call in self.calls}
        depth: dict[str, int] = {}

        def level_of(call: Call) -> int:
            if call.dataset not in depth:
                needs = [by_dataset[name] for name in (call.per, *call.after) if name in by_dataset]
                depth[call.dataset] = max((level_of(parent) + 1 for parent in needs), default=0)
            return depth[call.dataset]

        levels: dict[int, list[Call]] = {}
        for call in self.calls:
            levels.setdefault(level_of(call), []).append(call)
        return [levels[i] for i in sorted(levels)]

    def _tasks_for(self, call: Call, snapshot: Snapshot) -> list[Task]:
        regions = [GLOBAL] if call.scope == "global" else self.regions
        tasks: list[Task] = []
        for region in regions:
            client_region = self.home_region if region == GLOBAL else region
            if call.per is None:
                tasks.append(Task(call, region, client_region))
                continue
            if not snapshot.has(call.per, region):
                # The parent could not be read: so neither can this.
                parent_gap = snapshot.unavailable(call.per, region)
                snapshot.add_gap(Gap(call.dataset, call.service, call.operation_name, region,
                                     "ParentUnavailable", parent_gap.reason, call.iam_permission))
                continue
            snapshot.put(call.dataset, region, {})
            items = [i for i in _items(snapshot.get(call.per, region))
                     if not (call.per_filter and not call.per_filter(i, region))]
            if call.per_batch:  # BatchGet* APIs: one task per batch of items
                items = [items[i:i + call.per_batch] for i in range(0, len(items), call.per_batch)]
            for item in items:
                assert call.per_key and call.per_params
                item_region = call.per_region(item, snapshot) if call.per_region else client_region
                params = tuple(sorted(call.per_params(item).items()))
                tasks.append(Task(call, region, item_region or client_region, call.per_key(item), params))
        return tasks

    # -- running --
    def collect(self, snapshot: Snapshot) -> Snapshot:
        self.account_id = snapshot.account_id
        planned = 0
        done = 0
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="collect") as pool:
            for level in self._levels():
                tasks = [t for call in level for t in self._tasks_for(call, snapshot)]
                planned += len(tasks)
                futures = {pool.submit(self._run, task): task for task in tasks}
                for future in as_completed(futures):
                    task = futures[future]
                    self._store(snapshot, task, *future.result())
                    done += 1
                    if self.progress:
                        self.progress(f"{task.call.service} {task.region}", done, planned)
        snapshot.stats.update({
            "api_requests": self.clients.request_count,
            "tasks": planned,
            "gaps": len(snapshot.gaps),
            "cloudwarden_version": __version__,
        })
        return snapshot

    def _run(self, task: Task) -> tuple[Any, Gap | None]:
        call = task.call
        try:
            client = self.clients.client(call.service, task.client_region)
            params = {**call.params, **dict(task.params)}
            if call.fetch is not None:
                value = call.fetch(client, {**params, "__account_id": self.account_id})
            elif call.paginate:
                value = _paginate(client, call, params)
            else:
                value = _extract(getattr(client, call.operation)(**params), call.result_key)
            if call.transform is not None:
                value = call.transform(value)
            # User data, environments, stack parameters...: only a marker reaches the snapshot.
            return redact(_normalise(value)), None
        except ReadOnlyViolation:
            raise  # a bug in a spec: stop loudly, never file it as a gap
        except Unimplemented:
            return None, self._gap(task, NOT_IMPLEMENTED, "the endpoint does not implement this operation")
        except MalformedResponse as error:
            # An answer that cannot be the operation's result is not "nothing there".
            return None, self._gap(task, "MalformedResponse", str(error)[:300])
        except Exception as error:  # noqa: BLE001 - classified by error code; every failure is a gap
            failure = classify(error)
            if failure.code.startswith(UNEXPECTED):
                # Not an AWS or transport failure: a bug in the spec's parsing. Say so loudly; under
                # CLOUDWARDEN_STRICT=1 (the test suite) it stops the run, otherwise the scan goes on
                # with the gap recorded.
                log.error("bug while collecting %s (%s:%s in %s%s): %s", call.dataset, call.service,
                          call.operation_name, task.region, f" {task.item_key}" if task.item_key else "",
                          failure.code, exc_info=error)
                if strict():
                    raise
            if failure.code in call.absent_codes:
                return None, None
            return None, self._gap(task, failure.code, failure.message)

    def _gap(self, task: Task, code: str, message: str) -> Gap:
        if code in REGION_DISABLED_CODES and task.region != GLOBAL:
            message = f"region {task.region} is not enabled for this account ({message})"
        return Gap(task.call.dataset, task.call.service, task.call.operation_name, task.region,
                   code, message, task.call.iam_permission, task.item_key or "")

    @staticmethod
    def _store(snapshot: Snapshot, task: Task, value: Any, gap: Gap | None) -> None:
        if gap is not None:
            snapshot.add_gap(gap)
            return
        if task.item_key is not None:
            snapshot.put_item(task.call.dataset, task.region, task.item_key, value)
        else:
            snapshot.put(task.call.dataset, task.region, value)


def _items(parent_value: Any) -> list[Any]:
    if isinstance(parent_value, dict):
        return [v for v in parent_value.values() if v is not None]
    return list(parent_value or [])


def _extract(response: dict[str, Any], key: str | tuple[str, ...] | None) -> Any:
    response = dict(response)
    response.pop("ResponseMetadata", None)
    if key is None:
        return response
    if isinstance(key, tuple):
        return {k: response.get(k) for k in key}
    return response.get(key)


def _paginate(client: Any, call: Call, params: dict[str, Any]) -> Any:
    paginator = client.get_paginator(call.operation)
    key = call.result_key
    if isinstance(key, tuple):
        merged: dict[str, list[Any]] = {k: [] for k in key}
        for page in paginator.paginate(**params):
            for k in key:
                merged[k].extend(page.get(k, []))
        return merged
    items: list[Any] = []
    for page in paginator.paginate(**params):
        items.extend(page.get(key, []) if key else [page])
    return items


def new_snapshot(account_id: str, caller_arn: str, regions: list[str], partition: str,
                 endpoint_url: str | None) -> Snapshot:
    return Snapshot(
        account_id=account_id,
        collected_at=datetime.now(UTC).isoformat(timespec="seconds"),
        regions=list(regions),
        partition=partition,
        caller_arn=caller_arn,
        endpoint_url=endpoint_url,
    )
