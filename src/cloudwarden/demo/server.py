"""An embedded moto server on 127.0.0.1 (free port) for the demo, tests and benchmarks.

moto must be configured through the environment before it is imported: a one-AMI list instead of
its ~1,300 bundled public snapshots per region, AWS-managed IAM policies loaded, quiet logs.
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from importlib import resources
from typing import Iterator

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
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
