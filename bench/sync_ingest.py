"""Ingest benchmark: a sync of N orders against what the database can take for the very same rows.

For each size, the sandbox generates N orders and serves them over real HTTP on localhost from a process of
its own (its CPU is not counted as the sync's); this process syncs them end to end (``SyncEngine.run``:
HTTP, mapping, upserts, stock effects, cursor) into a fresh database. Then the rows the sync stored are loaded
into another fresh database with the same schema, indexes and constraints by the fastest plain way the
database offers — the yardstick:

* PostgreSQL: one ``COPY … FROM STDIN`` per table, in one transaction;
* SQLite: one prepared ``executemany`` per table, in one transaction.

Before each sync, the window is read once, unmeasured (``warm_up``): the sandbox draws an order's details on
first serving and its process imports parts of its stack on the first requests, costs a marketplace's warm
servers do not charge a seller's sync.

Prints per size the sync's time and rate, the yardstick's, sync / yardstick, the 429s the sandbox answered,
and across sizes the rate of the largest against the smallest (a sync that slows down as the tables grow
shows there). Rate limits are off by default (the sandbox's sped up 10^6x, the client does not pace).

    python bench/sync_ingest.py                                     # Amazon, 2,000 orders, SQLite
    python bench/sync_ingest.py --orders 2000 100000                # both sizes, side by side
    python bench/sync_ingest.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
    python bench/sync_ingest.py --stock                             # the seller has products: stock effects
    python bench/sync_ingest.py --setting sync_overlap_seconds=600  # a Settings field for the sync's runtime
    python bench/sync_ingest.py --profile /tmp/sync.pstats          # cProfile the (first) sync

``--setting KEY=VALUE`` (repeatable) sets a field of the sync runtime's ``Settings``, so a variant of the sync
(an optional step, a different batch size) is measured against the same yardstick; ``--compare KEY=VALUE``
runs every size a second time with the setting and prints both, and the second's overhead over the first.

The raw-payload journal's cost (its budget: 10 % of a sync) is ``--journal``: every size with the journal off
and on, alternating, ``--rounds`` times each (medians), the overhead in wall and CPU time, and the CPU spent
inside the journal's own code as a share of the rest of the same sync (the figure a busy neighbour does not
move). The journal goes to the local directory, or to S3 with ``--s3`` (a moto server on localhost, started
here; a fresh bucket per sync) or ``--setting storage_url=s3://…``:

    python bench/sync_ingest.py --journal --rounds 3                # journal off/on, local directory
    python bench/sync_ingest.py --journal --rounds 3 --s3           # journal off/on, S3 (moto on localhost)
"""

from __future__ import annotations

import argparse
import cProfile
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, text

from robnu import migrations
from robnu.adapters.base import HttpFactory
from robnu.adapters.http import HttpPolicy
from robnu.config import Settings
from robnu.db.engine import make_engine
from robnu.db.models import MarketplaceAccount, Product
from robnu.domain.clock import Clock
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.records import SyncWindow
from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.server import endpoints_of, serving
from robnu.sandbox.world import SandboxWorld
from robnu.services import journal
from robnu.services.accounts import adapter_for, connect_account, create_seller
from robnu.services.context import build_context
from robnu.services.heap import settle_heap
from robnu.services.runtime import Runtime
from robnu.services.sync import SyncEngine, get_run, sync_window

