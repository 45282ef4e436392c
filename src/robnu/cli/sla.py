"""``robnu sla``: the SLA watchdog's board (what the dashboard shows at /process/sla-watchdog)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from rich.table import Table

from robnu.cli import validate as check
from robnu.cli.common import console, handles_errors, runtime
from robnu.domain.clock import IST
from robnu.domain.dispatch import SlaBand

_STYLE = {
    SlaBand.HEALTHY: "green",
    SlaBand.WATCH: "yellow",
    SlaBand.WARNING: "dark_orange",
    SlaBand.CRITICAL: "red",
    SlaBand.BREACHED: "bold red",
}


def _ist(at: datetime | None) -> str:
    return at.astimezone(IST).strftime("%Y-%m-%d %H:%M IST") if at else "-"


@handles_errors
def sla(seller: Annotated[int | None, check.id_option("only this seller's batches")] = None) -> None:
    """Headroom of every open dispatch batch against its deadline, most at risk first."""
    from robnu.services.lookup import require_seller
    from robnu.services.sla import headroom_board

    rt = runtime(upgrade=True)
    require_seller(rt, seller)
    board = headroom_board(rt, seller)
    if not board:
        console.print("no open batch has orders in progress")
        return
    table = Table(
        "account",
        "marketplace",
        "IST day",
        "batch",
        "policy",
        "deadline",
        "headroom",
        "band",
        "open orders",
        "alerted",
        "closes",
    )
    for b in board:
        style = _STYLE[b.band]
        table.add_row(
            str(b.account_id),
            b.marketplace,
            b.ist_day,
            f"#{b.batch_no}",
            b.closure_policy,
            _ist(b.deadline),
            f"[{style}]{b.headroom_pct:.1f} %[/{style}]",
            f"[{style}]{b.band.value}[/{style}]",
            str(b.open_orders),
            b.recorded_band.value if b.recorded_band else "-",
            _ist(b.closes_at) if b.closes_at else ("by a user" if b.closure_policy == "MANUAL" else "when manifested"),
        )
    console.print(table)
    now = rt.clock.now()
    console.print(f"as of {_ist(now)}; deadline = min(cut-off, earliest dispatch-by) - pickup offset")
