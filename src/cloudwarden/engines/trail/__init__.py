"""The trail engine: CloudTrail ingest into a Parquet store, detections, incidents, timelines, watching.

The public API is what this module exports (``__all__``); the other modules are the engine's inside
and may change. ``ingest`` adds log files (folders or s3://) to a store, ``hunt`` runs every rule over
it and groups detections into incidents, ``timeline`` tells one actor's story, ``watch`` / ``run_cycle``
alert on new files as they arrive, ``rule_set`` lists the rules and ``coverage`` the techniques they
detect. Only ``s3source`` imports boto3 (read-only).
"""

from __future__ import annotations

from cloudwarden.engines.trail import coverage
from cloudwarden.engines.trail.detect import Detection
from cloudwarden.engines.trail.hunt import HuntResult, hunt, rule_set
from cloudwarden.engines.trail.incidents import Incident
from cloudwarden.engines.trail.ingest import IngestReport, ingest
from cloudwarden.engines.trail.rules import Rule
from cloudwarden.engines.trail.timeline import TimelineEvent, timeline
from cloudwarden.engines.trail.watch import CycleResult, SendError, run_cycle, watch

__all__ = [
    "CycleResult", "Detection", "HuntResult", "Incident", "IngestReport", "Rule", "SendError", "TimelineEvent",
    "coverage", "hunt", "ingest", "rule_set", "run_cycle", "timeline", "watch",
]