NOW = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)
# The rows an order sync stores, in foreign-key order: what the yardstick loads. (A sync step that stores more
# rows per order, a journal of raw payloads say, adds its table here so the yardstick carries them too.)
YARDSTICK_TABLES = ("orders", "order_items", "shipments", "stock_movements")
# Rows the yardstick database needs before the load (not timed): the tenant, its account and its products.
PARENT_TABLES = ("sellers", "marketplace_accounts", "products")


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
    """One marketplace's in-process sandbox with ``orders`` orders over the last ``days`` days, a fresh migrated
    database (SQLite file in ``tmp``, or a new PostgreSQL database ``robnu_bench_<label>``), a seller and its
    account.

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
    marketplace: str,
    creds: dict[str, Any],
    http: HttpFactory,
    clock: Clock,
    *,
    tmp: Path,
    url: str | None,
    label: str,
    settings: dict[str, Any] | None = None,
) -> tuple[Runtime, int, int]:
    """A Runtime on a fresh migrated database, a seller and its account on ``marketplace``: (rt, seller, account).
    ``settings`` overrides fields of the runtime's ``Settings``."""
    db_url = fresh_database(url, tmp, label)
    fields = {"data_dir": tmp, "database_url": db_url, "backfill_days": 30, **(settings or {})}
    rt = Runtime.create(Settings(**fields), http=http, clock=clock)
    rt.upgrade_database()
    seller = create_seller(rt, "Bench")
    cred_fields = rt.registry.get(marketplace).satellite.credentials.model_fields
    account = connect_account(rt, seller, marketplace, {k: v for k, v in creds.items() if k in cred_fields})
    settle_heap()  # as every Robnu process does once it is set up (the first call only)
    return rt, seller, account


# ---------------------------------------------------------------------------------------------- the sandbox


@dataclass
class ServedSandbox:
    creds: dict[str, Any]
    endpoints: dict[str, dict[str, str]]
    skus: list[str]  # the seller SKUs its orders are made of
    generate_s: float
    conn: Connection | None = None
    throttled: int = 0  # the 429s it answered, known once it stopped
    refused: Counter[str] = field(default_factory=Counter)  # those 429s by rate-limit bucket

    def cpu_s(self) -> float:
        """The sandbox process's CPU time so far: what building and serving pages has cost it."""
        assert self.conn is not None
        self.conn.send("cpu")
        seconds: float = self.conn.recv()
        return seconds


def _serve(marketplace: str, orders: int, rate_scale: float, days: float, conn: Connection) -> None:
    """The sandbox's process: generate the orders, serve them on localhost until told to stop, report 429s."""
    world = SandboxWorld.frozen_at(NOW, codes=(marketplace,), rate_scale=rate_scale)
    sandbox = world[marketplace]
    creds = sandbox.create_account()
    t0 = time.perf_counter()
    sandbox.generate_orders(creds["account_key"], orders, days=days)
    generate_s = time.perf_counter() - t0
    refused = count_refusals(sandbox.kit.limiter)
    with serving(world) as served:
        conn.send((creds, endpoints_of(served), _skus(sandbox, creds["account_key"]), generate_s))
        while conn.recv() == "cpu":  # the CPU this process has spent so far (serving), asked between phases
            conn.send(time.process_time())
    conn.send((sandbox.kit.limiter.throttled, refused))


def count_refusals(server_limiter: Any) -> Counter[str]:
    """Count a sandbox's 429s by bucket (its buckets carry the same names as the client's)."""
    refused: Counter[str] = Counter()
    inner = server_limiter.try_acquire

    def try_acquire(account: str, operation: str) -> bool:
        ok: bool = inner(account, operation)
        if not ok:
            refused[operation] += 1
        return ok

    server_limiter.try_acquire = try_acquire
    return refused


def _skus(sandbox: Any, account_key: str) -> list[str]:
    """The SKUs of the account's catalog, where the sandbox keeps one the way Amazon's does (else none)."""
    world = getattr(sandbox, "world", None)
    account = getattr(world, "account", None)
    if account is None:
        return []
    catalog = getattr(account(account_key), "catalog", [])
    return sorted({s.seller_sku for s in catalog})


@contextmanager
def served_sandbox(marketplace: str, orders: int, *, rate_scale: float, days: float = 20) -> Iterator[ServedSandbox]:
    """A sandbox with ``orders`` generated orders, served over HTTP from another process for the block."""
    fork = multiprocessing.get_context("fork")
    ours, theirs = fork.Pipe()
    server = fork.Process(target=_serve, args=(marketplace, orders, rate_scale, days, theirs), daemon=True)
    server.start()
    try:
        creds, endpoints, skus, generate_s = ours.recv()
        served = ServedSandbox(creds, endpoints, skus, generate_s, ours)
        yield served
    finally:
        ours.send("stop")
        if ours.poll(30):
            served.throttled, served.refused = ours.recv()
        server.join(timeout=10)
        if server.is_alive():
            server.kill()


