"""The iam engine: a pure analysis library with a small public API (see its modules)."""
