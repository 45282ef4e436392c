"""``robnu sync ACCOUNT [--target …] [--since …]``."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from robnu.cli.common import console, err_console, handles_errors, runtime
from robnu.cli.exits import ExitCode
from robnu.cli.validate import id_argument, iso_datetime
from robnu.domain.marketplace import ScheduleTarget

PROGRESS_EVERY_SECONDS = 10.0


class _Progress:
    """A line on stderr at most every ten seconds while a target syncs (a long walk is visibly alive)."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.started = time.monotonic()
        self.shown = self.started

    def __call__(self, fetched: int) -> None:
        now = time.monotonic()
        if now - self.shown < PROGRESS_EVERY_SECONDS:
            return
        self.shown = now
        err_console.print(f"{self.target}: {fetched} records so far, {now - self.started:.0f} s", highlight=False)


@handles_errors
def sync(
    account_id: Annotated[int, id_argument("the account to sync")],
    target: Annotated[list[ScheduleTarget] | None, typer.Option(help="ORDERS, RETURNS, PAYOUTS (repeat)")] = None,
    since: Annotated[str | None, typer.Option(help="re-sync from this ISO date/time (UTC if no offset)")] = None,
) -> None:
    """Pull orders, returns and payouts for one account now.

    Exits 0 when every target SUCCEEDED or was PARTIAL (records quarantined), 6 when one FAILED (or was
    abandoned), 7 when one was SKIPPED because another run holds its lease."""
    from robnu.domain.statuses import SyncRunStatus
    from robnu.services.sync import SyncEngine

    start = iso_datetime("since", since, now=datetime.now(UTC)) if since is not None else None
    rt = runtime(upgrade=True, long_running=True)
    engine = SyncEngine(rt)
    table = Table("target", "status", "fetched", "new", "updated", "unchanged", "quarantined", "error")
    statuses = []
    for t in dict.fromkeys(target or [ScheduleTarget.ORDERS, ScheduleTarget.RETURNS, ScheduleTarget.PAYOUTS]):
        o = engine.run(account_id, t, since=start, progress=_Progress(t))
        statuses.append(o.status)
        table.add_row(
            t,
            o.status,
            str(o.fetched),
            str(o.inserted),
            str(o.updated),
            str(o.unchanged),
            str(o.quarantined),
            o.error or "",
        )
    console.print(table)
    if any(s in (SyncRunStatus.FAILED, SyncRunStatus.ABANDONED) for s in statuses):
        raise typer.Exit(ExitCode.RUN_FAILED)
    if SyncRunStatus.SKIPPED in statuses:
        raise typer.Exit(ExitCode.RUN_SKIPPED)