# ---------------------------------------------------------------------------------------------- the yardstick


def table_rows(engine: Engine, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Every column and row of ``table`` as the driver reads them (ids included), in id order."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(f"SELECT * FROM {table} ORDER BY 1")
        columns = [d[0] for d in cur.description]
        rows = [tuple(r) for r in cur.fetchall()]
        cur.close()
        raw.rollback()
    finally:
        raw.close()
    return columns, rows


@dataclass
class Yardstick:
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)


def yardstick(source: Engine, url: str | None, tmp: Path, label: str) -> Yardstick:
    """Load the rows ``source`` holds in YARDSTICK_TABLES into a fresh database of the same schema (COPY on
    PostgreSQL, a prepared executemany on SQLite, one transaction) and time it."""
    target = make_engine(fresh_database(url, tmp, label))
    migrations.upgrade(target)
    parents = {t: table_rows(source, t) for t in PARENT_TABLES}
    data = {t: table_rows(source, t) for t in YARDSTICK_TABLES}
    _load(target, parents)  # not timed: the tenant, its account and products exist before any sync
    raw = target.raw_connection()
    try:
        t0 = time.perf_counter()
        _load_raw(raw, target.dialect.name, data)
        seconds = time.perf_counter() - t0
    finally:
        raw.close()
    target.dispose()
    return Yardstick(seconds, {t: len(rows) for t, (_cols, rows) in data.items()})


def _load(engine: Engine, data: dict[str, tuple[list[str], list[tuple[Any, ...]]]]) -> None:
    raw = engine.raw_connection()
    try:
        _load_raw(raw, engine.dialect.name, data)
    finally:
        raw.close()


def _load_raw(raw: Any, dialect: str, data: dict[str, tuple[list[str], list[tuple[Any, ...]]]]) -> None:
    cur = raw.cursor()
    for table, (columns, rows) in data.items():
        if not rows:
            continue
        names = ", ".join(columns)
        if dialect == "postgresql":
            with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
    raw.commit()
    cur.close()


# ---------------------------------------------------------------------------------------------- the run


@dataclass
class Result:
    orders: int
    variant: str
    fetched: int
    status: str
    sync_s: float
    cpu_s: float  # this process's CPU time during the sync (all its threads)
    journal_cpu_s: float  # of which inside the raw-payload journal's own code (recording, then writing pages)
    yard: Yardstick
    throttled: int
    generate_s: float
    read_s: float  # the adapter's stream of the same window read into nothing: fetch + parse + map, no storing
    read_cpu_s: float  # this process's CPU during that read
    sandbox_sync_cpu_s: float  # the sandbox's CPU serving the sync's pages
    sandbox_read_cpu_s: float  # and serving the read floor's

    @property
    def rate(self) -> float:
        return self.fetched / self.sync_s

    @property
    def store_s(self) -> float:
        """What storing added to the marketplace-bound read (at least 1 ms, so that the ratio stays finite)."""
        return max(0.001, self.sync_s - self.read_s)


