"""The AJIO adapter (Dropship / VMS seller API, docs/adapters/ajio.md): credentials check, order, return and
settlement sync, inventory push. Registered under AJIO."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial
from typing import Any

from robnu.adapters.ajio import mapping
from robnu.adapters.ajio.auth import AjioAuth
from robnu.adapters.ajio.client import CODE, DEFAULT_BASE_URL, ENDPOINT, INVENTORY_BATCH, LIMITS, AjioClient
from robnu.adapters.ajio.credentials import AjioCredentials
from robnu.adapters.ajio.processing import FLOW
from robnu.adapters.ajio.satellite import SATELLITE
from robnu.adapters.base import EVERY_TARGET, Adapter, AdapterContext, map_or_quarantine
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

Ctx = AdapterContext[AjioCredentials]


class AjioAdapter(Adapter[AjioCredentials, AjioClient]):
    code = CODE
    display_name = "AJIO"
    satellite = SATELLITE
    supported_targets = EVERY_TARGET
    inventory_batch = INVENTORY_BATCH  # <= 50 SKUs per /updateInventory
    flow = FLOW  # the 11 stages from open order to closed manifest (processing.py)
    # Modelled: AJIO documents no history limit for its order and return reads; two years, as Amazon documents.
    history_days = 730

    def open_client(self, ctx: Ctx) -> AjioClient:
        http = ctx.http.client(CODE, ENDPOINT, DEFAULT_BASE_URL, LIMITS)
        return AjioClient(http, AjioAuth(http, ctx.credentials, ctx.tokens, ctx.clock))

    def _probe(self, client: AjioClient, ctx: Ctx) -> None:
        """A fresh token (minted by the base) and one authenticated call."""
        client.products_count()

    def sync_orders(self, ctx: Ctx, window: SyncWindow) -> Iterator[OrderRecord | Quarantine]:
        """Orders updated in the window: acknowledged orders from ``GET /orders`` (filtered on last
        update), then new ones awaiting an ack from ``GET /orders/pendency`` (whose only update is the
        order itself, so the order-date filter is the last-update filter)."""
        with self.open_client(ctx) as client:
            for rows in client.purchase_orders(window.start, window.end):
                for o in rows:
                    yield map_or_quarantine(mapping.purchase_order, o, _id(o, "order_id"))
            for rows in client.pendency(window.start, window.end):
                for o in rows:
                    yield map_or_quarantine(mapping.pendency_order, o, _id(o, "order_id"))

    def sync_returns(self, ctx: Ctx, window: SyncWindow) -> Iterator[ReturnRecord | Quarantine]:
        with self.open_client(ctx) as client:
            for rows in client.returns(window.start, window.end):
                for r in rows:
                    yield map_or_quarantine(mapping.return_record, r, _id(r, "return_id"))

    def sync_listings(self, ctx: Ctx, known_skus: Sequence[str]) -> Iterator[ListingRecord | Quarantine]:
        """GET /products: every SKU of the store with its published status and live inventory.

        The whole catalog is listed, so ``known_skus`` is not needed.
        """
        seen_at = ctx.clock.now()
        with self.open_client(ctx) as client:
            for product in client.products():
                yield map_or_quarantine(lambda p: mapping.listing(p, seen_at), product, product.get("sku"))

    def sync_payouts(self, ctx: Ctx, window: SyncWindow) -> Iterator[PayoutRecord | Quarantine]:
        with self.open_client(ctx) as client:
            for s in client.settlements(window.start, window.end):
                lines = client.settlement_lines(s)
                yield map_or_quarantine(partial(mapping.payout, lines=lines), s, _id(s, "settlement_id"))

    def _inventory_sku(self, push: InventoryPush) -> str:
        return _sku(push)  # the listing id Robnu stores is AJIO's SKU

    def _push_batch(self, client: AjioClient, ctx: Ctx, batch: Sequence[InventoryPush]) -> list[InventoryPushResult]:
        """Absolute stock per SKU. A SKU in ``failed_items`` is a permanent rejection (unknown SKU, bad
        quantity): not retried."""
        body = client.update_inventory([{"sku": _sku(p), "quantity": max(0, int(p.quantity))} for p in batch])
        return _push_results(batch, body)


def _id(payload: Any, key: str) -> str | None:
    value = payload.get(key) if isinstance(payload, dict) else None
    return str(value) if value is not None else None


def _sku(push: InventoryPush) -> str:
    return push.listing_external_id or push.seller_sku


def _push_results(batch: Sequence[InventoryPush], body: dict[str, Any]) -> list[InventoryPushResult]:
    accepted = {str(it.get("sku")) for it in body.get("success") or [] if isinstance(it, dict)}
    failed = {
        str(it.get("sku")): str(it.get("error_message") or "rejected")
        for it in body.get("failed_items") or []
        if isinstance(it, dict)
    }
    out = []
    for p in batch:
        sku = _sku(p)
        if sku in failed:
            out.append(
                InventoryPushResult(p.task_id, False, f"AJIO rejected SKU {sku}: {failed[sku]}", retryable=False)
            )
        elif sku in accepted:
            out.append(InventoryPushResult(p.task_id, True))
        else:
            out.append(InventoryPushResult(p.task_id, False, f"AJIO did not report SKU {sku}", retryable=True))
    return out


register(AjioAdapter)
