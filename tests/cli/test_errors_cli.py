"""Each failure a user meets is one line with a hint and its exit code, never a traceback.

Credential and endpoint failures use local configuration files and small HTTP servers on
127.0.0.1; a proxy on a dead loopback port keeps any request meant for AWS itself on this machine.
"""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cloudwarden import __version__
from cloudwarden.cli import main
from cloudwarden.inventory.snapshot import save_snapshot
from tests.checks.cases import Regional, snapshot_with

DEAD = "http://127.0.0.1:9"  # nothing listens: a command that reached the network would exit 3

CONFIG = """
[profile sso]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111122223333
sso_role_name = Audit
region = us-east-1

[profile proc]
credential_process = /bin/false
region = us-east-1

[profile nosource]
role_arn = arn:aws:iam::111122223333:role/Audit
source_profile = ghost
region = us-east-1

[profile assume]
role_arn = arn:aws:iam::111122223333:role/NoSuchRole
source_profile = base
region = us-east-1

[profile base]
aws_access_key_id = AKIAEXAMPLEEXAMPLE00
aws_secret_access_key = secret
region = us-east-1
"""


@pytest.fixture()
def aws_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "config"
    config.write_text(CONFIG)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("HTTPS_PROXY", DEAD)
    monkeypatch.setenv("HTTP_PROXY", DEAD)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return config


Handler = Callable[[bytes], tuple[int, bytes]]


