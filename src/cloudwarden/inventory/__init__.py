"""The snapshot: one portable, versioned file holding what collection read, and what it could not."""

from cloudwarden.inventory.snapshot import (
    SCHEMA_VERSION,
    DataUnavailable,
    Gap,
    Snapshot,
    load_snapshot,
    save_snapshot,
)

__all__ = ["SCHEMA_VERSION", "DataUnavailable", "Gap", "Snapshot", "load_snapshot", "save_snapshot"]
