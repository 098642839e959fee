"""End-to-end fixtures: moto's server in a child process on 127.0.0.1, the demo account planted in it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from cloudwarden.demo.plan import Plan
from cloudwarden.demo.server import DEMO_CREDENTIALS, moto_server_process
from tests.helpers import scoped_env


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server_process() as url:
        yield url


@pytest.fixture(scope="module")
def demo_account(moto_url: str) -> Plan:
    from cloudwarden.demo.provision import provision

    with scoped_env(DEMO_CREDENTIALS):
        return provision(moto_url)


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(DEMO_CREDENTIALS)
    return env
