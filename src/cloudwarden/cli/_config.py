"""The config file and environment behind `scan`, `collect` and `assess` (docs/configuration.md).

`install(parser)` adds `--config FILE` and turns the defaults of the options a config file may set
into "absent", so that after parsing an option present on the namespace is one the user typed.
`Layers.apply(args)` then fills every other one from, in order, its environment variable, the
config file and the built-in default, and leaves on the namespace:

- `args.thresholds`: the `Thresholds` the checks read through the assessment context;
- `args.settings`: what a report records (the file read, the settings that are not the default);
- `args.setting_values`: every setting's value and source, for `cloudwarden config show`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cloudwarden.core.errors import UsageError
from cloudwarden.core.settings import (
    SETTINGS,
    FileSettings,
    Value,
    config_path,
    layered,
    load_file,
    record,
    thresholds_from,
)

# The commands whose options a config file may set, and those that run checks (thresholds).
SETTING_COMMANDS = ("scan", "collect", "assess")
THRESHOLD_COMMANDS = ("scan", "assess")
SHOW_COMMAND = "config"
_DESTS = {s.dest: s for s in SETTINGS if s.dest}
CONFIG_HELP = ("settings file (default: .cloudwarden/config.yaml in this folder or the nearest parent, "
               "up to the repository root; or $CLOUDWARDEN_CONFIG)")


def add_config_option(parser: argparse.ArgumentParser) -> None:
    if "--config" not in parser._option_string_actions:
        # SUPPRESS: a subcommand's absent --config must not hide the one given before the subcommand.
        parser.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help=CONFIG_HELP)


class Layers:
    def __init__(self) -> None:
        self.defaults: dict[str, dict[str, Any]] = {}  # command -> option dest -> argparse default

    def apply(self, args: argparse.Namespace, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> None:
        env = os.environ if env is None else env
        command = getattr(args, "command", None)
        explicit = getattr(args, "config", None)
        if command not in (*SETTING_COMMANDS, SHOW_COMMAND):
            if explicit:
                raise UsageError(f"--config does not apply to `{command}`",
                                 hint=f"a config file sets the options of {', '.join(SETTING_COMMANDS)} "
                                      "(see `cloudwarden config show`)")
            return
        path, _why = config_path(explicit, env, cwd)
        file = load_file(path) if path else None
        values = self._resolve(args, command, file, env)
        args.setting_values = values
        args.config_file = path
        args.thresholds = thresholds_from(values)
        args.settings = record(values, path)

    def _resolve(self, args: argparse.Namespace, command: str, file: FileSettings | None,
                 env: Mapping[str, str]) -> dict[str, Value]:
        show_all = command == SHOW_COMMAND
        defaults = self.defaults.get(command, {})
        values: dict[str, Value] = {}
        for setting in SETTINGS:
            if setting.dest and not show_all and setting.dest not in defaults:
                continue  # this command has no such option
            if setting.threshold and not show_all and command not in THRESHOLD_COMMANDS:
                continue
            if setting.dest and not show_all and hasattr(args, setting.dest):
                values[setting.key] = Value(setting, getattr(args, setting.dest), "command line")
                continue
            value = layered(setting, file, env)
            if value.is_default and setting.dest in defaults:
                value = Value(setting, defaults[setting.dest], "default")
            if setting.key == "scan.format" and not value.is_default:
                _check_formats(value)
            values[setting.key] = value
            if setting.dest and not show_all:
                setattr(args, setting.dest, value.value)
        return values


def _check_formats(value: Value) -> None:
    from cloudwarden.report import parse_formats

    try:
        parse_formats(value.value)
    except UsageError as error:
        raise UsageError(f"{value.source}: `{value.setting.key}`: {error.message}", hint=error.hint) from None


def install(parser: argparse.ArgumentParser) -> Layers:
    """--config on the program and on the commands it applies to; their settable options' defaults deferred."""
    layers = Layers()
    add_config_option(parser)
    for name, child in _subcommands(parser).items():
        if name not in SETTING_COMMANDS:
            continue
        add_config_option(child)
        deferred = layers.defaults.setdefault(name, {})
        for action in child._actions:
            if action.dest in _DESTS and action.option_strings:
                deferred[action.dest] = action.default
                action.default = argparse.SUPPRESS
    return layers


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}
