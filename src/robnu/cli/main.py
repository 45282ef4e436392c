"""The ``robnu`` command."""

from __future__ import annotations

import typer

from robnu.cli.accounts import accounts_app, sellers_app
from robnu.cli.admin import db_app, keys_app
from robnu.cli.claims import register as register_claims
from robnu.cli.demo import demo
from robnu.cli.dispatch import dispatch_settings, invoices_app, seller_tax
from robnu.cli.jobs import metrics_cmd, reports_app, run, schedules_app, worker
from robnu.cli.listings import listings_app
from robnu.cli.marketplaces import marketplaces_app
from robnu.cli.money import register as register_money
from robnu.cli.sandbox import sandbox_app
from robnu.cli.sla import sla
from robnu.cli.stock import process, push, reconcile, stock_app
from robnu.cli.storage import register as register_storage
from robnu.cli.sync import sync
from robnu.cli.users import serve, users_app

app = typer.Typer(
    help="Robnu: order processing for Indian marketplace sellers.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(db_app, name="db")
app.add_typer(sellers_app, name="sellers")
app.add_typer(users_app, name="users")
app.add_typer(accounts_app, name="accounts")
accounts_app.command("dispatch")(dispatch_settings)
sellers_app.command("tax")(seller_tax)
app.add_typer(invoices_app, name="invoices")
app.add_typer(keys_app, name="keys")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(marketplaces_app, name="marketplaces")
app.command("sync")(sync)
app.command("demo")(demo)
app.add_typer(stock_app, name="stock")
app.add_typer(listings_app, name="listings")
app.command("reconcile")(reconcile)
app.command("push")(push)
app.command("process")(process)
app.command("sla")(sla)
app.add_typer(schedules_app, name="schedules")
app.add_typer(reports_app, name="reports")
app.command("run")(run)
app.command("worker")(worker)
app.command("metrics")(metrics_cmd)
app.command("serve")(serve)
register_money(app)  # reconcile-payouts, adjustments, money
register_claims(app)  # claims, returns
register_storage(app)  # storage migrate, journal prune, replay

if __name__ == "__main__":
    app()
