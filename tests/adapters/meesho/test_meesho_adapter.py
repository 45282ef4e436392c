"""The Meesho adapter through the real sandbox over HTTP: signing (no tokens), validation, paging and
page faults, clock skew, date windows, each error class, returns, payouts, inventory push."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from meesho_adapter_support import Env

from robnu.adapters.errors import MarketplaceAuthError, MarketplaceRequestError, TransientMarketplaceError
from robnu.adapters.meesho.client import INVENTORY_BATCH, PAGE_SIZE
from robnu.domain.clock import ManualClock
from robnu.domain.records import (
    InventoryPush,
    OrderRecord,
    PayoutRecord,
    Quarantine,
    ReturnRecord,
    SyncWindow,
)
from robnu.domain.statuses import ValidationStatus
from robnu.sandbox.faults import FaultKind, FaultRule

ORDERS = "/v1/sub-orders"


def _orders(env: Env, window: SyncWindow, ctx: Any = None) -> list[OrderRecord]:
    out = list(env.adapter.sync_orders(ctx or env.ctx(), window))
    assert not [r for r in out if isinstance(r, Quarantine)]
    return [r for r in out if isinstance(r, OrderRecord)]


def _fault(env: Env, kind: FaultKind, operation: str, remaining: int = 1, **params: Any) -> None:
    env.sandbox.kit.faults.add(FaultRule(kind, operation, remaining=remaining, params=params))


def _fired(env: Env) -> set[str]:
    return {k for k, _ in env.sandbox.kit.faults.fired}


# ----------------------------------------------------------------- signing, no tokens
def test_every_request_is_signed_afresh_and_no_token_is_used(env: Env) -> None:
    _fault(env, FaultKind.SERVER_ERROR, "listSubOrders", remaining=2, status=503)
    _orders(env, env.window(5))  # the token store raises if touched (UntouchedTokens)
    nonces = [h["x-nonce"] for h in env.transport.headers]
    assert len(nonces) == len(set(nonces)) >= 3, "a retried request must carry a new nonce"
    for h in env.transport.headers:
        assert h["x-api-key"] == env.creds["api_key"] and len(h["x-signature"]) == 64
        assert env.creds["api_secret"] not in str(h)
        assert "authorization" not in h


# ----------------------------------------------------------------- validation
def test_validation_valid(env: Env) -> None:
    outcome = env.adapter.validate_credentials(env.ctx())
    assert outcome.status is ValidationStatus.VALID
    assert env.transport.calls == [("GET", "/v1/settings/acceptance", 200, None)]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"api_secret": "msk_test_" + "0" * 32}, 401, "HMAC_MISMATCH"),
        ({"api_key": "mk_test_unknown1"}, 401, "INVALID_API_KEY"),
    ],
)
def test_validation_refused_credentials_are_invalid(env: Env, change: dict[str, str], status: int, code: str) -> None:
    outcome = env.adapter.validate_credentials(env.ctx({**env.creds, **change}))
    assert outcome.status is ValidationStatus.INVALID and outcome.needs_reconnect
    assert (outcome.http_status, outcome.code) == (status, code)
    for secret in (env.creds["api_secret"], env.creds["api_key"], *change.values()):
        assert secret not in (outcome.message or "")


def test_validation_revoked_key_is_invalid(env: Env) -> None:
    env.sandbox.revoke(env.key)
    outcome = env.adapter.validate_credentials(env.ctx())
    assert (outcome.status, outcome.http_status, outcome.code) == (ValidationStatus.INVALID, 403, "API_KEY_DISABLED")


def test_validation_outage_is_error_not_invalid(env: Env) -> None:
    _fault(env, FaultKind.SERVER_ERROR, "getAcceptance", remaining=-1, status=503)
    outcome = env.adapter.validate_credentials(env.ctx(max_retries=2))
    assert outcome.status is ValidationStatus.ERROR and not outcome.needs_reconnect
    assert outcome.http_status == 503 and len(env.transport.calls) == 3


# ----------------------------------------------------------------- orders: windows and paging
def test_full_backfill_matches_truth_across_30_day_windows_and_pages(env: Env) -> None:
    window = env.window(45)
    got = _orders(env, window)
    ids = [r.external_id for r in got]
    assert len(ids) == len(set(ids)), "a sub-order was yielded twice"
    expected = env.expected_orders(window)
    assert set(ids) == set(expected)
    for r in got:
        assert r.raw_status == expected[r.external_id]["status"]
        assert window.start <= r.source_updated_at < window.end
    calls = env.transport.paths(ORDERS)
    assert len(calls) >= 4 and all(c[2] == 200 for c in calls)  # two windows (<= 30 days), several pages
    assert len(ids) > PAGE_SIZE


def test_orders_stream_page_by_page(env: Env) -> None:
    records = env.adapter.sync_orders(env.ctx(), env.window(20))
    first = next(records)
    assert isinstance(first, OrderRecord)
    assert len(env.transport.paths(ORDERS)) == 1  # nothing read ahead
    records.close()


def test_incremental_window_sees_status_changes(env: Env) -> None:
    window = env.window(45)
    before = {r.external_id: r for r in _orders(env, window)}
    env.world.clock.advance(timedelta(days=2))
    later = SyncWindow(window.end - timedelta(minutes=5), env.world.clock.now() - timedelta(seconds=120))
    changed = _orders(env, later)
    assert changed and {r.external_id for r in changed} == set(env.expected_orders(later))
    moved = [r for r in changed if r.external_id in before and r.raw_status != before[r.external_id].raw_status]
    assert moved, "no status change arrived"


@pytest.mark.parametrize(
    "kind", [FaultKind.PAGE_TOKEN_EXPIRED, FaultKind.DUPLICATE_ACROSS_PAGES, FaultKind.CHANGE_BETWEEN_PAGES]
)
def test_page_faults_lose_and_repeat_nothing(env: Env, kind: FaultKind) -> None:
    window = env.window(25)
    expected = env.expected_orders(window)
    _fault(env, kind, "listSubOrders")
    got = [r.external_id for r in _orders(env, window)]
    assert kind.value in _fired(env)
    counts = Counter(got)
    assert not [k for k, n in counts.items() if n > 1], "a record was yielded twice"
    missing = set(expected) - set(got)
    if kind is FaultKind.CHANGE_BETWEEN_PAGES:  # the touched record moved past the window: already served
        assert not missing
    assert not missing


def test_expired_cursor_restarts_the_listing(env: Env) -> None:
    _fault(env, FaultKind.PAGE_TOKEN_EXPIRED, "listSubOrders", remaining=2)
    window = env.window(25)
    ctx = env.ctx()
    got = _orders(env, window, ctx)
    assert {r.external_id for r in got} == set(env.expected_orders(window))
    assert [c[3] for c in env.transport.paths(ORDERS)].count("INVALID_CURSOR") == 2


def test_a_cursor_that_never_works_is_an_error_not_a_loop(env: Env) -> None:
    _fault(env, FaultKind.PAGE_TOKEN_EXPIRED, "listSubOrders", remaining=-1)
    with pytest.raises(TransientMarketplaceError, match="kept expiring"):
        _orders(env, env.window(25))


# ----------------------------------------------------------------- clock skew
def test_clock_skew_answer_is_recovered_from_server_time(env: Env) -> None:
    _fault(env, FaultKind.CLOCK_SKEW, "listSubOrders", skew_seconds=900)
    window = env.window(10)
    assert {r.external_id for r in _orders(env, window)} == set(env.expected_orders(window))
    assert "TIMESTAMP_OUT_OF_WINDOW" in env.transport.codes()
    assert "clock_skew" in _fired(env)


def test_a_wrong_local_clock_is_corrected_once_per_client(env: Env) -> None:
    ctx = env.ctx()
    ctx.clock = ManualClock(env.world.clock.now() - timedelta(minutes=20))  # our clock is 20 minutes late
    window = env.window(30)
    client = env.adapter.open_client(ctx)
    try:
        rows = [o for page in client.sub_orders(window.start, window.end) for o in page]
    finally:
        client.close()
    assert {o["sub_order_no"] for o in rows} == set(env.expected_orders(window))
    assert env.transport.codes() == ["TIMESTAMP_OUT_OF_WINDOW"]
    assert client.signer.offset == 20 * 60


# ----------------------------------------------------------------- error classes
def test_revoked_mid_run_asks_for_reconnect(env: Env) -> None:
    records = env.adapter.sync_orders(env.ctx(), env.window(45))
    next(records)
    env.sandbox.revoke(env.key)
    with pytest.raises(MarketplaceAuthError) as caught:
        list(records)
    assert caught.value.needs_reconnect and (caught.value.http_status, caught.value.code) == (403, "API_KEY_DISABLED")


def test_revoked_credentials_fault(env: Env) -> None:
    _fault(env, FaultKind.REVOKED_CREDENTIALS, "listReturns")
    with pytest.raises(MarketplaceAuthError) as caught:
        list(env.adapter.sync_returns(env.ctx(), env.window(10)))
    assert caught.value.needs_reconnect and caught.value.code == "API_KEY_DISABLED"


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        (FaultKind.RATE_LIMIT, {}),
        (FaultKind.SERVER_ERROR, {"status": 500}),
        (FaultKind.DROP_CONNECTION, {}),
        (FaultKind.MALFORMED_BODY, {}),
        (FaultKind.TRUNCATED_BODY, {}),
    ],
)
def test_transient_faults_are_retried_then_raised(env: Env, kind: FaultKind, params: dict[str, Any]) -> None:
    window = env.window(10)
    _fault(env, kind, "listSubOrders", remaining=2, **params)
    assert {r.external_id for r in _orders(env, window)} == set(env.expected_orders(window))
    env.sandbox.kit.faults.clear()
    _fault(env, kind, "listSubOrders", remaining=-1, **params)
    with pytest.raises(TransientMarketplaceError):
        _orders(env, window, env.ctx(max_retries=2))


def test_a_4xx_is_a_request_error_without_retry(env: Env) -> None:
    with env.adapter.open_client(env.ctx()) as client, pytest.raises(MarketplaceRequestError) as caught:
        client.data("getSubOrder", "/v1/sub-orders/000000000000000000_9")
    assert caught.value.http_status == 404 and len(env.transport.calls) == 1


def test_rate_limited_answers_honour_retry_after(env: Env) -> None:
    _fault(env, FaultKind.RATE_LIMIT, "getAcceptance", remaining=1)
    assert env.adapter.validate_credentials(env.ctx()).status is ValidationStatus.VALID
    assert [c[2] for c in env.transport.calls] == [429, 200]


# ----------------------------------------------------------------- returns and payouts
def test_returns_match_truth_with_page_faults(env: Env) -> None:
    window = env.window(45)
    _fault(env, FaultKind.DUPLICATE_ACROSS_PAGES, "listReturns")
    _fault(env, FaultKind.PAGE_TOKEN_EXPIRED, "listReturns")
    out = list(env.adapter.sync_returns(env.ctx(), window))
    got = [r for r in out if isinstance(r, ReturnRecord)]
    assert len(got) == len(out)
    ids = [r.external_id for r in got]
    assert len(ids) == len(set(ids)) and set(ids) == set(env.expected_returns(window))


def test_payouts_match_truth_and_lines_add_up_despite_line_faults(env: Env) -> None:
    _fault(env, FaultKind.DUPLICATE_ACROSS_PAGES, "listSettlementLines")
    _fault(env, FaultKind.PAGE_TOKEN_EXPIRED, "listSettlementLines")
    out = list(env.adapter.sync_payouts(env.ctx(), env.window(45)))
    got = [r for r in out if isinstance(r, PayoutRecord)]
    assert got and len(got) == len(out)
    truth = env.sandbox.truth(env.key)["payouts"]
    for p in got:
        assert p.net_amount == Decimal(truth[p.external_id]["net"]) == sum(ln.amount for ln in p.lines)
        assert len(p.lines) == truth[p.external_id]["lines"] == len({ln.external_id for ln in p.lines})
    assert {"duplicate_across_pages", "page_token_expired"} <= _fired(env)


def _payouts(env: Env, window: SyncWindow) -> dict[str, PayoutRecord]:
    return {p.external_id: p for p in env.adapter.sync_payouts(env.ctx(), window) if isinstance(p, PayoutRecord)}


def test_settlement_turns_paid_with_a_newer_update_time(env: Env) -> None:
    """FIXED_NOW is a Friday: on Monday the week closes (SCHEDULED), on Wednesday it is paid."""
    env.world.clock.advance(timedelta(days=3))
    scheduled = {k: p for k, p in _payouts(env, env.window(10)).items() if p.raw_status == "SCHEDULED"}
    assert scheduled
    env.world.clock.advance(timedelta(days=2))
    paid = _payouts(env, env.window(3))
    for k, before in scheduled.items():
        after = paid[k]
        assert after.raw_status == "PAID" and after.paid_at is not None
        assert after.source_updated_at > before.source_updated_at and after.net_amount == before.net_amount


# ----------------------------------------------------------------- inventory
def _products(env: Env) -> list[Any]:
    return sorted(env.sandbox.world.account(env.key).products.values(), key=lambda p: p.sku)


def test_inventory_push_batches_of_50_with_permanent_and_transient_failures(env: Env) -> None:
    products = [p for p in _products(env) if p.status == "LIVE"]
    pushes = [InventoryPush(i, p.sku, p.variation_id, p.sku, 10 + i, 1) for i, p in enumerate(products)]
    pushes.append(InventoryPush(9999, "NO-SUCH", None, "NO-SUCH", 1, 1))
    pushes += [InventoryPush(5000 + i, f"NO-SUCH-{i}", None, f"NO-SUCH-{i}", 1, 1) for i in range(12)]
    assert len(pushes) > INVENTORY_BATCH
    paused = next((p for p in _products(env) if p.status == "PAUSED"), None)
    if paused is not None:
        pushes.append(InventoryPush(9998, paused.sku, None, paused.sku, 1, 1))
    _fault(env, FaultKind.SERVER_ERROR, "updateInventory", remaining=1, status=503)
    results = {r.task_id: r for r in env.adapter.push_inventory(env.ctx(), pushes)}
    assert set(results) == {p.task_id for p in pushes}
    assert all(results[p.task_id].ok for p in pushes[: len(products)])
    unknown = results[9999]
    assert not unknown.ok and not unknown.retryable and "UNKNOWN_SKU" in (unknown.error or "")
    if paused is not None:
        assert not results[9998].ok and not results[9998].retryable
    posts = [c for c in env.transport.paths("/v1/inventory") if c[0] == "POST"]
    assert len([c for c in posts if c[2] == 200]) == -(-len(pushes) // INVENTORY_BATCH)
    latest = env.sandbox.pushed(env.key)["inventory_latest"]
    assert all(latest[p.sku]["quantity"] == 10 + i for i, p in enumerate(products))


def test_inventory_outage_leaves_the_batch_retryable(env: Env) -> None:
    product = _products(env)[0]
    _fault(env, FaultKind.SERVER_ERROR, "updateInventory", remaining=-1, status=503)
    [result] = env.adapter.push_inventory(
        env.ctx(max_retries=1), [InventoryPush(1, product.sku, None, product.sku, 3, 1)]
    )
    assert not result.ok and result.retryable
