"""Ingest benchmark: end-to-end sync of N orders from a sandbox vs a raw bulk upsert of the same rows.

Prints, side by side in one run: the sync's wall time and rate, the bulk upsert's, the ratio, how many
429s the sandbox answered, and the peak RSS.

    python bench/sync_ingest.py --orders 2000                       # Amazon, limits sped up 1000x
    python bench/sync_ingest.py --orders 500 --rate-scale 1         # the real published limits
    python bench/sync_ingest.py --orders 2000 --no-client-limits    # let the sandbox throttle us
    python bench/sync_ingest.py --marketplace FLIPKART --database-url postgresql://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from robnu import migrations
from robnu.adapters.base import HttpFactory
from robnu.adapters.http import HttpPolicy
from robnu.config import Settings
from robnu.db.engine import make_engine
from robnu.db.models import MarketplaceAccount, Order, OrderItem, Seller, Shipment
from robnu.domain.clock import Clock
from robnu.domain.marketplace import ScheduleTarget
from robnu.sandbox.world import SandboxWorld
from robnu.services.accounts import connect_account, create_seller
from robnu.services.runtime import Runtime
from robnu.services.sync import SyncEngine
from robnu.services.upsert import upsert_rows

NOW = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)


def fresh_database(url: str | None, tmp: Path, label: str) -> str:
    if url is None:
        return f"sqlite:///{tmp / f'{label}.sqlite3'}"
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    name = f"robnu_bench_{label}"
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.rsplit("/", 1)[0] + "/" + name


def rows_of(rt: Runtime, model: Any) -> list[dict[str, Any]]:
    cols = [c.name for c in model.__table__.columns if c.name != "id"]
    with rt.sessions() as s:
        return [dict(zip(cols, r, strict=True)) for r in s.execute(select(*[model.__table__.c[c] for c in cols]))]


def peak_rss_mib() -> float:
    """This process's peak resident set size so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Bench:
    """A frozen sandbox world holding one account with generated orders, and a Runtime connected to it."""

    world: SandboxWorld
    sandbox: Any
    rt: Runtime
    seller: int
    account: int
    generate_s: float  # how long the sandbox took to generate the orders


def sandbox_account(
    marketplace: str,
    orders: int,
    *,
    tmp: Path,
    database_url: str | None = None,
    label: str = "sync",
    rate_scale: float = 1000.0,
    client_limits: bool = True,
    days: float = 20,
) -> Bench:
    """One marketplace's sandbox with ``orders`` orders over the last ``days`` days, a fresh migrated database
    (SQLite file in ``tmp``, or a new PostgreSQL database ``robnu_bench_<label>``), a seller and its account.

    ``rate_scale`` speeds up the sandbox's published limits and, unless ``client_limits`` is off, the client's
    pacing alike (1 = the real limits)."""
    world = SandboxWorld.frozen_at(NOW, codes=(marketplace,), rate_scale=rate_scale)
    sandbox = world[marketplace]
    creds = sandbox.create_account()
    t0 = time.perf_counter()
    sandbox.generate_orders(creds["account_key"], orders, days=days)
    generate_s = time.perf_counter() - t0
    policy = HttpPolicy(backoff_base=0.05, backoff_cap=2.0, rate_scale=rate_scale if client_limits else 0)
    http = HttpFactory(policy=policy, endpoints=world.endpoints(), transport=world.transport())
    rt, seller, account = connected_runtime(
        marketplace, creds, http, world.clock, tmp=tmp, url=database_url, label=label
    )
    return Bench(world, sandbox, rt, seller, account, generate_s)


