"""Fixtures shared across test folders."""

from tests.posture.weeks import weeks  # noqa: F401 - the two-week moto account (session-scoped)
