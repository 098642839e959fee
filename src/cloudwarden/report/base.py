"""The reporter seam: a `Reporter` renders an assessment into one file; the registry finds them.

A format is one module in `cloudwarden.report.formats` with a module-level `REPORTER`; the CLI's
`--format` choices, `--out` writing and `cloudwarden report` all come from `reporters()`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

from cloudwarden.assess import Assessment
from cloudwarden.core.errors import UsageError

# --format names that are not files: the terminal summary, and every file format at once.
TERMINAL, ALL = "terminal", "all"
# Listed first in --help and written in this order; formats added later follow alphabetically.
_PREFERRED_ORDER = ("json", "html", "ocsf", "asff", "sarif", "csv")


@runtime_checkable
class Reporter(Protocol):
    name: str  # the --format name, e.g. "sarif"
    filename: str  # the file written into --out, e.g. "findings.sarif"
    description: str  # one line for --help and docs

    def render(self, assessment: Assessment) -> str: ...


@lru_cache(maxsize=1)
def reporters() -> dict[str, Reporter]:
    """Every format module's REPORTER, keyed by name, in --help order."""
    import cloudwarden.report.formats as package

    found: dict[str, Reporter] = {}
    for module_info in pkgutil.iter_modules(package.__path__):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{module_info.name}")
        reporter = getattr(module, "REPORTER", None)
        if reporter is None:
            continue
        if not isinstance(reporter, Reporter):
            raise TypeError(f"{module.__name__}.REPORTER does not implement the Reporter protocol")
        if reporter.name in found:
            raise ValueError(f"report format {reporter.name!r} is defined twice")
        found[reporter.name] = reporter

    def order(name: str) -> tuple[int, str]:
        return (_PREFERRED_ORDER.index(name) if name in _PREFERRED_ORDER else len(_PREFERRED_ORDER), name)

    return {name: found[name] for name in sorted(found, key=order)}


def format_help() -> str:
    names = ", ".join(f"{r.name} ({r.filename})" for r in reporters().values())
    return f"comma-separated: {TERMINAL} (summary on stdout), {names}, or {ALL}"


@dataclass(frozen=True)
class FormatChoice:
    """What `--format` asked for: file formats to write, and whether to print the terminal summary."""

    files: tuple[str, ...]
    terminal: bool


def parse_formats(text: str) -> FormatChoice:
    """`"html,sarif"` → the reporters' names, checked against the registry (a UsageError if unknown)."""
    known = reporters()
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    if not names:
        raise UsageError("--format needs at least one format", hint=format_help())
    unknown = [n for n in names if n not in known and n not in (TERMINAL, ALL)]
    if unknown:
        raise UsageError(f"unknown report format {', '.join(unknown)}", hint=format_help())
    files = list(known) if ALL in names else [n for n in known if n in names]
    return FormatChoice(files=tuple(files), terminal=TERMINAL in names)


def write_reports(assessment: Assessment, out_dir: Path, names: tuple[str, ...] | list[str],
                  transform: Callable[[str], str] | None = None) -> list[Path]:
    """Render each named format into `out_dir`; returns the files written, in registry order.

    `transform` rewrites each rendered text before it is written (`--redact` masks identifiers).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, reporter in reporters().items():
        if name not in names:
            continue
        target = out_dir / reporter.filename
        # Written beside and renamed, so that a reader never sees half a report.
        partial = target.with_name(target.name + ".partial")
        text = reporter.render(assessment)
        partial.write_text(transform(text) if transform else text, encoding="utf-8")
        partial.replace(target)
        written.append(target)
    return written
