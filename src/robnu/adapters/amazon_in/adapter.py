"""The Amazon India adapter (SP-API): orders, returns, payouts, inventory, credential check.

* Orders: Orders 2026-01-01 ``searchOrders`` by lastUpdatedTime over the window, with includedData
  FULFILLMENT, RECIPIENT, PROCEEDS, PACKAGES, PAYMENT, CANCELLATION: one list call per 100 orders,
  items and packages embedded (no per-order call). v0 ``getOrders`` is the documented fallback only.
* Returns: customer returns from the ``GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE`` report (Reports
  2021-06-30), RTOs from the SHIPPED orders of the window whose package ``detailedStatus`` is
  RETURNING_TO_SELLER / RETURNED_TO_SELLER.
* Payouts: Finances v0 ``listFinancialEventGroups`` (one payout per group) with the lines of the group's
  Finances 2024-06-19 ``listTransactions``.
* Inventory: Listings Items 2021-08-01 ``patchListingsItem``, one SKU per call.
* Catalog: Listings Items 2021-08-01 ``getListingsItem`` for each SKU Robnu knows (Amazon reads listings
  by SKU), paced by the client's rate limiter.
* Full processing: the seller-fulfilled flow in processing.py (getOrder, v0 confirmShipment, local
  slips, invoices, labels and manifests).

See docs/adapters/amazon_in.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from robnu.adapters.amazon_in import mapping, mapping_finance, mapping_returns
from robnu.adapters.amazon_in.auth import AmazonAuth
from robnu.adapters.amazon_in.client import (
    API_ENDPOINT,
    AUTH_ENDPOINT,
    CODE,
    DEFAULT_AUTH_URL,
    DEFAULT_BASE_URL,
    LIMITS,
    RATE_LIMIT_HEADER,
    REGION_HOSTS,
    AmazonClient,
)
from robnu.adapters.amazon_in.credentials import AmazonCredentials
from robnu.adapters.amazon_in.processing import FLOW
from robnu.adapters.amazon_in.reports import returns_report
from robnu.adapters.amazon_in.satellite import SATELLITE
from robnu.adapters.base import EVERY_TARGET, MAPPING_ERRORS, Adapter, AdapterContext, map_or_quarantine
from robnu.adapters.errors import MarketplaceAuthError, MarketplaceError, MarketplaceRequestError
from robnu.adapters.registry import register
from robnu.domain.records import (
    InventoryPush,
    InventoryPushResult,
    ListingRecord,
    OrderRecord,
    PayoutLineRecord,
    PayoutRecord,
    Quarantine,
    ReturnRecord,
    SyncWindow,
)

# The returns report is by return *request* date: a return requested before the window may close
# (its delivery date) inside it. Read this far back so status changes arrive; repeats are unchanged.
RETURNS_LOOKBACK = timedelta(days=14)
# An event group that started before the window still receives postings, closes and is paid inside
# it (groups run 7-14 days, the transfer follows): read groups that started this far back.
PAYOUT_LOOKBACK = timedelta(days=21)
RTO_STATUSES = ("SHIPPED",)  # an RTO order stays SHIPPED; its package says it is going back
RTO_FULFILLED_BY = ("MERCHANT",)  # only seller-fulfilled (Easy Ship / self-ship) orders carry packages


def _field(raw: Any, name: str) -> str | None:
    value = raw.get(name) if isinstance(raw, dict) else None
    return str(value) if value not in (None, "") else None


Ctx = AdapterContext[AmazonCredentials]


class AmazonInAdapter(Adapter[AmazonCredentials, AmazonClient]):
    code = CODE
    display_name = "Amazon India"
    satellite = SATELLITE
    supported_targets = EVERY_TARGET
    history_days = 730  # documented: orders older than two years are not returned
    # SP-API refuses a *Before less than 2 minutes before now: the engine's window ends earlier.
    min_safety_lag_seconds = 120
    flow = FLOW  # the seller-fulfilled flow (processing.py)

    # ------------------------------------------------------------------ connection
    def open_client(self, ctx: Ctx) -> AmazonClient:
        """The region's API host and LWA; the API's rate buckets are shared by every client of the selling
        partner (Amazon meters per selling partner and operation)."""
        creds = ctx.credentials
        api_url = REGION_HOSTS.get(creds.region, DEFAULT_BASE_URL)
        api = ctx.http.client(CODE, API_ENDPOINT, api_url, LIMITS, rate_limit_header=RATE_LIMIT_HEADER)
        api.limiter = ctx.http.shared_limiter(CODE, f"{api.client.base_url}|{creds.selling_partner_id}", LIMITS)
        lwa = ctx.http.client(CODE, AUTH_ENDPOINT, DEFAULT_AUTH_URL, {})
        policy = ctx.http.policy
        auth = AmazonAuth(lwa, creds, ctx.tokens, ctx.clock, sleep=policy.sleep)
        return AmazonClient(api, lwa, auth, creds, sleep=policy.sleep, rate_scale=policy.rate_scale)

    def _probe(self, client: AmazonClient, ctx: Ctx) -> None:
        """A fresh LWA exchange (made by the base: proves refresh token + app), then one searchOrders."""
        client.probe(ctx.clock.now())

    # ------------------------------------------------------------------ orders
    def sync_orders(self, ctx: Ctx, window: SyncWindow) -> Iterator[OrderRecord | Quarantine]:
        with self.open_client(ctx) as client:
            for page in client.search_orders(window.start, window.end):
                for raw in page:
                    yield map_or_quarantine(mapping.map_order, raw, _field(raw, "orderId"))

    # ------------------------------------------------------------------ returns
    def sync_returns(self, ctx: Ctx, window: SyncWindow) -> Iterator[ReturnRecord | Quarantine]:
        with self.open_client(ctx) as client:
            yield from self._customer_returns(client, window)
            yield from self._rtos(client, window)

    def _customer_returns(self, client: AmazonClient, window: SyncWindow) -> Iterator[ReturnRecord | Quarantine]:
        by_rma: dict[str, list[dict[str, str | None]]] = {}
        for row in returns_report(client, window.start - RETURNS_LOOKBACK, window.end):
            rma = (row.get("Amazon RMA ID") or "").strip()
            if not rma:
                yield Quarantine(row, "returns report row without an Amazon RMA ID", _field(row, "Order ID"))
                continue
            by_rma.setdefault(rma, []).append(row)
        for rma, rows in by_rma.items():
            yield map_or_quarantine(mapping_returns.map_customer_return, rows, rma)

    def _rtos(self, client: AmazonClient, window: SyncWindow) -> Iterator[ReturnRecord | Quarantine]:
        pages = client.search_orders(
            window.start, window.end, statuses=RTO_STATUSES, fulfilled_by=RTO_FULFILLED_BY, included=("PACKAGES",)
        )
        for page in pages:
            for raw in page:
                try:
                    is_rto = mapping_returns.rto_package(raw) is not None
                except MAPPING_ERRORS as exc:
                    yield Quarantine(raw, f"cannot map record: {type(exc).__name__}: {exc}", _field(raw, "orderId"))
                    continue
                if is_rto:
                    yield map_or_quarantine(mapping_returns.map_rto, raw, _field(raw, "orderId"))

    # ------------------------------------------------------------------ payouts
    def sync_payouts(self, ctx: Ctx, window: SyncWindow) -> Iterator[PayoutRecord | Quarantine]:
        with self.open_client(ctx) as client:
            seen: set[str] = set()  # a restarted group listing repeats groups
            for page in client.event_groups(window.start - PAYOUT_LOOKBACK, window.end):
                for group in page:
                    group_id = _field(group, "FinancialEventGroupId")
                    if group_id is None:
                        yield Quarantine(group, "financial event group without FinancialEventGroupId")
                        continue
                    if group_id in seen:
                        continue
                    seen.add(group_id)
                    record = self._payout(client, group, group_id)
                    if record is not None:
                        yield record

    def _payout(self, client: AmazonClient, group: dict[str, Any], group_id: str) -> PayoutRecord | Quarantine | None:
        lines: list[PayoutLineRecord] = []
        done: set[str] = set()  # transactions repeat across pages (and after a restart)
        for page in client.group_transactions(group_id):
            for txn in page:
                txn_id = _field(txn, "transactionId")
                if txn_id is None:
                    return Quarantine(group, f"group {group_id}: a transaction has no transactionId", group_id)
                if txn_id in done:
                    continue
                done.add(txn_id)
                try:
                    lines.extend(mapping_finance.transaction_lines(txn))
                except MAPPING_ERRORS as exc:
                    # the payout would not add up without this transaction: hold the whole group
                    return Quarantine(
                        {"group": group, "transaction": txn},
                        f"group {group_id}: cannot map transaction {txn_id}: {type(exc).__name__}: {exc}",
                        group_id,
                    )
        if not lines:
            try:
                total = mapping.finance_money(group.get("OriginalTotal"))
            except MAPPING_ERRORS:
                total = Decimal("0.00")
            if total == 0:
                return None  # nothing posted yet
            return Quarantine(group, f"group {group_id} totals {total} but lists no transactions", group_id)
        return map_or_quarantine(lambda g: mapping_finance.map_payout(g, lines), group, group_id)

    # ------------------------------------------------------------------ inventory
    def push_inventory(self, ctx: Ctx, pushes: Sequence[InventoryPush]) -> list[InventoryPushResult]:
        """One patchListingsItem per SKU. 200 INVALID (e.g. an unknown SKU) is permanent; a
        marketplace outage stops the batch (the rest is retried later, nothing is lost)."""
        results: list[InventoryPushResult] = []
        if not pushes:
            return results
        with self.open_client(ctx) as client:
            for index, push in enumerate(pushes):
                sku = push.seller_sku or push.listing_external_id
                try:
                    body = client.patch_quantity(sku, push.quantity)
                except MarketplaceAuthError as exc:
                    if not results:
                        raise  # nothing sent yet: the service records the auth failure
                    results.extend(_not_sent(pushes[index:], client.clean(str(exc))))
                    break
                except MarketplaceRequestError as exc:
                    results.append(InventoryPushResult(push.task_id, False, client.clean(str(exc)), False))
                    continue
                except MarketplaceError as exc:
                    results.extend(_not_sent(pushes[index:], client.clean(str(exc))))
                    break
                results.append(_push_result(push, sku, body))
        return results

    # ------------------------------------------------------------------ catalog
    def sync_listings(self, ctx: Ctx, known_skus: Sequence[str]) -> Iterator[ListingRecord | Quarantine]:
        """One getListingsItem per SKU Robnu knows (includedData summaries, offers,
        fulfillmentAvailability), at the published 5/s (burst 10) the client keeps to. A SKU Amazon does
        not know (404) is not a listing; an item that cannot be mapped is quarantined.

        Amazon's ``searchListingsItems`` would list the whole catalog, but the reference (and the sandbox)
        cover only the per-SKU read, so the SKUs come from Robnu.
        """
        seen_at = ctx.clock.now()
        with self.open_client(ctx) as client:
            mapper = partial(mapping.map_listing, marketplace_id=client.creds.marketplace_id, seen_at=seen_at)
            for sku in known_skus:
                if not sku:
                    continue
                item = client.get_listing(sku)
                if item is not None:
                    yield map_or_quarantine(mapper, item, sku)


def _not_sent(pushes: Sequence[InventoryPush], reason: str) -> list[InventoryPushResult]:
    return [InventoryPushResult(p.task_id, False, f"not sent: {reason}", True) for p in pushes]


def _push_result(push: InventoryPush, sku: str, body: dict[str, Any]) -> InventoryPushResult:
    status = str(body.get("status") or "")
    if status in ("ACCEPTED", "VALID"):
        return InventoryPushResult(push.task_id, True)
    issues = [
        f"{i.get('code', '')}: {i.get('message', '')}"
        for i in body.get("issues") or []
        if isinstance(i, dict) and i.get("severity", "ERROR") == "ERROR"
    ]
    error = f"Amazon {status or 'no status'} for SKU {sku}: " + ("; ".join(issues) or "no issue given")
    # INVALID is Amazon's answer for this body and SKU: sending it again changes nothing.
    return InventoryPushResult(push.task_id, False, error[:500], retryable=status != "INVALID")


register(AmazonInAdapter)
