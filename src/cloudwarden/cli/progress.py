"""Progress on stderr while collecting: a bar on a terminal, a line every 10 s elsewhere (CI logs).

Off with --quiet.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

ProgressFn = Callable[[str, int, int], None]
LINE_INTERVAL_S = 10.0


@contextmanager
def collection_progress(enabled: bool = True, stream: TextIO | None = None,
                        interval: float = LINE_INTERVAL_S) -> Iterator[ProgressFn | None]:
    stream = stream or sys.stderr
    if not enabled:
        yield None
        return
    if not stream.isatty():
        with _progress_lines(stream, interval) as update:
            yield update
        return
    console = Console(file=stream)
    with Progress(TextColumn("collecting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=console, transient=True) as bar:
        task = bar.add_task("", total=None)

        def update(label: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=label)

        yield update


@contextmanager
def _progress_lines(stream: TextIO, interval: float) -> Iterator[ProgressFn]:
    """A line every `interval` seconds, from a timer thread, so a long API call still shows life."""
    state = {"label": "starting", "done": 0, "total": 0}
    lock = threading.Lock()
    stop = threading.Event()
    started = time.monotonic()

    def update(label: str, done: int, total: int) -> None:
        with lock:
            state.update(label=label, done=done, total=total)

    def tick() -> None:
        while not stop.wait(interval):
            with lock:
                done, total, label = state["done"], state["total"], state["label"]
            stream.write(f"cloudwarden: collecting, {done}/{total} API tasks done after "
                         f"{time.monotonic() - started:.0f}s (last: {label})\n")
            stream.flush()

    thread = threading.Thread(target=tick, name="progress-lines", daemon=True)
    thread.start()
    try:
        yield update
    finally:
        stop.set()
        thread.join(timeout=2)
