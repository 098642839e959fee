"""Watching CloudTrail as it is delivered: ingest new files, hunt over them, send each new incident once.

A cycle ingests the files the store's manifest lacks (a folder or s3://), hunts over the time the new
events cover (widened by ``LOOKBACK`` so windows and incidents see the events just before them; the
first cycle after a start hunts the whole store), and hands every incident holding a detection not
sent before to ``send``. What was sent is kept in ``STORE/watch.json`` (a key per detection: rule,
actor, first event time), written after each successful send, so a restart resumes where it stopped
and sends nothing again. An incident that later gains detections is sent again with only those
listed in ``new_detections``. A failed send stops the cycle; the incident is retried next cycle.
Reads and writes inside the store; sending is the caller's (the CLI's) business.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cloudwarden.engines.trail.detect import Detection
from cloudwarden.engines.trail.hunt import hunt
from cloudwarden.engines.trail.incidents import Incident
from cloudwarden.engines.trail.ingest import ingest

STATE_FILE = "watch.json"
LOOKBACK = timedelta(hours=2)  # longer than any rule's window (1 h) plus the incident window (1 h)

Send = Callable[[dict[str, Any]], None]


class SendError(Exception):
    """A notification could not be delivered (the incident stays unsent and is retried)."""


def detection_key(detection: Detection) -> str:
    """Stable across cycles: the rule, who (principals, else keys or IPs) and the first event's time."""
    who = detection.principals or detection.access_keys or detection.source_ips
    first = detection.first_seen.isoformat() if detection.first_seen else "-"
    return f"{detection.rule.id}|{','.join(who)}|{first}"


@dataclass
class WatchState:
    path: Path
    sent: set[str] = field(default_factory=set)
    cycles: int = 0
    # a cycle that could not send everything: the next one hunts again from here ("" = whole store)
    retry_since: str | None = None

    @classmethod
    def load(cls, store_dir: Path) -> WatchState:
        path = store_dir / STATE_FILE
        if not path.is_file():
            return cls(path)
        data = json.loads(path.read_text())
        return cls(path, set(data.get("sent", [])), int(data.get("cycles", 0)), data.get("retry_since"))

    def save(self) -> None:
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"sent": sorted(self.sent), "cycles": self.cycles,
                                         "retry_since": self.retry_since}))
        os.replace(temporary, self.path)


@dataclass
class CycleResult:
    files_ingested: int = 0
    events: int = 0
    rejected: int = 0
    hunted: bool = False
    incidents_sent: int = 0
    unsent: int = 0
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def message(incident: Incident, keys: Sequence[str], new: Sequence[str]) -> dict[str, Any]:
    """The JSON sent for one incident: the incident, a stable key, and which detections are new."""
    data = incident.to_dict()
    data["incident_key"] = hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:24]
    data["new_detections"] = list(new)
    return data


def run_cycle(sources: Sequence[str], store_dir: Path, send: Send, first: bool,
              s3_client: object | None = None) -> CycleResult:
    """One cycle: ingest what is new, hunt if anything is (or on the first cycle), send new incidents."""
    report = ingest(sources, store_dir, s3_client=s3_client)
    result = CycleResult(report.files_ingested, report.events, report.rejected)
    state = WatchState.load(store_dir)
    if not first and report.first_event is None and state.retry_since is None:
        state.cycles += 1
        state.save()
        return result
    since = None if first or report.first_event is None else report.first_event - LOOKBACK
    if state.retry_since is not None:
        earlier = datetime.fromisoformat(state.retry_since) if state.retry_since else None
        since = None if earlier is None or since is None else min(since, earlier)
    found = hunt(store_dir, since=since)
    result.hunted = True
    pending = []
    for incident in sorted(found.incidents, key=lambda i: (i.first_seen is None, i.first_seen or 0, i.id)):
        keys = [detection_key(d) for d in incident.detections]
        new = [k for k in keys if k not in state.sent]
        if new:
            pending.append((incident, keys, new))
    for position, (incident, keys, new) in enumerate(pending):
        try:
            send(message(incident, keys, new))
        except SendError as exc:
            result.error = str(exc)
            result.unsent = len(pending) - position
            state.retry_since = since.isoformat() if since else ""
            break
        state.sent.update(keys)
        state.save()
        result.incidents_sent += 1
    else:
        state.retry_since = None
    state.cycles += 1
    state.save()
    return result


def watch(sources: Sequence[str], store_dir: Path, send: Send, interval: float = 60, once: bool = False,
          on_cycle: Callable[[CycleResult], None] | None = None, sleep: Callable[[float], None] = time.sleep,
          s3_client: object | None = None) -> None:
    """Cycles every ``interval`` seconds until interrupted (or one cycle with ``once``)."""
    first = True
    while True:
        started = time.monotonic()
        result = run_cycle(sources, store_dir, send, first, s3_client)
        first = False
        if on_cycle:
            on_cycle(result)
        if once:
            return
        sleep(max(0.0, interval - (time.monotonic() - started)))
