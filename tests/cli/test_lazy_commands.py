"""Start-up: a command imports its own module only, and the command table matches the modules.

Behaviour tests, not timings (bench/startup.py prints the times): each case runs a fresh
interpreter and looks at `sys.modules` after the command ran.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import cloudwarden.cli as cli

HEAVY = ("boto3", "botocore", "duckdb", "moto", "jinja2", "networkx", "rich", "pyarrow",
         "py_ocsf_models", "yaml")
SRC = str(Path(cli.__file__).resolve().parents[2])

REQUEST = {
    "policies": {"identity": [{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket-a/*"}]}]},
    "request": {"principal": "arn:aws:iam::111111111111:user/alice", "action": "s3:GetObject",
                "resource": "arn:aws:s3:::bucket-a/report.csv"},
}

PROBE = """
import contextlib, io, json, sys
from cloudwarden.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(sys.argv[1:]) if len(sys.argv) > 1 else None
print(json.dumps({"code": code, "out": out.getvalue(),
                  "modules": sorted({m.split(".")[0] for m in sys.modules} | {m for m in sys.modules
                                                                            if m.startswith("cloudwarden.")})}))
"""


def _probe(*argv: str) -> dict:
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True,
                          env=env, check=True, timeout=120)
    return json.loads(done.stdout.splitlines()[-1])


def test_importing_the_cli_loads_no_heavy_library() -> None:
    loaded = set(_probe()["modules"])
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    assert not [m for m in loaded if m.startswith("cloudwarden.cli.") and m != "cloudwarden.cli.exit_codes"]


def test_iam_evaluate_runs_without_loading_the_other_commands(tmp_path: Path) -> None:
    request = tmp_path / "request.json"
    request.write_text(json.dumps(REQUEST))
    result = _probe("iam", "evaluate", str(request))
    assert result["code"] == 0
    assert json.loads(result["out"])["decision"] == "Allow"
    loaded = set(result["modules"])
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    # Command modules only: the private helpers every command line uses (cli/_config.py) may load.
    commands = {m for m in loaded if m.startswith("cloudwarden.cli.") and not m.split(".")[2].startswith("_")}
    assert commands == {"cloudwarden.cli.iam", "cloudwarden.cli.exit_codes"}
    # Nor the collectors, the snapshot loader or the other engines.
    assert not {m for m in loaded if m.startswith(("cloudwarden.collect", "cloudwarden.inventory",
                                                   "cloudwarden.engines.network", "cloudwarden.engines.trail",
                                                   "cloudwarden.checks", "cloudwarden.report"))}


def _registered_by(module_name: str) -> list[str]:
    module = importlib.import_module(f"cloudwarden.cli.{module_name}")
    if not callable(getattr(module, "register", None)):
        return []
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    module.register(sub)
    return list(sub.choices)


MODULES = sorted(m.name for m in pkgutil.iter_modules(cli.__path__) if not m.name.startswith("_"))


@pytest.mark.parametrize("module_name", MODULES)
def test_the_command_table_names_every_command_of_each_module(module_name: str) -> None:
    registered = _registered_by(module_name)
    listed = sorted(c for c, m in cli.COMMAND_MODULES.items() if m == module_name)
    assert sorted(registered) == listed, (
        f"cli/{module_name}.py registers {sorted(registered)}; COMMAND_MODULES in cli/__init__.py "
        f"lists {listed} for it")


def test_the_full_parser_has_the_same_commands_as_the_table() -> None:
    sub = next(a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == set(cli.COMMAND_MODULES)


@pytest.mark.parametrize("argv, expected", [
    (["iam", "evaluate", "-"], {"iam"}),
    (["--debug", "trail", "hunt"], {"trail"}),
    (["collect", "--help"], {"collect", "scan", "assess", "demo", "permissions"}),
    # An option's value that looks like a command: both commands are there, parsing stays right.
    (["--some-option", "scan", "iam", "evaluate"], {"scan", "collect", "assess", "demo", "permissions", "iam"}),
    # Top-level help, no command, an unknown command: every command, as before.
    (["--help"], set(cli.COMMAND_MODULES)),
    (["--help", "iam"], set(cli.COMMAND_MODULES)),
    ([], set(cli.COMMAND_MODULES)),
    (["no-such-command"], set(cli.COMMAND_MODULES)),
])
def test_build_parser_registers_what_the_command_line_needs(argv: list[str], expected: set[str]) -> None:
    sub = next(a for a in cli.build_parser(argv)._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == expected


def test_a_typo_still_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["iam-evaluate"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'iam-evaluate'" in err
    for command in ("scan", "iam", "trail", "securityhub"):
        assert f"'{command}'" in err