def measure(
    args: argparse.Namespace, orders: int, settings: dict[str, Any], variant: tuple[int, str], tmp: Path
) -> Result:
    with served_sandbox(args.marketplace, orders, rate_scale=args.rate_scale) as sandbox:
        policy = HttpPolicy(backoff_base=0.05, backoff_cap=2.0, rate_scale=args.rate_scale if args.client_limits else 0)
        http = HttpFactory(policy=policy, endpoints=sandbox.endpoints)
        label = f"sync_{orders}_{variant[0]}"
        if args.s3_endpoint:  # a fresh bucket per sync: each starts from an empty journal, as locally
            settings = {**settings, "storage_url": f"s3://bench-{os.urandom(6).hex()}?endpoint={args.s3_endpoint}"}
        rt, seller, account = connected_runtime(
            args.marketplace, sandbox.creds, http, SandboxClock(frozen_at=NOW),
            tmp=tmp, url=args.database_url, label=label, settings=settings,
        )
        if args.stock:
            with rt.engine.begin() as c:
                c.execute(insert(Product), [
                    {"seller_id": seller, "sku": sku, "on_hand": 1_000_000, "reserved": 0, "stock_version": 0,
                     "created_at": NOW, "updated_at": NOW}
                    for sku in sandbox.skus
                ])
        getattr(rt.storage.primary, "ensure_bucket", lambda: None)()
        if not args.client_limits:  # under real limits a warm-up read would spend the sync's rate tokens
            warm_up(rt, account)
        profiler = cProfile.Profile() if args.profile else None
        JOURNAL_CPU[0] = 0.0
        sandbox_cpu0 = sandbox.cpu_s()
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        if profiler:
            profiler.enable()
        outcome = SyncEngine(rt).run(account, ScheduleTarget.ORDERS)
        sync_s = time.perf_counter() - t0
        cpu_s = time.process_time() - cpu0
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
            args.profile = None  # the first sync only
        sandbox_cpu1 = sandbox.cpu_s()
        read_cpu0 = time.process_time()
        read_s = read_only_seconds(rt, account, outcome.run_id)
        read_cpu_s = time.process_time() - read_cpu0
        sandbox_cpu2 = sandbox.cpu_s()
    yard = yardstick(rt.engine, args.database_url, tmp, f"yardstick_{orders}_{variant[0]}")
    rt.engine.dispose()
    return Result(orders, variant[1], outcome.fetched, str(outcome.status), sync_s, cpu_s, JOURNAL_CPU[0], yard,
                  sandbox.throttled, sandbox.generate_s, read_s, read_cpu_s, sandbox_cpu1 - sandbox_cpu0,
                  sandbox_cpu2 - sandbox_cpu1)


# CPU seconds spent inside the journal's own code during the current sync (see ``time_the_journal``).
JOURNAL_CPU = [0.0]
_JOURNAL_CPU_LOCK = threading.Lock()


def _cpu_counted(fn: Callable[..., Any]) -> Callable[..., Any]:
    def counted(*args: Any, **kwargs: Any) -> Any:
        t0 = time.thread_time()  # this thread's CPU only: the sync's other threads run meanwhile
        try:
            return fn(*args, **kwargs)
        finally:
            with _JOURNAL_CPU_LOCK:
                JOURNAL_CPU[0] += time.thread_time() - t0

    return counted


def time_the_journal() -> None:
    """Count the CPU time of the journal's own code: recording pages (in the adapter's read-ahead thread) and
    writing them (redacting, sealing, compressing, storing: in the journal's writer thread)."""
    journal.PageJournal.record = _cpu_counted(journal.PageJournal.record)  # type: ignore[method-assign]
    journal.PageJournal._seal_and_store = _cpu_counted(journal.PageJournal._seal_and_store)  # type: ignore[method-assign]


