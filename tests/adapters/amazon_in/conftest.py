"""Fixtures for the Amazon adapter tests: the real Amazon sandbox over in-process HTTP, an adapter context
built from its credentials, and a raw authenticated client to fetch real SP-API responses for mapping tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from amazon_support import Env, Raw, RecordingTransport
from tests.sandbox_wiring import sandbox_world


@pytest.fixture
def env() -> Iterator[Env]:
    with sandbox_world(("AMAZON_IN",)) as world:
        sandbox = world["AMAZON_IN"]
        creds = sandbox.create_account()
        sandbox.generate_orders(creds["account_key"], 260)
        sandbox.generate_orders(creds["account_key"], 20, days=1)  # some still waiting to be shipped
        yield Env(world, sandbox, creds, RecordingTransport(world.transport()))


@pytest.fixture
def raw(env: Env) -> Callable[..., Any]:
    return Raw(env).get


@pytest.fixture
def raw_client(env: Env) -> Raw:
    return Raw(env)
