"""Finding CloudTrail log files in local folders (and, through s3source, in S3 buckets).

CloudTrail's S3 layout is ``AWSLogs/[ORG_ID/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/*.json.gz``; a
folder is walked recursively, so a synced organization trail works as it is. Digest files
(``CloudTrail-Digest``) hold hashes, not events, and are skipped. Reads directory listings only.
"""

from __future__ import annotations

from pathlib import Path

from cloudwarden.core.errors import InputError
from cloudwarden.engines.trail.store import SourceFile

LOG_SUFFIXES = (".json", ".json.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".gz")
DIGEST_MARKERS = ("CloudTrail-Digest", "_CloudTrail-Digest_")


def is_log_name(name: str) -> bool:
    """True when a file or object name looks like an event file and not a digest."""
    return name.endswith(LOG_SUFFIXES) and not any(marker in name for marker in DIGEST_MARKERS)


def local_files(source: str) -> list[SourceFile]:
    """Every log file under a local path (a file, or a folder walked recursively), sorted."""
    root = Path(source).expanduser()
    if not root.exists():
        raise InputError(f"source {source} does not exist", hint="give a folder, a file or s3://bucket/prefix")
    candidates = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    found = []
    for path in candidates:
        if root.is_dir() and not is_log_name(str(path.relative_to(root))):
            continue
        stat = path.stat()
        found.append(SourceFile(str(path.resolve()), path, stat.st_size, str(stat.st_mtime_ns)))
    return found
