"""What ``robnu demo`` does (imported only when the command runs): a seller with one account on each
marketplace, validated and synced from the in-process sandboxes, ending in a summary table per marketplace.

The order of the steps matters: orders are synced before the catalog is read (Flipkart and Amazon read
listings only for SKUs Robnu already knows), and today's orders arrive after it, so that each reserves
stock of a product that exists and its new quantity is pushed to the marketplace. Before the sync, each
sandbox seeds settlement errors in a recent month; the last step reconciles that month per marketplace."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select

from robnu.adapters.base import HttpFactory
from robnu.cli.common import console, runtime
from robnu.cli.demo_money import arm_best_period, declare, reconcile_table
from robnu.db.models import InventoryTask, Listing, MarketplacePayout, Order, OrderReturn
from robnu.db.processing_models import OrderProcessing, ProcessingBatch
from robnu.domain.dispatch import financial_year
from robnu.domain.errors import UnsupportedTarget
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.statuses import InventoryTaskStatus
from robnu.sandbox.ajio import AjioSandbox
from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.world import SandboxWorld
from robnu.services.accounts import connect_account, create_seller
from robnu.services.dispatch import update_settings
from robnu.services.inventory_push import push_pending
from robnu.services.invoices import set_last_number
from robnu.services.listings import reconcile_account
from robnu.services.processing import process_account
from robnu.services.runtime import Runtime
from robnu.services.sync import SyncEngine
from robnu.services.validation import validate_account

DEMO_RATE_SCALE = 200.0  # the sandboxes and the client both run rate limits 200x faster in the demo
SYNC_ORDER = (ScheduleTarget.ORDERS, ScheduleTarget.RETURNS, ScheduleTarget.PAYOUTS)
FRESH_ORDERS, FRESH_DAYS = 8, 0.1  # orders placed in the last ~2.4 hours: still waiting for the seller
FRESH_LOOKBACK = timedelta(days=FRESH_DAYS, minutes=10)  # the orders sync that picks today's orders up
MANUAL_CLOSE = "MEESHO"  # its manifest waits for a user's "close batch" (dashboard) or `robnu process --close-manifest`
PROCESSING_PASSES = 3  # asynchronous steps (Flipkart packing, label generation) finish between passes


@dataclass
class AccountSummary:
    code: str
    account_id: int
    account_key: str  # the account in its sandbox
    validation: str = "-"
    runs: dict[str, str] = field(default_factory=dict)


def _connect_demo_accounts(rt: Runtime, world: SandboxWorld, seller_id: int, orders: int) -> list[AccountSummary]:
    summaries = []
    for code in world.codes:
        sandbox = world[code]
        creds: dict[str, Any] = sandbox.create_account()
        sandbox.generate_orders(creds["account_key"], orders)  # the history; today's orders come later
        model_fields = rt.registry.get(code).satellite.credentials.model_fields
        account_id = connect_account(rt, seller_id, code, {k: v for k, v in creds.items() if k in model_fields})
        summaries.append(AccountSummary(code, account_id, str(creds["account_key"])))
        if code == MANUAL_CLOSE:  # one batch left for a person to close: the SLA watchdog has something to watch
            update_settings(rt, account_id, {"closure_policy": "MANUAL"})
        if code == "AJIO":  # onboarding asks where the store's invoice series stands (the portal used it)
            prefix = str(creds["store"]["invoice_series_prefix"]).rstrip("/-")
            last = world.of("AJIO", AjioSandbox).last_invoice_serial(creds["account_key"])
            set_last_number(rt, seller_id, prefix, financial_year(rt.clock.now()), last)
    return summaries


def _seed_settlement_errors(
    rt: Runtime, world: SandboxWorld, summaries: list[AccountSummary]
) -> dict[str, dict[str, Any]]:
    """The seller declares its catalogue for reconciliation; each sandbox seeds settlement errors of every
    class it can place in a recent month (robnu.sandbox.seeded_errors), for the reconciliation step to find."""
    truths = {}
    for summary in summaries:
        declare(rt, world, summary.code, summary.account_key, summary.account_id)
        truths[summary.code] = arm_best_period(world, summary.code, summary.account_key, rt.clock.now())
    return truths


def _run_step(summary: AccountSummary, name: str, step: Callable[[], str]) -> None:
    try:
        summary.runs[name] = step()
    except UnsupportedTarget:
        summary.runs[name] = "n/a"


def _sync_all(rt: Runtime, summaries: list[AccountSummary]) -> None:
    engine = SyncEngine(rt)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        for summary in summaries:
            adapter = rt.registry.get(summary.code)
            if ScheduleTarget.CREDENTIAL_CHECK in adapter.supported_targets:
                summary.validation = validate_account(rt, summary.account_id).status
            for target in SYNC_ORDER:
                if target not in adapter.supported_targets:
                    summary.runs[target] = "n/a"
                    continue
                task = progress.add_task(f"{summary.code:<10} {target.lower():<8}", total=None)

                def advance(n: int, task: TaskID = task) -> None:
                    progress.update(task, completed=n, total=n)

                outcome = engine.run(summary.account_id, target, progress=advance)
                summary.runs[target] = outcome.status.lower() + (f" ({outcome.error})" if outcome.error else "")


def _catalog(rt: Runtime, summaries: list[AccountSummary]) -> None:
    """Every account's catalog, after the orders: the SKUs Robnu knows then (the seller's products and the
    account's order items) are what Flipkart and Amazon are asked for."""
    for summary in summaries:
        _run_step(summary, "catalog", partial(_reconcile, rt, summary.account_id))


