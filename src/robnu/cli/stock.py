"""``robnu stock …``, ``robnu listings reconcile``, ``robnu push`` and ``robnu process``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from robnu.cli import validate as check
from robnu.cli.common import console, handles_errors, runtime

stock_app = typer.Typer(help="The seller's one stock truth.", no_args_is_help=True)


@stock_app.command("list")
@handles_errors
def stock_list(seller_id: Annotated[int, check.id_argument("the seller")]) -> None:
    """Products with on hand, reserved and available."""
    from sqlalchemy import select

    from robnu.db.models import Product
    from robnu.services.lookup import require_seller

    rt = runtime(upgrade=True)
    require_seller(rt, seller_id)
    table = Table("sku", "title", "on hand", "reserved", "free", "version")
    with rt.sessions() as s:
        for p in s.execute(select(Product).where(Product.seller_id == seller_id).order_by(Product.sku)).scalars():
            table.add_row(
                p.sku,
                p.title or "",
                str(p.on_hand),
                str(p.reserved),
                str(max(0, p.on_hand - p.reserved)),
                str(p.stock_version),
            )
    console.print(table)


@stock_app.command("adjust")
@handles_errors
def stock_adjust(
    seller_id: Annotated[int, check.id_argument("the seller")],
    sku: Annotated[str, typer.Argument(help="the product's SKU")],
    delta: Annotated[int, typer.Argument(min=-check.MAX_INT32, max=check.MAX_INT32, help="+n received, -n removed")],
    reason: Annotated[str, typer.Option()] = "manual adjustment",
) -> None:
    """Change on-hand stock (goods received: +n; count correction: -n); queues pushes everywhere."""
    from robnu.services.stock import adjust_on_hand

    sku = check.text("sku", sku, max_length=100)
    reason = check.text("reason", reason)
    rt = runtime(upgrade=True)
    with rt.session() as s:
        level = adjust_on_hand(s, seller_id, sku, delta, reason, rt.clock.now())
    console.print(f"{sku}: on hand {level.on_hand}, reserved {level.reserved}")


@handles_errors
def reconcile(account_id: Annotated[int, check.id_argument("the account")]) -> None:
    """Read the account's catalog, link listings to products, and queue pushes where quantities drifted.

    Flipkart and Amazon read listings only for the SKUs Robnu knows: sync the account's orders first."""
    from robnu.services.listings import reconcile_account

    o = reconcile_account(runtime(upgrade=True), account_id)
    console.print(
        f"{o.listings} listings ({o.new_listings} new, {o.new_products} new products, "
        f"{o.drifted} drifted, {o.unlinked} unlinked, {o.quarantined} quarantined)"
    )


@handles_errors
def push(account_id: Annotated[int, check.id_argument("the account")]) -> None:
    """Send pending stock quantities to the marketplace now."""
    from robnu.services.inventory_push import push_pending

    o = push_pending(runtime(upgrade=True), account_id)
    console.print(f"sent {o.sent}, failed {o.failed} (will retry), superseded {o.superseded}, dead {o.dead}")


@handles_errors
def process(
    account_id: Annotated[int, check.id_argument("the account")],
    close_manifest: Annotated[
        bool, typer.Option(help="close the open manifest now (the MANUAL closure policy's user action)")
    ] = False,
) -> None:
    """Run the account's dispatch flow (full processing) now."""
    from robnu.services.processing import process_account

    report = process_account(runtime(upgrade=True), account_id, {"close_manifest": True} if close_manifest else None)
    console.print(
        f"processed {report.processed}, held {report.held}, waiting {report.waiting}, "
        f"skipped {report.skipped}, failed {report.failed}"
    )
    for line in [*report.exceptions, *report.notes]:
        console.print(f"  {line}")
