"""``robnu schedules …``, ``robnu run``, ``robnu worker``, ``robnu reports …``, ``robnu metrics``."""

from __future__ import annotations

import signal
import threading
from datetime import datetime
from types import FrameType
from typing import Annotated

import typer
from rich.table import Table

from robnu.cli import validate as check
from robnu.cli.common import console, err_console, handles_errors, runtime
from robnu.domain.clock import IST
from robnu.domain.errors import InvalidInput

schedules_app = typer.Typer(help="When each account's targets run.", no_args_is_help=True)
reports_app = typer.Typer(help="What scheduled runs did.", no_args_is_help=True)


def _ist(at: datetime | None) -> str:
    return at.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S IST") if at else "-"


@schedules_app.command("list")
@handles_errors
def schedules_list(
    account: Annotated[int | None, check.id_option("only this account")] = None,
    seller: Annotated[int | None, check.id_option("only this seller's accounts")] = None,
) -> None:
    """Every schedule: cadence, whether it is on, next and last run."""
    from robnu.services import schedules
    from robnu.services.lookup import require_account, require_seller

    rt = runtime(upgrade=True)
    require_account(rt, account)
    require_seller(rt, seller)
    table = Table("id", "account", "marketplace", "target", "cadence", "enabled", "next run", "last run", "last status")
    for v in schedules.list_schedules(rt, account, seller):
        enabled = "yes" if v.enabled else ("paused: reconnect" if v.needs_reconnect else "paused")
        table.add_row(
            str(v.id),
            str(v.account_id),
            v.marketplace,
            v.target,
            v.cadence,
            enabled,
            _ist(v.next_run_at),
            _ist(v.last_run_at),
            v.last_run_status or "-",
        )
    console.print(table)


@schedules_app.command("set")
@handles_errors
def schedules_set(
    account: Annotated[int, check.id_argument("the account")],
    target: Annotated[str, typer.Argument(help="ORDERS, RETURNS, PAYOUTS, INVENTORY …")],
    every: Annotated[str | None, typer.Option(help="interval: 90s, 15m, 2h, 1d")] = None,
    cron: Annotated[str | None, typer.Option(help='five-field cron in IST, e.g. "0 9,14 * * *"')] = None,
    jitter: Annotated[str | None, typer.Option(help="random delay up to this much: 30s, 5m")] = None,
) -> None:
    """Create or change ACCOUNT's schedule for TARGET."""
    from robnu.services import schedules

    target = check.text("target", target, max_length=32)
    every, cron, jitter = (
        check.text(field, value, max_length=100) if value is not None else None
        for field, value in (("every", every), ("cron", cron), ("jitter", jitter))
    )

    rt = runtime(upgrade=True)
    v = schedules.set_schedule(
        rt,
        account,
        target,
        interval_seconds=schedules.parse_duration(every) if every else None,
        cron=cron,
        jitter_seconds=schedules.parse_duration(jitter, "jitter") if jitter is not None else None,
    )
    console.print(f"account {v.account_id} {v.target}: {v.cadence}, next run {_ist(v.next_run_at)}")


@schedules_app.command("pause")
@handles_errors
def schedules_pause(
    account: Annotated[int, check.id_argument("the account")],
    target: Annotated[str | None, typer.Argument(help="one target; default all")] = None,
) -> None:
    """Stop ACCOUNT's schedules (one TARGET, or all) until resumed."""
    from robnu.services import schedules

    target = check.text("target", target, max_length=32) if target is not None else None

    rt = runtime(upgrade=True)
    n = schedules.set_enabled(rt, account, target, False)
    console.print(f"paused {n} schedule(s) of account {account}")


@schedules_app.command("resume")
@handles_errors
def schedules_resume(
    account: Annotated[int, check.id_argument("the account")],
    target: Annotated[str | None, typer.Argument(help="one target; default all")] = None,
) -> None:
    """Start ACCOUNT's schedules again; overdue ones run at the next tick."""
    from robnu.services import schedules

    target = check.text("target", target, max_length=32) if target is not None else None

    rt = runtime(upgrade=True)
    n = schedules.set_enabled(rt, account, target, True)
    console.print(f"resumed {n} schedule(s) of account {account}")