def _reconcile(rt: Runtime, account_id: int) -> str:
    o = reconcile_account(rt, account_id)
    return f"{o.listings} listings, {o.new_products} new products, {o.drifted} drifted"


def _todays_orders(rt: Runtime, world: SandboxWorld, summaries: list[AccountSummary]) -> None:
    """Today's orders arrive on every marketplace and are synced: each reserves stock of a product the
    catalog step created, which queues the product's new quantity for its listings (the stock push)."""
    engine = SyncEngine(rt)
    for summary in summaries:
        world[summary.code].generate_orders(summary.account_key, FRESH_ORDERS, days=FRESH_DAYS)
        outcome = engine.run(summary.account_id, ScheduleTarget.ORDERS, since=rt.clock.now() - FRESH_LOOKBACK)
        summary.runs["today's orders"] = f"{outcome.status.lower()}, {outcome.inserted} new" + (
            f" ({outcome.error})" if outcome.error else ""
        )


def _push(rt: Runtime, account_id: int) -> str:
    o = push_pending(rt, account_id)
    return f"{o.sent} sent" + (f", {o.failed + o.dead} failed" if o.failed + o.dead else "")


def _process(rt: Runtime, account_id: int) -> str:
    """Run the dispatch flow as the scheduler would, a few passes a minute apart (sandbox time)."""
    processed = held = 0
    for _ in range(PROCESSING_PASSES):
        report = process_account(rt, account_id)
        processed, held = processed + report.processed, report.held  # held: as of the last pass
        if isinstance(rt.clock, SandboxClock):
            rt.clock.advance(timedelta(minutes=1))
    with rt.sessions() as s:
        manifests = s.execute(
            select(func.count(ProcessingBatch.id)).where(
                ProcessingBatch.marketplace_account_id == account_id, ProcessingBatch.status == "CLOSED"
            )
        ).scalar_one()
        by_status = dict(
            s.execute(
                select(OrderProcessing.status, func.count())
                .where(OrderProcessing.marketplace_account_id == account_id)
                .group_by(OrderProcessing.status)
            )
            .tuples()
            .all()
        )
    over_quota = by_status.get("HELD_QUOTA", 0)
    quota_note = f" ({over_quota} over the free plan's 25 a day, kept for tomorrow)" if over_quota else ""
    return f"{processed} done, {held} held{quota_note}; {manifests} batch(es) closed"


def _push_and_process(rt: Runtime, summaries: list[AccountSummary]) -> None:
    for summary in summaries:
        adapter = rt.registry.get(summary.code)
        if ScheduleTarget.INVENTORY in adapter.supported_targets:
            _run_step(summary, "stock push", partial(_push, rt, summary.account_id))
        if ScheduleTarget.FULL_PROCESSING in adapter.supported_targets:
            _run_step(summary, "processing", partial(_process, rt, summary.account_id))


