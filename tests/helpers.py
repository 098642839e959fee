"""Helpers shared by the test tiers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

MOTO_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@contextmanager
def scoped_env(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the block and restore them after (for module-scoped fixtures,
    where pytest's monkeypatch is not available)."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
