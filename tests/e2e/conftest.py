"""End-to-end fixtures: moto's server in a child process on 127.0.0.1, the demo account planted in it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from cloudwarden.demo.plan import Plan
from cloudwarden.demo.server import DEMO_CREDENTIALS, moto_server_process


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server_process() as url:
        yield url


@pytest.fixture(scope="module")
def demo_account(moto_url: str) -> Plan:
    from cloudwarden.demo.provision import provision

    saved = {k: os.environ.get(k) for k in DEMO_CREDENTIALS}
    os.environ.update(DEMO_CREDENTIALS)
    try:
        return provision(moto_url)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(DEMO_CREDENTIALS)
    return env
