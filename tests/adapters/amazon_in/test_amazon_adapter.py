"""The Amazon adapter through the real sandbox over HTTP: tokens, pagination, faults, error classes, inventory."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from amazon_support import LWA_PATH, Env

from robnu.adapters.amazon_in.auth import TOKEN_MARGIN
from robnu.adapters.amazon_in.client import LIMITS
from robnu.adapters.errors import MarketplaceAuthError, MarketplaceRequestError, TransientMarketplaceError
from robnu.domain.records import (
    InventoryPush,
    ListingRecord,
    OrderRecord,
    PayoutRecord,
    Quarantine,
    ReturnRecord,
    SyncWindow,
)
from robnu.domain.statuses import ReturnKind, ValidationStatus
from robnu.sandbox.faults import FaultKind, FaultRule

SEARCH = "/orders/2026-01-01/orders"
TXNS = "/finances/2024-06-19/transactions"


def _window(env: Env, days: int = 45) -> SyncWindow:
    now = env.world.clock.now()
    return SyncWindow(now - timedelta(days=days), now - timedelta(minutes=2))


def _orders(env: Env, **ctx: Any) -> list[OrderRecord]:
    records = list(env.adapter.sync_orders(env.ctx(**ctx), _window(env)))
    assert not [r for r in records if isinstance(r, Quarantine)]
    return [r for r in records if isinstance(r, OrderRecord)]


def _visible_truth(env: Env) -> dict[str, Any]:
    horizon = (env.world.clock.now() - timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {k: v for k, v in env.sandbox.truth(env.key)["orders"].items() if v["updated_at"] < horizon}


def _fault(env: Env, kind: FaultKind, operation: str, remaining: int = 1, **params: Any) -> None:
    env.sandbox.kit.faults.add(FaultRule(kind, operation, remaining=remaining, params=params))


# ------------------------------------------------------------------ tokens


def test_token_is_cached_and_reused_across_runs(env: Env) -> None:
    _orders(env)
    _orders(env)
    assert env.transport.count(LWA_PATH) == 1
    assert env.tokens.puts == 1 and env.tokens.value is not None
    assert env.tokens.value[0].startswith("Atza|")
    sent = {c.headers.get("x-amz-access-token") for c in env.transport.calls if c.path == SEARCH}
    assert sent == {env.tokens.value[0]}
    assert all("authorization" not in c.headers for c in env.transport.calls if c.path == SEARCH)


def test_token_is_refreshed_before_it_expires(env: Env) -> None:
    _orders(env)
    assert env.tokens.value is not None
    first, expires = env.tokens.value
    # still well inside its life: reused
    env.world.clock.advance(timedelta(minutes=30))
    _orders(env)
    assert env.transport.count(LWA_PATH) == 1
    # inside the safety margin, though Amazon would still take it: a new one is minted first
    env.world.clock.advance(expires - env.world.clock.now() - TOKEN_MARGIN + timedelta(seconds=1))
    _orders(env)
    assert env.transport.count(LWA_PATH) == 2
    assert env.tokens.value is not None and env.tokens.value[0] != first
    assert not [c for c in env.transport.calls if c.status == 403]  # never sent a stale token


def test_expired_token_mid_run_is_refreshed_once(env: Env) -> None:
    _orders(env)
    _fault(env, FaultKind.TOKEN_EXPIRED, "searchOrders")
    records = _orders(env, http=env.factory())
    assert len(records) == len(_visible_truth(env))
    assert env.transport.count(LWA_PATH) == 2
    assert env.tokens.clears == 1
    assert [c.status for c in env.transport.calls if c.status == 403] == [403]


def test_revoked_credentials_ask_for_reconnect(env: Env) -> None:
    _orders(env)
    env.sandbox.revoke(env.key)
    with pytest.raises(MarketplaceAuthError) as caught:
        _orders(env)
    assert caught.value.needs_reconnect and caught.value.http_status == 400 and caught.value.code == "invalid_grant"
    for secret in ("lwa_client_secret", "refresh_token", "lwa_client_id"):
        assert env.creds[secret] not in str(caught.value)


def test_revoked_mid_run_on_an_api_call(env: Env) -> None:
    _fault(env, FaultKind.REVOKED_CREDENTIALS, "listFinancialEventGroups")
    with pytest.raises(MarketplaceAuthError) as caught:
        list(env.adapter.sync_payouts(env.ctx(), _window(env)))
    assert caught.value.needs_reconnect


def test_lwa_outage_is_not_a_reconnect(env: Env) -> None:
    _fault(env, FaultKind.SERVER_ERROR, "lwaToken", remaining=-1, status=503)
    with pytest.raises(TransientMarketplaceError):
        _orders(env)
    outcome = env.adapter.validate_credentials(env.ctx())
    assert outcome.status is ValidationStatus.ERROR and not outcome.needs_reconnect


# ------------------------------------------------------------------ validation


def test_validate_good_bad_revoked(env: Env) -> None:
    good = env.adapter.validate_credentials(env.ctx())
    assert good.status is ValidationStatus.VALID
    bad = env.adapter.validate_credentials(env.ctx({**env.creds, "lwa_client_secret": "wrong-secret-123"}))
    assert (bad.status, bad.http_status, bad.code) == (ValidationStatus.INVALID, 401, "invalid_client")
    wrong_grant = env.adapter.validate_credentials(env.ctx({**env.creds, "refresh_token": "Atzr|not-the-right-one"}))
    assert (wrong_grant.status, wrong_grant.http_status, wrong_grant.code) == (
        ValidationStatus.INVALID,
        400,
        "invalid_grant",
    )
    env.sandbox.revoke(env.key)
    revoked = env.adapter.validate_credentials(env.ctx())
    assert revoked.status is ValidationStatus.INVALID and revoked.message
    for outcome in (bad, wrong_grant, revoked):
        for key in ("lwa_client_secret", "refresh_token", "lwa_client_id"):
            assert env.creds[key] not in (outcome.message or "")


def test_validate_on_a_5xx_after_retries_is_error(env: Env) -> None:
    _fault(env, FaultKind.SERVER_ERROR, "searchOrders", remaining=-1, status=500)
    outcome = env.adapter.validate_credentials(env.ctx())
    assert outcome.status is ValidationStatus.ERROR and outcome.http_status == 500


# ------------------------------------------------------------------ orders: pagination and page faults


def test_orders_are_paged_and_complete(env: Env) -> None:
    records = _orders(env)
    truth = _visible_truth(env)
    assert {r.external_id for r in records} == set(truth)
    searches = [c for c in env.transport.calls if c.path == SEARCH]
    assert len(searches) == -(-len(truth) // 100)  # 100 per page, no per-order call
    assert not [c for c in env.transport.calls if c.path.startswith("/orders/") and c.path != SEARCH]
    first, *rest = searches
    assert "paginationToken" not in first.params
    assert all("paginationToken" in c.params for c in rest)
    for c in searches:  # the same filters with every token
        assert c.params["lastUpdatedAfter"] == first.params["lastUpdatedAfter"]
        assert c.params["lastUpdatedBefore"] == first.params["lastUpdatedBefore"]
        assert set(c.params["includedData"].split(",")) >= {"FULFILLMENT", "PACKAGES", "PROCEEDS"}


def test_expired_page_token_restarts_the_listing(env: Env) -> None:
    _fault(env, FaultKind.PAGE_TOKEN_EXPIRED, "searchOrders")
    records = _orders(env)
    assert {r.external_id for r in records} == set(_visible_truth(env))
    assert [c.code for c in env.transport.calls if c.status == 400] == ["InvalidInput"]


def test_duplicates_and_changes_between_pages_lose_nothing(env: Env) -> None:
    _fault(env, FaultKind.DUPLICATE_ACROSS_PAGES, "searchOrders")
    _fault(env, FaultKind.CHANGE_BETWEEN_PAGES, "searchOrders")
    records = _orders(env)
    counts = Counter(r.external_id for r in records)
    assert set(_visible_truth(env)) <= set(counts)
    assert max(counts.values()) == 2  # the repeat is passed on; the engine upserts it


def test_page_tokens_rejected_forever_give_up(env: Env) -> None:
    _fault(env, FaultKind.PAGE_TOKEN_EXPIRED, "searchOrders", remaining=-1)
    with pytest.raises(TransientMarketplaceError):
        _orders(env)


# ------------------------------------------------------------------ error classes


@pytest.mark.parametrize(
    "kind",
    [
        FaultKind.RATE_LIMIT,
        FaultKind.SERVER_ERROR,
        FaultKind.DROP_CONNECTION,
        FaultKind.MALFORMED_BODY,
        FaultKind.TRUNCATED_BODY,
    ],
)
def test_transient_faults_are_retried(env: Env, kind: FaultKind) -> None:
    _fault(env, kind, "searchOrders", remaining=2, status=503)
    assert {r.external_id for r in _orders(env)} == set(_visible_truth(env))
    assert env.sandbox.kit.faults.fired


def test_persistent_throttling_is_transient_error(env: Env) -> None:
    _fault(env, FaultKind.RATE_LIMIT, "searchOrders", remaining=-1)
    with pytest.raises(TransientMarketplaceError) as caught:
        _orders(env, max_retries=2)
    assert caught.value.http_status == 429


def test_a_refused_request_is_a_request_error_with_amazons_code(env: Env) -> None:
    with env.adapter.open_client(env.ctx()) as client, pytest.raises(MarketplaceRequestError) as caught:
        # SP-API refuses a window ending less than 2 minutes before now
        next(client.search_orders(env.world.clock.now() - timedelta(days=1), env.world.clock.now()))
    assert caught.value.http_status == 400 and caught.value.code == "InvalidInput"
    assert env.adapter.min_safety_lag_seconds == 120


class _Waited(Exception):
    pass


def test_client_paces_itself_on_the_published_limits(env: Env) -> None:
    assert LIMITS["searchOrders"].rate == 0.0056 and LIMITS["searchOrders"].burst == 20
    ctx = env.ctx(rate_scale=1.0)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        raise _Waited  # stop here: the client would wait this long for a searchOrders token

    ctx.http.policy.sleep = sleep
    with env.adapter.open_client(ctx) as first, env.adapter.open_client(ctx) as second:
        assert first.api.limiter is second.api.limiter  # one bucket per selling partner, across syncs
        for _ in range(20):
            first.api.limiter.acquire("searchOrders")
        assert not slept
        with pytest.raises(_Waited):
            second.api.limiter.acquire("searchOrders")
        assert slept[0] == pytest.approx(1 / 0.0056, rel=0.01)
    list(env.adapter.sync_orders(env.ctx(), _window(env)))
    assert all(c.status != 429 for c in env.transport.calls)


# ------------------------------------------------------------------ returns and payouts


def test_returns_sync_matches_truth(env: Env) -> None:
    records = list(env.adapter.sync_returns(env.ctx(), _window(env)))
    assert not [r for r in records if isinstance(r, Quarantine)]
    returns = {r.external_id: r for r in records if isinstance(r, ReturnRecord)}
    truth = env.sandbox.truth(env.key)["returns"]
    assert set(returns) == set(truth)
    for key, record in returns.items():
        assert record.raw_status == truth[key]["status"]
        assert record.order_external_id == truth[key]["order_id"]
        assert record.kind is (ReturnKind.RTO if truth[key]["kind"] == "rto" else ReturnKind.CUSTOMER_RETURN)
    created = [c for c in env.transport.calls if c.path == "/reports/2021-06-30/reports" and c.method == "POST"]
    assert len(created) == 1
    downloads = [c for c in env.transport.calls if c.path.startswith("/_sandbox/report-documents/")]
    assert downloads and all("x-amz-access-token" not in c.headers for c in downloads)


def test_payouts_match_truth_with_duplicate_and_expired_pages(env: Env) -> None:
    env.world.clock.advance(timedelta(days=2))
    env.sandbox.generate_orders(env.key, 1500, days=8)  # > 500 postings in a group: several pages
    _fault(env, FaultKind.DUPLICATE_ACROSS_PAGES, "listTransactions", remaining=3)
    _fault(env, FaultKind.PAGE_TOKEN_EXPIRED, "listTransactions")
    records = list(env.adapter.sync_payouts(env.ctx(), _window(env)))
    payouts = {r.external_id: r for r in records if isinstance(r, PayoutRecord)}
    truth = env.sandbox.truth(env.key)["payouts"]
    assert len(payouts) == len(records) and set(payouts) == set(truth)
    for key, payout in payouts.items():
        assert payout.net_amount == Decimal(truth[key]["net"]) == sum(line.amount for line in payout.lines)
        assert len({line.external_id for line in payout.lines}) == len(payout.lines)
    fired = {k for k, _ in env.sandbox.kit.faults.fired}
    assert {FaultKind.DUPLICATE_ACROSS_PAGES.value, FaultKind.PAGE_TOKEN_EXPIRED.value} <= fired


# ------------------------------------------------------------------ inventory


def test_push_inventory_one_sku_per_call(env: Env) -> None:
    skus = sorted(env.sandbox.world.account(env.key).sku_index)[:3]
    pushes = [InventoryPush(i, sku, None, sku, 10 + i, 1) for i, sku in enumerate(skus)]
    pushes.append(InventoryPush(99, "NO-SUCH/SKU", None, "NO-SUCH/SKU", 4, 1))
    results = env.adapter.push_inventory(env.ctx(), pushes)
    assert [(r.task_id, r.ok) for r in results] == [(0, True), (1, True), (2, True), (99, False)]
    assert results[-1].retryable is False and "INVALID" in (results[-1].error or "")
    patches = [c for c in env.transport.calls if c.method == "PATCH"]
    assert len(patches) == 4  # one SKU per call; "/" in a SKU travels as %2F (the sandbox routes it whole)
    log = env.sandbox.pushed(env.key)["inventory_log"]
    assert [(e["sku"], e["quantity"], e["status"]) for e in log] == [
        *[(sku, 10 + i, "ACCEPTED") for i, sku in enumerate(skus)],
        ("NO-SUCH/SKU", 4, "INVALID"),
    ]


def test_push_inventory_outage_leaves_the_rest_retryable(env: Env) -> None:
    skus = sorted(env.sandbox.world.account(env.key).sku_index)[:3]
    pushes = [InventoryPush(i, sku, None, sku, 5, 1) for i, sku in enumerate(skus)]
    env.adapter.push_inventory(env.ctx(), pushes[:1])  # a token is cached
    _fault(env, FaultKind.SERVER_ERROR, "patchListingsItem", remaining=-1, status=503)
    results = env.adapter.push_inventory(env.ctx(max_retries=1), pushes)
    assert [(r.ok, r.retryable) for r in results] == [(False, True)] * 3


def test_push_inventory_revoked_raises_before_anything_is_sent(env: Env) -> None:
    env.sandbox.revoke(env.key)
    sku = sorted(env.sandbox.world.account(env.key).sku_index)[0]
    with pytest.raises(MarketplaceAuthError):
        env.adapter.push_inventory(env.ctx(), [InventoryPush(1, sku, None, sku, 5, 1)])


# ------------------------------------------------------------------ catalog

ITEMS = "/listings/2021-08-01/items/"


def _listings(env: Env, skus: list[str], **ctx: Any) -> list[ListingRecord | Quarantine]:
    return list(env.adapter.sync_listings(env.ctx(**ctx), skus))


def test_listings_are_read_one_sku_at_a_time(env: Env) -> None:
    account = env.sandbox.world.account(env.key)
    skus = sorted(account.sku_index)[:12]
    records = _listings(env, [*skus, "NO-SUCH/SKU"])
    assert all(isinstance(r, ListingRecord) for r in records)  # an unknown SKU (404) is no listing
    by_sku = {r.seller_sku: r for r in records if isinstance(r, ListingRecord)}
    assert list(by_sku) == skus
    for sku in skus:
        record = by_sku[sku]
        assert (record.external_id, record.marketplace_sku) == (sku, account.sku_index[sku].asin)
        assert record.quantity == env.sandbox.world.quantity(account, sku) and record.active
    reads = [c for c in env.transport.calls if c.method == "GET" and c.path.startswith(ITEMS)]
    assert len(reads) == len(skus) + 1
    assert [c.status for c in reads] == [200] * len(skus) + [404]
    assert all(c.params["marketplaceIds"] == env.creds["marketplace_id"] for c in reads)
    assert all(c.params["includedData"] == "summaries,offers,fulfillmentAvailability" for c in reads)


def test_the_read_sees_what_was_pushed(env: Env) -> None:
    skus = sorted(env.sandbox.world.account(env.key).sku_index)[:3]
    pushes = [InventoryPush(i, sku, None, sku, 40 + i, 1) for i, sku in enumerate(skus)]
    assert all(r.ok for r in env.adapter.push_inventory(env.ctx(), pushes))
    records = _listings(env, skus)
    assert {r.seller_sku: r.quantity for r in records if isinstance(r, ListingRecord)} == {
        p.seller_sku: p.quantity for p in pushes
    }


def test_listing_reads_keep_to_the_published_rate(env: Env) -> None:
    assert (LIMITS["getListingsItem"].rate, LIMITS["getListingsItem"].burst) == (5, 10)
    ctx = env.ctx(rate_scale=1.0)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        raise _Waited  # stop here: the client would wait this long for a getListingsItem token

    ctx.http.policy.sleep = sleep
    with env.adapter.open_client(ctx) as other:  # another client of the selling partner spends the burst of 10
        other.auth.token()  # the access token is cached first: a client authenticates before it takes a token
        for _ in range(10):
            other.api.limiter.acquire("getListingsItem")
    assert not slept
    skus = sorted(env.sandbox.world.account(env.key).sku_index)[:3]
    with pytest.raises(_Waited):
        list(env.adapter.sync_listings(ctx, skus))
    assert not [c for c in env.transport.calls if c.path.startswith(ITEMS)]  # it waits before asking
    assert slept[0] == pytest.approx(1 / 5, rel=0.01)


def test_an_unreadable_listing_is_quarantined_and_the_rest_read(env: Env) -> None:
    account = env.sandbox.world.account(env.key)
    skus = sorted(account.sku_index)[:3]
    account.quantities[skus[1]] = "plenty"  # the sandbox serves it as fulfillmentAvailability quantity
    records = _listings(env, skus)
    bad = [r for r in records if isinstance(r, Quarantine)]
    assert len(bad) == 1 and bad[0].external_id == skus[1]
    assert [r.seller_sku for r in records if isinstance(r, ListingRecord)] == [skus[0], skus[2]]


def test_listing_read_failures_are_raised(env: Env) -> None:
    sku = sorted(env.sandbox.world.account(env.key).sku_index)[0]
    _fault(env, FaultKind.SERVER_ERROR, "getListingsItem", remaining=-1, status=503)
    with pytest.raises(TransientMarketplaceError):
        _listings(env, [sku], max_retries=1)
    env.sandbox.kit.faults.clear()
    env.sandbox.revoke(env.key)
    with pytest.raises(MarketplaceAuthError):
        _listings(env, [sku])
