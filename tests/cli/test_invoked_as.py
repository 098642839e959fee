"""The demo's closing "Try:" line names the program as it was run, so that it works when pasted."""

from __future__ import annotations

import shlex
import sys

from cloudwarden.cli.scan import invoked_as


def test_python_dash_m_is_repeated_with_the_same_interpreter() -> None:
    assert invoked_as("/somewhere/cloudwarden/__main__.py") == f"{shlex.quote(sys.executable)} -m cloudwarden"


def test_a_bare_name_found_on_path_stays_bare() -> None:
    assert invoked_as("cloudwarden") == "cloudwarden"


def test_a_path_not_on_path_is_repeated_as_typed(monkeypatch) -> None:
    monkeypatch.setattr("shutil.which", lambda _name: None)
    assert invoked_as(".venv/bin/cloudwarden") == ".venv/bin/cloudwarden"
    assert invoked_as("/opt/my tools/cloudwarden") == "'/opt/my tools/cloudwarden'"


def test_the_path_of_the_program_on_path_becomes_its_name(monkeypatch, tmp_path) -> None:
    script = tmp_path / "cloudwarden"
    script.write_text("")
    monkeypatch.setattr("shutil.which", lambda _name: str(script))
    assert invoked_as(str(script)) == "cloudwarden"
