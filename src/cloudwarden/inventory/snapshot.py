"""Snapshot file format (gzipped JSON) and read access for checks and engines.

A dataset is one kind of API data, e.g. ``ec2.security_groups``. Its value is stored per region
("global" for account-wide services). Per-resource datasets (``s3.bucket_policy``) hold a mapping
from resource id to value. Whatever could not be read is a :class:`Gap`; reading a gapped dataset
raises :class:`DataUnavailable` so that a check reports UNKNOWN instead of passing.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from cloudwarden.core.errors import InputError

FORMAT_NAME = "cloudwarden-snapshot"
SCHEMA_VERSION = 1
GLOBAL = "global"


@dataclass(frozen=True)
class Gap:
    """Something collection could not read, and why."""

    dataset: str
    service: str
    operation: str
    region: str
    error_code: str
    message: str
    permission: str = ""
    resource: str = ""

    @property
    def reason(self) -> str:
        where = f"{self.region}" + (f" {self.resource}" if self.resource else "")
        text = f"{self.service}:{self.operation} failed in {where}: {self.error_code}"
        if self.message:
            text += f" ({self.message})"
        if self.permission and self.error_code in _DENIED_CODES:
            text += f"; grant {self.permission}"
        return text


_DENIED_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess"}


class DataUnavailable(Exception):
    """Raised when a check reads a dataset (or one resource of it) that was not collected."""

    def __init__(self, dataset: str, region: str, reason: str, resource: str = "") -> None:
        super().__init__(reason)
        self.dataset = dataset
        self.region = region
        self.reason = reason
        self.resource = resource


@dataclass
class Snapshot:
    account_id: str
    collected_at: str
    regions: list[str]
    partition: str = "aws"
    caller_arn: str = ""
    endpoint_url: str | None = None
    datasets: dict[str, dict[str, Any]] = field(default_factory=dict)
    gaps: list[Gap] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    # -- writing (used by the collector and by tests that hand-build snapshots) --
    def put(self, dataset: str, region: str, value: Any) -> None:
        self.datasets.setdefault(dataset, {})[region] = value

    def put_item(self, dataset: str, region: str, key: str, value: Any) -> None:
        self.datasets.setdefault(dataset, {}).setdefault(region, {})[key] = value

    def add_gap(self, gap: Gap) -> None:
        self.gaps.append(gap)

    # -- reading --
    def _gap_for(self, dataset: str, region: str, resource: str = "") -> Gap | None:
        for gap in self._gap_index.get((dataset, region), ()):
            if not gap.resource or gap.resource == resource:
                return gap
        return None

    @property
    def _gap_index(self) -> dict[tuple[str, str], list[Gap]]:
        cached = self.__dict__.get("_gap_cache")
        if cached is None or cached[0] != len(self.gaps):
            index: dict[tuple[str, str], list[Gap]] = {}
            for gap in self.gaps:
                index.setdefault((gap.dataset, gap.region), []).append(gap)
            cached = (len(self.gaps), index)
            self.__dict__["_gap_cache"] = cached
        return cached[1]

    def unavailable(self, dataset: str, region: str, resource: str = "") -> DataUnavailable:
        gap = self._gap_for(dataset, region, resource)
        reason = gap.reason if gap else f"dataset {dataset} was not collected in {region}"
        return DataUnavailable(dataset, region, reason, resource)

    def has(self, dataset: str, region: str = GLOBAL) -> bool:
        return region in self.datasets.get(dataset, {}) and self._gap_for(dataset, region) is None

    def get(self, dataset: str, region: str = GLOBAL) -> Any:
        """The value of a dataset in one region; raises DataUnavailable when it was not read."""
        per_region = self.datasets.get(dataset, {})
        gap = self._gap_for(dataset, region)
        if region not in per_region or (gap is not None and not gap.resource):
            raise self.unavailable(dataset, region)
        return per_region[region]

    def item(self, dataset: str, region: str, key: str) -> Any:
        """One resource's value in a per-resource dataset (None means 'not configured')."""
        gap = self._gap_for(dataset, region, key)
        values = self.datasets.get(dataset, {}).get(region)
        if gap is not None or values is None or key not in values:
            raise self.unavailable(dataset, region, key)
        return values[key]

    def regional(self, dataset: str) -> Iterator[tuple[str, Any | DataUnavailable]]:
        """(region, value) for every scanned region; a gapped region gives a DataUnavailable value."""
        for region in self.regions:
            try:
                yield region, self.get(dataset, region)
            except DataUnavailable as missing:
                yield region, missing

    # -- file form --
    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT_NAME,
            "schema_version": self.schema_version,
            "account_id": self.account_id,
            "partition": self.partition,
            "caller_arn": self.caller_arn,
            "collected_at": self.collected_at,
            "regions": list(self.regions),
            "endpoint_url": self.endpoint_url,
            "stats": self.stats,
            "gaps": [asdict(g) for g in self.gaps],
            "datasets": self.datasets,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "snapshot") -> Snapshot:
        if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
            raise InputError(
                f"{source} is not a cloudwarden snapshot",
                hint="create one with `cloudwarden collect --out FILE`",
            )
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise InputError(
                f"{source} has snapshot schema version {version}; this cloudwarden reads version "
                f"{SCHEMA_VERSION}",
                hint="collect it again with this version (`cloudwarden collect`), or use the "
                "cloudwarden release that wrote it",
            )
        validate_snapshot_document(data, source)
        try:
            return cls(
                account_id=data["account_id"],
                collected_at=data["collected_at"],
                regions=list(data["regions"]),
                partition=data.get("partition", "aws"),
                caller_arn=data.get("caller_arn", ""),
                endpoint_url=data.get("endpoint_url"),
                datasets=data.get("datasets", {}),
                gaps=[Gap(**g) for g in data.get("gaps", [])],
                stats=data.get("stats", {}),
                schema_version=version,
            )
        except (KeyError, TypeError) as exc:
            raise InputError(f"{source} is damaged: {exc}", hint="collect it again") from None


