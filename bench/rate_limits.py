"""Rate-limit benchmark: wall time to sync N orders under the real published limits vs the minimum they allow.

The sandbox enforces the marketplace's published (or modelled) limits at rate scale 1 and the client paces
itself from the limits its adapter declares (``LIMITS`` in ``src/robnu/adapters/<code>/client.py``). Every
token the client takes is counted per bucket; the minimum the limits allow is then, for each bucket,
max(0, accepted requests - burst) / rate (the bucket starts full and refills while the others do; requests
answered 429 and retried are not needed, so they do not count), and the sync can finish no sooner than its
slowest bucket. Prints both, their ratio, the time the client spent waiting for tokens, and how many 429s
the sandbox answered (0 means the pacing kept under the limits).

    python bench/rate_limits.py                                  # Amazon: 2,000 orders = 20 searchOrders pages
    python bench/rate_limits.py --marketplace AJIO               # 3,000 orders, 1 request/s per operation
    python bench/rate_limits.py --marketplace FLIPKART --orders 5000
    python bench/rate_limits.py --marketplace MEESHO --database-url postgresql://postgres@127.0.0.1/postgres
    python bench/rate_limits.py --rate-scale 10                  # limits (sandbox and client) sped up 10x

Default N finishes in about a minute at the real limits. Amazon's searchOrders allows a burst of 20 pages of
100 orders, then one page every 180 s: --orders 2100 takes three minutes more.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sync_ingest import NOW, connected_runtime, served_sandbox  # bench/ is not a package

from robnu.adapters.base import HttpFactory
from robnu.adapters.http import HttpPolicy
from robnu.adapters.ratelimit import ClientRateLimiter, OperationLimit
from robnu.domain.marketplace import ScheduleTarget
from robnu.sandbox.clock import SandboxClock
from robnu.services.sync import SyncEngine

DEFAULT_ORDERS = {"AJIO": 3000, "MEESHO": 10000, "AMAZON_IN": 2000, "FLIPKART": 10000}


@contextmanager
def counting_tokens() -> Iterator[tuple[Counter[str], list[ClientRateLimiter]]]:
    """Count every token taken from a client-side bucket, by bucket name (Meesho's calls all take one from
    its shared ``default`` bucket, a few also from their own), and collect the limiters that were used."""
    counts: Counter[str] = Counter()
    limiters: list[ClientRateLimiter] = []
    original = ClientRateLimiter.acquire

    def acquire(self: ClientRateLimiter, operation: str) -> float:
        counts[operation] += 1
        if not any(lim is self for lim in limiters):
            limiters.append(self)
        return original(self, operation)

    ClientRateLimiter.acquire = acquire  # type: ignore[method-assign]
    try:
        yield counts, limiters
    finally:
        ClientRateLimiter.acquire = original  # type: ignore[method-assign]


def minimum_seconds(requests: int, limit: OperationLimit, scale: float) -> float:
    return max(0, requests - limit.burst) / (limit.rate * scale)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--marketplace", default="AMAZON_IN", choices=tuple(DEFAULT_ORDERS))
    parser.add_argument("--orders", type=int, default=None, help="default: per marketplace, about a minute")
    parser.add_argument("--rate-scale", type=float, default=1.0, help="1 = the published rate limits")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server URL (default: SQLite files)")
    args = parser.parse_args()
    orders = args.orders or DEFAULT_ORDERS[args.marketplace]
    published: dict[str, OperationLimit] = importlib.import_module(
        f"robnu.adapters.{args.marketplace.lower()}.client"
    ).LIMITS

    tmp = Path(tempfile.mkdtemp(prefix="robnu-bench-"))
    # The sandbox enforces the limits from a process of its own: its CPU (building pages) is not the sync's, as
    # a real marketplace's is not, and its clock runs while the sync waits.
    with served_sandbox(args.marketplace, orders, rate_scale=args.rate_scale) as sandbox:
        policy = HttpPolicy(backoff_base=0.05, backoff_cap=2.0, rate_scale=args.rate_scale)
        rt, _seller, account = connected_runtime(
            args.marketplace, sandbox.creds, HttpFactory(policy=policy, endpoints=sandbox.endpoints),
            SandboxClock(frozen_at=NOW), tmp=tmp, url=args.database_url, label="rate",
        )
        with counting_tokens() as (counts, limiters):
            t0 = time.perf_counter()
            outcome = SyncEngine(rt).run(account, ScheduleTarget.ORDERS)
            wall_s = time.perf_counter() - t0
    waited_s = sum(lim.waited_seconds for lim in limiters)
    throttled, refused = sandbox.throttled, sandbox.refused

    rows = []  # (bucket, tokens taken, of which answered 429, published limit, minimum for the accepted ones)
    for bucket, n in counts.most_common():
        limit = published.get(bucket)
        min_s = minimum_seconds(n - refused[bucket], limit, args.rate_scale) if limit else 0.0
        rows.append((bucket, n, refused[bucket], limit, min_s))
    floor_bucket, floor_n, floor_429, floor_limit, floor_s = max(rows, key=lambda r: r[4])

    db = "PostgreSQL" if args.database_url else "SQLite"
    scale = "the published limits" if args.rate_scale == 1 else f"limits sped up {args.rate_scale:g}x"
    print(f"marketplace          {args.marketplace} ({db}); rate scale {args.rate_scale:g} ({scale}); client pacing on")
    print(f"orders               {orders} generated in {sandbox.generate_s:.2f} s; "
          f"{outcome.fetched} records synced [{outcome.status}]")
    print(f"{'bucket':<26}{'requests':>9}{'429s':>6}{'rate/s':>9}{'burst':>7}{'minimum s':>11}")
    for bucket, n, n429, limit, min_s in rows:
        rate = f"{limit.rate:g}" if limit else "-"
        burst = str(limit.burst) if limit else "-"
        print(f"  {bucket:<24}{n:>9}{n429:>6}{rate:>9}{burst:>7}{min_s:>11.1f}")
    print(f"sync wall time       {wall_s:.1f} s")
    if floor_limit is not None and floor_s > 0:
        accepted = floor_n - floor_429
        why = f"{floor_bucket}: {accepted} accepted requests, burst {floor_limit.burst}, {floor_limit.rate:g}/s"
        print(f"minimum allowed      {floor_s:.1f} s  ({why})")
        print(f"ratio                wall / minimum = {wall_s / floor_s:.2f}x")
    else:
        print("minimum allowed      0 s  (every bucket's requests fit in its burst)")
    print(f"client pacing waits  {waited_s:.1f} s; everything else (HTTP, mapping, DB) {wall_s - waited_s:.1f} s")
    print(f"429s from sandbox    {throttled}")


if __name__ == "__main__":
    main()
