"""The Flipkart adapter (Marketplace Seller API v3): orders, returns, payouts, inventory, credential check.

Orders: shipments modified in the window are searched per filter group; their order ids are
collected and every shipment of those orders is looked up by ``orderIds`` (an order may split across
shipments), with shipping details (AWB, courier, address) fetched in batches of 100. Returns
come from ``GET /sellers/v2/returns`` per source; payouts from the settled_transaction_ledger
report. The catalog is read by SKU (``GET /sellers/listings/v3/{skuIds}``) for the SKUs Robnu
knows. See docs/adapters/flipkart.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import timedelta
from functools import partial
from typing import Any

from robnu.adapters.base import EVERY_TARGET, MAPPING_ERRORS, Adapter, AdapterContext, map_or_quarantine
from robnu.adapters.flipkart import mapping
from robnu.adapters.flipkart.auth import FlipkartAuth
from robnu.adapters.flipkart.client import (
    CODE,
    DEFAULT_BASE_URL,
    ENDPOINT,
    INVENTORY_BATCH,
    LIMITS,
    LOOKUP_BATCH,
    FlipkartClient,
)
from robnu.adapters.flipkart.credentials import FlipkartCredentials
from robnu.adapters.flipkart.mapping_returns import map_return
from robnu.adapters.flipkart.processing import FLOW
from robnu.adapters.flipkart.satellite import SATELLITE
from robnu.adapters.flipkart.settlements import map_payout, settlement_rows
from robnu.adapters.registry import register
from robnu.domain.clock import ist_day
from robnu.domain.records import (
    InventoryPush,
    InventoryPushResult,
    ListingRecord,
    OrderRecord,
    PayoutRecord,
    Quarantine,
    ReturnRecord,
    SyncWindow,
)

# A settlement is reported by its day only: read one extra day back so a payout made later on the
# window's first day is not missed (payouts are immutable: a repeat is "unchanged").
PAYOUT_LOOKBACK = timedelta(days=1)

Ctx = AdapterContext[FlipkartCredentials]


class FlipkartAdapter(Adapter[FlipkartCredentials, FlipkartClient]):
    code = CODE
    display_name = "Flipkart"
    satellite = SATELLITE
    supported_targets = EVERY_TARGET
    inventory_batch = INVENTORY_BATCH  # <= 10 SKUs per update, keyed by SKU
    flow = FLOW  # validate -> pack (labels + invoice) -> packed -> documents -> RTD -> manifest
    # Modelled: Flipkart documents no history limit for its searches; two years, as Amazon documents.
    history_days = 730

    def open_client(self, ctx: Ctx) -> FlipkartClient:
        http = ctx.http.client(CODE, ENDPOINT, DEFAULT_BASE_URL, LIMITS)
        return FlipkartClient(http, FlipkartAuth(http, ctx.credentials, ctx.tokens, ctx.clock))

    def _probe(self, client: FlipkartClient, ctx: Ctx) -> None:
        """A fresh token (minted by the base) and one authenticated search."""
        client.probe(ctx.clock.now())

    # ------------------------------------------------------------------ orders
    def sync_orders(self, ctx: Ctx, window: SyncWindow) -> Iterator[OrderRecord | Quarantine]:
        with self.open_client(ctx) as client:
            pending: dict[str, None] = {}  # order ids seen, in order, not yet fetched
            for page in client.modified_shipments(window.start, window.end):
                for sh in page:
                    try:
                        pending[mapping.order_id_of(sh)] = None
                    except MAPPING_ERRORS as exc:
                        yield Quarantine(sh, f"cannot map record: {type(exc).__name__}: {exc}", sh.get("shipmentId"))
                if len(pending) >= LOOKUP_BATCH:
                    batch = list(pending)
                    pending.clear()
                    yield from self._orders(client, batch)
            if pending:
                yield from self._orders(client, list(pending))

    def _orders(self, client: FlipkartClient, order_ids: list[str]) -> Iterator[OrderRecord | Quarantine]:
        """The current state of these orders: every shipment of each (one lookup per 100 orders), and
        their shipping details: AWB, courier, delivery address (one call per 100 shipments)."""
        shipments = client.shipments_by_order_ids(order_ids)
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for sh in shipments:
            try:
                grouped[mapping.order_id_of(sh)].append(sh)
            except MAPPING_ERRORS as exc:
                yield Quarantine(sh, f"cannot map record: {type(exc).__name__}: {exc}", sh.get("shipmentId"))
        wanted = list(
            dict.fromkeys(str(sh["shipmentId"]) for g in grouped.values() for sh in g if sh.get("shipmentId"))
        )
        details = client.shipment_details(wanted) if wanted else {}
        for order_id in order_ids:
            group = grouped.get(order_id)
            if not group:
                continue  # gone between the search and the lookup: the next run sees it again
            unique = list({str(sh.get("shipmentId")): sh for sh in group}.values())
            yield map_or_quarantine(lambda g: mapping.map_order(g, details), unique, order_id)

    # ------------------------------------------------------------------ returns
    def sync_returns(self, ctx: Ctx, window: SyncWindow) -> Iterator[ReturnRecord | Quarantine]:
        with self.open_client(ctx) as client:
            for page in client.modified_returns(window.start, window.end):
                for raw in page:
                    yield map_or_quarantine(map_return, raw, raw.get("returnId"))

    # ------------------------------------------------------------------ payouts
    def sync_payouts(self, ctx: Ctx, window: SyncWindow) -> Iterator[PayoutRecord | Quarantine]:
        """Settlements paid on the window's days (IST), from the settled_transaction_ledger report.

        The CSV has one row per order item per fee line, grouped here by ``neft_id`` (the payout).
        """
        with self.open_client(ctx) as client:
            first = ist_day(window.start - PAYOUT_LOOKBACK)
            last = ist_day(window.end)
            neft_id: str | None = None
            rows: list[dict[str, str]] = []
            for row in settlement_rows(client, first, last):
                key = (row.get("neft_id") or "").strip()
                if key != neft_id and rows:
                    yield self._payout(neft_id, rows)
                    rows = []
                neft_id = key
                rows.append(row)
            if rows:
                yield self._payout(neft_id, rows)

    @staticmethod
    def _payout(neft_id: str | None, rows: list[dict[str, str]]) -> PayoutRecord | Quarantine:
        if not neft_id:
            return Quarantine(rows, "settlement rows without a neft_id")
        return map_or_quarantine(lambda r: map_payout(neft_id, r), rows, neft_id)

    # ------------------------------------------------------------------ catalog
    def sync_listings(self, ctx: Ctx, known_skus: Sequence[str]) -> Iterator[ListingRecord | Quarantine]:
        """The listings of the SKUs Robnu knows, read by SKU, <= 10 a call. Flipkart's listing search
        (``POST /listings/v3/search``) returns ids only, so every listing would be read by SKU anyway.

        A SKU Flipkart does not know (``unavailable`` / ``invalid``) is not a listing; a listing that cannot
        be mapped is quarantined.
        """
        seen_at = ctx.clock.now()
        with self.open_client(ctx) as client:
            for available in client.listings(known_skus):
                for sku, raw in available.items():
                    mapper = partial(mapping.map_listing, str(sku), location_id=client.location_id, seen_at=seen_at)
                    yield map_or_quarantine(mapper, raw, _listing_id(raw) or str(sku))

    # ------------------------------------------------------------------ inventory
    def _push_batch(
        self, client: FlipkartClient, ctx: Ctx, batch: Sequence[InventoryPush]
    ) -> list[InventoryPushResult]:
        """Absolute quantities at the account's location. HTTP 200 carries a status per SKU: a per-SKU
        FAILURE (unknown SKU, FSN mismatch...) is permanent."""
        body = {
            p.seller_sku: {
                **({"product_id": p.marketplace_sku} if p.marketplace_sku else {}),
                "locations": [{"id": client.location_id, "inventory": max(0, int(p.quantity))}],
            }
            for p in batch
        }
        answer = client.update_inventory(body)
        return [_sku_result(p, answer.get(p.seller_sku)) for p in batch]


def _listing_id(raw: Any) -> str | None:
    value = raw.get("listing_id") if isinstance(raw, dict) else None
    return str(value) if value else None


def _sku_result(push: InventoryPush, answer: Any) -> InventoryPushResult:
    if not isinstance(answer, dict):
        return InventoryPushResult(push.task_id, False, f"Flipkart did not answer for SKU {push.seller_sku}")
    status = str(answer.get("status") or "").upper()
    if status in ("SUCCESS", "WARNING"):
        return InventoryPushResult(push.task_id, True)
    problems = [
        f"{e.get('code')}: {e.get('description')}"
        for e in (answer.get("errors") or []) + (answer.get("attribute_errors") or [])
        if isinstance(e, dict)
    ]
    text = "; ".join(problems) or f"status {status or 'missing'}"
    return InventoryPushResult(push.task_id, False, f"Flipkart refused SKU {push.seller_sku}: {text}"[:500], False)


register(FlipkartAdapter)