@contextmanager
def local_endpoint(answer: Handler) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 that answers every POST with `answer(body)`."""

    class Endpoint(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, payload = answer(body)
            self.send_response(status)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _fails_cleanly(capsys: pytest.CaptureFixture[str], argv: list[str], code: int, *words: str) -> str:
    assert main(argv) == code
    err = capsys.readouterr().err
    assert "Traceback" not in err and "hint:" in err, err
    assert err.startswith("cloudwarden: error: "), err
    for word in words:
        assert word in err, err
    return err


# -- credentials --

def test_sso_profile_without_a_cached_token(aws_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _fails_cleanly(capsys, ["scan", "--profile", "sso", "--endpoint-url", DEAD, "--regions", "us-east-1"], 3,
                   "SSO", "aws sso login --profile sso")


def test_failing_credential_process(aws_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _fails_cleanly(capsys, ["scan", "--profile", "proc", "--endpoint-url", DEAD, "--regions", "us-east-1"], 3,
                   "profile 'proc'", "credential_process")


def test_missing_source_profile(aws_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _fails_cleanly(capsys, ["collect", "--profile", "nosource", "--endpoint-url", DEAD, "--out", "x.snapshot"],
                   3, "ghost", "source_profile")


STS_DENIED = (b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
              b"<Code>AccessDenied</Code><Message>User: arn:aws:iam::111122223333:user/base is not authorized "
              b"to perform: sts:AssumeRole</Message></Error><RequestId>1</RequestId></ErrorResponse>")


def test_role_that_cannot_be_assumed(aws_config: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[bytes] = []

    def deny(body: bytes) -> tuple[int, bytes]:
        seen.append(body)
        return 403, STS_DENIED

    with local_endpoint(deny) as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", url)  # the role is assumed here, not at AWS
        _fails_cleanly(capsys, ["scan", "--profile", "assume", "--endpoint-url", url, "--regions", "us-east-1"],
                       3, "cannot assume arn:aws:iam::111122223333:role/NoSuchRole", "AccessDenied", "trust policy")
    assert seen and b"Action=AssumeRole" in seen[0]


# -- endpoints --

@pytest.mark.parametrize("url", ["ftp://127.0.0.1:5000", "127.0.0.1:5000", "http://", "http://host:port",
                                 "http://exa mple.com"])
def test_malformed_or_non_http_endpoint_url(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    _fails_cleanly(capsys, ["scan", "--endpoint-url", url, "--regions", "us-east-1"], 2, "--endpoint-url")


IDENTITY = (b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
            b"<Arn>arn:aws:iam::111122223333:user/me</Arn><UserId>AIDA</UserId><Account>111122223333</Account>"
            b"</GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>"
            b"</GetCallerIdentityResponse>")


@pytest.mark.parametrize("garbage", [b"<html><body>hello</body></html>", b"\x00\x01 not xml at all",
                                     b"<DescribeRegionsResponse><regionInfo><item><x>1</x></item></regionInfo>"
                                     b"</DescribeRegionsResponse>"])
def test_endpoint_answering_garbage_to_describe_regions(
        garbage: bytes, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.delenv("AWS_PROFILE", raising=False)

    def answer(body: bytes) -> tuple[int, bytes]:
        return (200, IDENTITY) if b"GetCallerIdentity" in body else (200, garbage)

    with local_endpoint(answer) as url:
        _fails_cleanly(capsys, ["scan", "--endpoint-url", url, "--quiet"], 3, "ec2:DescribeRegions",
                       "--endpoint-url")


# -- output paths: refused before any API call (the endpoint is dead: reaching it would exit 3) --

def test_collect_out_on_an_existing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    existing = tmp_path / "old.snapshot"
    existing.write_text("last week's")
    _fails_cleanly(capsys, ["collect", "--endpoint-url", DEAD, "--out", str(existing)], 2, "already exists", "--force")
    assert existing.read_text() == "last week's"


def test_scan_out_on_an_existing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    existing = tmp_path / "report"
    existing.write_text("")
    _fails_cleanly(capsys, ["scan", "--endpoint-url", DEAD, "--out", str(existing)], 2, "not a folder")


@pytest.mark.parametrize("command", ["scan", "collect"])
def test_out_on_an_unwritable_path(command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    _fails_cleanly(capsys, [command, "--endpoint-url", DEAD, "--out", f"{blocker}/deeper/"], 2,
                   "cannot write under", str(blocker))


# -- snapshots of a malformed shape --

NETWORK = ["ec2.addresses", "ec2.egress_only_internet_gateways", "ec2.instances", "ec2.internet_gateways", "ec2.managed_prefix_lists", "ec2.network_acls", "ec2.network_interfaces", "ec2.route_tables", "ec2.security_groups", "ec2.subnets", "ec2.vpcs", "elbv2.load_balancers", "elbv2.target_groups", "rds.db_instances", "rds.db_subnet_groups"]


@pytest.fixture()
def malformed_snapshot(tmp_path: Path) -> Path:
    data: dict[str, object] = {name: Regional({"us-east-1": []}) for name in NETWORK}
    data.update({name: Regional({"us-east-1": {}}) for name in
                 ("elbv2.listeners", "elbv2.target_health", "ec2.prefix_list_entries")})
    data["ec2.security_groups"] = Regional({"us-east-1": ["not a security group"]})
    data["iam.authorization_details"] = {"UserDetailList": "not a list of users", "RoleDetailList": [3],
                                         "GroupDetailList": [], "Policies": []}
    return save_snapshot(snapshot_with(data, regions=("us-east-1",)), tmp_path / "malformed.snapshot")


@pytest.mark.parametrize("argv", [["exposure"], ["iam", "escalation"],
                                  ["iam", "can", "{}", "alice", "s3:GetObject"]])
def test_engines_on_a_malformed_dataset(argv: list[str], malformed_snapshot: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    argv = [a.replace("{}", str(malformed_snapshot)) for a in argv]
    if str(malformed_snapshot) not in argv:
        argv.append(str(malformed_snapshot))
    code = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert code == 2 and str(malformed_snapshot) in err and "hint:" in err, (code, err)


# -- the last line of defence --

def _broken_permissions(monkeypatch: pytest.MonkeyPatch) -> None:
    import cloudwarden.collect

    def explode() -> list[object]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(cloudwarden.collect, "all_calls", explode)


def test_unexpected_exception_is_an_internal_error(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    _broken_permissions(monkeypatch)
    assert main(["permissions"]) == 3
    err = capsys.readouterr().err
    assert "internal error, please report" in err and __version__ in err and "Traceback" not in err


@pytest.mark.parametrize("argv", [["--debug", "permissions"], ["permissions", "--debug"]])
def test_debug_shows_the_traceback_before_or_after_the_command(argv: list[str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    _broken_permissions(monkeypatch)
    with pytest.raises(RuntimeError, match="a bug"):
        main(argv)


def test_debug_after_a_nested_command_is_accepted(malformed_snapshot: Path) -> None:
    with pytest.raises((TypeError, AttributeError, KeyError)):
        main(["iam", "escalation", str(malformed_snapshot), "--debug"])


def test_output_piped_into_head_exits_zero() -> None:
    # `checks --format json` writes more than a pipe holds, so the write after head exits fails.
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", f"{sys.executable} -m cloudwarden checks --format json | head -c 10"],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and len(result.stdout) == 10


# -- selections are checked before any API call --

@pytest.mark.parametrize("option", ["--checks", "--skip-checks"])
@pytest.mark.parametrize("command", ["scan", "collect"])
def test_unknown_check_ids_fail_before_collecting(option: str, command: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    argv = [command, "--endpoint-url", DEAD, option, "s3,nope.nothing"]
    if command == "collect":
        argv += ["--out", str(tmp_path / "x.snapshot")]
    _fails_cleanly(capsys, argv, 2, "nope.nothing", "cloudwarden checks")


# -- nothing finished is lost --

def test_a_failed_write_keeps_the_data_in_a_named_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cloudwarden.cli import output
    from cloudwarden.inventory.snapshot import load_snapshot

    target = tmp_path / "out" / "account.snapshot"
    real_save = output.save_snapshot

    def disk_full_at_target(snapshot: object, path: Path) -> Path:
        if Path(path) == target:
            raise OSError(28, "No space left on device")
        return real_save(snapshot, path)  # type: ignore[arg-type]

    monkeypatch.setattr(output, "save_snapshot", disk_full_at_target)
    snapshot = snapshot_with({"iam.account_summary": {"AccountMFAEnabled": 1}})
    rescued, failure = output.save_or_rescue(snapshot, target)
    assert failure is not None and str(target) in failure.message and "No space left" in failure.message
    assert str(rescued) in (failure.hint or "")
    assert load_snapshot(rescued).get("iam.account_summary") == {"AccountMFAEnabled": 1}


def test_a_write_that_fails_leaves_no_tmp_file(tmp_path: Path) -> None:
    snapshot = snapshot_with({"iam.account_summary": {"when": object()}})  # not JSON-able
    with pytest.raises(TypeError):
        save_snapshot(snapshot, tmp_path / "account.snapshot")
    assert list(tmp_path.iterdir()) == []
