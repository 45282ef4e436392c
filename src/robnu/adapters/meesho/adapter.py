"""The Meesho adapter (supplier API, modelled: reference meesho.md): credential check, sub-order, return
and settlement sync, inventory push. Registered under MEESHO.

Meesho signs every request with the API key's secret (HMAC, §3) and issues no access tokens, so
``ctx.tokens`` is never used.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from functools import partial
from typing import Any

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
from robnu.adapters.meesho import mapping
from robnu.adapters.meesho.client import INVENTORY_BATCH, MeeshoClient
from robnu.adapters.meesho.credentials import MeeshoCredentials
from robnu.adapters.meesho.processing import MeeshoFlow
from robnu.adapters.meesho.satellite import SATELLITE
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

# §10 per-item codes that the same request will always get: never retried.
PERMANENT_SKU_ERRORS = frozenset({"UNKNOWN_SKU", "INVALID_QUANTITY", "PRODUCT_PAUSED"})


class MeeshoAdapter(MarketplaceAdapter):
    code = "MEESHO"
    display_name = "Meesho"
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
    # Modelled: Meesho documents no history limit (only windows of at most 30 days); two years, as Amazon documents.
    history_days = 730

    def validate_credentials(self, ctx: AdapterContext) -> ValidationOutcome:
        """A signed ``GET /v1/settings/acceptance`` (§3): HMAC_MISMATCH, INVALID_API_KEY or
        API_KEY_DISABLED -> INVALID (reconnect); an outage -> ERROR."""
        with MeeshoClient(ctx) as client:
            try:
                client.acceptance()
            except MarketplaceAuthError as exc:
                status = ValidationStatus.INVALID if exc.needs_reconnect else ValidationStatus.ERROR
                return ValidationOutcome(status, exc.http_status, exc.code, str(exc))
            except MarketplaceError as exc:
                return ValidationOutcome(ValidationStatus.ERROR, exc.http_status, exc.code, str(exc))
        return ValidationOutcome(ValidationStatus.VALID, 200)

    def sync_orders(self, ctx: AdapterContext, window: SyncWindow) -> Iterator[OrderRecord | Quarantine]:
        """Sub-orders updated in the window (``GET /v1/sub-orders`` with ``updated_from``/``updated_to``):
        one Robnu order per sub-order."""
        client = MeeshoClient(ctx)
        try:
            for rows in client.sub_orders(window.start, window.end):
                for o in rows:
                    yield map_or_quarantine(mapping.sub_order, o, _id(o, "sub_order_no"))
        finally:
            client.close()

    def sync_returns(self, ctx: AdapterContext, window: SyncWindow) -> Iterator[ReturnRecord | Quarantine]:
        client = MeeshoClient(ctx)
        try:
            for rows in client.returns(window.start, window.end):
                for r in rows:
                    yield map_or_quarantine(mapping.return_record, r, _id(r, "return_id"))
        finally:
            client.close()

    def sync_listings(self, ctx: AdapterContext, known_skus: Sequence[str]) -> Iterator[ListingRecord | Quarantine]:
        """GET /v1/products (§10): every catalogue SKU with its status and live stock.

        The whole catalog is listed, so ``known_skus`` is not needed.
        """
        seen_at = ctx.clock.now()
        with MeeshoClient(ctx) as client:
            for page in client.pages("listProducts", "/v1/products", {}, "sku"):
                for product in page:
                    yield map_or_quarantine(lambda p: mapping.listing(p, seen_at), product, product.get("sku"))

    def sync_payouts(self, ctx: AdapterContext, window: SyncWindow) -> Iterator[PayoutRecord | Quarantine]:
        """Settlements paid (or scheduled) around the window, each with all its lines. Lines that do not
        add up to the header are read once more, then the settlement is quarantined."""
        client = MeeshoClient(ctx)
        try:
            for header in client.settlements(window.start, window.end):
                sid = _id(header, "settlement_id")
                if sid is None:
                    yield Quarantine(header, "settlement without settlement_id")
                    continue
                lines = client.settlement_lines(sid)
                if not _adds_up(header, lines):
                    lines = client.settlement_lines(sid)
                yield map_or_quarantine(partial(mapping.payout, lines=lines), header, sid)
        finally:
            client.close()

    def push_inventory(self, ctx: AdapterContext, pushes: Sequence[InventoryPush]) -> list[InventoryPushResult]:
        """Absolute stock per SKU (the listing id Robnu stores is the supplier SKU), 50 per call (§10).

        A per-item ``UNKNOWN_SKU``/``INVALID_QUANTITY``/``PRODUCT_PAUSED`` is permanent (not retried); a
        whole call that fails after retries leaves its SKUs retryable and the other batches go on.
        """
        creds = ctx.credentials
        warehouse = (
            creds.warehouse_ids[0] if isinstance(creds, MeeshoCredentials) and len(creds.warehouse_ids) == 1 else None
        )
        results: list[InventoryPushResult] = []
        with MeeshoClient(ctx) as client:
            for at in range(0, len(pushes), INVENTORY_BATCH):
                batch = pushes[at : at + INVENTORY_BATCH]
                items: list[dict[str, Any]] = []
                for p in batch:
                    item: dict[str, Any] = {"sku": _sku(p), "quantity": max(0, int(p.quantity))}
                    if warehouse:
                        item["warehouse_id"] = warehouse
                    items.append(item)
                try:
                    answered = client.update_inventory(items)
                except (TransientMarketplaceError, MarketplaceRequestError) as exc:
                    retryable = not isinstance(exc, MarketplaceRequestError)
                    results += [InventoryPushResult(p.task_id, False, str(exc), retryable=retryable) for p in batch]
                    continue
                results += _push_results(batch, answered)
        return results

    def full_processing(self, ctx: AdapterContext) -> ProcessingReport:
        """Accept -> label + tax invoice -> archive -> manifest, per order and per batch (processing.py).
        The closure policy and cut-offs are the account's dispatch settings (``ctx.dispatch``)."""
        flow = MeeshoFlow.for_context(ctx)
        try:
            return run_flow(ctx, flow)
        finally:
            flow.close()


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
