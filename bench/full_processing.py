"""Full-processing benchmark: one account's dispatch flow over N of the day's orders, against its sandbox.

Prints the sync time, the processing time per order and per stage (from the persisted steps), how many
documents were written and how many bytes, and the peak RSS — the
figures to watch when a flow or the engine changes.

    python bench/full_processing.py --orders 200                     # AJIO's 11 stages, SQLite
    python bench/full_processing.py --marketplace FLIPKART --orders 300
    python bench/full_processing.py --database-url postgresql://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sync_ingest import fresh_database  # bench/ is not a package

from robnu.adapters.base import HttpFactory
from robnu.adapters.http import HttpPolicy
from robnu.config import Settings
from robnu.db.processing_models import OrderProcessing, ProcessingStep
from robnu.db.stock_models import Document
from robnu.domain.marketplace import ScheduleTarget
from robnu.sandbox.world import SandboxWorld
from robnu.services.accounts import connect_account, create_seller
from robnu.services.processing import process_account
from robnu.services.runtime import Runtime
from robnu.services.sync import SyncEngine

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)  # 09:30 IST: the day's first batch is open


def _generate(world: SandboxWorld, code: str, key: str, n: int) -> None:
    """The day's orders, fresh enough to be waiting for the seller on each marketplace."""
    sandbox = world[code]
    if code == "AMAZON_IN":
        sandbox.generate_orders(key, n, days=10 / 1440, track="SELF_SHIP")
    else:
        sandbox.generate_orders(key, n, days=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--marketplace", default="AJIO", choices=("AJIO", "MEESHO", "FLIPKART", "AMAZON_IN"))
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server URL (default: SQLite files)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="robnu-bench-"))
    world = SandboxWorld.frozen_at(NOW, codes=(args.marketplace,), rate_scale=1000.0)
    sandbox = world[args.marketplace]
    creds = sandbox.create_account()
    _generate(world, args.marketplace, creds["account_key"], args.orders)

    url = fresh_database(args.database_url, tmp, "processing")
    policy = HttpPolicy(backoff_base=0.001, backoff_cap=0.05, rate_scale=1000.0)
    http = HttpFactory(policy=policy, endpoints=world.endpoints(), transport=world.transport())
    rt = Runtime.create(Settings(data_dir=tmp, database_url=url, backfill_days=2), http=http, clock=world.clock)
    rt.upgrade_database()
    seller = create_seller(rt, "Bench", plan="GROWTH")  # no free-tier cap: every order is processed
    fields = rt.registry.get(args.marketplace).satellite.credentials.model_fields
    account = connect_account(rt, seller, args.marketplace, {k: v for k, v in creds.items() if k in fields})

    world.clock.advance(timedelta(minutes=100))  # past the marketplaces' pending windows and the sync lag
    t0 = time.perf_counter()
    outcome = SyncEngine(rt).run(account, ScheduleTarget.ORDERS)
    sync_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    runs = 0
    processed = held = 0
    while True:  # a run leaves waiting orders for the next one, as the schedule would
        runs += 1
        report = process_account(rt, account, {"label_polls": 1})
        processed, held = processed + report.processed, held + report.held
        if not report.waiting or runs >= 5:
            break
        world.clock.advance(timedelta(minutes=15))
    process_s = time.perf_counter() - t0

    with rt.sessions() as s:
        per_stage: dict[str, int] = defaultdict(int)
        for name, count in s.execute(
            select(ProcessingStep.name, func.count(ProcessingStep.id)).group_by(ProcessingStep.name)
        ).tuples():
            per_stage[name] = count
        docs, size = s.execute(select(func.count(Document.id), func.coalesce(func.sum(Document.size_bytes), 0))).one()
        statuses = dict(
            s.execute(select(OrderProcessing.status, func.count()).group_by(OrderProcessing.status)).tuples().all()
        )
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    db = "PostgreSQL" if args.database_url else "SQLite"
    print(f"marketplace          {args.marketplace} ({db})")
    print(f"sync                 {outcome.fetched} orders in {sync_s:.2f} s")
    print(f"full processing      {processed} done, {held} held in {process_s:.2f} s over {runs} run(s) "
          f"= {process_s / max(processed + held, 1) * 1000:.1f} ms per order")
    print(f"order states         {statuses}")
    print(f"steps recorded       {sum(per_stage.values())} ({', '.join(f'{k}: {v}' for k, v in per_stage.items())})")
    print(f"documents            {docs} files, {int(size) / 1024:.0f} KiB")
    print(f"peak RSS             {rss_mb:.0f} MiB")
    world.close()


if __name__ == "__main__":
    main()