def _stop_on_signals(stop: threading.Event) -> None:
    def handler(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt  # a second Ctrl-C: leave now; committed cursors are safe
        err_console.print("stopping: no new runs start; runs in flight finish (Ctrl-C again to leave now)")
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


@handles_errors
def run(
    concurrency: Annotated[
        int | None, typer.Option(min=1, max=256, help="runs at once (default 1 on SQLite, 4 on PostgreSQL)")
    ] = None,
    tick: Annotated[
        float | None, typer.Option(min=0.1, max=3600, help="seconds between looks for due schedules")
    ] = None,
    metrics_port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="serve Prometheus /metrics on this port")
    ] = None,
) -> None:
    """Run schedules in this process (the SQLite default) until Ctrl-C (or SIGTERM)."""
    from robnu.jobs import metrics
    from robnu.jobs.local import LocalRunner
    from robnu.jobs.settings import JobSettings

    rt = runtime(upgrade=True, long_running=True)
    settings = JobSettings()
    if concurrency:
        settings.concurrency = concurrency
    if tick:
        settings.tick_seconds = tick
    if metrics_port:
        metrics.serve(rt, metrics_port, queue=settings.queue)
    stop = threading.Event()
    _stop_on_signals(stop)
    runner = LocalRunner(rt, settings)
    console.print(f"robnu run: {runner.concurrency} at once, ticking every {settings.tick_seconds:g} s; Ctrl-C stops")
    runner.serve(stop)
    console.print("stopped")


@handles_errors
def worker(
    concurrency: Annotated[
        int | None, typer.Option(min=1, max=256, help="jobs at once (default ROBNU_JOBS_CONCURRENCY)")
    ] = None,
    apply_schema: Annotated[bool, typer.Option(help="create Procrastinate's schema if missing, then go on")] = True,
    metrics_port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="serve Prometheus /metrics on this port")
    ] = None,
    marketplace: Annotated[
        str | None,
        typer.Option(
            help="take only this marketplace's runs, as its database role robnu_worker_<code> (default: the one"
            " marketplace whose worker role the login role has, else every marketplace)",
        ),
    ] = None,
) -> None:
    """A Procrastinate worker on PostgreSQL: run as many, on as many machines, as needed."""
    from robnu.jobs import metrics
    from robnu.jobs.procrastinate_backend import ProcrastinateQueue, worker_marketplace
    from robnu.jobs.procrastinate_backend import apply_schema as apply

    rt = runtime(long_running=True)  # many workers start at once: migrate with `robnu db upgrade` before, not here
    if rt.engine.dialect.name != "postgresql":
        raise InvalidInput("database_url", "workers need PostgreSQL; on SQLite use `robnu run`")
    if apply_schema and apply(rt):
        console.print("applied Procrastinate's schema")
    code = worker_marketplace(rt, check.text("marketplace", marketplace, max_length=32) if marketplace else None)
    queue = ProcrastinateQueue(rt, marketplace=code)
    listens = ", ".join(queue.queues() or ["every queue"])
    console.print(f"robnu worker: {code or 'every marketplace'}; listening to {listens}")
    if metrics_port:
        metrics.serve(rt, metrics_port, queue=queue.settings.queue)
    queue.serve_forever(concurrency)


@reports_app.command("list")
@handles_errors
def reports_list(
    account: Annotated[int | None, check.id_option("only this account")] = None,
    seller: Annotated[int | None, check.id_option("only this seller")] = None,
    target: Annotated[str | None, typer.Option(help="only this target")] = None,
    status: Annotated[str | None, typer.Option(help="only this outcome, e.g. FAILED")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="at most this many")] = 30,
) -> None:
    """The latest run reports, newest first."""
    from robnu.services import reports
    from robnu.services.lookup import require_account, require_seller

    target, status = (
        check.text(field, value, max_length=32) if value is not None else None
        for field, value in (("target", target), ("status", status))
    )
    rt = runtime(upgrade=True)
    require_account(rt, account)
    require_seller(rt, seller)
    table = Table(
        "id",
        "started",
        "account",
        "marketplace",
        "target",
        "outcome",
        "try",
        "synced",
        "processed",
        "held",
        "failed",
        "error",
    )
    for r in reports.list_reports(rt, account_id=account, seller_id=seller, target=target, status=status, limit=limit):
        table.add_row(
            str(r.id),
            _ist(r.started_at),
            str(r.account_id),
            r.marketplace,
            r.target,
            r.status,
            str(r.attempt),
            str(r.synced),
            str(r.processed),
            str(r.held),
            str(r.failed),
            (r.error or "")[:60],
        )
    console.print(table)


@reports_app.command("show")
@handles_errors
def reports_show(report_id: Annotated[int, check.id_argument("the report")]) -> None:
    """One run report in full."""
    from robnu.services import reports

    rt = runtime(upgrade=True)
    console.print(reports.render_text(reports.get_report(rt, report_id)), highlight=False, markup=False)


@handles_errors
def metrics_cmd() -> None:
    """Print the Prometheus metrics once (workers and `robnu run` can serve them with --metrics-port)."""
    from robnu.jobs import metrics
    from robnu.jobs.settings import JobSettings

    rt = runtime(upgrade=True)
    console.print(metrics.render(rt, JobSettings().queue), highlight=False, markup=False, end="")
