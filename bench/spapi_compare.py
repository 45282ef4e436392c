"""Robnu's full sync vs a client people already use: the same Amazon orders, fetched page by page with
python-amazon-sp-api (no storage) and synced end to end by Robnu (fetch + map + store).

The sandbox generates N orders and serves them over real HTTP from a process of its own. python-amazon-sp-api
(``sp_api.api.Orders``, version 2026-01-01, only its endpoint and LWA host pointed at the sandbox) walks
searchOrders over the same window and with the same includedData as Robnu's adapter; Robnu's ``SyncEngine``
syncs the account into a fresh database, then reads the same window again with its adapter and stores nothing
(Robnu's own bare fetch, mapped: the like-for-like figure). Runs alternate (sp-api, Robnu, sp-api, …)
``--repeat`` times; the median of each is printed, with the order counts. Rate limits are off on both sides.
Before each Robnu sync the window is read once, unmeasured (``sync_ingest.warm_up``): a worker's runtime has
its statements compiled and its token at hand, and the sandbox draws an order's details on first serving (the
first sp-api run, before any warm-up, pays for those; the median leaves it out).

    python bench/spapi_compare.py                       # 2,000 orders, SQLite
    python bench/spapi_compare.py --database-url postgresql://postgres@127.0.0.1:5432/postgres --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sync_ingest import NOW, connected_runtime, read_only_seconds, served_sandbox, warm_up  # bench/ is not a package

from robnu.adapters.amazon_in.client import ORDER_DATA, PAGE_SIZE
from robnu.adapters.amazon_in.mapping import api_time
from robnu.adapters.base import HttpFactory
from robnu.adapters.http import HttpPolicy
from robnu.domain.marketplace import ScheduleTarget
from robnu.sandbox.clock import SandboxClock
from robnu.services.sync import SyncEngine


def spapi_fetch(creds: dict[str, Any], endpoints: dict[str, str], after: str, before: str) -> int:
    """Every order of the window, page by page, with python-amazon-sp-api; returns how many."""
    from sp_api.api import Orders
    from sp_api.auth import AccessTokenClient
    from sp_api.auth import access_token_client as token_cache
    from sp_api.base import Marketplaces

    class SandboxTokenClient(AccessTokenClient):  # type: ignore[misc]
        scheme = "http://"
        host = endpoints["auth"].removeprefix("http://")

    token_cache.cache.clear()  # a fresh token exchange, as Robnu's sync makes one
    orders = Orders(
        version="2026-01-01",
        marketplace=Marketplaces.IN,
        credentials={
            "refresh_token": creds["refresh_token"],
            "lwa_app_id": creds["lwa_client_id"],
            "lwa_client_secret": creds["lwa_client_secret"],
        },
        auth_token_client_class=SandboxTokenClient,
    )
    orders.endpoint = endpoints["api"]
    query = {"lastUpdatedAfter": after, "lastUpdatedBefore": before, "maxResultsPerPage": PAGE_SIZE,
             "includedData": list(ORDER_DATA)}
    seen = 0
    response = orders.search_orders(**query)
    while True:
        seen += len(response.payload["orders"])
        if not response.next_token:
            return seen
        response = orders.search_orders(**query, paginationToken=response.next_token)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server URL (default: SQLite files)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="robnu-bench-"))
    spapi_s: list[float] = []
    robnu_s: list[float] = []
    read_s: list[float] = []
    with served_sandbox("AMAZON_IN", args.orders, rate_scale=1e6) as sandbox:
        # The window Robnu's first sync reads: the backfill (30 days) up to now - Amazon's 2-minute safety lag.
        after, before = api_time(NOW - timedelta(days=30)), api_time(NOW - timedelta(seconds=120))
        http = HttpFactory(policy=HttpPolicy(rate_scale=0), endpoints=sandbox.endpoints)
        for k in range(args.repeat):
            t0 = time.perf_counter()
            fetched = spapi_fetch(sandbox.creds, sandbox.endpoints["AMAZON_IN"], after, before)
            spapi_s.append(time.perf_counter() - t0)
            rt, _seller, account = connected_runtime(
                "AMAZON_IN", sandbox.creds, http, SandboxClock(frozen_at=NOW),
                tmp=tmp, url=args.database_url, label=f"spapi_{k}",
            )
            warm_up(rt, account)  # as a worker's runtime is: statements compiled, the sandbox's details drawn
            t0 = time.perf_counter()
            outcome = SyncEngine(rt).run(account, ScheduleTarget.ORDERS)
            robnu_s.append(time.perf_counter() - t0)
            read_s.append(read_only_seconds(rt, account, outcome.run_id))
            rt.engine.dispose()
    db = "PostgreSQL" if args.database_url else "SQLite"
    bare, full, read = statistics.median(spapi_s), statistics.median(robnu_s), statistics.median(read_s)
    print(f"orders                  {args.orders} generated; sandbox in its own process; rate limits off; "
          f"median of {args.repeat} alternating runs")
    print(f"python-amazon-sp-api    {fetched} orders fetched page by page, nothing stored: {bare:.2f} s "
          f"({', '.join(f'{s:.2f}' for s in spapi_s)})")
    print(f"Robnu sync ({db:<10})  {outcome.fetched} orders fetched, mapped, stored [{outcome.status}]: {full:.2f} s "
          f"({', '.join(f'{s:.2f}' for s in robnu_s)})")
    print(f"Robnu read, no store    the same window fetched and mapped, nothing stored: {read:.2f} s "
          f"({', '.join(f'{s:.2f}' for s in read_s)})")
    print(f"ratio                   Robnu's full sync / sp-api's bare fetch = {full / bare:.2f}x; "
          f"Robnu's read / sp-api's bare fetch = {read / bare:.2f}x")


if __name__ == "__main__":
    main()
