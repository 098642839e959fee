"""The settings file: --config / .cloudwarden/config.yaml, CLOUDWARDEN_* variables, precedence, FILE:LINE errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudwarden.cli import build_parser, main
from cloudwarden.cli._config import install
from cloudwarden.core.enums import Severity
from cloudwarden.core.settings import discover
from cloudwarden.inventory.snapshot import save_snapshot
from tests.checks.cases import snapshot_with
from tests.checks.test_iam_credentials import user

# Key last used 2026-10-19: 40 days before the snapshot (tests.checks.cases.NOW), so PASS at the default 45.
IDLE_40_DAYS = user("ci", access_key_1_active=True, access_key_1_last_rotated="2026-11-01T00:00:00+00:00",
                    access_key_1_last_used_date="2026-10-19T00:00:00+00:00")
CHECK = "iam.credentials_unused_45_days"


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Neither the developer's environment nor a config file around the checkout leaks into these tests."""
    from cloudwarden.core.settings import CONFIG_ENV, SETTINGS

    for name in {CONFIG_ENV, *(env for s in SETTINGS for env in s.env)}:
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture()
def idle_snapshot(tmp_path: Path) -> Path:
    return save_snapshot(snapshot_with({"iam.credential_report": [IDLE_40_DAYS]}), tmp_path / "idle.snapshot")


def _parse(argv: list[str], env: dict[str, str], cwd: Path):  # type: ignore[no-untyped-def]
    parser = build_parser()
    layers = install(parser)
    args = parser.parse_args(argv)
    layers.apply(args, env=env, cwd=cwd)
    return args


def test_flag_beats_variable_beats_file_beats_default(tmp_path: Path, idle_snapshot: Path) -> None:
    config = _write(tmp_path / "cw.yaml", "scan:\n  format: html\n  fail_on: high\n  allow_unknown: true\n"
                    "  checks: [iam]\nthresholds:\n  iam:\n    credentials_unused_days: 30\n"
                    "    access_key_max_age_days: 60\n")
    env = {"CLOUDWARDEN_FORMAT": "csv", "CLOUDWARDEN_FAIL_ON": "critical", "CLOUDWARDEN_IAM_CREDENTIALS_UNUSED_DAYS": "50"}
    args = _parse(["assess", str(idle_snapshot), "--config", str(config), "--format", "json"], env, tmp_path)
    assert args.format == "json"  # flag over variable over file
    assert args.fail_on is Severity.CRITICAL  # variable over file
    assert args.allow_unknown is True and args.checks == ["iam"]  # file over default
    assert args.skip_checks is None and args.suppressions is None  # built-in defaults
    assert args.thresholds.iam_credentials_unused_days == 50
    assert args.thresholds.iam_access_key_max_age_days == 60
    assert args.thresholds.logs_min_retention_days == 365
    sources = {k: v.source for k, v in args.setting_values.items()}
    assert sources["scan.format"] == "command line"
    assert sources["scan.fail_on"] == "env CLOUDWARDEN_FAIL_ON"
    assert sources["scan.allow_unknown"] == f"{config}:4"
    assert sources["thresholds.iam.access_key_max_age_days"] == f"{config}:9"
    assert sources["scan.skip_checks"] == "default"
    recorded = args.settings["non_default"]
    assert set(recorded) == {"scan.format", "scan.fail_on", "scan.allow_unknown", "scan.checks",
                             "thresholds.iam.credentials_unused_days", "thresholds.iam.access_key_max_age_days"}
    assert recorded["scan.fail_on"] == {"value": "critical", "source": "env CLOUDWARDEN_FAIL_ON"}


def test_a_flag_equal_to_the_default_still_beats_the_file(tmp_path: Path, idle_snapshot: Path) -> None:
    config = _write(tmp_path / "cw.yaml", "scan:\n  format: html\n")
    args = _parse(["assess", str(idle_snapshot), "--config", str(config), "--format", "terminal"], {}, tmp_path)
    assert args.format == "terminal" and args.setting_values["scan.format"].source == "command line"


