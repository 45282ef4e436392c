"""A cached access token that does not open is dropped and fetched again: a copied or damaged
``marketplace_access_tokens`` row no longer fails every sync of the account until someone re-validates it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import update

from robnu.config import Settings
from robnu.db.models import MarketplaceAccessToken
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.statuses import SyncRunStatus
from robnu.sandbox.world import SandboxWorld
from robnu.services.accounts import create_seller
from robnu.services.runtime import Runtime
from robnu.services.sync import SyncEngine
from tests.sandbox_wiring import connect_sandbox_account, wired_runtime


@pytest.fixture
def two_ajio(settings: Settings) -> Iterator[tuple[SandboxWorld, Runtime, int, int]]:
    with wired_runtime(settings, ("AJIO",), backfill_days=10) as (world, rt):
        seller = create_seller(rt, "Token cache test")
        accounts = []
        for _ in range(2):
            creds = world["AJIO"].create_account()
            world["AJIO"].generate_orders(creds["account_key"], 5)
            accounts.append(connect_sandbox_account(rt, world, "AJIO", seller, creds=creds)[0])
        yield world, rt, accounts[0], accounts[1]


def _sealed(rt: Runtime, account: int) -> str:
    with rt.sessions() as s:
        row = s.get(MarketplaceAccessToken, account)
        assert row is not None
        return row.token_ciphertext


def _set_sealed(rt: Runtime, account: int, value: str) -> None:
    with rt.session() as s:
        s.execute(
            update(MarketplaceAccessToken)
            .where(MarketplaceAccessToken.marketplace_account_id == account)
            .values(token_ciphertext=value)
        )


def test_a_token_copied_from_another_account_is_dropped_and_refetched(
    two_ajio: tuple[SandboxWorld, Runtime, int, int],
) -> None:
    _, rt, a, b = two_ajio
    engine = SyncEngine(rt)
    for account in (a, b):
        assert engine.run(account, ScheduleTarget.ORDERS).status is SyncRunStatus.SUCCEEDED
    copied = _sealed(rt, a)
    _set_sealed(rt, b, copied)  # a restored backup, a bad manual fix: b's row now holds a's token

    outcome = engine.run(b, ScheduleTarget.ORDERS, since=rt.clock.now().replace(hour=0))
    assert outcome.status is SyncRunStatus.SUCCEEDED, outcome.error
    assert _sealed(rt, b) != copied  # a fresh token for b replaced the copy


def test_a_damaged_token_is_dropped_and_refetched(two_ajio: tuple[SandboxWorld, Runtime, int, int]) -> None:
    _, rt, a, _ = two_ajio
    engine = SyncEngine(rt)
    assert engine.run(a, ScheduleTarget.ORDERS).status is SyncRunStatus.SUCCEEDED
    sealed = _sealed(rt, a)
    for damaged in (sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:], sealed[:40], "v1$gone$x$y"):
        _set_sealed(rt, a, damaged)
        outcome = engine.run(a, ScheduleTarget.RETURNS)
        assert outcome.status is SyncRunStatus.SUCCEEDED, (damaged[:12], outcome.error)
        assert _sealed(rt, a) != damaged