@contextmanager
def local_s3() -> Iterator[str]:
    """A moto S3 server on localhost for the run (the one the tests use); yields its endpoint."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.s3_server import s3_server

    with s3_server() as endpoint:
        yield endpoint


def read_only_seconds(rt: Runtime, account_id: int, run_id: int) -> float:
    """The floor the marketplace sets: the adapter reads the sync's own window again — the same pages over the
    same HTTP, parsed and mapped — and the records go nowhere. A sync cannot be faster than this, whatever the
    database takes; what it spends above it is what storing costs."""
    run = get_run(rt, run_id)
    assert run.window_start is not None and run.window_end is not None
    seconds, records = _read(rt, account_id, SyncWindow(start=run.window_start, end=run.window_end))
    assert records >= run.fetched, (records, run.fetched)
    return seconds


def warm_up(rt: Runtime, account_id: int) -> None:
    """Read the first sync's window once, unmeasured, before the sync. The sandboxes draw an order's details
    the first time it is served, and a server process imports parts of its stack on its first requests: a
    marketplace has done both long before a seller's sync, so neither belongs in the sync's time (nor in the
    read floor's, which is measured after the sync). The client's first-use costs go the same way."""
    with rt.sessions() as s:
        account = s.get(MarketplaceAccount, account_id)
        assert account is not None
        adapter = adapter_for(rt, account)
    _read(rt, account_id, sync_window(rt.settings, adapter, rt.clock.now()))


def _read(rt: Runtime, account_id: int, window: SyncWindow) -> tuple[float, int]:
    """The adapter's read of ``window``, records mapped and dropped: (seconds, records)."""
    with rt.sessions() as s:
        account = s.get(MarketplaceAccount, account_id)
        assert account is not None
        adapter = adapter_for(rt, account)
        ctx = build_context(rt, s, adapter, account, purpose="bench read floor")
        started = time.perf_counter()
        records = sum(1 for _ in adapter.sync_orders(ctx, window))
        return time.perf_counter() - started, records


def parse_settings(pairs: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or key not in Settings.model_fields:
            sys.exit(f"--setting/--compare takes KEY=VALUE with KEY a Settings field, got {pair!r}")
        out[key] = value
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--marketplace", default="AMAZON_IN")
    parser.add_argument("--orders", type=int, nargs="+", default=[2000], help="one or more sizes")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server URL (default: SQLite files)")
    parser.add_argument("--rate-scale", type=float, default=1e6, help="1 = the published rate limits")
    parser.add_argument("--client-limits", action="store_true", help="let the client pace itself (off by default)")
    parser.add_argument("--stock", action="store_true", help="give the seller products: stock effects are applied")
    parser.add_argument("--setting", action="append", default=[], metavar="KEY=VALUE", help="a Settings field")
    parser.add_argument("--compare", action="append", default=[], metavar="KEY=VALUE",
                        help="also run every size with this setting (repeatable: one variant with all of them)")
    parser.add_argument("--profile", default=None, metavar="FILE", help="cProfile the first sync into FILE")
    parser.add_argument("--journal", action="store_true",
                        help="every size with the raw-payload journal off and on, and the journal's overhead")
    parser.add_argument("--rounds", type=int, default=1, help="syncs per size and variant, alternating (medians)")
    parser.add_argument("--s3", action="store_true", help="store documents and the journal in a local moto S3")
    args = parser.parse_args()
    if args.journal and args.compare:
        sys.exit("--journal is itself a comparison (journal_enabled=false vs true); leave --compare out")

    tmp = Path(tempfile.mkdtemp(prefix="robnu-bench-"))
    base = parse_settings(args.setting)
    variants = [("as set", base)]
    if args.journal:
        variants = [(f"journal {state}", {**base, "journal_enabled": state == "on"}) for state in ("off", "on")]
        time_the_journal()
    elif args.compare:
        variants.append((" ".join(args.compare), {**base, **parse_settings(args.compare)}))
    with ExitStack() as stack:
        args.s3_endpoint = stack.enter_context(local_s3()) if args.s3 else None
        results = [
            measure(args, n, settings, (k + len(variants) * r, name), tmp)
            for n in args.orders
            for r in range(args.rounds)
            for k, (name, settings) in enumerate(variants)
        ]
    report(args, variants, results)


def report(args: argparse.Namespace, variants: list[tuple[str, dict[str, Any]]], results: list[Result]) -> None:
    db = "PostgreSQL" if args.database_url else "SQLite"
    how = "COPY per table" if args.database_url else "one prepared executemany per table"
    storage = "S3 (moto on localhost)" if args.s3 else "local directory"
    if any(pair.startswith("storage_url=") for pair in args.setting):
        storage = "as set (storage_url)"
    print(f"marketplace  {args.marketplace} ({db}); sandbox in its own process, rate scale {args.rate_scale:g}; "
          f"client pacing {'on' if args.client_limits else 'off'}; stock effects {'on' if args.stock else 'off'}; "
          f"storage {storage}")
    print(f"yardstick    the same rows into empty tables of the same schema: {how}, one transaction")
    print("read floor   the adapter's read of the same window with nothing stored (fetch + parse + map);"
          " store = sync - read")
    if not args.client_limits:
        print("warm-up      one unmeasured read of the window before each sync (a marketplace's server is warm)")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min) at the end")
    print(f"{'orders':>8} {'variant':<16}{'synced':>8}{'rows':>8}{'sync s':>9}{'CPU s':>8}{'orders/s':>10}"
          f"{'yardstick s':>13}{'sync/yard':>11}{'read s':>8}{'sync/read':>11}{'store/yard':>12}{'429s':>6}")
    for r in results:
        print(f"{r.orders:>8} {r.variant[:15]:<16}{r.fetched:>8}{sum(r.yard.rows.values()):>8}{r.sync_s:>9.2f}"
              f"{r.cpu_s:>8.2f}{r.rate:>10,.0f}{r.yard.seconds:>13.3f}{r.sync_s / r.yard.seconds:>10.1f}x"
              f"{r.read_s:>8.2f}{r.sync_s / r.read_s:>10.2f}x{r.store_s / r.yard.seconds:>11.1f}x"
              f"{r.throttled:>6}  [{r.status}]")
    for r in results:
        print(f"CPU split    {r.orders} orders, {r.variant}: sync {r.cpu_s:.2f} s here + {r.sandbox_sync_cpu_s:.2f} s"
              f" in the sandbox; read floor {r.read_cpu_s:.2f} s here + {r.sandbox_read_cpu_s:.2f} s in the sandbox")
    for r in results[:len(variants)]:
        print(f"rows stored  {r.orders} orders: " + ", ".join(f"{t} {n:,}" for t, n in r.yard.rows.items() if n))
    for name, _ in variants:
        mine = [r for r in results if r.variant == name]
        if len(mine) > 1 and mine[-1].orders != mine[0].orders:
            small, large = mine[0], mine[-1]
            print(f"linearity    {name}: {large.orders:,} orders at {large.rate:,.0f}/s vs {small.orders:,} at "
                  f"{small.rate:,.0f}/s = {large.rate / small.rate:.2f}x the rate")
    if len(variants) == 2:
        (first, _), (second, _) = variants
        for n in args.orders:
            a = [r for r in results if r.orders == n and r.variant == first]
            b = [r for r in results if r.orders == n and r.variant == second]
            wall_a, wall_b = statistics.median(r.sync_s for r in a), statistics.median(r.sync_s for r in b)
            cpu_a, cpu_b = statistics.median(r.cpu_s for r in a), statistics.median(r.cpu_s for r in b)
            print(f"{second} vs {first}, {n:,} orders, medians of {len(a)}: wall {wall_a:.2f} -> {wall_b:.2f} s "
                  f"({100 * (wall_b - wall_a) / wall_a:+.1f} %), CPU {cpu_a:.2f} -> {cpu_b:.2f} s "
                  f"({100 * (cpu_b - cpu_a) / cpu_a:+.1f} %)")
            # Each round's pair ran back to back: their ratio is steadier than the medians while the load drifts.
            wall_pair = statistics.median(y.sync_s / x.sync_s for x, y in zip(a, b, strict=True)) - 1
            cpu_pair = statistics.median(y.cpu_s / x.cpu_s for x, y in zip(a, b, strict=True)) - 1
            print(f"{second} vs {first}, paired (median of each round's ratio): wall {100 * wall_pair:+.1f} %, "
                  f"CPU {100 * cpu_pair:+.1f} %")
            if args.journal:
                share = statistics.median(r.journal_cpu_s / (r.cpu_s - r.journal_cpu_s) for r in b)
                print(f"inside the journal: {100 * share:.1f} % of the rest of the sync's CPU (median per sync; "
                      f"budget 10 %)")
    print(f"peak RSS     {peak_rss_mib():.0f} MiB (this process, all runs; bench/memory.py measures per size)")


if __name__ == "__main__":
    main()
