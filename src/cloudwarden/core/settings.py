"""Settings: the scan options and check thresholds a config file or the environment may set.

One table (`SETTINGS`) names every setting: its key in the YAML file (`thresholds.iam.
credentials_unused_days`), its type, its built-in default and its environment variable. The CLI
layers them: command-line flag > environment variable > config file > built-in default
(docs/configuration.md). Checks never read this module's globals at run time: the thresholds in
force reach them as a `Thresholds` value on the assessment context (`ctx.thresholds`).

A config file's errors carry the file and line (`config.yaml:4: unknown key ...`) and a hint.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from cloudwarden.core.enums import Severity
from cloudwarden.core.errors import UsageError

CONFIG_DIR = ".cloudwarden"
CONFIG_NAME = "config.yaml"
CONFIG_ENV = "CLOUDWARDEN_CONFIG"
ENV_PREFIX = "CLOUDWARDEN_"


@dataclass(frozen=True)
class Thresholds:
    """The numbers hard-coded checks compare with; the defaults follow CIS / Security Hub."""

    iam_access_key_max_age_days: int = 90
    iam_credentials_unused_days: int = 45
    iam_password_min_length: int = 14
    iam_password_reuse_prevention: int = 24
    iam_password_max_age_days: int = 90
    iam_root_recent_use_days: int = 90
    logs_min_retention_days: int = 365
    acm_expiry_warning_days: int = 30
    rds_min_backup_retention_days: int = 7
    cloudhsm_recent_backup_days: int = 7

    def non_default(self) -> dict[str, int]:
        default = Thresholds()
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) != getattr(default, f.name)}


DEFAULT_THRESHOLDS = Thresholds()


class SettingTypeError(ValueError):
    """A value of the wrong type or out of range; the message says what was expected."""


def _describe(value: Any) -> str:
    kind = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "a mapping", type(None): "no value"}.get(type(value), type(value).__name__)
    return f"{kind} ({value!r})" if not isinstance(value, (dict, list)) else kind


def _integer(minimum: int, maximum: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise SettingTypeError(f"expected a whole number, got {_describe(value)}")
        if not minimum <= value <= maximum:
            raise SettingTypeError(f"{value} is out of range ({minimum}..{maximum})")
        return value
    return parse


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _boolean(value: Any) -> bool:
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    if not isinstance(value, bool):
        raise SettingTypeError(f"expected true or false, got {_describe(value)}")
    return value


def _string(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SettingTypeError(f"expected a non-empty string, got {_describe(value)}")
    return value.strip()


def _string_list(value: Any) -> list[str]:
    """A YAML list of strings, or one comma-separated string (as the flags and variables take)."""
    if isinstance(value, str):
        items = [part.strip() for part in value.split(",") if part.strip()]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        items = [v.strip() for v in value if v.strip()]
    else:
        raise SettingTypeError(f"expected a list of strings (or one comma-separated string), got {_describe(value)}")
    if not items:
        raise SettingTypeError("expected at least one item")
    return items


def _formats(value: Any) -> str:
    return ",".join(_string_list(value))


def _severity(value: Any) -> Severity:
    text = _string(value)
    try:
        return Severity.parse(text)
    except UsageError as error:
        raise SettingTypeError(f"{error.message} ({error.hint})") from None


def _path(value: Any) -> Path:
    return Path(_string(value)).expanduser()


@dataclass(frozen=True)
class Setting:
    key: str  # dotted path in the file: "scan.regions", "thresholds.iam.credentials_unused_days"
    parse: Callable[[Any], Any]
    default: Any
    help: str
    dest: str = ""  # the command line option's argparse dest (scan options); thresholds have none
    flag: str = ""
    extra_env: tuple[str, ...] = ()  # standard variables honoured after cloudwarden's own (AWS_PROFILE)

    @property
    def env(self) -> tuple[str, ...]:
        """`scan.regions` -> CLOUDWARDEN_REGIONS, `thresholds.logs.min_retention_days` -> CLOUDWARDEN_LOGS_MIN_RETENTION_DAYS."""
        name = self.key.split(".", 1)[1].replace(".", "_").upper()
        return (ENV_PREFIX + name, *self.extra_env)

    @property
    def threshold(self) -> str:
        """The `Thresholds` field of a `thresholds.*` setting ('' for scan options)."""
        return self.key.split(".", 1)[1].replace(".", "_") if self.key.startswith("thresholds.") else ""


def _scan(name: str, parse: Callable[[Any], Any], default: Any, help_text: str,
          extra_env: tuple[str, ...] = ()) -> Setting:
    return Setting(f"scan.{name}", parse, default, help_text, dest=name, flag="--" + name.replace("_", "-"),
                   extra_env=extra_env)


def _limit(key: str, help_text: str, minimum: int = 1, maximum: int = 3650) -> Setting:
    name = key.replace(".", "_")
    return Setting(f"thresholds.{key}", _integer(minimum, maximum), getattr(DEFAULT_THRESHOLDS, name), help_text)


SETTINGS: tuple[Setting, ...] = (
    _scan("profile", _string, None, "AWS profile (default: the standard credential chain)",
          extra_env=("AWS_PROFILE",)),
    _scan("regions", _string_list, None, "regions to collect (default: every region enabled for the account)"),
    _scan("endpoint_url", _string, None, "an AWS-compatible endpoint (moto, LocalStack)"),
    _scan("workers", _integer(1, 256), 24, "concurrent API calls"),
    _scan("quiet", _boolean, False, "no progress display"),
    _scan("format", _formats, "terminal", "report formats (a list, or comma-separated)"),
    _scan("fail_on", _severity, None, "exit 1 on a FAIL or UNKNOWN at or above this severity"),
    _scan("allow_unknown", _boolean, False, "with fail_on: count FAIL results only"),
    _scan("checks", _string_list, None, "only these check ids or services"),
    _scan("skip_checks", _string_list, None, "check ids or services to leave out"),
    _scan("compliance", _string_list, None, "compliance frameworks to report on"),
    _scan("suppressions", _path, None, "suppressions file (relative to the config file's folder)"),
    _scan("history", _path, None, "history folder (relative to the config file's folder)"),
    _limit("iam.access_key_max_age_days", "iam.access_keys_rotated_90_days: oldest acceptable active key"),
    _limit("iam.credentials_unused_days", "iam.credentials_unused_45_days: days unused before a credential is stale"),
    _limit("iam.password_min_length", "iam.password_policy_min_length_14: shortest acceptable minimum", 6, 128),
    _limit("iam.password_reuse_prevention", "iam.password_policy_reuse_24: passwords remembered", 1, 24),
    _limit("iam.password_max_age_days", "iam.password_policy_max_age_90: longest acceptable expiry", 1, 1095),
    _limit("iam.root_recent_use_days", "iam.root_not_used_recently: days without root use"),
    _limit("logs.min_retention_days", "CloudWatch log group retention at least"),
    _limit("acm.expiry_warning_days", "ACM certificates expiring within this many days fail"),
    _limit("rds.min_backup_retention_days", "rds.automatic_backups (and its fix): backup retention at least", 1, 35),
    _limit("cloudhsm.recent_backup_days", "CloudHSM clusters need a READY backup this recent"),
)
BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}
# Every mapping that may hold settings: "scan", "thresholds", "thresholds.iam", ...
SECTIONS: frozenset[str] = frozenset(".".join(s.key.split(".")[:n]) for s in SETTINGS
                                     for n in range(1, s.key.count(".") + 1))


@dataclass(frozen=True)
class Value:
    """A setting's effective value and where it came from."""

    setting: Setting
    value: Any
    source: str  # "default", "FILE:LINE", "env NAME", "command line"

    @property
    def is_default(self) -> bool:
        return self.source == "default"