def _summary_table(rt: Runtime, summaries: list[AccountSummary]) -> Table:
    table = Table(
        "marketplace",
        "credentials",
        "orders",
        "returns",
        "payouts",
        "net payouts (INR)",
        "listings",
        "stock pushed",
        title="Robnu demo: one seller, four marketplaces",
    )
    steps = Table("marketplace", "step", "result", title="What each step did")
    with rt.sessions() as s:
        for summary in summaries:

            def count(model: Any, account_id: int = summary.account_id) -> int:
                return int(
                    s.execute(
                        select(func.count(model.id)).where(model.marketplace_account_id == account_id)
                    ).scalar_one()
                )

            net = s.execute(
                select(func.coalesce(func.sum(MarketplacePayout.net_amount), 0)).where(
                    MarketplacePayout.marketplace_account_id == summary.account_id
                )
            ).scalar_one()
            pushed = s.execute(
                select(func.count(InventoryTask.id)).where(
                    InventoryTask.marketplace_account_id == summary.account_id,
                    InventoryTask.status == InventoryTaskStatus.SENT,
                )
            ).scalar_one()
            table.add_row(
                summary.code,
                summary.validation,
                str(count(Order)),
                str(count(OrderReturn)),
                str(count(MarketplacePayout)),
                f"{Decimal(str(net)).quantize(Decimal('0.01')):,}",
                str(count(Listing)),
                str(pushed),
            )
            for step, result in summary.runs.items():
                steps.add_row(summary.code, step.lower(), result)
    console.print(steps)
    return table


DEMO_EMAIL = "demo@robnu.example"


def _demo_login(rt: Runtime, seller_id: int) -> str:
    """The demo's sign-in: the demo user is OWNER of this demo seller, with a fresh password every run
    (printed; a demo database is not a place for a real password)."""
    from robnu.security.passwords import one_time_password
    from robnu.services import users as user_service
    from robnu.services.users import check_email

    password = one_time_password()
    now = rt.clock.now()
    with rt.session() as s:
        added = user_service.add_member(s, seller_id, check_email(DEMO_EMAIL), "OWNER", now)
        user_service.set_password(s, added.user_id, password, now)
    return password


@dataclass
class DemoData:
    seller_id: int
    summaries: list[AccountSummary]
    truths: dict[str, dict[str, Any]]


def wire_demo_world(rt: Runtime, seed: int) -> SandboxWorld:
    """The in-process sandboxes the demo talks to: the runtime's HTTP and clock become the world's."""
    world = SandboxWorld(seed=seed, rate_scale=DEMO_RATE_SCALE)
    rt.http = HttpFactory(policy=rt.http.policy, endpoints=world.endpoints(), transport=world.transport())
    rt.http.policy.rate_scale = DEMO_RATE_SCALE
    rt.clock = world.clock
    return world


def build_demo(rt: Runtime, world: SandboxWorld, *, orders: int, seed: int, name: str | None = None) -> DemoData:
    """The demo seller's morning: accounts connected and validated, history synced, catalogs read, today's
    orders synced, stock pushed and the dispatch flows run (the browser tests build their world with it)."""
    seller_id = create_seller(rt, name or f"Demo Seller (seed {seed})")
    summaries = _connect_demo_accounts(rt, world, seller_id, orders)
    truths = _seed_settlement_errors(rt, world, summaries)
    _sync_all(rt, summaries)
    _catalog(rt, summaries)
    _todays_orders(rt, world, summaries)
    _push_and_process(rt, summaries)
    return DemoData(seller_id, summaries, truths)


def run_demo(*, no_serve: bool, orders: int, seed: int, host: str = "127.0.0.1", port: int = 8000) -> None:
    rt = runtime(upgrade=True, long_running=True)
    getattr(rt.storage.primary, "ensure_bucket", lambda: None)()  # a fresh local S3 server has no bucket yet
    world = wire_demo_world(rt, seed)
    try:
        demo = build_demo(rt, world, orders=orders, seed=seed)
        demo_password = _demo_login(rt, demo.seller_id)
        console.print(_summary_table(rt, demo.summaries))
        table, _ = reconcile_table(rt, [(s.code, s.account_id) for s in demo.summaries], demo.truths)
        console.print(table)
        where = rt.settings.data_dir if rt.storage.primary.ident == "local" else rt.storage.primary.ident
        console.print(f"documents and the raw-payload journal in {where}", highlight=False)
        console.print(f"seller {demo.seller_id}; database {rt.engine.url.render_as_string(hide_password=True)}")
        console.print(f"sign in as {DEMO_EMAIL} with password {demo_password} (OWNER)", highlight=False)
        if not no_serve:  # the sandboxes stay up while the dashboard is served: "sync now" reaches them
            from robnu.cli.demo_serve import serve_demo

            serve_demo(rt, host=host, port=port)
    finally:
        world.close()
