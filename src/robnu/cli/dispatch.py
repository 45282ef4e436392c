"""``robnu accounts dispatch``, ``robnu sellers tax`` and ``robnu invoices``: how an account dispatches
(closure policy, batch cut-offs, waits, invoice series) and the seller's tax identity."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from robnu.cli import validate as check
from robnu.cli.common import console, handles_errors, runtime


@handles_errors
def dispatch_settings(
    account_id: Annotated[int, check.id_argument("the account")],
    closure_policy: Annotated[str | None, typer.Option(help="IMMEDIATE, DELAYED or MANUAL")] = None,
    cutoffs: Annotated[str | None, typer.Option(help='batch cut-offs, IST, e.g. "13:00,17:30"')] = None,
    delayed_close_minutes: Annotated[int | None, typer.Option(help="DELAYED closes this long before")] = None,
    manual_autoclose: Annotated[bool | None, typer.Option(help="MANUAL closes at cut-off - 10 min")] = None,
    pickup_offset_minutes: Annotated[int | None, typer.Option(help="courier pickup before cut-off")] = None,
    async_max_wait_minutes: Annotated[int | None, typer.Option(help="hold an order waiting longer")] = None,
    gstin: Annotated[str | None, typer.Option(help="this account's GSTIN (default: the seller's)")] = None,
    invoice_prefix: Annotated[str | None, typer.Option(help="invoice series prefix, 1-5 letters/digits")] = None,
) -> None:
    """Show an account's dispatch settings, or change the ones given (all checked before any is saved)."""
    from robnu.services import dispatch

    closure_policy, cutoffs, gstin, invoice_prefix = (
        check.text(field, value, max_length=100) if value is not None else None
        for field, value in (
            ("closure_policy", closure_policy),
            ("cutoffs", cutoffs),
            ("gstin", gstin),
            ("invoice_prefix", invoice_prefix),
        )
    )
    rt = runtime(upgrade=True)
    given: dict[str, Any] = {
        "closure_policy": closure_policy,
        "batch_cutoffs": cutoffs,
        "delayed_close_minutes": delayed_close_minutes,
        "manual_autoclose": manual_autoclose,
        "pickup_offset_minutes": pickup_offset_minutes,
        "async_max_wait_minutes": async_max_wait_minutes,
        "seller_gstin": gstin,
        "invoice_prefix": invoice_prefix,
    }
    changes = {k: v for k, v in given.items() if v is not None}
    if changes:
        settings = dispatch.update_settings(rt, account_id, changes)
    else:
        settings = dispatch.account_settings(rt, account_id)
    table = Table("setting", "value", title=f"account {account_id}")
    for key, value in dispatch.describe(settings).items():
        table.add_row(key, value)
    console.print(table)


@handles_errors
def seller_tax(
    seller_id: Annotated[int, check.id_argument("the seller")],
    gstin: Annotated[str | None, typer.Option(help="principal GSTIN (checked: format and checksum)")] = None,
    legal_name: Annotated[str | None, typer.Option(help="registered name printed on invoices")] = None,
) -> None:
    """Set the seller's GSTIN and registered name: the supplier on every invoice Robnu issues."""
    from robnu.services import dispatch

    gstin = check.text("gstin", gstin, max_length=20) if gstin is not None else None
    legal_name = check.text("legal_name", legal_name) if legal_name is not None else None

    dispatch.set_seller_tax_identity(runtime(upgrade=True), seller_id, gstin=gstin, legal_name=legal_name)
    console.print(f"seller {seller_id} tax identity saved")


invoices_app = typer.Typer(help="The seller's invoice series and register.", no_args_is_help=True)


@invoices_app.command("start")
@handles_errors
def invoice_series_start(
    seller_id: Annotated[int, check.id_argument("the seller")],
    prefix: Annotated[str, typer.Option(help="the series prefix, e.g. JPR")],
    fy: Annotated[str, typer.Option(help='financial year, e.g. "26-27"')],
    last: Annotated[int, typer.Option(min=0, max=check.MAX_ID, help="the last number already issued in this series")],
) -> None:
    """Say where a series stands (invoices issued before Robnu, or in a marketplace's portal)."""
    from robnu.services import invoices

    prefix, fy = check.text("prefix", prefix, max_length=20), check.text("fy", fy, max_length=10)

    invoices.set_last_number(runtime(upgrade=True), seller_id, prefix, fy, last)
    console.print(f"{prefix}/{fy}: the next number is {last + 1}")


@invoices_app.command("list")
@handles_errors
def invoice_register(
    seller_id: Annotated[int, check.id_argument("the seller")],
    fy: Annotated[str | None, typer.Option(help='financial year, e.g. "26-27"')] = None,
) -> None:
    """The seller's invoice register: every number given, in series order."""
    from robnu.services import invoices
    from robnu.services.lookup import require_seller

    fy = check.text("fy", fy, max_length=10) if fy is not None else None
    rt = runtime(upgrade=True)
    require_seller(rt, seller_id)
    table = Table("number", "kind", "order", "account", "issued (UTC)", "void")
    with rt.sessions() as s:
        for row in invoices.register(s, seller_id, fy):
            table.add_row(
                row.number,
                row.kind,
                str(row.order_id),
                str(row.marketplace_account_id),
                f"{row.issued_at:%Y-%m-%d %H:%M}",
                row.void_reason or "",
            )
    console.print(table)
