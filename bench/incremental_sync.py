"""Incremental benchmark: the cost of a re-sync with nothing new vs the first sync of N orders.

The first run backfills (no cursor); the second starts from the cursor the first one left, exactly as the
scheduler's next run would (high-water mark - overlap ... now - safety lag). The sandbox clock stays frozen by
default, so nothing changes at the marketplace in between; --advance-minutes lets the scheduler's interval
pass first (the sandbox may then move some orders on, which is new work); --full-window re-reads the first
run's whole window instead (``robnu sync --since``), to show what re-reading unchanged records costs.
For each run: the window, HTTP requests, records fetched / inserted / updated / unchanged, wall time, SQL
statements by kind and rows written by table (counted with SQLAlchemy's cursor events: SQLite's
total_changes, PostgreSQL's rowcount).

    python bench/incremental_sync.py                                  # Amazon, 2,000 orders, SQLite
    python bench/incremental_sync.py --marketplace FLIPKART --orders 5000
    python bench/incremental_sync.py --advance-minutes 15             # the ORDERS schedule's interval passes
    python bench/incremental_sync.py --full-window                    # every record again, all unchanged
    python bench/incremental_sync.py --database-url postgresql://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rate_limits import counting_tokens  # bench/ is not a package
from sync_ingest import sandbox_account

from robnu.db.models import SyncRun
from robnu.domain.marketplace import ScheduleTarget
from robnu.services.sync import SyncEngine, SyncOutcome

WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


class StatementCounter:
    """SQL statements by first keyword and rows written by table, for everything ``engine`` executes."""

    def __init__(self, engine: Engine) -> None:
        self.statements: Counter[str] = Counter()
        self.rows: Counter[str] = Counter()
        self._sqlite = engine.dialect.name == "sqlite"
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        event.listen(engine, "commit", self._settle)
        event.listen(engine, "rollback", self._settle)

    def snapshot(self) -> tuple[Counter[str], Counter[str]]:
        return Counter(self.statements), Counter(self.rows)

    def _before(self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        self._settle(conn)
        self.statements[statement.lstrip().split(None, 1)[0].upper()] += 1
        if self._sqlite:
            conn.info["bench_start"] = cursor.connection.total_changes

    def _after(self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        match = WRITE.match(statement)
        if match is None:
            return
        if self._sqlite:
            # SQLite counts a statement's changes when it completes, i.e. once its RETURNING rows are read:
            # settle at the connection's next statement (or commit) instead.
            conn.info["bench_pending"] = (match.group(1), conn.info["bench_start"])
        else:
            self.rows[match.group(1)] += max(cursor.rowcount, 0)

    def _settle(self, conn: Any) -> None:
        pending = conn.info.pop("bench_pending", None)
        if pending is not None:
            table, before = pending
            self.rows[table] += conn.connection.dbapi_connection.total_changes - before


def run(
    bench: Any, counter: StatementCounter, since: datetime | None = None
) -> tuple[SyncOutcome, float, Counter[str], Counter[str], Counter[str]]:
    """One sync from the cursor (or ``since``): (outcome, wall s, HTTP requests, statements, rows written by table)."""
    before_statements, before_rows = counter.snapshot()
    with counting_tokens() as (requests, _limiters):
        t0 = time.perf_counter()
        outcome = SyncEngine(bench.rt).run(bench.account, ScheduleTarget.ORDERS, since=since)
        wall_s = time.perf_counter() - t0
    statements, rows = counter.snapshot()
    return outcome, wall_s, requests, statements - before_statements, rows - before_rows


def listed(counts: Counter[str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.most_common())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--marketplace", default="AMAZON_IN", choices=("AJIO", "MEESHO", "AMAZON_IN", "FLIPKART"))
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--rate-scale", type=float, default=1000.0, help="1 = the published rate limits")
    parser.add_argument("--advance-minutes", type=float, default=0, help="sandbox time between the two runs")
    parser.add_argument("--full-window", action="store_true", help="re-sync the first run's whole window (--since)")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server URL (default: SQLite files)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="robnu-bench-"))
    bench = sandbox_account(
        args.marketplace, args.orders, tmp=tmp, database_url=args.database_url, label="incr", rate_scale=args.rate_scale
    )
    counter = StatementCounter(bench.rt.engine)
    try:
        first = run(bench, counter)
        bench.world.clock.advance(timedelta(minutes=args.advance_minutes))
        since = None
        if args.full_window:
            with bench.rt.sessions() as s:
                since = s.get(SyncRun, first[0].run_id).window_start  # type: ignore[union-attr]
        second = run(bench, counter, since)
    finally:
        bench.world.close()

    db = "PostgreSQL" if args.database_url else "SQLite"
    print(f"marketplace          {args.marketplace} ({db}); {args.orders} orders in the sandbox; "
          f"{args.advance_minutes:g} min of sandbox time between the runs; re-sync "
          f"{'of the whole first window (--since)' if args.full_window else 'from the cursor'}")
    for label, (outcome, wall_s, requests, statements, rows) in (("first sync", first), ("re-sync", second)):
        with bench.rt.sessions() as s:
            sync_run = s.get(SyncRun, outcome.run_id)
            assert sync_run is not None and sync_run.window_start and sync_run.window_end
            window = sync_run.window_end - sync_run.window_start
        print(f"{label:<21}{wall_s:.2f} s [{outcome.status}]; window {window}; "
              f"{requests.total()} HTTP requests ({listed(requests)})")
        print(f"  records            {outcome.fetched} fetched: {outcome.inserted} inserted, "
              f"{outcome.updated} updated, {outcome.unchanged} unchanged")
        print(f"  SQL statements     {statements.total()} ({listed(statements)})")
        print(f"  rows written       {rows.total()} ({listed(rows) or 'none'})")
    ratio = second[1] / max(first[1], 1e-9)
    print(f"ratio                re-sync / first sync: wall {ratio:.3f}x, "
          f"statements {second[3].total() / max(first[3].total(), 1):.3f}x, "
          f"rows written {second[4].total() / max(first[4].total(), 1):.3f}x")


if __name__ == "__main__":
    main()