def test_config_before_the_subcommand_and_standard_profile_variable(tmp_path: Path) -> None:
    config = _write(tmp_path / "cw.yaml", "scan:\n  regions: us-east-1, eu-west-1\n  profile: from-file\n"
                    "  workers: 4\n  suppressions: rules/suppress.yaml\n")
    args = _parse(["--config", str(config), "collect", "--out", str(tmp_path / "o")], {"AWS_PROFILE": "audit"},
                  tmp_path)
    assert args.regions == ["us-east-1", "eu-west-1"] and args.workers == 4
    assert args.profile == "audit"  # an environment variable (even the standard one) beats the file
    assert not hasattr(args, "suppressions")  # collect takes no --suppressions: the setting is not applied
    assert "thresholds.iam.credentials_unused_days" not in args.setting_values  # collect runs no check


def test_paths_in_the_file_are_relative_to_it(tmp_path: Path, idle_snapshot: Path) -> None:
    config = _write(tmp_path / "team" / "cw.yaml", "scan:\n  suppressions: suppress.yaml\n")
    args = _parse(["assess", str(idle_snapshot), "--config", str(config)], {}, tmp_path)
    assert args.suppressions == tmp_path / "team" / "suppress.yaml"


def test_discovery_walks_up_to_the_repository_root(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    deeper = repo / "infra" / "prod"
    deeper.mkdir(parents=True)
    assert discover(deeper) is None
    found = _write(repo / ".cloudwarden" / "config.yaml", "scan:\n  quiet: true\n")
    assert discover(deeper) == found.resolve()
    # A file above the repository (its folder holds .git) is never picked up.
    outer = tmp_path / "outer"
    _write(outer / ".cloudwarden" / "config.yaml", "scan:\n  quiet: true\n")
    (outer / "checkout" / ".git").mkdir(parents=True)
    assert discover(outer / "checkout") is None


def test_a_threshold_in_the_discovered_file_changes_the_result_and_the_report_records_it(
        tmp_path: Path, idle_snapshot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["assess", str(idle_snapshot), "--checks", CHECK, "--out", str(tmp_path / "before")]) == 0
    before = json.loads((tmp_path / "before" / "findings.json").read_text())
    assert [f["status"] for f in before["findings"]] == ["PASS"]
    assert before["sections"]["settings"] == {"config_file": None, "non_default": {
        "scan.checks": {"value": [CHECK], "source": "command line"}}}

    config = _write(tmp_path / ".cloudwarden" / "config.yaml",
                    "# team defaults\nthresholds:\n  iam:\n    credentials_unused_days: 30\nscan:\n  fail_on: low\n")
    assert main(["assess", str(idle_snapshot), "--checks", CHECK, "--out", str(tmp_path / "after")]) == 1
    after = json.loads((tmp_path / "after" / "findings.json").read_text())
    [finding] = after["findings"]
    assert finding["status"] == "FAIL" and "access key 1 unused 40 days" in finding["message"]
    settings = after["sections"]["settings"]
    assert Path(settings["config_file"]).resolve() == config.resolve()
    assert settings["non_default"]["thresholds.iam.credentials_unused_days"]["value"] == 30
    assert settings["non_default"]["thresholds.iam.credentials_unused_days"]["source"].endswith("config.yaml:4")
    assert settings["non_default"]["scan.fail_on"]["value"] == "low"
    # One run with a flag: the file's fail_on gives way.
    assert main(["assess", str(idle_snapshot), "--checks", CHECK, "--fail-on", "critical",
                 "--out", str(tmp_path / "flag")]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(("text", "line", "message", "hint"), [
    ("scan:\n  region: [us-east-1]\n", 2, "unknown key `scan.region`", "did you mean `scan.regions`?"),
    ("regions: [us-east-1]\n", 1, "unknown key `regions`", "did you mean `scan.regions`?"),
    ("thresholds:\n  iam:\n    credentials_unused_dayz: 30\n", 3, "unknown key", "`thresholds.iam.credentials_unused_days`"),
    ("thresholds:\n  iam:\n    credentials_unused_days: forty\n", 3, "expected a whole number, got a string",
     "(default 45)"),
    ("thresholds:\n  rds:\n    min_backup_retention_days: 0\n", 3, "0 is out of range (1..35)", "default 7"),
    ("scan:\n  quiet: maybe\n", 2, "expected true or false", "no progress display"),
    ("scan:\n  fail_on: severe\n", 2, "unknown severity 'severe'", ""),
    ("scan:\n  regions: {us: east}\n", 2, "expected a list of strings", ""),
    ("scan:\n  format: pdf\n", 2, "`scan.format`", ""),
    ("scan:\n  workers: 2\n  workers: 3\n", 3, "`scan.workers` is set twice", "keep one"),
    ("scan: [1]\n", 1, "`scan` must be a mapping", "regions"),
    ("- scan\n", 1, "the file must be a mapping", "scan, thresholds"),
    ("scan:\n  regions: [us-east-1\n", 3, "not valid YAML", "indentation"),
])
def test_errors_name_the_file_and_line_with_a_hint(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
                                                   line: int, message: str, hint: str) -> None:
    config = _write(tmp_path / "cw.yaml", text)
    assert main(["config", "show", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    first, *rest = err.splitlines()
    assert first.startswith(f"cloudwarden: error: {config}:{line}: "), err
    assert message in first, err
    assert hint in "\n".join(rest), err
    assert "Traceback" not in err


def test_a_broken_discovered_file_stops_a_scan_before_any_work(tmp_path: Path, idle_snapshot: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path / ".cloudwarden" / "config.yaml", "scan:\n  fail-on: high\n")
    assert main(["assess", str(idle_snapshot)]) == 2
    err = capsys.readouterr().err
    assert ".cloudwarden/config.yaml:2: unknown key `scan.fail-on`" in err and "`scan.fail_on`" in err


def test_bad_variable_missing_file_and_misplaced_config(tmp_path: Path, idle_snapshot: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["assess", str(idle_snapshot), "--config", str(tmp_path / "absent.yaml")]) == 2
    assert "config file" in capsys.readouterr().err
    assert main(["--config", str(_write(tmp_path / "cw.yaml", "")), "checks"]) == 2
    assert "--config does not apply to `checks`" in capsys.readouterr().err
    monkeypatch.setenv("CLOUDWARDEN_LOGS_MIN_RETENTION_DAYS", "a year")
    assert main(["assess", str(idle_snapshot)]) == 2
    assert "environment variable CLOUDWARDEN_LOGS_MIN_RETENTION_DAYS: expected a whole number" in capsys.readouterr().err


def test_config_show_names_each_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CLOUDWARDEN_WORKERS", "8")
    config = _write(tmp_path / ".cloudwarden" / "config.yaml", "scan:\n  regions: [eu-west-1]\n  workers: 2\n")
    assert main(["config", "show", "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert Path(shown["config_file"]).resolve() == config.resolve()
    settings = shown["settings"]
    assert settings["scan.workers"] == {"value": 8, "source": "env CLOUDWARDEN_WORKERS",
                                        "env": ["CLOUDWARDEN_WORKERS"], "flag": "--workers"}
    assert settings["scan.regions"]["value"] == ["eu-west-1"]
    assert settings["scan.regions"]["source"].endswith("config.yaml:2")
    assert settings["thresholds.logs.min_retention_days"]["source"] == "default"
    assert main(["config", "show"]) == 0
    text = capsys.readouterr().out
    assert "* scan.regions" in text and "  thresholds.logs.min_retention_days" in text


def test_the_documentation_lists_every_setting_with_its_variable_and_default() -> None:
    from cloudwarden.core.settings import SETTINGS, show

    doc = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text()
    rows = {line.split("|")[1].strip(" `"): line for line in doc.splitlines() if line.startswith("| `")}
    assert set(rows) == {s.key for s in SETTINGS}
    for setting in SETTINGS:
        row = rows[setting.key]
        assert all(f"`{name}`" in row for name in setting.env), row
        if setting.threshold:
            assert f"| {show(setting.default)} |" in row, row
