"""The AJIO adapter through the sandbox over HTTP: tokens, paging, windows, errors, inventory, payouts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from ajio_support import Env, window_days
from tests.sandbox_wiring import connect_sandbox_account, runtime_for, sandbox_http

from robnu.adapters.ajio.client import INVENTORY_BATCH, PAGE_SIZE
from robnu.adapters.errors import MarketplaceAuthError, MarketplaceRequestError, TransientMarketplaceError
from robnu.config import Settings
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.records import InventoryPush, OrderRecord, PayoutRecord, Quarantine, ReturnRecord, SyncWindow
from robnu.domain.statuses import SyncRunStatus, ValidationStatus
from robnu.sandbox.faults import FaultKind, FaultRule
from robnu.services.accounts import create_seller
from robnu.services.sync import SyncEngine
from robnu.services.validation import validate_account


def _orders(env: Env, window: SyncWindow, ctx: Any = None) -> list[OrderRecord]:
    out = list(env.adapter.sync_orders(ctx or env.ctx(), window))
    assert not [r for r in out if isinstance(r, Quarantine)]
    return [r for r in out if isinstance(r, OrderRecord)]


def _expected_orders(env: Env, window: SyncWindow) -> set[str]:
    truth = env.sandbox.truth(env.key)["orders"]
    lo, hi = window.start.isoformat(), window.end.isoformat()
    return {k for k, t in truth.items() if lo <= t["updated_at"] < hi}


def _window(env: Env, days: int) -> SyncWindow:
    return SyncWindow(*window_days(env, days))


# ----------------------------------------------------------------- tokens
def test_token_is_minted_once_and_reused(env: Env) -> None:
    w = _window(env, 10)
    _orders(env, w)
    _orders(env, w)
    list(env.adapter.sync_returns(env.ctx(), w))
    assert env.minted() == 1 and env.tokens.puts == 1
    assert len(env.transport.paths("/authToken")) == 1
    token, expires = env.tokens.value or ("", datetime.min)
    assert token and expires == env.world.clock.now() + timedelta(seconds=1800)


def test_token_is_replaced_before_it_expires(env: Env) -> None:
    w = _window(env, 3)
    _orders(env, w)
    env.world.clock.advance(timedelta(minutes=24))  # 6 minutes left: still good
    _orders(env, w)
    assert env.minted() == 1
    env.world.clock.advance(timedelta(minutes=2))  # 4 minutes left: inside the safety margin
    _orders(env, w)
    assert env.minted() == 2
    assert not [c for c in env.transport.calls if c[2] == 401], "the old token was never used past its margin"


def test_expired_token_mid_listing_refreshes_once_and_loses_nothing(env: Env) -> None:
    w = _window(env, 30)
    _orders(env, w)
    env.sandbox.kit.faults.add(FaultRule(FaultKind.TOKEN_EXPIRED, "getOrders", remaining=1))
    got = {o.external_id for o in _orders(env, w)}
    assert got == _expected_orders(env, w)
    assert [c[3] for c in env.transport.calls if c[2] == 401] == ["TOKEN_EXPIRED"]
    assert env.minted() == 2 and env.tokens.clears == 1


def test_superseded_token_is_replaced(env: Env) -> None:
    w = _window(env, 3)
    _orders(env, w)
    env.sandbox.tokens.issue(env.key, env.now())  # another worker minted a token
    env.world.clock.advance(timedelta(seconds=61))  # past the 60 s grace
    _orders(env, w)
    assert [c[3] for c in env.transport.calls if c[2] == 401] == ["TOKEN_SUPERSEDED"]


def test_token_that_keeps_failing_is_not_a_reconnect(env: Env) -> None:
    env.sandbox.kit.faults.add(FaultRule(FaultKind.TOKEN_EXPIRED, "getOrders", remaining=5))
    with pytest.raises(MarketplaceAuthError) as err:
        _orders(env, _window(env, 3))
    assert err.value.needs_reconnect is False and err.value.code == "TOKEN_EXPIRED" and err.value.http_status == 401


def test_wrong_password_needs_reconnect_and_hides_the_secret(env: Env) -> None:
    bad = {**env.creds, "api_password": "Wrong-Passw0rd-123"}
    with pytest.raises(MarketplaceAuthError) as err:
        _orders(env, _window(env, 3), env.ctx(bad))
    assert err.value.needs_reconnect and err.value.http_status == 401 and err.value.code == "INVALID_CREDENTIALS"
    outcome = env.adapter.validate_credentials(env.ctx(bad))
    assert outcome.status is ValidationStatus.INVALID and outcome.code == "INVALID_CREDENTIALS"
    assert outcome.http_status == 401 and outcome.message
    for secret in ("Wrong-Passw0rd-123", env.creds["api_password"]):
        assert secret not in outcome.message and secret not in str(err.value)


def test_revoked_mid_run_needs_reconnect(env: Env) -> None:
    w = _window(env, 30)
    env.sandbox.kit.faults.add(FaultRule(FaultKind.REVOKED_CREDENTIALS, "getOrders", remaining=1))
    with pytest.raises(MarketplaceAuthError) as err:
        _orders(env, w)
    assert err.value.needs_reconnect and err.value.http_status == 403 and err.value.code == "POB_INACTIVE"
    outcome = env.adapter.validate_credentials(env.ctx())
    assert outcome.status is ValidationStatus.INVALID and outcome.http_status == 403


def test_validation_valid_and_outage(env: Env) -> None:
    assert env.adapter.validate_credentials(env.ctx()).status is ValidationStatus.VALID
    env.sandbox.kit.faults.add(FaultRule(FaultKind.SERVER_ERROR, "getProductsCount", remaining=10))
    outcome = env.adapter.validate_credentials(env.ctx(max_retries=2))
    assert outcome.status is ValidationStatus.ERROR and outcome.http_status == 500


def test_server_errors_after_retries_are_transient(env: Env) -> None:
    env.sandbox.kit.faults.add(FaultRule(FaultKind.SERVER_ERROR, "getReturns", remaining=10, params={"status": 503}))
    with pytest.raises(TransientMarketplaceError) as err:
        list(env.adapter.sync_returns(env.ctx(max_retries=2), _window(env, 3)))
    assert err.value.http_status == 503


def test_a_request_the_marketplace_refuses_is_a_request_error(env: Env) -> None:
    with env.adapter.open_client(env.ctx()) as client, pytest.raises(MarketplaceRequestError) as err:
        client.update_inventory([{"sku": f"X{i}", "quantity": 1} for i in range(INVENTORY_BATCH + 1)])
    assert err.value.http_status == 400 and "TOO_MANY_ITEMS" in str(err.value)


# ------------------------------------------------------------------ paging
def test_orders_stream_page_by_page_over_chunked_windows(env: Env) -> None:
    w = _window(env, 45)  # more than one 30-day /orders window and seven 7-day pendency windows
    got = _orders(env, w)
    ids = [o.external_id for o in got]
    assert len(ids) == len(set(ids)) and set(ids) == _expected_orders(env, w)
    orders_calls = env.transport.paths("/orders")
    pendency_calls = env.transport.paths("/orders/pendency")
    assert len(orders_calls) >= 3 and len(pendency_calls) == 7  # two windows, one of them paged
    assert any(o.raw_status == "PENDENCY" for o in got)
    stream = env.adapter.sync_orders(env.ctx(), w)
    first = next(stream)  # nothing is fetched past the first page before the first record is used
    assert isinstance(first, OrderRecord) and len(env.transport.paths("/orders")) == len(orders_calls) + 1
    stream.close()


@pytest.mark.parametrize(
    "kinds",
    [
        (FaultKind.DUPLICATE_ACROSS_PAGES,),
        (FaultKind.CHANGE_BETWEEN_PAGES,),
        (FaultKind.CHANGE_BETWEEN_PAGES, FaultKind.DUPLICATE_ACROSS_PAGES),
    ],
)
def test_page_faults_lose_and_repeat_nothing(env: Env, kinds: tuple[FaultKind, ...]) -> None:
    w = _window(env, 30)
    want = _expected_orders(env, w)
    assert len(want) > PAGE_SIZE
    for kind in kinds:
        env.sandbox.kit.faults.add(FaultRule(kind, "getOrders", remaining=1))
    got = [o.external_id for o in _orders(env, w)]
    assert {k for k, _ in env.sandbox.kit.faults.fired} == {k.value for k in kinds}
    assert len(got) == len(set(got)) or FaultKind.CHANGE_BETWEEN_PAGES in kinds  # a step back re-reads
    still_in_window = _expected_orders(env, w)  # a changed order moved past the window end: next run's
    assert set(got) >= still_in_window and set(got) <= want


def test_returns_under_page_faults(env: Env) -> None:
    w = _window(env, 30)
    truth = env.sandbox.truth(env.key)["returns"]
    want = {k for k, t in truth.items() if w.start.isoformat() <= t["updated_at"] < w.end.isoformat()}
    env.sandbox.kit.faults.add(FaultRule(FaultKind.DUPLICATE_ACROSS_PAGES, "getReturns", remaining=1))
    got = [r for r in env.adapter.sync_returns(env.ctx(), w) if isinstance(r, ReturnRecord)]
    assert {r.external_id for r in got} == want and len(got) == len(want)


# ----------------------------------------------------------------- payouts
def test_payouts_from_the_statement_and_fallback_to_lines(env: Env) -> None:
    w = _window(env, 45)
    truth = env.sandbox.truth(env.key)["payouts"]
    got = [p for p in env.adapter.sync_payouts(env.ctx(), w) if isinstance(p, PayoutRecord)]
    assert got and {p.external_id for p in got} <= set(truth)
    for p in got:
        assert str(p.net_amount) == truth[p.external_id]["net"] and sum(ln.amount for ln in p.lines) == p.net_amount
        assert len(p.lines) == truth[p.external_id]["lines"]
    assert not env.transport.paths(f"/payments/settlements/{got[0].external_id}/lines")
    env.sandbox.kit.faults.add(FaultRule(FaultKind.TRUNCATED_BODY, "getSettlementStatement", remaining=2))
    again = [p for p in env.adapter.sync_payouts(env.ctx(), w) if isinstance(p, PayoutRecord)]
    assert [(p.external_id, p.net_amount, len(p.lines)) for p in again] == [
        (p.external_id, p.net_amount, len(p.lines)) for p in got
    ]
    assert env.transport.paths(f"/payments/settlements/{got[0].external_id}/lines")


# --------------------------------------------------------------- inventory
def _pushes(env: Env, n: int) -> list[InventoryPush]:
    skus = sorted(env.sandbox.world.book(env.key).account.products)[:n]
    return [InventoryPush(i + 1, sku, None, sku, 10 + i, 1) for i, sku in enumerate(skus)]


def test_inventory_goes_in_batches_of_50_with_per_sku_results(env: Env) -> None:
    pushes = _pushes(env, 120)
    pushes.append(InventoryPush(999, "GHOST", None, "GHOST-SKU", 4, 1))
    results = env.adapter.push_inventory(env.ctx(), pushes)
    assert len(env.transport.paths("/updateInventory")) == 3
    by_task = {r.task_id: r for r in results}
    assert len(results) == len(pushes)
    assert all(by_task[p.task_id].ok for p in pushes[:-1])
    ghost = by_task[999]
    assert not ghost.ok and ghost.retryable is False and "GHOST-SKU" in (ghost.error or "")
    latest = env.sandbox.pushed(env.key)["inventory_latest"]
    assert all(latest[p.listing_external_id] == p.quantity for p in pushes[:-1])


def test_inventory_batch_that_keeps_failing_stays_retryable(env: Env) -> None:
    pushes = _pushes(env, 60)
    env.sandbox.kit.faults.add(FaultRule(FaultKind.SERVER_ERROR, "updateInventory", remaining=3))
    results = env.adapter.push_inventory(env.ctx(max_retries=2), pushes)
    first, second = results[:INVENTORY_BATCH], results[INVENTORY_BATCH:]
    assert all(not r.ok and r.retryable for r in first)
    assert all(r.ok for r in second)


# ------------------------------------------------- through the runtime (DB token cache)
def test_token_cache_survives_across_runs_in_the_database(env: Env, settings: Settings) -> None:
    http = sandbox_http(env.world, transport=env.transport, backoff_cap=0.005)
    with runtime_for(env.world, settings, http=http, backfill_days=45) as rt:
        seller = create_seller(rt, "AJIO adapter test")
        account, _ = connect_sandbox_account(rt, env.world, "AJIO", seller, creds=env.creds)
        assert validate_account(rt, account).status is ValidationStatus.VALID
        engine = SyncEngine(rt)
        for target in (ScheduleTarget.ORDERS, ScheduleTarget.RETURNS, ScheduleTarget.PAYOUTS):
            outcome = engine.run(account, target)
            assert outcome.status is SyncRunStatus.SUCCEEDED and outcome.inserted > 0, outcome
        assert env.minted() == 1  # validation's token served every run, read back from the encrypted cache
