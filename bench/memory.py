"""Memory benchmark: peak RSS of a sync of 1k vs 100k orders (pages are streamed, so memory should stay flat).

Each size runs in a fresh subprocess, so every figure belongs to one size, and that process holds Robnu only:
the sandbox generates its orders and serves them over real HTTP on localhost from a process of its own (an
in-process sandbox keeps what it serves in memory, which would be counted as the sync's). Prints, per size,
Robnu's RSS just before the sync, the peak during it (the kernel's high-water mark, reset through
/proc/self/clear_refs just before the sync starts), the sync's growth (peak - before), how much of the growth
is still SQLite's own heap when the sync ends (sqlite3_memory_used, SQLite runs only), and the 100k/1k ratios.

    python bench/memory.py                                  # Amazon, 1,000 and 100,000 orders, SQLite
    python bench/memory.py --marketplace MEESHO
    python bench/memory.py --sizes 1000 10000 100000
    python bench/memory.py --database-url postgresql://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import gc
import json
import multiprocessing
import re
import subprocess
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sync_ingest import NOW, connected_runtime, peak_rss_mib  # bench/ is not a package

from robnu.adapters.base import HttpFactory
from robnu.adapters.http import HttpPolicy
from robnu.domain.marketplace import ScheduleTarget
from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.server import endpoints_of, serving
from robnu.sandbox.world import SandboxWorld
from robnu.services.sync import SyncEngine


def status_mib(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, in MiB."""
    match = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.MULTILINE)
    assert match is not None
    return int(match.group(1)) / 1024


def reset_peak() -> bool:
    """Reset the kernel's RSS high-water mark (Linux >= 4.0); False when it cannot be reset."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def sqlite_heap_mib() -> float:
    """Bytes SQLite itself has allocated (all connections of this process), when its library can be found."""
    name = ctypes.util.find_library("sqlite3")
    if name is None:
        return float("nan")
    used = ctypes.CDLL(name).sqlite3_memory_used
    used.restype = ctypes.c_int64
    return float(used()) / 2**20


def serve_sandbox(marketplace: str, orders: int, rate_scale: float, conn: Connection) -> None:
    """The sandbox's process: generate the orders, serve them on localhost until told to stop."""
    world = SandboxWorld.frozen_at(NOW, codes=(marketplace,), rate_scale=rate_scale)
    creds = world[marketplace].create_account()
    t0 = time.perf_counter()
    world[marketplace].generate_orders(creds["account_key"], orders, days=20)
    generate_s = time.perf_counter() - t0
    with serving(world) as served:
        conn.send((creds, endpoints_of(served), generate_s))
        conn.recv()


def child(args: argparse.Namespace) -> None:
    """One size, in this (fresh) process; prints its figures as one JSON line."""
    ours, theirs = multiprocessing.get_context("fork").Pipe()
    server = multiprocessing.get_context("fork").Process(
        target=serve_sandbox, args=(args.marketplace, args.child, args.rate_scale, theirs), daemon=True
    )
    server.start()
    try:
        creds, endpoints, generate_s = ours.recv()
        http = HttpFactory(policy=HttpPolicy(rate_scale=args.rate_scale), endpoints=endpoints)
        rt, _seller, account = connected_runtime(
            args.marketplace, creds, http, SandboxClock(frozen_at=NOW),
            tmp=Path(tempfile.mkdtemp(prefix="robnu-bench-")), url=args.database_url, label=f"memory_{args.child}",
        )
        gc.collect()
        before, sqlite_before = status_mib("VmRSS"), sqlite_heap_mib()
        reset = reset_peak()
        t0 = time.perf_counter()
        outcome = SyncEngine(rt).run(account, ScheduleTarget.ORDERS)
        sync_s = time.perf_counter() - t0
        during = status_mib("VmHWM") if reset else float("nan")
        sqlite_growth = sqlite_heap_mib() - sqlite_before if rt.engine.dialect.name == "sqlite" else float("nan")
    finally:
        ours.send("stop")
        server.join(timeout=10)
    print(json.dumps({
        "orders": args.child, "fetched": outcome.fetched, "status": str(outcome.status), "sync_s": sync_s,
        "generate_s": generate_s, "before": before, "during": during, "sqlite": sqlite_growth,
        "process_peak": peak_rss_mib(),
    }))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--marketplace", default="AMAZON_IN", choices=("AJIO", "MEESHO", "AMAZON_IN", "FLIPKART"))
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--rate-scale", type=float, default=1e6, help="limits sped up this much (not measured here)")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server URL (default: SQLite files)")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args)
        return

    results = []
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--child", str(n), "--marketplace", args.marketplace,
               "--rate-scale", str(args.rate_scale)]
        if args.database_url:
            cmd += ["--database-url", args.database_url]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.exit(f"size {n} failed:\n{done.stderr[-3000:]}")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))

    db = "PostgreSQL" if args.database_url else "SQLite"
    print(f"marketplace          {args.marketplace} ({db}); rate scale {args.rate_scale:g}; "
          "one fresh process per size, the sandbox in another")
    print(f"{'orders':>8}{'synced':>9}{'sync s':>8}{'RSS before':>12}{'peak in sync':>14}{'sync growth':>13}"
          f"{'of it SQLite':>14}{'process peak':>14}   (MiB)")
    for r in results:
        print(f"{r['orders']:>8}{r['fetched']:>9}{r['sync_s']:>8.1f}{r['before']:>12.0f}{r['during']:>14.0f}"
              f"{r['during'] - r['before']:>13.0f}{r['sqlite']:>14.0f}{r['process_peak']:>14.0f}   [{r['status']}]")
    small, large = results[0], results[-1]
    if large is not small:
        growth = (large["during"] - large["before"]) / max(small["during"] - small["before"], 1)
        print(f"ratio {large['orders']}/{small['orders']}: orders {large['orders'] / small['orders']:g}x, "
              f"peak in sync {large['during'] / small['during']:.2f}x, sync growth {growth:.2f}x, "
              f"process peak {large['process_peak'] / small['process_peak']:.2f}x")


if __name__ == "__main__":
    main()
