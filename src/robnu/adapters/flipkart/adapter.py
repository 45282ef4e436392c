"""The Flipkart adapter (Marketplace Seller API v3): orders, returns, payouts, inventory, credential check.

Orders: shipments modified in the window are searched per filter group (§5); their order ids are
collected and every shipment of those orders is looked up by ``orderIds`` (an order may split across
shipments, §3), with shipping details (AWB, courier, address) fetched in batches of 100 (§6). Returns
come from ``GET /sellers/v2/returns`` per source (§9); payouts from the settled_transaction_ledger
report (§13). The catalog is read by SKU (``GET /sellers/listings/v3/{skuIds}``, §10) for the SKUs Robnu
knows. See docs/adapters/flipkart.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import timedelta
from functools import partial
from typing import Any

from robnu.adapters.base import (
    MAPPING_ERRORS,
    AdapterContext,
    MarketplaceAdapter,
    ProcessingReport,
    ValidationOutcome,
    map_or_quarantine,
)
from robnu.adapters.errors import (
    MarketplaceAuthError,
    MarketplaceError,
    MarketplaceRequestError,
    TransientMarketplaceError,
)
from robnu.adapters.flipkart import mapping
from robnu.adapters.flipkart.client import (
    CODE,
    DEFAULT_BASE_URL,
    ENDPOINT,
    INVENTORY_BATCH,
    LIMITS,
    LOOKUP_BATCH,
    FlipkartAuth,
    FlipkartClient,
)
from robnu.adapters.flipkart.credentials import FlipkartCredentials
from robnu.adapters.flipkart.processing import FlipkartFlow
from robnu.adapters.flipkart.satellite import SATELLITE
from robnu.adapters.processing import run_flow
from robnu.adapters.registry import register
from robnu.domain.marketplace import ScheduleTarget
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
from robnu.domain.statuses import ValidationStatus

# A settlement is reported by its day only: read one extra day back so a payout made later on the
# window's first day is not missed (payouts are immutable: a repeat is "unchanged").
PAYOUT_LOOKBACK = timedelta(days=1)


def open_client(ctx: AdapterContext, *, persist_tokens: bool = True) -> FlipkartClient:
    creds = ctx.credentials
    if not isinstance(creds, FlipkartCredentials):
        raise TypeError(f"Flipkart credentials expected, got {type(creds).__name__}")
    http = ctx.http.client(CODE, ENDPOINT, DEFAULT_BASE_URL, LIMITS)
    auth = FlipkartAuth(http, creds, ctx.tokens, ctx.clock, persist=persist_tokens)
    return FlipkartClient(http, auth)


class FlipkartAdapter(MarketplaceAdapter):
    code = CODE
    display_name = "Flipkart"
    satellite = SATELLITE
    supported_targets = frozenset(
        {
            ScheduleTarget.ORDERS,
            ScheduleTarget.RETURNS,
            ScheduleTarget.PAYOUTS,
            ScheduleTarget.INVENTORY,
            ScheduleTarget.CREDENTIAL_CHECK,
            ScheduleTarget.FULL_PROCESSING,
            ScheduleTarget.CATALOG,
        }
    )
    # Modelled: Flipkart documents no history limit for its searches; two years, as Amazon documents.
    history_days = 730

    # ------------------------------------------------------------------ credentials
    def validate_credentials(self, ctx: AdapterContext) -> ValidationOutcome:
        """Mint a fresh token with the application id/secret, then make one authenticated search."""
        with open_client(ctx) as client:
            try:
                client.auth.invalidate()
                client.auth.mint()
                client.probe(ctx.clock.now())
            except MarketplaceAuthError as exc:
                status = ValidationStatus.INVALID if exc.needs_reconnect else ValidationStatus.ERROR
                return ValidationOutcome(status, exc.http_status, exc.code, client.auth.clean(str(exc)))
            except MarketplaceError as exc:
                return ValidationOutcome(ValidationStatus.ERROR, exc.http_status, exc.code, client.auth.clean(str(exc)))
        return ValidationOutcome(ValidationStatus.VALID, 200)

    # ------------------------------------------------------------------ full processing
    def full_processing(self, ctx: AdapterContext) -> ProcessingReport:
        """validate -> pack (labels + invoice) -> packed -> documents -> RTD -> manifest (processing.py).

        On the account's dispatch settings (``ctx.dispatch``: closure policy, cut-offs, GSTIN, invoice
        series); ``ctx.options["close_manifest"]`` is the MANUAL close action.
        """
        with open_client(ctx) as client:
            flow = FlipkartFlow(client)
            return run_flow(ctx, flow)

    # ------------------------------------------------------------------ orders
    def sync_orders(self, ctx: AdapterContext, window: SyncWindow) -> Iterator[OrderRecord | Quarantine]:
        client = open_client(ctx)
        try:
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
        finally:
            client.close()

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
    def sync_returns(self, ctx: AdapterContext, window: SyncWindow) -> Iterator[ReturnRecord | Quarantine]:
        client = open_client(ctx)
        try:
            for page in client.modified_returns(window.start, window.end):
                for raw in page:
                    yield map_or_quarantine(mapping.map_return, raw, raw.get("returnId"))
        finally:
            client.close()

    # ------------------------------------------------------------------ payouts
    def sync_payouts(self, ctx: AdapterContext, window: SyncWindow) -> Iterator[PayoutRecord | Quarantine]:
        """Settlements paid on the window's days (IST), from the settled_transaction_ledger report.

        The CSV has one row per order item per fee line, grouped here by ``neft_id`` (the payout).
        """
        client = open_client(ctx)
        try:
            first = mapping.ist_date(window.start - PAYOUT_LOOKBACK)
            last = mapping.ist_date(window.end)
            neft_id: str | None = None
            rows: list[dict[str, str]] = []
            for row in client.settlement_rows(first, last):
                key = (row.get("neft_id") or "").strip()
                if key != neft_id and rows:
                    yield self._payout(neft_id, rows)
                    rows = []
                neft_id = key
                rows.append(row)
            if rows:
                yield self._payout(neft_id, rows)
        finally:
            client.close()

    @staticmethod
    def _payout(neft_id: str | None, rows: list[dict[str, str]]) -> PayoutRecord | Quarantine:
        if not neft_id:
            return Quarantine(rows, "settlement rows without a neft_id")
        return map_or_quarantine(lambda r: mapping.map_payout(neft_id, r), rows, neft_id)

    # ------------------------------------------------------------------ catalog
    def sync_listings(self, ctx: AdapterContext, known_skus: Sequence[str]) -> Iterator[ListingRecord | Quarantine]:
        """The listings of the SKUs Robnu knows, read by SKU, <= 10 a call (§10). Flipkart's listing search
        (``POST /listings/v3/search``) returns ids only, so every listing would be read by SKU anyway.

        A SKU Flipkart does not know (``unavailable`` / ``invalid``) is not a listing; a listing that cannot
        be mapped is quarantined.
        """
        seen_at = ctx.clock.now()
        client = open_client(ctx)
        try:
            for available in client.listings(known_skus):
                for sku, raw in available.items():
                    mapper = partial(mapping.map_listing, str(sku), location_id=client.location_id, seen_at=seen_at)
                    yield map_or_quarantine(mapper, raw, _listing_id(raw) or str(sku))
        finally:
            client.close()

    # ------------------------------------------------------------------ inventory
    def push_inventory(self, ctx: AdapterContext, pushes: Sequence[InventoryPush]) -> list[InventoryPushResult]:
        """Absolute quantities at the account's location, <= 10 SKUs per call (§10). HTTP 200 carries
        a status per SKU: a per-SKU FAILURE (unknown SKU, FSN mismatch...) is permanent."""
        results: list[InventoryPushResult] = []
        # The inventory service calls us inside its open write transaction: a token minted here stays
        # in memory (writing the token table from another session would wait on that transaction).
        client = open_client(ctx, persist_tokens=False)
        try:
            for batch in _batches(pushes):
                body = {
                    p.seller_sku: {
                        **({"product_id": p.marketplace_sku} if p.marketplace_sku else {}),
                        "locations": [{"id": client.location_id, "inventory": max(0, int(p.quantity))}],
                    }
                    for p in batch
                }
                try:
                    answer = client.update_inventory(body)
                except MarketplaceAuthError:
                    raise
                except (TransientMarketplaceError, MarketplaceRequestError) as exc:
                    # still failing after retries: try again later; a 4xx is answered the same way again
                    retry = isinstance(exc, TransientMarketplaceError)
                    results += [
                        InventoryPushResult(p.task_id, False, client.auth.clean(str(exc)), retry) for p in batch
                    ]
                    continue
                results += [_sku_result(p, answer.get(p.seller_sku)) for p in batch]
        finally:
            client.close()
        return results


def _listing_id(raw: Any) -> str | None:
    value = raw.get("listing_id") if isinstance(raw, dict) else None
    return str(value) if value else None


def _batches(pushes: Sequence[InventoryPush]) -> Iterator[list[InventoryPush]]:
    """Groups of <= 10 with distinct SKUs (the body is keyed by SKU)."""
    batch: list[InventoryPush] = []
    skus: set[str] = set()
    for push in pushes:
        if len(batch) == INVENTORY_BATCH or push.seller_sku in skus:
            yield batch
            batch, skus = [], set()
        batch.append(push)
        skus.add(push.seller_sku)
    if batch:
        yield batch


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
