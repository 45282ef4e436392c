"""The demo's money step (and the tests' wiring for it): what the seller declares for reconciliation, read from
the sandbox's catalogue; the sandboxes' seeded settlement errors, armed and read over their control API; and one
period reconciled per marketplace with the deltas it found."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from rich.table import Table

from robnu.db.models import MarketplaceAccount
from robnu.domain.clock import IST
from robnu.domain.money import rupees
from robnu.sandbox.world import SandboxWorld
from robnu.services.reconciliation.batches import BatchSummary, reconcile_period
from robnu.services.reconciliation.profiles import Profile, set_profiles, set_settings
from robnu.services.runtime import Runtime

CONTROL = "/_sandbox"  # the control API the kit mounts on every sandbox
_FLIPKART_TAX = {"apparel": "APPAREL", "footwear": "FOOTWEAR", "stationery": "GOODS_12"}
_AMAZON_TAX = {"BAG": "GOODS_18", "SHOES": "FOOTWEAR"}


def declared(world: SandboxWorld, code: str, key: str) -> tuple[list[Profile], tuple[str, str] | None]:
    """What the seller knows of its catalogue (fee category, GST class, packed weight per SKU) and where its
    parcels leave from, as the sandbox's catalogue has it."""
    sandbox: Any = world[code]  # the concrete sandbox: its world holds the catalogue
    if code == "AJIO":
        products = sandbox.world.book(key).account.products
        return [Profile(sku, tax_class="APPAREL", weight_grams=p.weight_grams) for sku, p in products.items()], None
    if code == "MEESHO":
        acct = sandbox.world.account(key)
        grams = {sku: int(p.weight_kg * 1000) for sku, p in acct.products.items()}
        return [Profile(sku, tax_class="APPAREL", weight_grams=g) for sku, g in grams.items()], (
            acct.pincode,
            acct.city,
        )
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
    if code == "AMAZON_IN":
        acct = sandbox.world.account(key)
        profiles = [
            Profile(
                s.seller_sku,
                fee_category=s.category,
                tax_class=_AMAZON_TAX.get(s.category, "APPAREL"),
                weight_grams=s.weight_grams,
            )
            for s in acct.catalog
        ]
        return profiles, (acct.ship_from.pincode, acct.ship_from.city)
    return [], None


def declare(rt: Runtime, world: SandboxWorld, code: str, key: str, account_id: int) -> None:
    profiles, place = declared(world, code, key)
    with rt.session() as s:
        account = s.get(MarketplaceAccount, account_id)
        assert account is not None
        set_profiles(s, account, profiles, rt.clock.now())
        if place is not None:
            set_settings(s, account, rt.clock.now(), pickup_pincode=place[0], pickup_city=place[1])


def control(world: SandboxWorld, code: str, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    """A call to a sandbox's control API over the world's transport (left open: the runtime shares it)."""
    client = httpx.Client(transport=world.transport(), base_url=world.endpoints()[code]["api"])
    r = client.request(method, f"{CONTROL}{path}", **kwargs)
    if r.status_code != 200:
        raise RuntimeError(f"{code} control {method} {path}: {r.status_code} {r.text[:300]}")
    return dict(r.json())


def arm(world: SandboxWorld, code: str, key: str, period: str, seed: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"period": period} | ({"seed": seed} if seed is not None else {})
    return control(world, code, "POST", f"/accounts/{key}/settlement-errors", json=body)


def arm_best_period(world: SandboxWorld, code: str, key: str, now: datetime) -> dict[str, Any]:
    """Seed errors in this month or the last, whichever has statements enough to place more of them."""
    months = sorted({(now - timedelta(days=d)).astimezone(IST).strftime("%Y-%m") for d in (0, 15)})
    placed = {m: len(arm(world, code, key, m)["errors"]) for m in months}
    best = max(months, key=lambda m: (placed[m], m))
    return arm(world, code, key, best)


def reconcile_table(
    rt: Runtime, accounts: list[tuple[str, int]], truths: dict[str, dict[str, Any]]
) -> tuple[Table, list[BatchSummary]]:
    """One period reconciled per account (the month its sandbox seeded errors in): matched lines, deltas by
    reason, what is recoverable, and how many of the seeded errors were found."""
    table = Table(
        "marketplace",
        "period",
        "matched",
        "deltas",
        "recoverable",
        "found / seeded",
        "deltas by reason",
        title="Reconciliation: one period per marketplace",
    )
    summaries = []
    for code, account_id in accounts:
        truth = truths.get(code, {"errors": [], "period": None})
        period = str(truth["period"])
        summary = reconcile_period(rt, account_id, period, actor="demo")
        summaries.append(summary)
        seeded = {(e["class"], e["order_id"]): Decimal(e["amount"]) for e in truth["errors"]}
        found = {(a.reason_code, a.order_external_id): a.amount for a in summary.adjustments}
        hits = sum(1 for k, v in seeded.items() if found.get(k) == v)
        reasons = Counter(a.reason_code for a in summary.adjustments)
        table.add_row(
            code,
            period,
            str(summary.matched),
            str(summary.deltas),
            rupees(summary.recoverable_total),
            f"{hits} / {len(seeded)}",
            ", ".join(f"{r} {n}" for r, n in sorted(reasons.items())) or "-",
        )
    return table, summaries
