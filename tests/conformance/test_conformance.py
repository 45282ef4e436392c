"""The adapter conformance suite: every adapter, against its own sandbox, over HTTP, on a real database.

The end state of every scenario is checked against the sandbox's own truth: no order lost, none
duplicated, statuses and money equal.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from robnu.db.models import (
    InventoryTask,
    Listing,
    MarketplaceAccount,
    MarketplaceCredentialEvent,
    MarketplacePayout,
    Order,
    OrderReturn,
    PayoutLineItem,
)
from robnu.domain.marketplace import SYNC_TARGETS, ScheduleTarget
from robnu.domain.statuses import InventoryTaskStatus, SyncRunStatus, ValidationStatus
from robnu.sandbox.faults import FaultKind, FaultRule
from robnu.services.accounts import create_seller
from robnu.services.inventory_push import push_pending
from robnu.services.sync import SyncEngine, SyncOutcome
from robnu.services.validation import validate_account
from tests.conformance.conftest import Harness
from tests.factories import product as make_product

GENERIC_FAULTS = (
    FaultKind.RATE_LIMIT,
    FaultKind.SERVER_ERROR,
    FaultKind.DROP_CONNECTION,
    FaultKind.MALFORMED_BODY,
    FaultKind.TRUNCATED_BODY,
)
TARGETS = (ScheduleTarget.ORDERS, ScheduleTarget.RETURNS, ScheduleTarget.PAYOUTS)


def _sync_all(h: Harness, account_id: int, **kwargs: Any) -> dict[ScheduleTarget, SyncOutcome]:
    engine = SyncEngine(h.rt)
    adapter = h.rt.registry.get(h.profile.code)
    return {t: engine.run(account_id, t, **kwargs) for t in TARGETS if t in adapter.supported_targets}


def _assert_matches_truth(h: Harness, account_id: int) -> None:
    """The database equals the sandbox's truth for everything older than the sync window's end."""
    truth = h.sandbox.truth(h.key)
    horizon = h.world.clock.now() - timedelta(seconds=h.rt.settings.sync_safety_lag_seconds + 60)
    with h.rt.sessions() as s:
        stored = {
            o.external_id: o
            for o in s.execute(select(Order).where(Order.marketplace_account_id == account_id)).scalars()
        }
        assert set(stored) <= set(truth["orders"]), "orders in Robnu that the marketplace does not have"
        for external_id, t in truth["orders"].items():
            if "updated_at" in t and t["updated_at"] > horizon.isoformat():
                continue
            assert external_id in stored, f"order {external_id} lost"
            assert stored[external_id].raw_status == str(t["status"]), external_id
            assert stored[external_id].order_total == Decimal(t["total"]), external_id
        returns = set(
            s.execute(select(OrderReturn.external_id).where(OrderReturn.marketplace_account_id == account_id)).scalars()
        )
        assert returns <= set(truth["returns"]), "returns in Robnu that the marketplace does not have"
        settled = {
            p.external_id: p
            for p in s.execute(
                select(MarketplacePayout).where(MarketplacePayout.marketplace_account_id == account_id)
            ).scalars()
        }
        assert set(settled) <= set(truth["payouts"])
        for external_id, p in settled.items():
            assert p.net_amount == Decimal(truth["payouts"][external_id]["net"]), external_id
            lines = s.execute(
                select(func.coalesce(func.sum(PayoutLineItem.amount), 0)).where(PayoutLineItem.payout_id == p.id)
            ).scalar_one()
            assert Decimal(str(lines)) == p.net_amount, f"payout {external_id}: lines do not add up to net"


def _counts(h: Harness, account_id: int) -> tuple[int, int, int]:
    with h.rt.sessions() as s:
        return tuple(  # type: ignore[return-value]
            int(s.execute(select(func.count(m.id)).where(m.marketplace_account_id == account_id)).scalar_one())
            for m in (Order, OrderReturn, MarketplacePayout)
        )


def test_declares_the_contract(harness: Harness) -> None:
    adapter = harness.rt.registry.get(harness.profile.code)
    assert adapter.code == harness.profile.code
    assert SYNC_TARGETS | {ScheduleTarget.CREDENTIAL_CHECK, ScheduleTarget.INVENTORY} <= adapter.supported_targets


def test_validation_good_bad_revoked(harness: Harness) -> None:
    h = harness
    good = h.connect()
    outcome = validate_account(h.rt, good)
    assert outcome.status is ValidationStatus.VALID, outcome
    other_seller = create_seller(h.rt, "Seller with a mistyped secret")
    bad_account = h.connect(h.profile.bad_credentials(dict(h.creds)), seller_id=other_seller)
    bad = validate_account(h.rt, bad_account)
    assert bad.status is ValidationStatus.INVALID and bad.http_status in (400, 401, 403), bad
    h.sandbox.revoke(h.key)
    revoked = validate_account(h.rt, good)
    assert revoked.status is ValidationStatus.INVALID, revoked
    with h.rt.sessions() as s:
        account = s.get(MarketplaceAccount, good)
        assert account is not None and account.needs_reconnect and account.last_validated_at is not None
        events = (
            s.execute(
                select(MarketplaceCredentialEvent)
                .where(MarketplaceCredentialEvent.marketplace_account_id == good)
                .order_by(MarketplaceCredentialEvent.id)
            )
            .scalars()
            .all()
        )
        assert [e.kind for e in events] == ["VALIDATED", "VALIDATION_FAILED"]
        assert events[1].code and events[1].http_status
        for e in events:
            for value in _secrets(h.creds):
                assert value not in (e.message or "")


def _secrets(creds: dict[str, Any]) -> list[str]:
    out = []
    for key, value in creds.items():
        if isinstance(value, str) and any(w in key for w in ("secret", "password", "token")) and len(value) >= 8:
            out.append(value)
    return out


def test_full_sync_then_incremental_matches_truth(harness: Harness) -> None:
    h = harness
    account = h.connect()
    first = _sync_all(h, account)
    assert all(o.status is SyncRunStatus.SUCCEEDED for o in first.values()), first
    assert first[ScheduleTarget.ORDERS].inserted > 0
    _assert_matches_truth(h, account)
    orders_before, _, _ = _counts(h, account)

    h.world.clock.advance(timedelta(days=3))  # orders move on; new settlements close
    h.sandbox.generate_orders(h.key, 20, days=2)
    second = _sync_all(h, account)
    assert all(o.status is SyncRunStatus.SUCCEEDED for o in second.values()), second
    assert second[ScheduleTarget.ORDERS].inserted + second[ScheduleTarget.ORDERS].updated > 0
    assert second[ScheduleTarget.ORDERS].fetched < first[ScheduleTarget.ORDERS].fetched + 20
    _assert_matches_truth(h, account)
    assert _counts(h, account)[0] > orders_before


def test_rerun_is_idempotent(harness: Harness) -> None:
    h = harness
    account = h.connect()
    _sync_all(h, account)
    counts = _counts(h, account)
    since = h.world.clock.now() - timedelta(days=45)
    again = _sync_all(h, account, since=since)
    for target, outcome in again.items():
        assert outcome.status is SyncRunStatus.SUCCEEDED, (target, outcome)
        assert (outcome.inserted, outcome.updated) == (0, 0), (target, outcome)
    assert _counts(h, account) == counts


@pytest.mark.parametrize("kind", GENERIC_FAULTS)
def test_generic_faults_end_equal_to_truth(harness: Harness, kind: FaultKind) -> None:
    h = harness
    account = h.connect()
    for target in TARGETS:
        operation = h.profile.list_operations.get(target)
        if operation:
            h.sandbox.kit.faults.add(FaultRule(kind, operation, remaining=2, params={"status": 503}))
    outcomes = _sync_all(h, account)
    assert all(o.status is SyncRunStatus.SUCCEEDED for o in outcomes.values()), outcomes
    assert h.sandbox.kit.faults.fired, "the fault never fired"
    _assert_matches_truth(h, account)


def test_marketplace_page_faults_end_equal_to_truth(harness: Harness) -> None:
    h = harness
    account = h.connect()
    operation = h.profile.list_operations[ScheduleTarget.ORDERS]
    for kind in sorted(h.profile.page_faults):
        h.sandbox.kit.faults.add(FaultRule(kind, operation, remaining=1))
    outcome = SyncEngine(h.rt).run(account, ScheduleTarget.ORDERS)
    assert outcome.status is SyncRunStatus.SUCCEEDED, outcome
    if outcome.status is SyncRunStatus.SUCCEEDED and h.profile.page_faults:
        fired = {k for k, _ in h.sandbox.kit.faults.fired}
        assert fired >= {k.value for k in h.profile.page_faults}, fired
    _sync_all(h, account)
    _assert_matches_truth(h, account)


def test_token_expiry_mid_run_refreshes_once_and_goes_on(harness: Harness) -> None:
    h = harness
    if not h.profile.has_access_tokens:
        pytest.skip(f"{h.profile.code} signs each request; it has no access token to expire")
    account = h.connect()
    operation = h.profile.list_operations[ScheduleTarget.ORDERS]
    SyncEngine(h.rt).run(account, ScheduleTarget.ORDERS)  # a token is now cached
    h.sandbox.kit.faults.add(FaultRule(FaultKind.TOKEN_EXPIRED, operation, remaining=1))
    outcome = SyncEngine(h.rt).run(account, ScheduleTarget.ORDERS, since=h.world.clock.now() - timedelta(days=45))
    assert outcome.status is SyncRunStatus.SUCCEEDED, outcome
    assert (FaultKind.TOKEN_EXPIRED.value, operation) in h.sandbox.kit.faults.fired
    with h.rt.sessions() as s:
        acct = s.get(MarketplaceAccount, account)
        assert acct is not None and not acct.needs_reconnect
    _assert_matches_truth(h, account)


def test_revoked_credentials_fail_the_run_and_ask_for_reconnect(harness: Harness) -> None:
    h = harness
    account = h.connect()
    h.sandbox.revoke(h.key)
    outcome = SyncEngine(h.rt).run(account, ScheduleTarget.ORDERS)
    assert outcome.status is SyncRunStatus.FAILED
    with h.rt.sessions() as s:
        acct = s.get(MarketplaceAccount, account)
        assert acct is not None and acct.needs_reconnect
        kinds = (
            s.execute(
                select(MarketplaceCredentialEvent.kind).where(
                    MarketplaceCredentialEvent.marketplace_account_id == account
                )
            )
            .scalars()
            .all()
        )
        assert kinds == ["AUTH_FAILED"]
    # the cursor did not move: a later run (after reconnecting) starts from the same place
    from robnu.services.lease import high_water

    with h.rt.sessions() as s:
        assert high_water(s, account, ScheduleTarget.ORDERS) is None


def _add_listing_tasks(h: Harness, account: int, plan: list[tuple[Any, list[int]]]) -> dict[str, int]:
    now = h.world.clock.now()
    ids = {}
    with h.rt.session() as s:
        acct = s.get(MarketplaceAccount, account)
        assert acct is not None
        for listing, quantities in plan:
            row = Listing(
                seller_id=acct.seller_id,
                marketplace_account_id=account,
                external_id=listing.external_id,
                source_updated_at=now,
                status="ACTIVE",
                raw_status="ACTIVE",
                created_at=now,
                updated_at=now,
                seller_sku=listing.seller_sku,
                marketplace_sku=listing.marketplace_sku,
            )
            s.add(row)
            s.flush()
            ids[listing.external_id] = row.id
            for version, qty in enumerate(quantities, start=1):
                s.add(
                    InventoryTask(
                        seller_id=acct.seller_id,
                        marketplace_account_id=account,
                        listing_id=row.id,
                        quantity=qty,
                        stock_version=version,
                        created_at=now,
                        updated_at=now,
                    )
                )
    return ids


def test_inventory_push_with_partial_failures_and_retries(harness: Harness) -> None:
    h = harness
    account = h.connect()
    listings = h.profile.listings(h.sandbox, h.key)[:12]
    assert len(listings) >= 3
    plan = [(listing, [5 + i, 7 + i]) for i, listing in enumerate(listings)]  # two versions each: newest wins
    plan.append((h.profile.unknown_listing, [3]))
    _add_listing_tasks(h, account, plan)
    h.sandbox.kit.faults.add(
        FaultRule(FaultKind.SERVER_ERROR, h.profile.inventory_operation, remaining=1, params={"status": 503})
    )

    first = push_pending(h.rt, account)
    assert first.superseded == len(listings)  # version 1 of each listing is never sent
    assert first.sent == len(listings) and first.failed + first.dead == 1
    pushed = h.profile.pushed_quantities(h.sandbox, h.key)
    latest = dict(pushed)
    for i, listing in enumerate(listings):
        assert latest[listing.external_id] == 7 + i, listing
        assert (listing.external_id, 5 + i) not in pushed, "an older quantity reached the marketplace"

    with h.rt.sessions() as s:
        failed = (
            s.execute(
                select(InventoryTask).where(
                    InventoryTask.marketplace_account_id == account, InventoryTask.status.in_(["FAILED", "DEAD"])
                )
            )
            .scalars()
            .all()
        )
        assert len(failed) == 1 and failed[0].last_error
    h.world.clock.advance(timedelta(minutes=5))
    again = push_pending(h.rt, account)  # the unknown listing is retried (or stays dead); nothing re-sent
    assert again.sent == 0
    with h.rt.sessions() as s:
        sent = s.execute(
            select(func.count(InventoryTask.id)).where(
                InventoryTask.marketplace_account_id == account, InventoryTask.status == InventoryTaskStatus.SENT
            )
        ).scalar_one()
        assert sent == len(listings)


def test_catalog_reconciliation_links_listings_and_pushes_stock(harness: Harness) -> None:
    """Listings come from the marketplace's catalog; a stock change then reaches the marketplace.

    Orders are synced first, for every marketplace alike: Flipkart and Amazon read listings only by SKU,
    and the SKUs Robnu knows for an account come from its orders (and the seller's products)."""
    from robnu.db.models import Product
    from robnu.services.listings import reconcile_account
    from robnu.services.stock import adjust_on_hand

    h = harness
    account = h.connect()
    assert SyncEngine(h.rt).run(account, ScheduleTarget.ORDERS).status is SyncRunStatus.SUCCEEDED
    first = reconcile_account(h.rt, account)
    assert first.listings > 0 and first.new_listings == first.listings == first.new_products
    assert first.quarantined == 0 and first.unlinked == 0
    catalog = {item.external_id: item for item in h.profile.listings(h.sandbox, h.key)}

    def stored() -> tuple[dict[str, tuple[str, str | None, int | None]], int, int]:
        """Listings (id -> SKU, marketplace SKU, product), products and inventory tasks as stored."""
        with h.rt.sessions() as s:
            rows = s.execute(select(Listing).where(Listing.marketplace_account_id == account)).scalars().all()
            products = s.execute(select(func.count(Product.id))).scalar_one()
            pending = s.execute(
                select(func.count(InventoryTask.id)).where(InventoryTask.marketplace_account_id == account)
            ).scalar_one()
        return {r.external_id: (r.seller_sku, r.marketplace_sku, r.product_id) for r in rows}, products, pending

    listings, products, pending = stored()
    assert len(listings) == first.listings and products == first.new_products
    assert set(listings) & set(catalog), "no listing of the marketplace's catalog was read"
    for external_id, (seller_sku, _, product_id) in listings.items():
        assert product_id is not None, external_id
        if external_id in catalog:  # the listing id the inventory call names, for the right SKU
            assert seller_sku == catalog[external_id].seller_sku, external_id
    again = reconcile_account(h.rt, account)  # idempotent: the same listings, nothing new, no extra task
    assert (again.listings, again.new_listings, again.new_products, again.quarantined) == (first.listings, 0, 0, 0)
    assert stored() == (listings, products, pending)

    with h.rt.sessions() as s:
        product = s.execute(select(Product).order_by(Product.sku)).scalars().first()
        assert product is not None
        listing = s.execute(select(Listing).where(Listing.product_id == product.id)).scalar_one()
    with h.rt.session() as s:
        adjust_on_hand(s, h.seller_id, product.sku, 5, "goods received", h.world.clock.now())
    assert push_pending(h.rt, account).sent == 1
    assert dict(h.profile.pushed_quantities(h.sandbox, h.key))[listing.external_id] == product.on_hand + 5


def test_a_listing_mapped_by_hand_keeps_its_product_through_reconciliation(harness: Harness) -> None:
    """The seller maps a marketplace SKU to another SKU of the master; the next catalog read keeps it and the
    mapped product's quantity is what reaches the marketplace."""
    from robnu.db.models import Product
    from robnu.services.listing_rules import edit_listing
    from robnu.services.listings import reconcile_account

    h = harness
    account = h.connect()
    assert SyncEngine(h.rt).run(account, ScheduleTarget.ORDERS).status is SyncRunStatus.SUCCEEDED
    reconcile_account(h.rt, account)
    with h.rt.session() as s:
        listing = (
            s.execute(select(Listing).where(Listing.marketplace_account_id == account).order_by(Listing.external_id))
            .scalars()
            .first()
        )
        assert listing is not None
        now = h.world.clock.now()
        master = make_product(h.seller_id, "MASTER-SKU-1", 7, now)
        s.add(master)
        s.flush()
        listing_id, external_id, master_id = listing.id, listing.external_id, master.id
    assert edit_listing(h.rt, listing_id, product_sku="MASTER-SKU-1").available == 7
    with h.rt.sessions() as s:
        products_before = s.execute(select(func.count(Product.id))).scalar_one()
    again = reconcile_account(h.rt, account)
    assert again.new_products == 0
    with h.rt.sessions() as s:
        assert s.get(Listing, listing_id).product_id == master_id  # type: ignore[union-attr]
        assert s.execute(select(func.count(Product.id))).scalar_one() == products_before
    push_pending(h.rt, account)
    assert dict(h.profile.pushed_quantities(h.sandbox, h.key))[external_id] == 7


def test_the_catalog_schedule_repairs_drift_the_marketplace_picked_up_elsewhere(harness: Harness) -> None:
    """The periodic reconciliation (CATALOG target): a quantity changed outside Robnu (in the seller panel)
    is found on the next run and put back to the truth by the inventory push."""
    from robnu.domain.records import InventoryPush
    from robnu.jobs.execute import execute_run
    from robnu.services.accounts import adapter_for
    from robnu.services.context import build_context
    from robnu.services.reports import RunOutcome

    h = harness
    account = h.connect()
    assert SyncEngine(h.rt).run(account, ScheduleTarget.ORDERS).status is SyncRunStatus.SUCCEEDED
    first = execute_run(h.rt, account, "CATALOG")
    assert first.outcome is RunOutcome.SUCCEEDED and first.counts["synced"] > 0
    execute_run(h.rt, account, "INVENTORY")  # whatever the first read found drifted goes out
    with h.rt.sessions() as s:
        listing = (
            s.execute(
                select(Listing)
                .where(Listing.marketplace_account_id == account, Listing.product_id.is_not(None))
                .order_by(Listing.external_id)
            )
            .scalars()
            .first()
        )
        assert listing is not None
        truth = (
            listing.last_pushed_quantity if listing.last_pushed_quantity is not None else listing.marketplace_quantity
        )
        acct = s.get(MarketplaceAccount, account)
        assert acct is not None and truth is not None
        adapter = adapter_for(h.rt, acct)
        wrong = truth + 17
        results = adapter.push_inventory(  # the seller's panel, not Robnu: Robnu's books do not move
            build_context(h.rt, s, adapter, acct),
            [InventoryPush(0, listing.seller_sku, listing.marketplace_sku, listing.external_id, wrong, 0)],
        )
        assert results[0].ok, results
    assert dict(h.profile.pushed_quantities(h.sandbox, h.key))[listing.external_id] == wrong
    second = execute_run(h.rt, account, "CATALOG")
    assert second.outcome is RunOutcome.SUCCEEDED and second.counts["processed"] >= 1  # drift found
    assert execute_run(h.rt, account, "INVENTORY").outcome is RunOutcome.SUCCEEDED
    assert dict(h.profile.pushed_quantities(h.sandbox, h.key))[listing.external_id] == truth
