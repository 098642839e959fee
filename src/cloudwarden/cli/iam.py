"""CLI commands of the iam engine: `register` adds them to the parser; handlers return an exit code."""

from __future__ import annotations

import argparse


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add this engine's sub-commands. Filled in by the engine's issue."""