@dataclass
class FileSettings:
    path: Path | None
    values: dict[str, tuple[Any, int]] = field(default_factory=dict)  # key -> (parsed value, line)


def discover(start: Path | None = None) -> Path | None:
    """`.cloudwarden/config.yaml` in the current folder or the nearest parent, not above a repository root.

    The walk stops at the first folder holding `.git` (the repository's root, as git finds it) or
    at the filesystem's root, so a checkout never picks up a file from a folder around it.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_DIR / CONFIG_NAME
        if candidate.is_file():
            return candidate
        if (folder / ".git").exists():
            return None
    return None


def config_path(explicit: str | Path | None, env: Mapping[str, str] | None = None,
                cwd: Path | None = None) -> tuple[Path | None, str]:
    """The config file in force and why: --config, then $CLOUDWARDEN_CONFIG, then discovery."""
    env = os.environ if env is None else env
    if explicit:
        return Path(explicit).expanduser(), "--config"
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV]).expanduser(), f"env {CONFIG_ENV}"
    found = discover(cwd)
    return (found, "found") if found else (None, "")


def load_file(path: Path) -> FileSettings:
    """Read and check a config file; any problem is a UsageError `FILE:LINE: message` with a hint."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"config file {path} does not exist",
                         hint="give an existing file to --config, or see docs/configuration.md") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read config file {path}: {error}") from None
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise UsageError(f"{path}:{line}: not valid YAML: {error.problem or error}",
                         hint="check the indentation and quoting on that line") from None
    except yaml.YAMLError as error:
        raise UsageError(f"{path}:1: not valid YAML: {error}") from None
    finally:
        loader.dispose()
    result = FileSettings(path)
    if root is None or (isinstance(root, yaml.ScalarNode) and root.value == ""):
        return result  # an empty file sets nothing
    _walk(yaml.SafeLoader(""), root, "", path, result)
    return result


