"""One stock truth across four marketplaces at once (issue 5): the same products listed on AJIO, Meesho, Amazon
and Flipkart, orders arriving on all four while syncs and pushes run concurrently; what each marketplace
finally shows is what the truth says, never more than the free stock, and stock never goes negative."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from robnu.config import Settings
from robnu.db.models import Listing, Product
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.statuses import SyncRunStatus
from robnu.sandbox.world import SandboxWorld
from robnu.services.accounts import create_seller
from robnu.services.inventory_push import push_pending
from robnu.services.listing_rules import edit_listing
from robnu.services.listings import reconcile_account
from robnu.services.runtime import Runtime
from robnu.services.stock import available_for, level_of
from robnu.services.sync import SyncEngine
from robnu.testing import ConformanceProfile
from tests.conformance.conftest import PROFILES
from tests.factories import product as make_product
from tests.sandbox_wiring import connect_sandbox_account, wired_runtime

MASTER_PRODUCTS = 4  # listings 0..3 of every account sell MASTER-0..3
MASTER_STOCK = 5  # low, so that concurrent orders drive some products out of stock
ROUNDS = 3
ORDERS_PER_ROUND = 12


@dataclass
class Channel:
    profile: ConformanceProfile
    sandbox: Any
    key: str
    account_id: int


@pytest.fixture
def four(settings: Settings) -> Iterator[tuple[Runtime, SandboxWorld, list[Channel], int]]:
    codes = tuple(p.code for p in PROFILES)
    with wired_runtime(settings, codes, max_retries=8, backfill_days=45) as (world, rt):
        seller = create_seller(rt, "Four channels", plan="GROWTH")
        channels = []
        for profile in PROFILES:
            sandbox = world[profile.code]
            creds = sandbox.create_account()
            sandbox.generate_orders(creds["account_key"], 40)  # history: the SKUs Flipkart and Amazon are asked for
            account, _ = connect_sandbox_account(rt, world, profile.code, seller, creds=creds)
            channels.append(Channel(profile, sandbox, creds["account_key"], account))
        yield rt, world, channels, seller


def _map_masters(rt: Runtime, seller: int, channels: list[Channel]) -> dict[int, int]:
    """Listing i of every account -> MASTER-i (a seller's SKU master mapped to each marketplace's SKUs)."""
    now = rt.clock.now()
    with rt.session() as s:
        masters = []
        for i in range(MASTER_PRODUCTS):
            product = make_product(seller, f"MASTER-{i}", MASTER_STOCK, now)
            s.add(product)
            masters.append(product)
        s.flush()
        master_ids = [p.id for p in masters]
        picks: list[tuple[int, int]] = []
        for ch in channels:
            listings = (
                s.execute(
                    select(Listing.id)
                    .where(Listing.marketplace_account_id == ch.account_id, Listing.status == "ACTIVE")
                    .order_by(Listing.external_id)
                )
                .scalars()
                .all()
            )
            assert len(listings) >= MASTER_PRODUCTS, ch.profile.code
            picks += [(listing_id, master_ids[i]) for i, listing_id in enumerate(listings[:MASTER_PRODUCTS])]
    mapped = {}
    for listing_id, product_id in picks:
        edit_listing(rt, listing_id, product_sku=f"MASTER-{master_ids.index(product_id)}")
        mapped[listing_id] = product_id
    return mapped


def test_pushed_quantities_converge_at_every_marketplace_under_concurrent_orders(
    four: tuple[Runtime, SandboxWorld, list[Channel], int],
) -> None:
    rt, world, channels, seller = four
    engine = SyncEngine(rt)
    for ch in channels:  # the history, then each catalog: products and listings exist before today's orders
        assert engine.run(ch.account_id, ScheduleTarget.ORDERS).status is SyncRunStatus.SUCCEEDED
        assert reconcile_account(rt, ch.account_id).listings >= MASTER_PRODUCTS
    mapped = _map_masters(rt, seller, channels)
    errors: list[BaseException] = []

    def work(ch: Channel) -> None:
        try:
            engine.run(ch.account_id, ScheduleTarget.ORDERS)  # orders reserve stock, queue pushes everywhere
            for other in channels:  # every channel's queue, raced by the other threads
                push_pending(rt, other.account_id)
        except BaseException as exc:  # surfaced below: a thread's failure would be lost otherwise
            errors.append(exc)

    for _ in range(ROUNDS):
        for ch in channels:
            ch.sandbox.generate_orders(ch.key, ORDERS_PER_ROUND, days=0.05)
        world.clock.advance(timedelta(minutes=10))  # past the sync's safety lag
        threads = [threading.Thread(target=work, args=(ch,)) for ch in channels]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
    for ch in channels:  # settle: whatever a raced push left pending goes out now
        push_pending(rt, ch.account_id)

    moved = 0
    with rt.sessions() as s:
        for listing_id, product_id in mapped.items():
            listing = s.get(Listing, listing_id)
            product = s.get(Product, product_id)
            assert listing is not None and product is not None
            assert product.on_hand >= 0 and product.reserved >= 0  # stock never goes negative
            moved += product.reserved + (MASTER_STOCK - product.on_hand)
            truth = available_for(listing, level_of(s, product_id))
            free = max(0, product.on_hand - product.reserved)
            ch = next(c for c in channels if c.account_id == listing.marketplace_account_id)
            assert ch.profile.pushed_quantities is not None
            shown = dict(ch.profile.pushed_quantities(ch.sandbox, ch.key)).get(listing.external_id)
            assert shown == truth, (ch.profile.code, listing.external_id, shown, truth)
            assert shown <= free  # no marketplace shows stock the seller does not have free
    assert moved > 0, "no order touched a mapped product: the test proved nothing"
