"""``robnu listings …``: each account's listings, their link to the SKU master and their stock rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from robnu.cli import validate as check
from robnu.cli.common import console, handles_errors, runtime

if TYPE_CHECKING:
    from robnu.services.listing_rules import ListingView

listings_app = typer.Typer(help="Listings: SKU mapping and stock rules per account.", no_args_is_help=True)


def _table(views: list[ListingView]) -> Table:
    table = Table("id", "listing", "marketplace SKU", "product", "buffer", "max", "%", "available", "pushed", "shows")
    for v in views:
        table.add_row(
            str(v.id),
            v.external_id,
            v.marketplace_sku,
            v.product_sku or "(not linked)",
            str(v.buffer),
            "" if v.max_quantity is None else str(v.max_quantity),
            str(v.percentage),
            "" if v.available is None else str(v.available),
            "" if v.last_pushed is None else str(v.last_pushed),
            "" if v.marketplace_quantity is None else str(v.marketplace_quantity),
        )
    return table


@listings_app.command("list")
@handles_errors
def listings_list(account_id: Annotated[int, check.id_argument("the account")]) -> None:
    """An account's listings with what Robnu would push to each now."""
    from robnu.services.listing_rules import list_listings
    from robnu.services.lookup import require_account

    rt = runtime(upgrade=True)
    require_account(rt, account_id)
    console.print(_table(list_listings(rt, account_id)))


@listings_app.command("edit")
@handles_errors
def listings_edit(
    listing_id: Annotated[int, check.id_argument("the listing")],
    sku: Annotated[str | None, typer.Option(help="link to this product of the SKU master")] = None,
    buffer: Annotated[
        int | None, typer.Option(min=0, max=check.MAX_INT32, help="units kept back from this listing")
    ] = None,
    max_quantity: Annotated[
        int | None, typer.Option("--max", min=0, max=check.MAX_INT32, help="never show more than this")
    ] = None,
    no_max: Annotated[bool, typer.Option("--no-max", help="remove the cap")] = False,
    percentage: Annotated[
        int | None, typer.Option(min=0, max=100, help="show this share of the free stock (0-100)")
    ] = None,
) -> None:
    """Map a listing to a product or change its stock rules; its new quantity is queued for the next push."""
    from robnu.services.listing_rules import edit_listing

    sku = check.text("sku", sku, max_length=100) if sku is not None else None

    view = edit_listing(
        runtime(upgrade=True),
        listing_id,
        product_sku=sku,
        buffer=buffer,
        max_quantity=max_quantity,
        clear_max=no_max,
        percentage=percentage,
    )
    console.print(_table([view]))
