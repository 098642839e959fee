"""Runs the call specs concurrently across services and regions and fills a Snapshot.

Each call runs as soon as the datasets it depends on are complete: top-level calls first, a per-item
call once its parent dataset (and its `after` datasets) is. Every failure becomes a Gap (data), never
an exception that stops the collection.
"""

from __future__ import annotations

import copy
import dataclasses
import gc
import json
import logging
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
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


# The cyclic garbage collector's first-generation threshold while collecting (CPython's default: 700).
GC_THRESHOLD = 10_000
_gc_lock = threading.Lock()
_gc_users = 0
_gc_saved: tuple[int, int, int] | None = None


@contextmanager
def fewer_gc_passes() -> Iterator[None]:
    """Run the cyclic GC less often while collecting; restored when the last collection ends.

    Parsing answers allocates millions of short-lived objects that reference counting frees; at the
    default threshold they trigger ~1,400 GC passes in bench/scan.py's scale-50 scan, a dozen of them
    over the whole heap (service models, the snapshot), each with every thread stopped (2.3 s CPU of
    the scan's 12.7 s; about 0.6 s with the whole scan at this threshold). Cycles are still
    collected, in fewer and larger passes.
    """
    global _gc_users, _gc_saved
    with _gc_lock:
        if _gc_users == 0:
            _gc_saved = gc.get_threshold()
            if _gc_saved[0] < GC_THRESHOLD:
                gc.set_threshold(GC_THRESHOLD, *_gc_saved[1:])
        _gc_users += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users -= 1
            if _gc_users == 0 and _gc_saved is not None:
                gc.set_threshold(*_gc_saved)
                _gc_saved = None


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
                if call.per_known_absent and not call.per_batch and call.per_known_absent(item, snapshot):
                    snapshot.put_item(call.dataset, region, call.per_key(item), None)
                    known = snapshot.stats.setdefault("known_absent_without_request", {})
                    known[call.dataset] = known.get(call.dataset, 0) + 1
                    continue
                item_region = call.per_region(item, snapshot) if call.per_region else client_region
                params = tuple(sorted(call.per_params(item).items()))
                tasks.append(Task(call, region, item_region or client_region, call.per_key(item), params))
        return tasks

    # -- running --
    def collect(self, snapshot: Snapshot) -> Snapshot:
        """Run every call, each as soon as the datasets it needs are complete (no level barriers).

        A per-item call is planned when its parent (`per`) and its `after` datasets are complete, so a
        slow call (a long pagination) holds up only the calls that need its data. Identical requests
        of one call (several items naming the same parameters) are made once and stored for each item.
        """
        self.account_id = snapshot.account_id
        by_dataset = {call.dataset: call for call in self.calls}
        needs = {call.dataset: {d for d in (call.per, *call.after) if d and d in by_dataset} for call in self.calls}
        dependents: dict[str, list[Call]] = {}
        for call in self.calls:
            for parent in needs[call.dataset]:
                dependents.setdefault(parent, []).append(call)
        waiting = {name: set(parents) for name, parents in needs.items()}
        remaining: dict[str, int] = {}
        # Finished requests arrive on a queue (waiting on thousands of futures at once costs O(n) a wake-up).
        finished: queue.SimpleQueue[tuple[Future[tuple[Any, Gap | None]], Task, list[Task]]] = queue.SimpleQueue()
        pending = 0
        planned = done = 0
        with fewer_gc_passes(), ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="collect") as pool:

            def start(calls: list[Call]) -> list[str]:
                """Submit the calls' tasks; returns the datasets complete at once (nothing to read)."""
                nonlocal planned, pending
                empty = []
                for call in calls:
                    groups = _same_request(self._tasks_for(call, snapshot))
                    remaining[call.dataset] = len(groups)
                    planned += sum(len(group) for group in groups)
                    for first, *others in groups:
                        future = pool.submit(self._run, first)
                        pending += 1
                        future.add_done_callback(partial(_arrived, finished, first, others))
                    if not groups:
                        empty.append(call.dataset)
                return empty

            def complete(names: list[str]) -> None:
                while names:
                    name = names.pop()
                    ready = []
                    for child in dependents.get(name, ()):
                        waiting[child.dataset].discard(name)
                        if not waiting[child.dataset]:
                            ready.append(child)
                    names.extend(start(ready))

            # The calls in spec order, as the level-by-level runner had them.
            complete(start([call for call in self.calls if not waiting[call.dataset]]))
            while pending:
                future, first, others = finished.get()
                pending -= 1
                value, gap = future.result()
                for task in (first, *others):
                    self._store(snapshot, task, value if task is first else copy.deepcopy(value),
                                _for_task(gap, task))
                    done += 1
                    if self.progress:
                        self.progress(f"{task.call.service} {task.region}", done, planned)
                remaining[first.call.dataset] -= 1
                if not remaining[first.call.dataset]:
                    complete([first.call.dataset])
        unstarted = [name for name, parents in waiting.items() if parents]
        if unstarted:  # a dependency cycle among the specs: a bug, never a silent omission
            raise RuntimeError(f"collection specs wait on each other: {', '.join(sorted(unstarted))}")
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


def _arrived(finished: queue.SimpleQueue[Any], first: Task, others: list[Task], future: Future[Any]) -> None:
    finished.put((future, first, others))


def _same_request(tasks: list[Task]) -> list[list[Task]]:
    """Tasks grouped by the request they make (call, regions, parameters), in their first one's order."""
    groups: dict[tuple[str, str, str, str], list[Task]] = {}
    for task in tasks:
        key = (task.call.dataset, task.region, task.client_region,
               json.dumps(task.params, sort_keys=True, default=repr))
        groups.setdefault(key, []).append(task)
    return list(groups.values())


def _for_task(gap: Gap | None, task: Task) -> Gap | None:
    """The gap of a shared request, filed under each task's own item."""
    if gap is None or gap.resource == (task.item_key or ""):
        return gap
    return dataclasses.replace(gap, resource=task.item_key or "")


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
