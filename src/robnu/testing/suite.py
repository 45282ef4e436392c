"""The adapter conformance suite: an adapter against its own sandbox, over HTTP, on a real database.

A plug-in runs it with one line in a test module (its profile found through the ``robnu.conformance`` entry
point, its sandbox through ``robnu.sandboxes``, its adapter and migration through theirs)::

    TestConformance = conformance_suite("KIRANA_HUB")

Each scenario checks a target the adapter declares and is skipped (saying so) for one it does not; the end
state is compared with the sandbox's own truth: no order lost, none duplicated, statuses and money equal.
The database is a SQLite file, or a fresh PostgreSQL database when ``ROBNU_TEST_DATABASE_URL`` is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import func, select

from robnu.config import Settings
from robnu.db.models import InventoryTask, Listing, MarketplaceAccount, MarketplaceCredentialEvent, Product
from robnu.domain.errors import UnsupportedTarget
from robnu.domain.marketplace import ADAPTER_FREE_TARGETS, SYNC_TARGETS, ScheduleTarget
from robnu.domain.records import InventoryPush
from robnu.domain.statuses import InventoryTaskStatus, SyncRunStatus, ValidationStatus
from robnu.sandbox.faults import FaultKind, FaultRule
from robnu.services.accounts import adapter_for, create_seller
from robnu.services.context import build_context
from robnu.services.inventory_push import push_pending
from robnu.services.lease import high_water
from robnu.services.listing_rules import edit_listing
from robnu.services.listings import reconcile_account
from robnu.services.stock import adjust_on_hand
from robnu.services.sync import SyncEngine
from robnu.services.validation import validate_account
from robnu.testing.checks import add_listing_tasks, assert_matches_truth, counts, secrets_of, sync_all
from robnu.testing.database import drop_database, migrated_database
from robnu.testing.harness import Harness, open_harness
from robnu.testing.profile import ConformanceProfile, installed_profile

GENERIC_FAULTS = (
    FaultKind.RATE_LIMIT,
    FaultKind.SERVER_ERROR,
    FaultKind.DROP_CONNECTION,
    FaultKind.MALFORMED_BODY,
    FaultKind.TRUNCATED_BODY,
)
ORD, CAT, INV = ScheduleTarget.ORDERS, ScheduleTarget.CATALOG, ScheduleTarget.INVENTORY


class ConformanceSuite:
    """Subclass it as ``Test...`` with ``profile`` set (or use ``conformance_suite``). Override the
    ``robnu_database_url`` fixture to run on a database of your own (migrated to every head)."""

    profile: ClassVar[ConformanceProfile]

    @pytest.fixture(scope="class")
    @classmethod
    def robnu_database_url(cls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
        url = migrated_database(tmp_path_factory.mktemp("robnu"), "conformance")
        yield url
        drop_database(url)

    @pytest.fixture
    def harness(self, robnu_database_url: str, tmp_path: Path) -> Iterator[Harness]:
        settings = Settings(data_dir=tmp_path / "data", database_url=robnu_database_url, http_backoff_base_seconds=0.01)
        with open_harness(self.profile, settings) as h:
            yield h

    # ------------------------------------------------------------------ the declaration
    def test_declares_the_contract(self, harness: Harness) -> None:
        adapter = harness.adapter
        assert adapter.code == harness.profile.code
        assert adapter.supported_targets, f"{adapter.code} declares no target"
        assert not adapter.supported_targets & ADAPTER_FREE_TARGETS
        missing = harness.profile.missing_for(adapter.supported_targets)
        assert not missing, f"the conformance profile of {adapter.code} lacks {', '.join(missing)}"

    def test_undeclared_targets_are_refused_clearly(self, harness: Harness) -> None:
        h = harness
        undeclared = sorted(SYNC_TARGETS - h.adapter.supported_targets)
        if not undeclared:
            pytest.skip(f"{h.profile.code} declares every sync target")
        account = h.connect()
        for target in undeclared:
            with pytest.raises(UnsupportedTarget, match=f"{h.profile.code}.*{target}"):
                SyncEngine(h.rt).run(account, target)

    # ------------------------------------------------------------------ credentials
    def test_validation_good_bad_revoked(self, harness: Harness) -> None:
        h = harness
        h.require(ScheduleTarget.CREDENTIAL_CHECK)
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
                for value in secrets_of(h.creds):
                    assert value not in (e.message or "")

    # ------------------------------------------------------------------ syncs
    def test_full_sync_then_incremental_matches_truth(self, harness: Harness) -> None:
        h = harness
        h.require(ORD)
        account = h.connect()
        first = sync_all(h, account)
        assert all(o.status is SyncRunStatus.SUCCEEDED for o in first.values()), first
        assert first[ORD].inserted > 0
        assert_matches_truth(h, account)
        orders_before, _, _ = counts(h, account)

        h.world.clock.advance(timedelta(days=3))  # orders move on; new settlements close
        h.sandbox.generate_orders(h.key, 20, days=2)
        second = sync_all(h, account)
        assert all(o.status is SyncRunStatus.SUCCEEDED for o in second.values()), second
        assert second[ORD].inserted + second[ORD].updated > 0
        assert second[ORD].fetched < first[ORD].fetched + 20  # incremental: not everything again
        assert_matches_truth(h, account)
        assert counts(h, account)[0] > orders_before

    def test_rerun_is_idempotent(self, harness: Harness) -> None:
        h = harness
        h.require(ORD)
        account = h.connect()
        sync_all(h, account)
        before = counts(h, account)
        since = h.world.clock.now() - timedelta(days=45)
        again = sync_all(h, account, since=since)
        for target, outcome in again.items():
            assert outcome.status is SyncRunStatus.SUCCEEDED, (target, outcome)
            assert (outcome.inserted, outcome.updated) == (0, 0), (target, outcome)
        assert counts(h, account) == before

    @pytest.mark.parametrize("kind", GENERIC_FAULTS)
    def test_generic_faults_end_equal_to_truth(self, harness: Harness, kind: FaultKind) -> None:
        h = harness
        h.require(ORD)
        account = h.connect()
        for target in h.adapter.supported_targets & SYNC_TARGETS:
            operation = h.profile.list_operations.get(target)
            if operation:
                h.sandbox.kit.faults.add(FaultRule(kind, operation, remaining=2, params={"status": 503}))
        outcomes = sync_all(h, account)
        assert all(o.status is SyncRunStatus.SUCCEEDED for o in outcomes.values()), outcomes
        assert h.sandbox.kit.faults.fired, "the fault never fired"
        assert_matches_truth(h, account)

    def test_marketplace_page_faults_end_equal_to_truth(self, harness: Harness) -> None:
        h = harness
        h.require(ORD)
        if not h.profile.page_faults:
            pytest.skip(f"the {h.profile.code} sandbox models no paging fault")
        account = h.connect()
        operation = h.profile.list_operations[ORD]
        for kind in sorted(h.profile.page_faults):
            h.sandbox.kit.faults.add(FaultRule(kind, operation, remaining=1))
        outcome = SyncEngine(h.rt).run(account, ORD)
        assert outcome.status is SyncRunStatus.SUCCEEDED, outcome
        fired = {k for k, _ in h.sandbox.kit.faults.fired}
        assert fired >= {k.value for k in h.profile.page_faults}, fired
        sync_all(h, account)
        assert_matches_truth(h, account)

    def test_token_expiry_mid_run_refreshes_once_and_goes_on(self, harness: Harness) -> None:
        h = harness
        h.require(ORD)
        if not h.profile.has_access_tokens:
            pytest.skip(f"{h.profile.code} has no access token to expire")
        account = h.connect()
        operation = h.profile.list_operations[ORD]
        SyncEngine(h.rt).run(account, ORD)  # a token is now cached
        h.sandbox.kit.faults.add(FaultRule(FaultKind.TOKEN_EXPIRED, operation, remaining=1))
        outcome = SyncEngine(h.rt).run(account, ORD, since=h.world.clock.now() - timedelta(days=45))
        assert outcome.status is SyncRunStatus.SUCCEEDED, outcome
        assert (FaultKind.TOKEN_EXPIRED.value, operation) in h.sandbox.kit.faults.fired
        with h.rt.sessions() as s:
            acct = s.get(MarketplaceAccount, account)
            assert acct is not None and not acct.needs_reconnect
        assert_matches_truth(h, account)

    def test_revoked_credentials_fail_the_run_and_ask_for_reconnect(self, harness: Harness) -> None:
        h = harness
        h.require(ORD)
        account = h.connect()
        h.sandbox.revoke(h.key)
        outcome = SyncEngine(h.rt).run(account, ORD)
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
            assert high_water(s, account, ORD) is None

    # ------------------------------------------------------------------ inventory and catalog
    def test_inventory_push_with_partial_failures_and_retries(self, harness: Harness) -> None:
        h = harness
        h.require(INV)
        p = h.profile
        assert p.listings and p.unknown_listing and p.pushed_quantities and p.inventory_operation
        account = h.connect()
        listings = p.listings(h.sandbox, h.key)[:12]
        assert len(listings) >= 3, "the sandbox account needs at least three listings"
        plan = [(listing, [5 + i, 7 + i]) for i, listing in enumerate(listings)]  # two versions each: newest wins
        plan.append((p.unknown_listing, [3]))
        add_listing_tasks(h, account, plan)
        h.sandbox.kit.faults.add(
            FaultRule(FaultKind.SERVER_ERROR, p.inventory_operation, remaining=1, params={"status": 503})
        )

        first = push_pending(h.rt, account)
        assert first.superseded == len(listings)  # version 1 of each listing is never sent
        assert first.sent == len(listings) and first.failed + first.dead == 1
        pushed = p.pushed_quantities(h.sandbox, h.key)
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

    def test_catalog_reconciliation_links_listings_and_pushes_stock(self, harness: Harness) -> None:
        """Listings come from the marketplace's catalog; a stock change then reaches the marketplace. Orders
        are synced first: a marketplace that reads listings only by SKU learns the SKUs from them."""
        h = harness
        h.require(CAT, INV)
        assert h.profile.listings and h.profile.pushed_quantities
        account = h.connect()
        if ORD in h.adapter.supported_targets:
            assert SyncEngine(h.rt).run(account, ORD).status is SyncRunStatus.SUCCEEDED
        first = reconcile_account(h.rt, account)
        assert first.listings > 0 and first.new_listings == first.listings == first.new_products
        assert first.quarantined == 0 and first.unlinked == 0
        catalog = {item.external_id: item for item in h.profile.listings(h.sandbox, h.key)}

        def stored() -> tuple[dict[str, tuple[str, str | None, int | None]], int, int]:
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

    def test_a_listing_mapped_by_hand_keeps_its_product_through_reconciliation(self, harness: Harness) -> None:
        """The seller maps a marketplace SKU to another SKU of the master; the next catalog read keeps it and
        the mapped product's quantity is what reaches the marketplace."""
        h = harness
        h.require(CAT, INV)
        assert h.profile.pushed_quantities
        account = h.connect()
        if ORD in h.adapter.supported_targets:
            assert SyncEngine(h.rt).run(account, ORD).status is SyncRunStatus.SUCCEEDED
        reconcile_account(h.rt, account)
        with h.rt.session() as s:
            listing = (
                s.execute(
                    select(Listing).where(Listing.marketplace_account_id == account).order_by(Listing.external_id)
                )
                .scalars()
                .first()
            )
            assert listing is not None
            now = h.world.clock.now()
            master = Product(
                seller_id=h.seller_id,
                sku="MASTER-SKU-1",
                on_hand=7,
                reserved=0,
                stock_version=1,
                created_at=now,
                updated_at=now,
            )
            s.add(master)
            s.flush()
            listing_id, external_id, master_id = listing.id, listing.external_id, master.id
        assert edit_listing(h.rt, listing_id, product_sku="MASTER-SKU-1").available == 7
        with h.rt.sessions() as s:
            products_before = s.execute(select(func.count(Product.id))).scalar_one()
        again = reconcile_account(h.rt, account)
        assert again.new_products == 0
        with h.rt.sessions() as s:
            kept = s.get(Listing, listing_id)
            assert kept is not None and kept.product_id == master_id
            assert s.execute(select(func.count(Product.id))).scalar_one() == products_before
        push_pending(h.rt, account)
        assert dict(h.profile.pushed_quantities(h.sandbox, h.key))[external_id] == 7

    def test_the_catalog_schedule_repairs_drift_the_marketplace_picked_up_elsewhere(self, harness: Harness) -> None:
        """The periodic reconciliation (CATALOG target): a quantity changed outside Robnu (in the seller panel)
        is found on the next run and put back to the truth by the inventory push."""
        from robnu.jobs.execute import execute_run
        from robnu.services.reports import RunOutcome

        h = harness
        h.require(CAT, INV)
        assert h.profile.pushed_quantities
        account = h.connect()
        if ORD in h.adapter.supported_targets:
            assert SyncEngine(h.rt).run(account, ORD).status is SyncRunStatus.SUCCEEDED
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
                listing.last_pushed_quantity
                if listing.last_pushed_quantity is not None
                else listing.marketplace_quantity
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


def conformance_suite(profile: ConformanceProfile | str, base: type[ConformanceSuite] = ConformanceSuite) -> type:
    """A ``ConformanceSuite`` class for ``profile`` (or the installed profile of that code), to assign to a
    ``Test...`` name in a test module: ``TestConformance = conformance_suite("KIRANA_HUB")``."""
    chosen = installed_profile(profile) if isinstance(profile, str) else profile
    attrs: dict[str, Any] = {"profile": chosen, "__module__": base.__module__}
    return type(f"TestConformance_{chosen.code}", (base,), attrs)
