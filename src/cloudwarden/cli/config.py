"""`cloudwarden config show`: every setting's effective value and where it came from."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from cloudwarden.cli._config import CONFIG_HELP
from cloudwarden.core.settings import Value, show


def register(sub: Any) -> None:
    config = sub.add_parser("config", help="the settings file: show the effective settings")
    commands = config.add_subparsers(dest="config_command", metavar="COMMAND")
    commands.required = True
    shown = commands.add_parser("show", help="each setting's value and its source (flag, variable, file, default)")
    shown.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help=CONFIG_HELP)
    shown.add_argument("--format", choices=("terminal", "json"), default="terminal",
                       help="output format (default: terminal)")
    shown.set_defaults(handler=run_show)


def run_show(args: argparse.Namespace) -> int:
    if not hasattr(args, "setting_values"):  # called without main(): resolve here
        from cloudwarden.cli._config import Layers

        args.command = "config"
        Layers().apply(args)
    values: dict[str, Value] = args.setting_values
    path = args.config_file
    if args.format == "json":
        document = {"config_file": str(path) if path else None,
                    "settings": {k: {"value": json.loads(json.dumps(v.value, default=str)), "source": v.source,
                                     "env": list(v.setting.env), "flag": v.setting.flag or None}
                                 for k, v in values.items()}}
        json.dump(document, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    sys.stdout.write(f"config file: {path if path else 'none (no .cloudwarden/config.yaml found)'}\n")
    width = max(len(k) for k in values)
    for key, value in values.items():
        mark = " " if value.is_default else "*"
        sys.stdout.write(f"{mark} {key:<{width}}  {show(value.value):<12}  {value.source}\n")
    sys.stdout.write("(* not the built-in default; a command-line flag overrides each of these for one run)\n")
    return 0
