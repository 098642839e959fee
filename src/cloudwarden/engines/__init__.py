"""Analysis engines: pure libraries over core types and the snapshot (iam, network, trail)."""