@lru_cache(maxsize=1)
def _snapshot_validator() -> Any:
    import jsonschema

    text = resources.files("cloudwarden.data").joinpath("schemas/snapshot.schema.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    return jsonschema.Draft202012Validator(schema)


def validate_snapshot_document(data: dict[str, Any], source: str = "snapshot") -> None:
    """Refuse a document that does not follow the snapshot schema, naming the JSON path of the first fault."""
    errors = sorted(_snapshot_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first.absolute_path)
        raise InputError(f"{source} is not a valid snapshot at {where}: {first.message}",
                         hint="collect it again with `cloudwarden collect`, or fix the value at that path")


def save_snapshot(snapshot: Snapshot, path: str | os.PathLike[str]) -> Path:
    target = Path(path)
    if target.parent and not target.parent.exists():
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = target.with_name(target.name + ".tmp")
    try:
        # Owner-only from the first byte: a snapshot is an account's whole configuration.
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as raw, \
                gzip.open(raw, "wt", encoding="utf-8", compresslevel=6) as handle:
            json.dump(snapshot.to_dict(), handle, default=_json_default, separators=(",", ":"))
        tmp.chmod(0o600)
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a failed write leaves no stray .tmp file behind
        raise
    return target


def load_snapshot(path: str | os.PathLike[str]) -> Snapshot:
    source = Path(path)
    if not source.exists():
        raise InputError(f"snapshot {source} does not exist", hint="check the path, or run `cloudwarden collect`")
    try:
        with gzip.open(source, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
    except gzip.BadGzipFile:
        try:
            data = json.loads(source.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"{source} is not a snapshot: {exc}", hint="snapshots are gzipped JSON") from None
        except RecursionError:
            raise InputError(f"{source} is not a snapshot: JSON nested too deeply",
                             hint="snapshots are gzipped JSON") from None
    except (EOFError, json.JSONDecodeError, UnicodeDecodeError, zlib.error, OSError) as exc:
        raise InputError(f"{source} is truncated or damaged: {exc}", hint="collect it again") from None
    except RecursionError:
        raise InputError(f"{source} is damaged: JSON nested too deeply", hint="collect it again") from None
    return Snapshot.from_dict(data, source=str(source))


def _json_default(value: Any) -> Any:
    # boto3 returns datetimes; the snapshot stores ISO 8601 text.
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", errors="replace")
    raise TypeError(f"cannot store {type(value).__name__} in a snapshot")
