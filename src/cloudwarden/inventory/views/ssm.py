"""Systems Manager as typed views: the account's documents with who they are shared with (a per-document
part), the public-sharing service setting per region, and managed instances with their patch states."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views import Deferred, Part, PerRegion, deferred_item

DOCUMENTS, PERMISSIONS = "ssm.documents", "ssm.document_permissions"
SHARING = "ssm.public_sharing_setting"
MANAGED, PATCHES = "ssm.managed_instances", "ssm.instance_patch_states"


@dataclass(frozen=True)
class Document:
    region: str
    name: str
    shared_with: Deferred[tuple[str, ...]] = field(repr=False, compare=False)  # account ids ("all" = public)


@dataclass(frozen=True)
class PatchState:
    counts: dict[str, int]  # MissingCount, FailedCount ... as reported (0 when absent)
    operation: str  # "scan" when not reported
    ended: str  # OperationEndTime, "?" when not reported
    baseline: str  # "?" when not reported


_COUNTS = ("MissingCount", "FailedCount", "CriticalNonCompliantCount", "SecurityNonCompliantCount",
           "InstalledPendingRebootCount")


def _patch_states(raw: Any) -> tuple[PatchState, ...]:
    return tuple(PatchState({key: int(state.get(key) or 0) for key in _COUNTS}, str(state.get("Operation", "scan")),
                            str(state.get("OperationEndTime") or "?"), str(state.get("BaselineId", "?")))
                 for state in raw or [])


@dataclass(frozen=True)
class ManagedInstance:
    region: str
    id: str  # an EC2 instance id (i-...) or a hybrid managed node's (mi-...)
    patch_states: Deferred[tuple[PatchState, ...]] = field(repr=False, compare=False)


class SsmView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._sharing: dict[str, Part[str]] = {}
        self.documents: PerRegion[Document] = PerRegion(snapshot, DOCUMENTS, lambda region, raw: Document(
            region, str(raw["Name"]), deferred_item(snapshot, PERMISSIONS, region, str(raw["Name"]), lambda found: tuple(
                str(a) for a in (found or {}).get("AccountIds") or []))))
        self.managed_instances: PerRegion[ManagedInstance] = PerRegion(snapshot, MANAGED, lambda region, raw: (
            ManagedInstance(region, str(raw["InstanceId"]),
                            deferred_item(snapshot, PATCHES, region, str(raw["InstanceId"]), _patch_states))))

    def public_sharing(self, region: str) -> str:
        """The public-sharing-permission setting ("Enable" when not set); raises DataUnavailable when unread."""
        if region not in self._sharing:
            self._sharing[region] = Part.of(lambda: str((self.snapshot.get(SHARING, region) or {}).get("SettingValue")
                                                        or "Enable"))
        return self._sharing[region].get()


__all__ = ["Document", "ManagedInstance", "PatchState", "SsmView"]
