"""Fixtures shared across test folders."""

import os

from tests.posture.weeks import weeks  # noqa: F401 - the two-week moto account (session-scoped)

# A Python bug inside a collection spec (KeyError, TypeError... in a fetch or transform) raises in the
# tests instead of being filed as a "could not collect" gap (collect/runner.py, strict()). Set here, at
# import, so subprocesses the tests start (moto-server end-to-end scans) inherit it too.
os.environ["CLOUDWARDEN_STRICT"] = "1"
