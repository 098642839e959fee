"""The trail engine's public API is exactly what ``cloudwarden.engines.trail`` exports."""

from __future__ import annotations

import inspect

import cloudwarden.engines.trail as trail


def test_exported_members() -> None:
    assert sorted(trail.__all__) == sorted([
        "CycleResult", "Detection", "HuntResult", "Incident", "IngestReport", "Rule", "SendError",
        "TimelineEvent", "coverage", "hunt", "ingest", "rule_set", "run_cycle", "timeline", "watch"])
    for name in trail.__all__:
        assert hasattr(trail, name), name


def test_entry_points_take_a_store() -> None:
    for function in (trail.ingest, trail.hunt, trail.timeline, trail.watch, trail.run_cycle):
        parameters = inspect.signature(function).parameters
        assert "store_dir" in parameters, function.__name__
    assert len(trail.rule_set()) > 100