def connected_runtime(
    marketplace: str, creds: dict[str, Any], http: HttpFactory, clock: Clock, *, tmp: Path, url: str | None, label: str
) -> tuple[Runtime, int, int]:
    """A Runtime on a fresh migrated database, a seller and its account on ``marketplace``: (rt, seller, account)."""
    db_url = fresh_database(url, tmp, label)
    rt = Runtime.create(Settings(data_dir=tmp, database_url=db_url, backfill_days=30), http=http, clock=clock)
    rt.upgrade_database()
    seller = create_seller(rt, "Bench")
    fields = rt.registry.get(marketplace).satellite.credentials.model_fields
    account = connect_account(rt, seller, marketplace, {k: v for k, v in creds.items() if k in fields})
    return rt, seller, account


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--marketplace", default="AMAZON_IN")
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--rate-scale", type=float, default=1000.0, help="1 = the published rate limits")
    parser.add_argument("--no-client-limits", action="store_true", help="do not pace requests client-side")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server URL (default: SQLite files)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="robnu-bench-"))
    bench = sandbox_account(
        args.marketplace,
        args.orders,
        tmp=tmp,
        database_url=args.database_url,
        rate_scale=args.rate_scale,
        client_limits=not args.no_client_limits,
    )
    try:
        _measure(args, tmp, bench)
    finally:
        bench.world.close()  # its in-process transport runs a thread that would keep a failed run alive


def _measure(args: argparse.Namespace, tmp: Path, bench: Bench) -> None:
    sandbox, rt, seller, account = bench.sandbox, bench.rt, bench.seller, bench.account
    t0 = time.perf_counter()
    outcome = SyncEngine(rt).run(account, ScheduleTarget.ORDERS)
    sync_s = time.perf_counter() - t0
    throttled = sandbox.kit.limiter.throttled

    # The same rows, bulk-upserted in one statement per table into an empty database of the same kind.
    orders, items, shipments = rows_of(rt, Order), rows_of(rt, OrderItem), rows_of(rt, Shipment)
    bulk_url = fresh_database(args.database_url, tmp, "bulk")
    bulk = make_engine(bulk_url)
    migrations.upgrade(bulk)
    with bulk.begin() as c:
        c.execute(Seller.__table__.insert().values(id=seller, name="Bench", plan="FREE", created_at=NOW))
        with rt.sessions() as s:
            acct = s.get(MarketplaceAccount, account)
            assert acct is not None
            values = {col.name: getattr(acct, col.key) for col in MarketplaceAccount.__table__.columns}
        c.execute(MarketplaceAccount.__table__.insert().values(**values))
    from sqlalchemy.orm import Session

    t0 = time.perf_counter()
    with Session(bulk) as s:
        ids: dict[str, int] = {}
        for chunk in range(0, len(orders), 1000):  # SQLite caps the number of bound variables
            ids.update(upsert_rows(s, Order, orders[chunk:chunk + 1000]))
        old_to_new = {}
        with rt.sessions() as src:
            for external_id, old_id in src.execute(select(Order.external_id, Order.id)):
                old_to_new[old_id] = ids[external_id]
        for row in items:
            row["order_id"] = old_to_new[row["order_id"]]
        for row in shipments:
            row["order_id"] = old_to_new[row["order_id"]]
        for chunk in range(0, len(items), 2000):
            upsert_rows(s, OrderItem, items[chunk:chunk + 2000])
        for chunk in range(0, len(shipments), 2000):
            upsert_rows(s, Shipment, shipments[chunk:chunk + 2000])
        s.commit()
    bulk_s = time.perf_counter() - t0

    rss_mb = peak_rss_mib()
    db = "PostgreSQL" if args.database_url else "SQLite"
    print(f"marketplace          {args.marketplace} ({db}); sandbox rate scale {args.rate_scale:g}; "
          f"client limits {'off' if args.no_client_limits else 'on'}")
    print(f"orders generated     {args.orders} in {bench.generate_s:.2f} s")
    print(f"sync (end to end)    {outcome.fetched} orders, {len(items)} items in {sync_s:.2f} s "
          f"= {outcome.fetched / sync_s:,.0f} orders/s  [{outcome.status}]")
    print(f"raw bulk upsert      {len(orders)} orders, {len(items)} items in {bulk_s:.2f} s "
          f"= {len(orders) / max(bulk_s, 1e-9):,.0f} orders/s")
    print(f"ratio                sync / bulk = {sync_s / max(bulk_s, 1e-9):.1f}x")
    print(f"429s from sandbox    {throttled}")
    print(f"peak RSS             {rss_mb:.0f} MiB")


if __name__ == "__main__":
    main()
