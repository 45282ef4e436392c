"""``robnu sync ACCOUNT [--target …] [--since …]``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from robnu.cli.common import console, handles_errors, runtime
from robnu.domain.errors import InvalidInput
from robnu.domain.marketplace import ScheduleTarget


@handles_errors
def sync(
    account_id: int,
    target: Annotated[list[ScheduleTarget] | None, typer.Option(help="ORDERS, RETURNS, PAYOUTS (repeat)")] = None,
    since: Annotated[str | None, typer.Option(help="re-sync from this ISO date/time (UTC if no offset)")] = None,
) -> None:
    """Pull orders, returns and payouts for one account now."""
    from robnu.services.sync import SyncEngine

    rt = runtime(upgrade=True)
    start = None
    if since:
        try:
            start = datetime.fromisoformat(since)
        except ValueError:
            raise InvalidInput("since", "must be an ISO date or date-time, e.g. 2026-11-01") from None
        start = start if start.tzinfo else start.replace(tzinfo=UTC)
    engine = SyncEngine(rt)
    table = Table("target", "status", "fetched", "new", "updated", "unchanged", "quarantined", "error")
    for t in target or [ScheduleTarget.ORDERS, ScheduleTarget.RETURNS, ScheduleTarget.PAYOUTS]:
        o = engine.run(account_id, t, since=start)
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
