"""Money tests' wiring: a sandbox account synced into Robnu, with what a seller declares for reconciliation (SKU
profiles, pickup place) read from the sandbox's own catalogue, and the sandbox's seeded settlement errors
armed and read through its control API (over the in-process transport, like any client)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx

from robnu.db.models import MarketplaceAccount
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.statuses import SyncRunStatus
from robnu.sandbox.world import SandboxWorld
from robnu.services.accounts import create_seller
from robnu.services.reconciliation.profiles import Profile, set_profiles, set_settings
from robnu.services.runtime import Runtime
from robnu.services.sync import SyncEngine
from tests.sandbox_wiring import connect_sandbox_account

CONTROL = {
    "AJIO": "/_sandbox",
    "MEESHO": "/_sandbox/meesho",
    "AMAZON_IN": "/_sandbox/amazon",
    "FLIPKART": "/_sandbox",
}
_FLIPKART_TAX = {"apparel": "APPAREL", "footwear": "FOOTWEAR", "stationery": "GOODS_12"}


@dataclass
class MoneyAccount:
    code: str
    key: str
    account_id: int
    seller_id: int


def declared(world: SandboxWorld, code: str, key: str) -> tuple[list[Profile], tuple[str, str] | None]:
    """What the seller knows of its own catalogue: fee category, GST class and weight per SKU; pickup place."""
    sandbox = world[code]
    if code == "AJIO":
        products = sandbox.world.book(key).account.products
        return [Profile(sku, tax_class="APPAREL", weight_grams=p.weight_grams) for sku, p in products.items()], None
    if code == "MEESHO":
        acct = sandbox.world.account(key)
        profiles = [
            Profile(sku, tax_class="APPAREL", weight_grams=int(p.weight_kg * 1000)) for sku, p in acct.products.items()
        ]
        return profiles, (acct.pincode, acct.city)
    if code == "FLIPKART":
        acct = sandbox.world.accounts[key]
        profiles = [
            Profile(
                sku,
                fee_category=lst.category,
                tax_class=_FLIPKART_TAX.get(lst.category, "GOODS_18"),
                weight_grams=int(lst.weight_kg * 1000),
            )
            for sku, lst in acct.listings.items()
        ]
        return profiles, (acct.place.pincode, acct.place.city)
    acct = sandbox.world.account(key)
    tax = {"BAG": "GOODS_18", "SHOES": "FOOTWEAR"}
    profiles = [
        Profile(
            s.seller_sku, fee_category=s.category, tax_class=tax.get(s.category, "APPAREL"), weight_grams=s.weight_grams
        )
        for s in acct.catalog
    ]
    return profiles, (acct.ship_from.pincode, acct.ship_from.city)


def declare(rt: Runtime, world: SandboxWorld, code: str, key: str, account_id: int) -> None:
    profiles, place = declared(world, code, key)
    with rt.session() as s:
        account = s.get(MarketplaceAccount, account_id)
        assert account is not None
        set_profiles(s, account, profiles, rt.clock.now())
        if place is not None:
            set_settings(s, account, rt.clock.now(), pickup_pincode=place[0], pickup_city=place[1])


def sync(rt: Runtime, account_id: int, *targets: ScheduleTarget) -> None:
    engine = SyncEngine(rt)
    for target in targets or (ScheduleTarget.ORDERS, ScheduleTarget.RETURNS, ScheduleTarget.PAYOUTS):
        outcome = engine.run(account_id, target)
        assert outcome.status is SyncRunStatus.SUCCEEDED, (target, outcome)


def _call(world: SandboxWorld, code: str, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    # Not closed: closing the client would close the world's shared transport the runtime uses too.
    client = httpx.Client(transport=world.transport(), base_url=world.endpoints()[code]["api"])
    r = client.request(method, f"{CONTROL[code]}{path}", **kwargs)
    assert r.status_code == 200, r.text
    return dict(r.json())


def arm(world: SandboxWorld, code: str, key: str, period: str, seed: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"period": period} | ({"seed": seed} if seed is not None else {})
    return _call(world, code, "POST", f"/accounts/{key}/settlement-errors", json=body)


def truth(world: SandboxWorld, code: str, key: str) -> dict[str, Any]:
    return _call(world, code, "GET", f"/accounts/{key}/settlement-errors")


def disarm(world: SandboxWorld, code: str, key: str) -> dict[str, Any]:
    return _call(world, code, "DELETE", f"/accounts/{key}/settlement-errors")


def money_account(
    rt: Runtime, world: SandboxWorld, code: str, orders: int, *, seller_id: int | None = None
) -> MoneyAccount:
    """A sandbox account with ``orders`` orders over 30 days, connected, its catalogue declared; the clock moved
    past the sync's safety lag (nothing synced yet)."""
    sandbox = world[code]
    creds = sandbox.create_account()
    key = str(creds["account_key"])
    sandbox.generate_orders(key, orders)
    seller = seller_id or create_seller(rt, f"Money {code}", plan="GROWTH")
    account_id, _ = connect_sandbox_account(rt, world, code, seller, creds=creds)
    declare(rt, world, code, key, account_id)
    world.clock.advance(timedelta(minutes=5))
    return MoneyAccount(code, key, account_id, seller)
