"""The Meesho adapter (supplier API, modelled: docs/adapters/meesho.md): credential check, sub-order, return
and settlement sync, inventory push. Registered under MEESHO.

Meesho signs every request with the API key's secret (HMAC) and issues no access tokens, so
``ctx.tokens`` is never used.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from functools import partial
from typing import Any

from robnu.adapters.base import EVERY_TARGET, Adapter, AdapterContext, map_or_quarantine
from robnu.adapters.meesho import mapping
from robnu.adapters.meesho.client import (
    CODE,
    DEFAULT_BASE_URL,
    ENDPOINT,
    INVENTORY_BATCH,
    LIMITS,
    MeeshoClient,
    SharedBucketLimiter,
)
from robnu.adapters.meesho.credentials import MeeshoCredentials
from robnu.adapters.meesho.processing import FLOW
from robnu.adapters.meesho.satellite import SATELLITE
from robnu.adapters.registry import register
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

# Per-item inventory codes that the same request will always get: never retried.
PERMANENT_SKU_ERRORS = frozenset({"UNKNOWN_SKU", "INVALID_QUANTITY", "PRODUCT_PAUSED"})

Ctx = AdapterContext[MeeshoCredentials]


class MeeshoAdapter(Adapter[MeeshoCredentials, MeeshoClient]):
    code = CODE
    display_name = "Meesho"
    satellite = SATELLITE
    supported_targets = EVERY_TARGET
    inventory_batch = INVENTORY_BATCH  # <= 50 items per POST /v1/inventory
    flow = FLOW  # accept -> label + tax invoice -> archive -> manifest (processing.py)
    # Modelled: Meesho documents no history limit (only windows of at most 30 days); two years, as Amazon documents.
    history_days = 730

    def open_client(self, ctx: Ctx) -> MeeshoClient:
        """Meesho meters every call of one API key in one bucket: the limiter is shared by every
        client of the supplier."""
        limiter = ctx.http.shared_limiter(CODE, ctx.credentials.supplier_id, LIMITS, SharedBucketLimiter)
        http = ctx.http.client(CODE, ENDPOINT, DEFAULT_BASE_URL, LIMITS, limiter=limiter)
        return MeeshoClient(http, ctx.credentials, ctx.clock)

    def _probe(self, client: MeeshoClient, ctx: Ctx) -> None:
        """A signed ``GET /v1/settings/acceptance``: HMAC_MISMATCH, INVALID_API_KEY or API_KEY_DISABLED
        are refused credentials (reconnect); an outage is an error."""
        client.acceptance()

    def sync_orders(self, ctx: Ctx, window: SyncWindow) -> Iterator[OrderRecord | Quarantine]:
        """Sub-orders updated in the window (``GET /v1/sub-orders`` with ``updated_from``/``updated_to``):
        one Robnu order per sub-order."""
        with self.open_client(ctx) as client:
            for rows in client.sub_orders(window.start, window.end):
                for o in rows:
                    yield map_or_quarantine(mapping.sub_order, o, _id(o, "sub_order_no"))

    def sync_returns(self, ctx: Ctx, window: SyncWindow) -> Iterator[ReturnRecord | Quarantine]:
        with self.open_client(ctx) as client:
            for rows in client.returns(window.start, window.end):
                for r in rows:
                    yield map_or_quarantine(mapping.return_record, r, _id(r, "return_id"))

    def sync_listings(self, ctx: Ctx, known_skus: Sequence[str]) -> Iterator[ListingRecord | Quarantine]:
        """GET /v1/products: every catalogue SKU with its status and live stock.

        The whole catalog is listed, so ``known_skus`` is not needed.
        """
        seen_at = ctx.clock.now()
        with self.open_client(ctx) as client:
            for page in client.pages("listProducts", "/v1/products", {}, "sku"):
                for product in page:
                    yield map_or_quarantine(lambda p: mapping.listing(p, seen_at), product, product.get("sku"))

    def sync_payouts(self, ctx: Ctx, window: SyncWindow) -> Iterator[PayoutRecord | Quarantine]:
        """Settlements paid (or scheduled) around the window, each with all its lines. Lines that do not
        add up to the header are read once more, then the settlement is quarantined."""
        with self.open_client(ctx) as client:
            for header in client.settlements(window.start, window.end):
                sid = _id(header, "settlement_id")
                if sid is None:
                    yield Quarantine(header, "settlement without settlement_id")
                    continue
                lines = client.settlement_lines(sid)
                if not _adds_up(header, lines):
                    lines = client.settlement_lines(sid)
                yield map_or_quarantine(partial(mapping.payout, lines=lines), header, sid)

    def _inventory_sku(self, push: InventoryPush) -> str:
        return _sku(push)  # the listing id Robnu stores is the supplier SKU

    def _push_batch(self, client: MeeshoClient, ctx: Ctx, batch: Sequence[InventoryPush]) -> list[InventoryPushResult]:
        """Absolute stock per SKU, at the supplier's warehouse when it has exactly one. A per-item
        ``UNKNOWN_SKU``/``INVALID_QUANTITY``/``PRODUCT_PAUSED`` is permanent (not retried)."""
        warehouses = ctx.credentials.warehouse_ids
        warehouse = warehouses[0] if len(warehouses) == 1 else None
        items: list[dict[str, Any]] = []
        for p in batch:
            item: dict[str, Any] = {"sku": _sku(p), "quantity": max(0, int(p.quantity))}
            if warehouse:
                item["warehouse_id"] = warehouse
            items.append(item)
        return _push_results(batch, client.update_inventory(items))


def _id(payload: Any, key: str) -> str | None:
    value = payload.get(key) if isinstance(payload, Mapping) else None
    return str(value) if value is not None else None


def _sku(push: InventoryPush) -> str:
    return push.listing_external_id or push.seller_sku


def _adds_up(header: Mapping[str, Any], lines: Sequence[Mapping[str, Any]]) -> bool:
    try:
        total = sum((mapping.money(line["amount"]) for line in lines), Decimal("0.00"))
        count = header.get("line_count")
        return total == mapping.money(header["net_amount"]) and (count is None or int(count) == len(lines))
    except (KeyError, ValueError, TypeError, ArithmeticError):
        return False


def _push_results(batch: Sequence[InventoryPush], answered: Sequence[Mapping[str, Any]]) -> list[InventoryPushResult]:
    by_sku = {str(r.get("sku")): r for r in answered}
    out = []
    for p in batch:
        sku = _sku(p)
        result = by_sku.get(sku)
        if result is None:
            out.append(InventoryPushResult(p.task_id, False, f"Meesho did not report SKU {sku}", retryable=True))
        elif result.get("status") == "SUCCESS":
            out.append(InventoryPushResult(p.task_id, True))
        else:
            code = str(result.get("error_code") or "FAILURE")
            out.append(
                InventoryPushResult(
                    p.task_id,
                    False,
                    f"Meesho rejected SKU {sku}: {code}",
                    retryable=code not in PERMANENT_SKU_ERRORS,
                )
            )
    return out


register(MeeshoAdapter)
