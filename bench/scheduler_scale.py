"""Scheduler at scale (PostgreSQL): 10,000 accounts' schedules, one tick, two tickers at once, a worker's drain.

Builds a fresh database with N accounts (sellers of four accounts each, one per marketplace) and every
account's default schedules, a given share of them due now. Then, printed:

* **find due**: the tick's query alone (due, enabled, runnable, oldest first, ``FOR UPDATE SKIP LOCKED``) and
  its plan's top node;
* **one tick**: claim due schedules and defer one Procrastinate job per run, in one transaction
  (``enqueue_due``), timed; repeated until nothing is due;
* **two tickers**: all due again, two ticks started at the same instant in two threads; then every
  (account, target) must have exactly one job, and the jobs must equal the due schedules;
* **worker drain**: M ORDERS syncs with nothing new (each account in the in-process Amazon sandbox has no
  orders: one token exchange on its first run, one searchOrders per run), deferred, then drained by one
  ``robnu worker`` (Procrastinate, concurrency 4) — syncs per minute.

    python bench/scheduler_scale.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
    python bench/scheduler_scale.py --accounts 10000 --due 0.25 --drain 200
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, func, insert, select, text, update

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sync_ingest import NOW, fresh_database  # bench/ is not a package

from robnu.adapters.base import HttpFactory
from robnu.adapters.http import HttpPolicy
from robnu.adapters.registry import registry
from robnu.config import Settings
from robnu.db.models import Marketplace, MarketplaceAccount, Schedule, Seller
from robnu.domain.clock import ManualClock
from robnu.domain.marketplace import ScheduleTarget
from robnu.jobs.procrastinate_backend import ProcrastinateQueue, apply_schema, defer_run, enqueue_due
from robnu.jobs.settings import JobSettings
from robnu.sandbox.world import SandboxWorld
from robnu.services import schedules
from robnu.services.accounts import connect_account, create_seller
from robnu.services.runtime import Runtime

CODES = ("AJIO", "MEESHO", "AMAZON_IN", "FLIPKART")


def populate(engine: Engine, accounts: int, due_share: float) -> int:
    """N accounts with their default schedules, ``due_share`` of the schedules due now; returns schedules."""
    with engine.begin() as c:
        ids = {code: mid for code, mid in c.execute(select(Marketplace.code, Marketplace.id))}
        sellers = (accounts + len(CODES) - 1) // len(CODES)
        c.execute(insert(Seller), [{"name": f"S{n}", "plan": "GROWTH", "created_at": NOW} for n in range(sellers)])
        seller_ids = list(c.execute(select(Seller.id).order_by(Seller.id)).scalars())
        c.execute(insert(MarketplaceAccount), [
            {"seller_id": seller_ids[n // len(CODES)], "marketplace_id": ids[CODES[n % len(CODES)]],
             "external_account_id": f"EXT-{n}", "display_name": f"Account {n}", "last_validation_status": "OK",
             "needs_reconnect": n % 50 == 0, "created_at": NOW, "updated_at": NOW}
            for n in range(accounts)
        ])
        rows = []
        for k, (account_id, seller_id) in enumerate(c.execute(
            select(MarketplaceAccount.id, MarketplaceAccount.seller_id).order_by(MarketplaceAccount.id)
        ).tuples()):
            for j, (target, cadence) in enumerate(schedules.DEFAULT_CADENCES.items()):
                due = (k * len(schedules.DEFAULT_CADENCES) + j) % 1000 < due_share * 1000
                at = NOW - timedelta(seconds=k % 600) if due else NOW + timedelta(seconds=60 + k % 3600)
                rows.append({
                    "seller_id": seller_id, "marketplace_account_id": account_id, "target": str(target),
                    "interval_seconds": cadence.interval_seconds, "cron": cadence.cron, "enabled": True,
                    "jitter_seconds": cadence.jitter_seconds, "next_run_at": at,
                })
        for at in range(0, len(rows), 10_000):
            c.execute(insert(Schedule), rows[at:at + 10_000])
        c.exec_driver_sql("ANALYZE")
    return len(rows)


def due_count(engine: Engine) -> int:
    with engine.connect() as c:
        return int(c.execute(
            select(func.count()).select_from(Schedule)
            .join(MarketplaceAccount, MarketplaceAccount.id == Schedule.marketplace_account_id)
            .where(Schedule.enabled.is_(True), Schedule.next_run_at <= NOW, schedules.runnable_account())
        ).scalar_one())


def make_due_again(engine: Engine, due: set[int]) -> None:
    with engine.begin() as c:
        c.execute(update(Schedule).where(Schedule.id.in_(due)).values(next_run_at=NOW - timedelta(seconds=1)))
        c.exec_driver_sql("DELETE FROM procrastinate_jobs")


def run_jobs(engine: Engine) -> list[tuple[int, str]]:
    with engine.connect() as c:
        return [(int(a), str(t)) for a, t in c.execute(text(
            "SELECT (args->>'account_id')::int, args->>'target' FROM procrastinate_jobs WHERE task_name = 'robnu.run'"
        )).all()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="a PostgreSQL server URL")
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--due", type=float, default=0.1, help="share of the schedules due at the tick")
    parser.add_argument("--batch", type=int, default=JobSettings().batch, help="due schedules claimed per tick")
    parser.add_argument("--drain", type=int, default=200, help="no-op ORDERS syncs the worker drains")
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        sys.exit("the scheduler at scale runs on PostgreSQL (Procrastinate workers)")

    tmp = Path(tempfile.mkdtemp(prefix="robnu-bench-"))
    url = fresh_database(args.database_url, tmp, "scheduler")
    world = SandboxWorld.frozen_at(NOW, codes=("AMAZON_IN",), rate_scale=1e6)
    http = HttpFactory(policy=HttpPolicy(rate_scale=0), endpoints=world.endpoints(), transport=world.transport())
    rt = Runtime.create(Settings(data_dir=tmp, database_url=url), http=http, clock=ManualClock(NOW))
    rt.upgrade_database()
    rt.vault.ring  # noqa: B018 (the key ring is made while the database holds no account)
    apply_schema(rt)
    settings = JobSettings(batch=args.batch, concurrency=4, heartbeat_seconds=1)
    try:
        t0 = time.perf_counter()
        total = populate(rt.engine, args.accounts, args.due)
        due = due_count(rt.engine)
        print(f"accounts             {args.accounts:,}: {total:,} schedules, {due:,} due now "
              f"(1 in 50 accounts needs reconnecting); built in {time.perf_counter() - t0:.1f} s")

        with rt.session() as s:  # the tick's query alone, rolled back
            t0 = time.perf_counter()
            claimed = schedules.claim_due(s, NOW, limit=args.batch)
            find_s = time.perf_counter() - t0
            plan = s.connection().exec_driver_sql(
                "EXPLAIN SELECT 1 FROM schedules JOIN marketplace_accounts a ON a.id = schedules.marketplace_account_id"
                " WHERE schedules.enabled AND schedules.next_run_at <= now() ORDER BY schedules.next_run_at"
                f" LIMIT {args.batch} FOR UPDATE OF schedules SKIP LOCKED").scalars().first()
            s.rollback()
        print(f"find due + claim     {len(claimed)} schedules in {find_s * 1000:.0f} ms (plan: {str(plan).strip()})")

        ticks, first_tick = [], None
        due_ids = set()
        with rt.engine.connect() as c:
            due_ids = set(c.execute(select(Schedule.id).where(Schedule.next_run_at <= NOW)).scalars())
        while True:
            t0 = time.perf_counter()
            n = enqueue_due(rt, settings)
            ticks.append((n, time.perf_counter() - t0))
            if n == 0:
                break
        first_tick = ticks[0]
        jobs = len(run_jobs(rt.engine))
        worst = max(s for _, s in ticks)
        print(f"one tick             {first_tick[0]} runs claimed and deferred in {first_tick[1] * 1000:.0f} ms; "
              f"{len(ticks) - 1} ticks for all {due:,} due (slowest {worst * 1000:.0f} ms); {jobs:,} jobs")

        make_due_again(rt.engine, due_ids)
        barrier = threading.Barrier(2)
        results: list[tuple[int, float]] = []

        def ticker() -> None:
            barrier.wait()
            done = 0
            t0 = time.perf_counter()
            while n := enqueue_due(rt, settings):
                done += n
            results.append((done, time.perf_counter() - t0))

        threads = [threading.Thread(target=ticker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        deferred = run_jobs(rt.engine)
        duplicates = len(deferred) - len(set(deferred))
        print(f"two tickers at once  {results[0][0]:,} + {results[1][0]:,} = {len(deferred):,} jobs for {due:,} due; "
              f"duplicates {duplicates}; {max(s for _, s in results):.2f} s until nothing was due")

        drain(rt, world, settings, args.drain)
    finally:
        world.close()
        rt.engine.dispose()


def drain(rt: Runtime, world: SandboxWorld, settings: JobSettings, count: int) -> None:
    """``count`` no-op ORDERS syncs (accounts in the sandbox without orders), drained by one worker."""
    with rt.engine.begin() as c:
        c.exec_driver_sql("DELETE FROM procrastinate_jobs")
        c.execute(update(Schedule).values(enabled=False))  # the periodic tick finds nothing of the above
    accounts = []
    sandbox = world["AMAZON_IN"]
    fields = registry.get("AMAZON_IN").satellite.credentials.model_fields
    for n in range(count):
        creds = sandbox.create_account()
        seller = create_seller(rt, f"Drain {n}")
        accounts.append(connect_account(rt, seller, "AMAZON_IN", {k: v for k, v in creds.items() if k in fields}))
    with rt.engine.begin() as c:
        c.execute(update(Schedule).values(enabled=False))
        orders = c.execute(
            select(Schedule.id, Schedule.marketplace_account_id, Schedule.seller_id).where(
                Schedule.marketplace_account_id.in_(accounts), Schedule.target == ScheduleTarget.ORDERS
            )
        ).tuples()
        for schedule_id, account, seller in orders:
            due = schedules.DueRun(schedule_id, account, seller, str(ScheduleTarget.ORDERS), NOW, "AMAZON_IN")
            defer_run(c, settings, due)
    queue = ProcrastinateQueue(rt, settings)
    stop = threading.Event()
    worker = threading.Thread(target=queue.serve, args=(stop, 4), daemon=True)
    t0 = time.perf_counter()
    worker.start()
    left = count
    while left and time.perf_counter() - t0 < 600:
        time.sleep(0.2)
        with rt.engine.connect() as c:
            left = int(c.exec_driver_sql(
                "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'robnu.run' AND status IN ('todo', 'doing')"
            ).scalar_one())
    seconds = time.perf_counter() - t0
    stop.set()
    worker.join(30)
    with rt.engine.connect() as c:
        outcomes = {k: v for k, v in c.exec_driver_sql("SELECT status, count(*) FROM run_reports GROUP BY status")}
    print(f"worker drain         {count - left} no-op ORDERS syncs in {seconds:.1f} s = "
          f"{(count - left) / seconds * 60:,.0f} per minute (one worker, concurrency 4; run reports {outcomes})")


if __name__ == "__main__":
    main()
