"""Where commands write: output paths checked before any API call, and nothing collected is lost.

A path that exists or cannot be written is a usage error raised before collection starts; a
write that fails afterwards (disk full, folder removed) keeps the data in a temporary folder that
the error names.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from cloudwarden.core.errors import UsageError
from cloudwarden.inventory.snapshot import Snapshot, save_snapshot

SNAPSHOT_FILE = "account.snapshot"


def snapshot_target(out: str, force: bool = False) -> Path:
    """`collect --out`: a folder (one that exists, or any path ending in /) gets account.snapshot."""
    path = Path(out)
    target = path / SNAPSHOT_FILE if path.is_dir() or out.endswith(("/", os.sep)) else path
    if target.is_dir():
        raise UsageError(f"--out {target} is a folder", hint=f"give a file name, or a folder to hold {SNAPSHOT_FILE}")
    if target.exists() and not force:
        raise UsageError(f"--out {target} already exists",
                         hint="choose another path, or pass --force to replace it")
    ensure_writable_folder(target.parent)
    return target


def report_folder(out: Path | None) -> Path | None:
    """`scan --out` and `assess --out`: a folder, existing or to be made, that we may write in."""
    if out is None:
        return None
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder",
                         hint="give a folder: findings.json (and the snapshot, for scan) go in it")
    ensure_writable_folder(out)
    return out


def ensure_writable_folder(folder: Path) -> None:
    existing = folder if str(folder) else Path(".")
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"cannot write under {folder}: {existing} is a file", hint="choose another --out path")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write under {folder}: permission denied on {existing}",
                         hint="choose a writable --out path")


def save_or_rescue(snapshot: Snapshot, target: Path) -> tuple[Path, UsageError | None]:
    """Save the snapshot; if that fails, save it in a temporary folder and say where, in the error."""
    try:
        return save_snapshot(snapshot, target), None
    except OSError as error:
        reason = error.strerror or str(error)
    rescue = Path(tempfile.mkdtemp(prefix="cloudwarden-")) / SNAPSHOT_FILE
    try:
        save_snapshot(snapshot, rescue)
    except OSError as second:
        return target, UsageError(f"cannot write {target}: {reason}; nor a copy in {rescue.parent}: "
                                  f"{second.strerror or second}", hint="free some disk space and collect again")
    return rescue, UsageError(f"cannot write {target}: {reason}",
                              hint=f"the collected data is safe in {rescue}: move it, or run "
                                   f"`cloudwarden assess {rescue}`")
