"""The Dockerfile parses (Docker's own Go parser, through the `dockerfile` package) and installs the
wheel the package builds. No Docker daemon runs here, so the image itself is not built in the tests."""

from __future__ import annotations

import re
from pathlib import Path

import dockerfile

ROOT = Path(__file__).resolve().parents[2]


def _commands() -> list:
    return list(dockerfile.parse_file(str(ROOT / "Dockerfile")))


def test_dockerfile_parses_and_installs_the_wheel() -> None:
    commands = _commands()
    names = [c.cmd for c in commands]
    assert "FROM" in names
    runs = " ".join(" ".join(c.value) for c in commands if c.cmd == "RUN")
    assert re.search(r"pip install .*/tmp/dist/cloudwarden-\*\.whl", runs)
    copies = [c.value for c in commands if c.cmd == "COPY"]
    assert ("dist/", "wheel[s]/", "/tmp/dist/") in copies


def test_image_runs_cloudwarden_as_an_unprivileged_user() -> None:
    commands = _commands()
    (entry,) = [c for c in commands if c.cmd == "ENTRYPOINT"]
    assert entry.json and entry.value == ("cloudwarden",)
    users = [c.value[0] for c in commands if c.cmd == "USER"]
    assert users and users[-1] not in ("root", "0")
