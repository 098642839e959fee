"""Every command's `--help` exits 0 and describes every argument it takes (issue 9, item 8)."""

from __future__ import annotations

import argparse

import pytest

from cloudwarden.cli import build_parser, main


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found += _commands(child, (*path, name))
    return found


COMMANDS = _commands(build_parser())


def test_every_command_is_walked() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"scan", "collect", "assess", "exposure", "iam escalation", "iam who-can", "trail ingest",
            "trail timeline", "checks"} <= names
    assert len(COMMANDS) > 30


@pytest.mark.parametrize(("path", "parser"), COMMANDS, ids=[" ".join(p) or "cloudwarden" for p, _ in COMMANDS])
def test_help_exits_0_and_documents_every_argument(path: tuple[str, ...], parser: argparse.ArgumentParser,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*path, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: cloudwarden")
    undocumented = []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction) or action.help == argparse.SUPPRESS:
            continue
        label = "/".join(action.option_strings) or action.dest
        if isinstance(action, argparse._SubParsersAction):
            # Subcommands are described one by one, each with its own help line.
            helps = {choice.dest: (choice.help or "").strip() for choice in action._choices_actions}
            undocumented += [f"{label} {name}" for name in action.choices if not helps.get(name)]
            for name in action.choices:
                assert name in out, f"{' '.join(path)} --help does not list {name}"
            continue
        if not (action.help or "").strip():
            undocumented.append(label)
        for option in action.option_strings:
            assert option in out, f"{' '.join(path)} --help does not show {option}"
    assert not undocumented, f"`cloudwarden {' '.join(path)}` has arguments without a description: {undocumented}"