def _walk(loader: Any, node: Any, prefix: str, path: Path, result: FileSettings) -> None:
    import yaml

    line = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode):
        where = f"`{prefix.rstrip('.')}`" if prefix else "the file"
        raise UsageError(f"{path}:{line}: {where} must be a mapping of keys to values",
                         hint=f"keys allowed here: {', '.join(_children(prefix))}")
    seen: set[str] = set()
    for key_node, value_node in node.value:
        key_line = key_node.start_mark.line + 1
        key = str(loader.construct_object(key_node))
        full = f"{prefix}{key}"
        if full in seen:
            raise UsageError(f"{path}:{key_line}: `{full}` is set twice", hint="keep one of the two lines")
        seen.add(full)
        if full in BY_KEY:
            setting = BY_KEY[full]
            raw = loader.construct_object(value_node, deep=True)
            if raw is None and setting.default is None:
                continue  # `fail_on:` with no value: the built-in default
            try:
                result.values[full] = (setting.parse(raw), value_node.start_mark.line + 1)
            except SettingTypeError as error:
                raise UsageError(f"{path}:{value_node.start_mark.line + 1}: `{full}`: {error}",
                                 hint=f"{full}: {setting.help} (default {_show(setting.default)})") from None
        elif full in SECTIONS:
            _walk(loader, value_node, full + ".", path, result)
        else:
            raise UsageError(f"{path}:{key_line}: unknown key `{full}`", hint=_did_you_mean(key, prefix))


def _children(prefix: str) -> list[str]:
    depth = prefix.count(".")
    names = {k.split(".")[depth] for k in (*BY_KEY, *SECTIONS) if k.startswith(prefix) and k != prefix.rstrip(".")}
    return sorted(names)


def _did_you_mean(key: str, prefix: str) -> str:
    here = _children(prefix)
    close = difflib.get_close_matches(key, here, n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(f"`{prefix}{c}`" for c in close) + "?"
    # The right name in the wrong place (`regions` at the top instead of under `scan`).
    elsewhere = [k for k in BY_KEY if k.rsplit(".", 1)[-1] == key or k.endswith("." + key)]
    elsewhere += difflib.get_close_matches(f"{prefix}{key}", list(BY_KEY), n=2, cutoff=0.75)
    if elsewhere:
        return "did you mean " + " or ".join(f"`{k}`" for k in dict.fromkeys(elsewhere)) + "?"
    return f"keys allowed here: {', '.join(here)} (docs/configuration.md)"


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, Severity):
        return value.value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


def from_env(setting: Setting, env: Mapping[str, str]) -> Value | None:
    for name in setting.env:
        text = env.get(name)
        if text is None or text == "":
            continue
        try:
            return Value(setting, setting.parse(text), f"env {name}")
        except SettingTypeError as error:
            raise UsageError(f"environment variable {name}: {error}",
                             hint=f"{setting.key}: {setting.help} (default {_show(setting.default)})") from None
    return None


def layered(setting: Setting, file: FileSettings | None, env: Mapping[str, str]) -> Value:
    """Environment variable > config file > built-in default (the command line is the CLI's business)."""
    from_environment = from_env(setting, env)
    if from_environment is not None:
        return from_environment
    if file is not None and setting.key in file.values:
        value, line = file.values[setting.key]
        if isinstance(value, Path) and not value.is_absolute() and file.path is not None:
            value = file.path.parent / value  # relative to the config file, wherever cloudwarden runs
        return Value(setting, value, f"{file.path}:{line}")
    return Value(setting, setting.default, "default")


def thresholds_from(values: Mapping[str, Value]) -> Thresholds:
    chosen = {v.setting.threshold: v.value for v in values.values() if v.setting.threshold}
    return replace(DEFAULT_THRESHOLDS, **chosen)


def show(value: Any) -> str:
    """A setting's value as the file or a flag would spell it."""
    return _show(value)


def record(values: Mapping[str, Value], path: Path | None) -> dict[str, Any]:
    """What a report keeps: the config file read and every setting that is not the built-in default."""
    return {
        "config_file": str(path) if path else None,
        "non_default": {key: {"value": _jsonable(v.value), "source": v.source}
                        for key, v in sorted(values.items()) if not v.is_default},
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, Severity):
        return value.value
    if isinstance(value, Path):
        return str(value)
    return value
