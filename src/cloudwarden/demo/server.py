"""An embedded moto server on 127.0.0.1 (free port) for the demo, tests and benchmarks.

moto must be configured through the environment before it is imported: a one-AMI list instead of
its ~1,300 bundled public snapshots per region, AWS-managed IAM policies loaded, quiet logs.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources

DEMO_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def configure_moto_environment() -> None:
    amis = resources.files("cloudwarden.data").joinpath("demo_amis.json")
    os.environ.setdefault("MOTO_AMIS_PATH", str(amis))
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    # moto issues a requested certificate only after a minute by default: the demo's verdicts must
    # not depend on how long provisioning took.
    os.environ.setdefault("MOTO_ACM_VALIDATION_WAIT", "0")
    for name in ("werkzeug", "moto"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def use_demo_credentials() -> None:
    """Point this process's boto3 at the fake account, never at a real profile."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    os.environ.update(DEMO_CREDENTIALS)


@contextmanager
def embedded_moto() -> Iterator[str]:
    """Start moto's server in a thread on a free loopback port; yield its URL."""
    configure_moto_environment()
    try:
        from moto.moto_server import werkzeug_app
        from moto.server import ThreadedMotoServer
    except ImportError:
        from cloudwarden.core.errors import InputError

        raise InputError("the demo needs moto's server, which is not installed",
                         hint="install the demo extra: pip install 'cloudwarden[demo]'") from None

    # moto prints "Unable to find appropriate backend ..." to stdout for services it lacks
    # (Access Analyzer): that would corrupt our stdout, which users pipe. The gap is recorded anyway.
    werkzeug_app.print = lambda *args, **kwargs: None  # type: ignore[attr-defined]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def moto_server_process(timeout: float = 30.0) -> Iterator[str]:
    """moto's server in a child process on 127.0.0.1 (its own interpreter: no GIL shared with us)."""
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    port = free_port()
    env = dict(os.environ)
    env["MOTO_AMIS_PATH"] = str(resources.files("cloudwarden.data").joinpath("demo_amis.json"))
    env.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    env.setdefault("MOTO_ACM_VALIDATION_WAIT", "0")
    code = ("import logging, sys; logging.getLogger('werkzeug').setLevel(logging.CRITICAL); "
            "from moto.server import main; sys.exit(main(['-H', '127.0.0.1', '-p', sys.argv[1]]))")
    process = subprocess.Popen([sys.executable, "-c", code, str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                urllib.request.urlopen(url + "/moto-api/", timeout=1).close()
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto's server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
