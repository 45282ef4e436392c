"""The AJIO adapter (Dropship / VMS seller API, reference ajio.md): credentials check, order, return and
settlement sync, inventory push. Registered under AJIO."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial
from typing import Any

from robnu.adapters.ajio import mapping
from robnu.adapters.ajio.client import INVENTORY_BATCH, AjioClient
from robnu.adapters.ajio.processing import AjioFlow
from robnu.adapters.ajio.satellite import SATELLITE
from robnu.adapters.base import (
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


class AjioAdapter(MarketplaceAdapter):
    code = "AJIO"
    display_name = "AJIO"
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
    # Modelled: AJIO documents no history limit for its order and return reads; two years, as Amazon documents.
    history_days = 730

    def validate_credentials(self, ctx: AdapterContext) -> ValidationOutcome:
        """Mint a token with the POB id and API password, then make one authenticated call."""
        with AjioClient(ctx) as client:
            try:
                client.auth.mint()
                client.products_count()
            except MarketplaceAuthError as exc:
                status = ValidationStatus.INVALID if exc.needs_reconnect else ValidationStatus.ERROR
                return ValidationOutcome(status, exc.http_status, exc.code, str(exc))
            except MarketplaceError as exc:
                return ValidationOutcome(ValidationStatus.ERROR, exc.http_status, exc.code, str(exc))
        return ValidationOutcome(ValidationStatus.VALID, 200)

    def sync_orders(self, ctx: AdapterContext, window: SyncWindow) -> Iterator[OrderRecord | Quarantine]:
        """Orders updated in the window: acknowledged orders from ``GET /orders`` (filtered on last
        update), then new ones awaiting an ack from ``GET /orders/pendency`` (whose only update is the
        order itself, so the order-date filter is the last-update filter)."""
        client = AjioClient(ctx)
        try:
            for rows in client.purchase_orders(window.start, window.end):
                for o in rows:
                    yield map_or_quarantine(mapping.purchase_order, o, _id(o, "order_id"))
            for rows in client.pendency(window.start, window.end):
                for o in rows:
                    yield map_or_quarantine(mapping.pendency_order, o, _id(o, "order_id"))
        finally:
            client.close()

    def sync_returns(self, ctx: AdapterContext, window: SyncWindow) -> Iterator[ReturnRecord | Quarantine]:
        client = AjioClient(ctx)
        try:
            for rows in client.returns(window.start, window.end):
                for r in rows:
                    yield map_or_quarantine(mapping.return_record, r, _id(r, "return_id"))
        finally:
            client.close()

    def sync_listings(self, ctx: AdapterContext, known_skus: Sequence[str]) -> Iterator[ListingRecord | Quarantine]:
        """GET /products: every SKU of the store with its published status and live inventory.

        The whole catalog is listed, so ``known_skus`` is not needed.
        """
        seen_at = ctx.clock.now()
        with AjioClient(ctx) as client:
            for product in client.products():
                yield map_or_quarantine(lambda p: mapping.listing(p, seen_at), product, product.get("sku"))

    def sync_payouts(self, ctx: AdapterContext, window: SyncWindow) -> Iterator[PayoutRecord | Quarantine]:
        client = AjioClient(ctx)
        try:
            for s in client.settlements(window.start, window.end):
                lines = client.settlement_lines(s)
                yield map_or_quarantine(partial(mapping.payout, lines=lines), s, _id(s, "settlement_id"))
        finally:
            client.close()

    def push_inventory(self, ctx: AdapterContext, pushes: Sequence[InventoryPush]) -> list[InventoryPushResult]:
        """Absolute stock per SKU (the listing id Robnu stores is AJIO's SKU), 50 SKUs a call (§6).

        A SKU in ``failed_items`` is a permanent rejection (unknown SKU, bad quantity): not retried.
        A whole call that fails after retries leaves its SKUs retryable; the other batches go on.
        """
        results: list[InventoryPushResult] = []
        with AjioClient(ctx) as client:
            for at in range(0, len(pushes), INVENTORY_BATCH):
                batch = pushes[at : at + INVENTORY_BATCH]
                items = [{"sku": _sku(p), "quantity": max(0, int(p.quantity))} for p in batch]
                try:
                    body = client.update_inventory(items)
                except (TransientMarketplaceError, MarketplaceRequestError) as exc:
                    retryable = not isinstance(exc, MarketplaceRequestError)
                    results += [InventoryPushResult(p.task_id, False, str(exc), retryable=retryable) for p in batch]
                    continue
                results += _push_results(batch, body)
        return results

    def full_processing(self, ctx: AdapterContext) -> ProcessingReport:
        """The 11-stage flow from open order to closed manifest (processing.py), on the account's dispatch
        settings (``ctx.dispatch``); ``ctx.options["close_manifest"]`` is the MANUAL user action."""
        flow = AjioFlow()
        try:
            return run_flow(ctx, flow)
        finally:
            flow.close()


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
