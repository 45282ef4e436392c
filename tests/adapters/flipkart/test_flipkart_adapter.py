"""The adapter through the real sandbox over HTTP: tokens, pagination, page faults, errors, inventory."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from flipkart_support import Env, RecordingTransport, token_calls

from robnu.adapters.errors import MarketplaceAuthError, TransientMarketplaceError
from robnu.adapters.flipkart.auth import TOKEN_MARGIN
from robnu.adapters.flipkart.client import POST_DISPATCH
from robnu.adapters.flipkart.settlements import complete_csv
from robnu.domain.records import (
    InventoryPush,
    ListingRecord,
    OrderRecord,
    PayoutRecord,
    Quarantine,
    ReturnRecord,
    SyncWindow,
)
from robnu.domain.statuses import ValidationStatus
from robnu.sandbox.faults import FaultKind, FaultRule

SEARCH = "/sellers/v3/shipments/filter"


def _window(env: Env, days: int = 45, ahead: timedelta = timedelta(0)) -> SyncWindow:
    now = env.world.clock.now()
    return SyncWindow(now - timedelta(days=days), now + ahead)


def _orders(env: Env, window: SyncWindow | None = None, **ctx: Any) -> list[OrderRecord]:
    out = list(env.adapter.sync_orders(env.ctx(**ctx), window or _window(env)))
    assert not [r for r in out if isinstance(r, Quarantine)], out
    return [r for r in out if isinstance(r, OrderRecord)]


def _assert_all_orders(env: Env, records: list[OrderRecord]) -> None:
    truth = env.sandbox.truth(env.key)["orders"]
    latest = {r.external_id: r for r in sorted(records, key=lambda r: r.source_updated_at)}
    assert set(latest) == set(truth)
    for order_id, t in truth.items():
        assert latest[order_id].raw_status == t["status"], order_id
        assert str(latest[order_id].order_total) == t["total"], order_id


def test_full_sync_pages_and_matches_truth_without_per_record_calls(env: Env) -> None:
    records = _orders(env)
    _assert_all_orders(env, records)
    assert len(records) == len({r.external_id for r in records})  # no fault: no repeats
    t = env.transport
    pages = t.count(SEARCH)
    assert pages > 5 + 2  # several pages in at least one group (20 a page)
    lookups = t.count("/sellers/v3/shipments", "GET") - t.count(SEARCH, "GET")
    assert lookups <= 2 * math.ceil(len(records) / 100) + 10  # lookups + details per 100 orders, not per order
    for method, path, _, body in t.calls:
        if path == SEARCH and method == "POST":
            sent = json.loads(body)
            assert sent["pagination"]["pageSize"] == 20 and sent["sort"]["field"] == "modifiedDate"
            assert {"from", "to"} <= set(sent["filter"]["modifiedDate"])


def test_incremental_window_fetches_only_changes(env: Env) -> None:
    _orders(env)
    before = env.transport.count(SEARCH)
    env.world.clock.advance(timedelta(hours=6))
    env.sandbox.generate_orders(env.key, 5, days=0.1)
    recent = _orders(env, SyncWindow(env.world.clock.now() - timedelta(hours=7), env.world.clock.now()))
    assert 5 <= len(recent) < 60
    assert env.transport.count(SEARCH) - before <= 10


def test_token_is_cached_across_runs(env: Env) -> None:
    _orders(env, _window(env, days=2))
    _orders(env, _window(env, days=2))
    assert token_calls(env.transport) == 1 and env.tokens.puts == 1
    token, expires = env.tokens.value or ("", None)
    assert token and expires is not None and expires > env.world.clock.now() + timedelta(days=59)


def test_token_refreshed_before_expiry(env: Env) -> None:
    _orders(env, _window(env, days=1))
    token, expires = env.tokens.value or ("", env.world.clock.now())
    env.world.clock.advance(expires - env.world.clock.now() - TOKEN_MARGIN + timedelta(seconds=1))
    _orders(env, _window(env, days=1))
    assert token_calls(env.transport) == 2
    assert env.tokens.value is not None and env.tokens.value[0] != token
    statuses = [s for _, p, s, _ in env.transport.calls if p != "/oauth-service/oauth/token"]
    assert 401 not in statuses  # replaced before the marketplace refused it


def test_token_expired_mid_run_refreshes_once(env: Env) -> None:
    _orders(env, _window(env, days=2))
    env.sandbox.kit.faults.add(FaultRule(FaultKind.TOKEN_EXPIRED, "searchShipments", remaining=1))
    records = _orders(env)
    _assert_all_orders(env, records)
    assert token_calls(env.transport) == 2 and env.tokens.clears == 1


def test_revoked_credentials_ask_for_reconnect(env: Env) -> None:
    _orders(env, _window(env, days=1))
    env.sandbox.revoke(env.key)
    with pytest.raises(MarketplaceAuthError) as caught:
        _orders(env)
    assert caught.value.needs_reconnect and caught.value.http_status == 401 and caught.value.code == "unauthorized"


def test_validation_valid_invalid_and_error(env: Env) -> None:
    adapter = env.adapter
    ok = adapter.validate_credentials(env.ctx())
    assert ok.status is ValidationStatus.VALID
    bad = adapter.validate_credentials(env.ctx(app_secret=env.creds["app_secret"] + "x"))
    assert bad.status is ValidationStatus.INVALID and bad.http_status == 401 and bad.code == "unauthorized"
    unknown = adapter.validate_credentials(env.ctx(app_id="nosuchapp1"))
    assert unknown.status is ValidationStatus.INVALID and unknown.message
    for outcome in (bad, unknown):
        for secret in (env.creds["app_secret"], env.creds["app_id"], "nosuchapp1"):
            assert secret not in (outcome.message or "")
    env.sandbox.kit.faults.add(
        FaultRule(FaultKind.SERVER_ERROR, "searchShipments", remaining=-1, params={"status": 503})
    )
    down = adapter.validate_credentials(env.ctx(max_retries=1))
    assert down.status is ValidationStatus.ERROR and down.http_status == 503


def test_transient_errors_are_retried_then_raised(env: Env) -> None:
    env.sandbox.kit.faults.add(
        FaultRule(FaultKind.SERVER_ERROR, "searchShipments", remaining=2, params={"status": 503})
    )
    _assert_all_orders(env, _orders(env))
    env.sandbox.kit.faults.add(
        FaultRule(FaultKind.SERVER_ERROR, "getShipmentsByIds", remaining=-1, params={"status": 500})
    )
    with pytest.raises(TransientMarketplaceError):
        _orders(env, max_retries=2)


@pytest.mark.parametrize(
    "kind",
    [FaultKind.PAGE_TOKEN_EXPIRED, FaultKind.DUPLICATE_ACROSS_PAGES, FaultKind.CHANGE_BETWEEN_PAGES],
)
def test_page_faults_lose_nothing(env: Env, kind: FaultKind) -> None:
    env.sandbox.kit.faults.add(FaultRule(kind, "searchShipments", remaining=2))
    records = _orders(env, _window(env, ahead=timedelta(minutes=1)))
    assert env.sandbox.kit.faults.fired
    _assert_all_orders(env, records)


class RefusingPostDelivery(httpx.BaseTransport):
    """A marketplace that only takes the documented postDispatch states."""

    def __init__(self, inner: RecordingTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == SEARCH and request.method == "POST":
            flt = json.loads(request.read())["filter"]
            if flt["type"] == "postDispatch" and not set(flt["states"]) <= set(POST_DISPATCH):
                return httpx.Response(400, json={"errorCode": "BAD_REQUEST", "errorMessage": "states"})
        return self.inner.handle_request(request)


def test_post_dispatch_falls_back_to_the_documented_states(env: Env) -> None:
    ctx = env.ctx()
    ctx.http.transport = RefusingPostDelivery(env.transport)
    records = [r for r in env.adapter.sync_orders(ctx, _window(env)) if isinstance(r, OrderRecord)]
    truth = env.sandbox.truth(env.key)["orders"]
    live = {k for k, t in truth.items() if t["status"] not in ("COMPLETED", "RETURNED", "RETURN_REQUESTED")}
    assert live <= {r.external_id for r in records}


@pytest.mark.parametrize(
    "kind",
    [FaultKind.PAGE_TOKEN_EXPIRED, FaultKind.DUPLICATE_ACROSS_PAGES, FaultKind.CHANGE_BETWEEN_PAGES],
)
def test_returns_sync_pages_and_matches_truth_with_page_faults(env: Env, kind: FaultKind) -> None:
    env.sandbox.generate_orders(env.key, 300)  # more than a page (25) of returns per source
    env.sandbox.kit.faults.add(FaultRule(kind, "getReturns", remaining=2))
    out = list(env.adapter.sync_returns(env.ctx(), _window(env, ahead=timedelta(minutes=1))))
    assert {k for k, _ in env.sandbox.kit.faults.fired} == {kind.value}
    assert env.transport.count("/sellers/v2/returns/search/") >= 2
    records = [r for r in out if isinstance(r, ReturnRecord)]
    assert len(records) == len(out)
    truth = env.sandbox.truth(env.key)["returns"]
    assert {r.external_id for r in records} == set(truth)
    for r in records:
        assert r.raw_status == truth[r.external_id]["status"]


def test_payouts_sync_one_report_per_week(env: Env) -> None:
    out = list(env.adapter.sync_payouts(env.ctx(), _window(env, days=45)))
    payouts = [p for p in out if isinstance(p, PayoutRecord)]
    assert len(payouts) == len(out)
    truth = env.sandbox.truth(env.key)["payouts"]
    assert {p.external_id for p in payouts} == set(truth)
    for p in payouts:
        assert str(p.net_amount) == truth[p.external_id]["net"]
        assert sum(line.amount for line in p.lines) == p.net_amount
    assert env.transport.count("/reports/settled_transaction_ledger", "POST") == math.ceil(47 / 7)


def _pushes(env: Env, count: int) -> Iterator[InventoryPush]:
    listings = sorted(env.sandbox.world.account(env.key).listings.values(), key=lambda item: item.sku)
    for n, item in enumerate(listings[:count]):
        yield InventoryPush(n + 1, item.sku, item.fsn, item.listing_id, 10 + n, 1)


def test_inventory_batches_of_ten_with_per_sku_results(env: Env) -> None:
    pushes = list(_pushes(env, 21))
    pushes.append(InventoryPush(100, "NO-SUCH-SKU", None, "LSTX", 4, 1))
    wrong = pushes[0]
    pushes[0] = InventoryPush(wrong.task_id, wrong.seller_sku, "WRONGFSN00000000", wrong.listing_external_id, 1, 1)
    results = env.adapter.push_inventory(env.ctx(), pushes)
    assert [r.task_id for r in results] == [p.task_id for p in pushes]
    by_task = {r.task_id: r for r in results}
    assert not by_task[100].ok and not by_task[100].retryable and "1001" in (by_task[100].error or "")
    assert not by_task[1].ok and not by_task[1].retryable and "1002" in (by_task[1].error or "")
    assert all(by_task[p.task_id].ok for p in pushes[1:-1])
    assert env.transport.count("/sellers/listings/v3/update/inventory") == 3
    pushed = env.sandbox.pushed(env.key)["inventory"]
    assert {e["sku"]: e["inventory"] for e in pushed} == {p.seller_sku: p.quantity for p in pushes[1:-1]}
    assert all(e["locationId"] == env.creds["location_id"] for e in pushed)


def test_inventory_outage_is_retryable(env: Env) -> None:
    env.sandbox.kit.faults.add(
        FaultRule(FaultKind.SERVER_ERROR, "updateInventory", remaining=-1, params={"status": 503})
    )
    results = env.adapter.push_inventory(env.ctx(max_retries=1), list(_pushes(env, 3)))
    assert [r.ok for r in results] == [False] * 3 and all(r.retryable for r in results)


@pytest.mark.parametrize("kind", [FaultKind.TRUNCATED_BODY, FaultKind.MALFORMED_BODY])
def test_a_broken_report_download_is_fetched_again(env: Env, kind: FaultKind) -> None:
    env.sandbox.kit.faults.add(FaultRule(kind, "reportDownload", remaining=2))
    payouts = [p for p in env.adapter.sync_payouts(env.ctx(), _window(env)) if isinstance(p, PayoutRecord)]
    assert env.sandbox.kit.faults.fired
    truth = env.sandbox.truth(env.key)["payouts"]
    assert {p.external_id: str(p.net_amount) for p in payouts} == {k: v["net"] for k, v in truth.items()}
    env.sandbox.kit.faults.add(FaultRule(kind, "reportDownload", remaining=-1))
    with pytest.raises(TransientMarketplaceError):
        list(env.adapter.sync_payouts(env.ctx(max_retries=1), _window(env)))


def test_complete_csv_check() -> None:
    header = (
        "settlement_ref,settlement_date,order_id,order_item_id,sku,line_type,"
        "amount,gst_on_line,tcs,tds,net_amount,neft_id\n"
    )
    row = "SR1,2026-11-18,OD1,11,SKU,SALE,100.00,0.00,-0.42,-0.08,99.50,UTIBN1\n"
    assert complete_csv(header + row) and complete_csv(header)
    assert not complete_csv(header + row[:30]) and not complete_csv(header + row[:-1])
    assert not complete_csv("<html><body>upstream gateway error</body></html>")


# ------------------------------------------------------------------ catalog


def _listings(env: Env, skus: list[str], **ctx: Any) -> list[ListingRecord | Quarantine]:
    return list(env.adapter.sync_listings(env.ctx(**ctx), skus))


def test_listings_are_read_by_sku_ten_a_call(env: Env) -> None:
    catalog = env.sandbox.world.account(env.key).listings
    location = env.creds["location_id"]
    known = sorted([*catalog, "NO-SUCH-SKU-1", "NO-SUCH-SKU-2"])  # 26 SKUs: 3 calls
    records = _listings(env, known)
    assert all(isinstance(r, ListingRecord) for r in records)
    by_sku = {r.seller_sku: r for r in records if isinstance(r, ListingRecord)}
    assert set(by_sku) == set(catalog)  # an unknown SKU is no listing, and is not quarantined either
    for sku, item in catalog.items():
        record = by_sku[sku]
        assert (record.external_id, record.marketplace_sku) == (item.listing_id, item.fsn)
        assert record.quantity == item.inventory[location] and record.active
    reads = [p for m, p, _, _ in env.transport.calls if m == "GET" and p.startswith("/sellers/listings/v3/")]
    assert len(reads) == 3 and all(len(p.rsplit("/", 1)[1].split(",")) <= 10 for p in reads)


def test_no_known_sku_reads_nothing(env: Env) -> None:
    assert _listings(env, []) == []
    assert env.transport.count("/sellers/listings/v3/") == 0


def test_a_sku_with_a_comma_or_slash_is_asked_alone(env: Env) -> None:
    skus = sorted(env.sandbox.world.account(env.key).listings)[:3]
    records = _listings(env, ["A/B", "C,D", *skus])
    assert sorted(r.seller_sku for r in records if isinstance(r, ListingRecord)) == skus
    assert env.transport.count("/sellers/listings/v3/", "GET") == 3  # the plain SKUs, then each odd one alone


def test_the_read_sees_what_was_pushed(env: Env) -> None:
    pushes = list(_pushes(env, 3))
    assert all(r.ok for r in env.adapter.push_inventory(env.ctx(), pushes))
    records = _listings(env, [p.seller_sku for p in pushes])
    assert {r.seller_sku: r.quantity for r in records if isinstance(r, ListingRecord)} == {
        p.seller_sku: p.quantity for p in pushes
    }


def test_an_unreadable_listing_is_quarantined_and_the_rest_read(env: Env) -> None:
    catalog = env.sandbox.world.account(env.key).listings
    skus = sorted(catalog)[:4]
    catalog[skus[1]].inventory[env.creds["location_id"]] = "plenty"  # type: ignore[assignment]
    records = _listings(env, skus)
    bad = [r for r in records if isinstance(r, Quarantine)]
    assert len(bad) == 1 and bad[0].external_id == catalog[skus[1]].listing_id
    assert sorted(r.seller_sku for r in records if isinstance(r, ListingRecord)) == [skus[0], *skus[2:]]


def test_a_listing_read_outage_is_raised(env: Env) -> None:
    env.sandbox.kit.faults.add(FaultRule(FaultKind.SERVER_ERROR, "getListings", remaining=-1, params={"status": 503}))
    with pytest.raises(TransientMarketplaceError):
        _listings(env, sorted(env.sandbox.world.account(env.key).listings)[:3], max_retries=1)
