"""Command line: argument parsing, progress display and exit codes.

The only package that exits or configures logging. Library errors arrive as typed
``CloudwardenError``s and leave as one line with a hint (a traceback only with ``--debug``).
Exit codes: one table in `cli/exit_codes.py` (docs/exit-codes.md).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

from cloudwarden import __version__
from cloudwarden.cli import exit_codes
from cloudwarden.core.errors import CloudwardenError, InputError
from cloudwarden.core.redact import SecretLogFilter

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_FATAL = (exit_codes.OK.code, exit_codes.FINDINGS.code,
                                                  exit_codes.USAGE.code, exit_codes.FATAL.code)


class _Parser(argparse.ArgumentParser):
    """argparse that exits with code 2 and a hint line, as every other usage error does."""

    def error(self, message: str) -> NoReturn:  # type: ignore[name-defined]  # noqa: F821
        self.print_usage(sys.stderr)
        sys.stderr.write(f"cloudwarden: error: {message}\n  hint: run `{self.prog} --help`\n")
        raise SystemExit(EXIT_USAGE)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole parser, or (given an `argv` that names known commands) only those commands' parsers.

    `cloudwarden iam evaluate ...` then imports `cli/iam.py` alone, not boto3, duckdb, moto and the
    other engines that the other commands' modules import (start-up time, bench/startup.py).
    """
    parser = _Parser(prog="cloudwarden", description="AWS security best practices in one program.",
                     epilog=exit_codes.epilog())
    parser.add_argument("--version", action="version", version=f"cloudwarden {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    # Typed loosely: each engine's `register` takes the sub-parser action whatever its parser class.
    sub: Any = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for module in _command_modules(argv):
        module.register(sub)
    _accept_debug_everywhere(parser)
    return parser


def _accept_debug_everywhere(parser: argparse.ArgumentParser) -> None:
    """`--debug` after the subcommand too (`cloudwarden scan --debug`), at any depth."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                if "--debug" not in child._option_string_actions:
                    child.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                                       help="show tracebacks and debug logging")
                _accept_debug_everywhere(child)


# The historical order of `--help` first; any other module of this package with a `register`
# function adds its commands after them (adding a command is one module).
_FIRST_COMMANDS = ("scan", "iam", "exposure", "trail")


# Which module of this package registers each top-level command. A command line naming one of these
# imports only its module; any other command line (`--help`, a typo, a command missing here) imports
# them all, so a command not yet listed still works, only slower (tests/cli/test_lazy_commands.py
# checks that this table matches what the modules register).
COMMAND_MODULES = {
    "scan": "scan", "collect": "scan", "assess": "scan", "demo": "scan", "permissions": "scan",
    "iam": "iam", "exposure": "exposure", "trail": "trail", "accounts": "accounts",
    "baseline": "baseline", "checks": "checks", "compliance": "compliance", "diff": "diff",
    "drift": "drift", "fix": "fix", "history": "history", "scan-org": "organization",
    "report": "report", "respond": "respond", "responsibility": "responsibility",
    "securityhub": "securityhub",
    "config": "config",
}


def _command_modules(argv: Sequence[str] | None = None) -> list[Any]:
    import importlib
    import pkgutil

    import cloudwarden.cli as package

    args = list(argv or ())
    first = next((i for i, a in enumerate(args) if a in COMMAND_MODULES), None)
    if first is not None and not {"-h", "--help"} & set(args[:first]):
        # Every word that names a command (an option's value may look like one: register both).
        chosen = list(dict.fromkeys(COMMAND_MODULES[a] for a in args if a in COMMAND_MODULES))
        if chosen:
            modules = [importlib.import_module(f"{package.__name__}.{name}") for name in chosen]
            return [m for m in modules if callable(getattr(m, "register", None))]
    names = sorted(m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_"))
    ordered = [n for n in _FIRST_COMMANDS if n in names] + [n for n in names if n not in _FIRST_COMMANDS]
    modules = [importlib.import_module(f"{package.__name__}.{name}") for name in ordered]
    return [m for m in modules if callable(getattr(m, "register", None))]


def organization_alias(argv: Sequence[str]) -> list[str]:
    """`scan --organization ...` is `scan-org ...`: the same command under the name the scan has."""
    args = list(argv)
    command = next((i for i, a in enumerate(args) if a in COMMAND_MODULES), None)
    if command is not None and args[command] == "scan" and "--organization" in args[command + 1:]:
        args[command] = "scan-org"
        args.remove("--organization")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = organization_alias(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    from cloudwarden.cli._config import install

    layers = install(parser)  # --config; options a config file or variable may set (docs/configuration.md)
    args = parser.parse_args(argv)
    debug = bool(getattr(args, "debug", False))
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for log_handler in logging.getLogger().handlers:
        # botocore's debug log prints request headers: the session token never reaches the terminal.
        log_handler.addFilter(SecretLogFilter())
    if not debug:
        for noisy in ("botocore", "boto3", "urllib3", "werkzeug", "moto"):
            logging.getLogger(noisy).setLevel(logging.CRITICAL)
    handler: Callable[[argparse.Namespace], int] = args.handler
    _owner_only_files()
    try:
        layers.apply(args)
        code = handler(args)
        sys.stdout.flush()
        return code
    except CloudwardenError as error:
        if debug:
            raise
        _print_error(error)
        return error.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("cloudwarden: interrupted\n")
        return exit_codes.INTERRUPTED.code
    except BrokenPipeError:
        # Output piped into `head` and the like: not an error of ours. Point stdout at /dev/null so
        # that the interpreter's last flush does not fail again.
        _silence_stdout()
        return EXIT_OK
    except _SHAPE_ERRORS as error:
        if debug:
            raise
        snapshot = getattr(args, "snapshot", None)
        if not snapshot:
            return _internal_error(error)
        _print_error(InputError(
            f"{snapshot} holds data of a shape cloudwarden cannot read ({type(error).__name__}: {error})",
            hint="collect it again with `cloudwarden collect`; if it came from there unchanged, "
                 "please report it (rerun with --debug for the traceback)"))
        return EXIT_USAGE
    except Exception as error:  # noqa: BLE001 - the last line of defence: one line, exit 3, never a traceback
        if debug:
            raise
        return _internal_error(error)


def _owner_only_files() -> None:
    """Snapshots, reports and logs hold an account's configuration: files 0600, folders 0700.

    SIGTERM is turned into the same clean stop as Ctrl-C, so an interrupted write leaves the previous
    file in place (writes go to a temporary file that replaces the target only when complete).
    """
    import os
    import signal
    import threading

    os.umask(0o077)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


# What a dataset of an unexpected shape raises when an engine reads it.
_SHAPE_ERRORS = (KeyError, TypeError, AttributeError, ValueError, IndexError)


def _internal_error(error: BaseException) -> int:
    sys.stderr.write(f"cloudwarden: internal error, please report: {type(error).__name__}: {error}\n"
                     f"  cloudwarden {__version__}, Python {sys.version.split()[0]}; "
                     "rerun with --debug for the traceback\n")
    return EXIT_FATAL


def _silence_stdout() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout without a file descriptor (captured in tests)
        pass


def _print_error(error: CloudwardenError) -> None:
    sys.stderr.write(f"cloudwarden: error: {error.message}\n")
    if error.hint:
        sys.stderr.write(f"  hint: {error.hint}\n")
