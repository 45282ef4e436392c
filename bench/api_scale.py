"""Read-API scale benchmark (PostgreSQL): 1,000 sellers' accounts and 1,000,000 orders written straight into the
database with COPY (not through the sandboxes), then the read models the API serves, timed call by call:

* the orders list: first page and a deep keyset page, without and with filters (status + account + date range);
* one order's detail (items, shipments, processing state and steps, documents, returns);
* search by an AWB;
* the SLA board.

Each figure is measured on the largest seller (``--big-share`` of all orders, default 10 %: 100,000 orders,
the worst case for a deep page) and the list's first page also on a typical seller. It prints p50 / p95 / p99
in milliseconds per case; the goal is p95 < 50 ms on a 2-core machine.

    python bench/api_scale.py --database-url postgresql://postgres@127.0.0.1:5432/postgres          # ~6 min
    python bench/api_scale.py --database-url ... --reuse        # the database is already generated: time only
    python bench/api_scale.py --database-url ... --orders 100000 --sellers 100   # a smaller world

The database is ``robnu_bench_api`` on that server (dropped and created unless ``--reuse``). The timed calls
run the query services in this process on a pooled connection, one session per call as a request would.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import Engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sync_ingest import fresh_database  # bench/ is not a package

from robnu import migrations
from robnu.db.engine import make_engine, make_session_factory
from robnu.services.queries import orders, search
from robnu.services.queries.orders import ORDERS, OrderFilters
from robnu.services.queries.sla import sla_board
from robnu.services.users import add_member, set_password

NOW = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)  # 12:00 IST
HISTORY_DAYS = 180
PROCESSED_DAYS = 30  # orders of the last month have gone through the dispatch flow
OPEN_HOURS = 6  # today's batch: orders of the last hours are still in the flow
MARKETPLACE_IDS = (1, 2, 3, 4)  # AJIO, MEESHO, AMAZON_IN, FLIPKART (seeded by the core migration)
STATUSES = ("DELIVERED",) * 14 + ("SHIPPED",) * 3 + ("CANCELLED", "RETURNED", "READY_TO_SHIP")
CITIES = (("Jaipur", "08", "302001"), ("Pune", "27", "411001"), ("Kochi", "32", "682001"), ("Delhi", "07", "110001"))


@dataclass(frozen=True)
class World:
    sellers: int
    orders: int
    big_share: float

    def orders_of(self, seller: int) -> int:
        """How many orders seller ``seller`` (1-based) has: seller 1 takes the big share, the rest split evenly."""
        big = int(self.orders * self.big_share)
        if seller == 1:
            return big
        rest, extra = divmod(self.orders - big, self.sellers - 1)
        return rest + (1 if seller - 2 < extra else 0)

    def accounts_of(self, seller: int) -> list[tuple[int, int]]:
        """(account id, marketplace id): every seller on AJIO and one other marketplace."""
        return [(2 * seller - 1, 1), (2 * seller, MARKETPLACE_IDS[1 + seller % 3])]


def _copy(conn: psycopg.Connection[Any], table: str, columns: list[str], rows: Iterator[tuple[Any, ...]]) -> int:
    n = 0
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def generate(url: str, world: World) -> None:
    """Sellers, accounts, orders with an item and a shipment each, returns, payouts, batches and processing state."""
    rng = random.Random(20261120)
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        _copy(
            conn,
            "sellers",
            ["id", "name", "plan", "created_at"],
            ((i, f"Seller {i}", "GROWTH", NOW - timedelta(days=400)) for i in range(1, world.sellers + 1)),
        )
        _copy(
            conn,
            "marketplace_accounts",
            [
                "id",
                "seller_id",
                "marketplace_id",
                "external_account_id",
                "display_name",
                "last_validation_status",
                "needs_reconnect",
                "created_at",
                "updated_at",
            ],
            (
                (a, s, m, f"EXT{a}", f"Account {a}", "VALID", False, NOW, NOW)
                for s in range(1, world.sellers + 1)
                for a, m in world.accounts_of(s)
            ),
        )
        conn.commit()
        plan = _order_plan(world, rng)
        print(f"  sellers and accounts: {world.sellers:,} / {2 * world.sellers:,}", flush=True)
        n = _copy(conn, "orders", ORDER_COLUMNS, (_order(o) for o in plan))
        conn.commit()
        print(f"  orders: {n:,} ({time.perf_counter() - started:.0f} s)", flush=True)
        _copy(conn, "order_items", ITEM_COLUMNS, (_item(o) for o in plan))
        conn.commit()
        _copy(conn, "shipments", SHIPMENT_COLUMNS, (_shipment(o) for o in plan))
        conn.commit()
        print(f"  items and shipments: {n:,} each ({time.perf_counter() - started:.0f} s)", flush=True)
        _copy(conn, "order_returns", RETURN_COLUMNS, (_return(o) for o in plan if o.oid % 33 == 0))
        _copy(conn, "marketplace_payouts", PAYOUT_COLUMNS, _payouts(world))
        conn.commit()
        batches = _batches(world)
        _copy(conn, "processing_batches", BATCH_COLUMNS, (b.row() for b in batches.values()))
        processed = [o for o in plan if o.ordered_at >= NOW - timedelta(days=PROCESSED_DAYS)]
        _copy(conn, "order_processing", PROCESSING_COLUMNS, (_processing(o, batches) for o in processed))
        _copy(conn, "processing_steps", STEP_COLUMNS, (r for o in processed for r in _steps(o, batches)))
        conn.commit()
        print(f"  returns, payouts, {len(batches):,} batches, {len(processed):,} orders in the flow", flush=True)
        with conn.cursor() as cur:
            for table in (
                "sellers",
                "marketplace_accounts",
                "orders",
                "order_items",
                "shipments",
                "order_returns",
                "marketplace_payouts",
                "processing_batches",
                "processing_steps",
            ):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)


@dataclass(frozen=True)
class PlannedOrder:
    oid: int
    seller: int
    account: int
    ordered_at: datetime
    status: str
    total: Decimal


def _order_plan(world: World, rng: random.Random) -> list[PlannedOrder]:
    plan = []
    oid = 0
    span = HISTORY_DAYS * 86400
    for seller in range(1, world.sellers + 1):
        accounts = world.accounts_of(seller)
        for _ in range(world.orders_of(seller)):
            oid += 1
            at = NOW - timedelta(seconds=rng.randrange(span))
            recent = at >= NOW - timedelta(hours=OPEN_HOURS)
            plan.append(
                PlannedOrder(
                    oid=oid,
                    seller=seller,
                    account=accounts[0 if rng.random() < 0.6 else 1][0],
                    ordered_at=at,
                    status="NEW" if recent else rng.choice(STATUSES),
                    total=Decimal(rng.randrange(29900, 299900)) / 100,
                )
            )
    return plan


ORDER_COLUMNS = [
    "id", "seller_id", "marketplace_account_id", "external_id", "source_updated_at", "status", "raw_status",
    "created_at", "updated_at", "ordered_at", "order_total", "currency", "is_cod", "ship_city", "ship_state_code",
    "ship_pincode", "dispatch_by", "item_count", "fulfilled_by",
]  # fmt: skip


def _order(o: PlannedOrder) -> tuple[Any, ...]:
    city, state, pin = CITIES[o.oid % len(CITIES)]
    return (
        o.oid, o.seller, o.account, f"OD{o.oid:010d}", o.ordered_at, o.status, o.status.lower(), o.ordered_at,
        o.ordered_at, o.ordered_at, o.total, "INR", o.oid % 3 == 0, city, state, pin,
        o.ordered_at + timedelta(days=1), 1, "SELLER",
    )  # fmt: skip


ITEM_COLUMNS = [
    "id", "seller_id", "marketplace_account_id", "external_id", "source_updated_at", "status", "raw_status",
    "created_at", "updated_at", "order_id", "sku", "title", "quantity", "unit_price", "tax_amount", "line_total",
    "currency",
]  # fmt: skip


def _item(o: PlannedOrder) -> tuple[Any, ...]:
    return (
        o.oid, o.seller, o.account, f"OD{o.oid:010d}-1", o.ordered_at, o.status, o.status.lower(), o.ordered_at,
        o.ordered_at, o.oid, f"SKU-{o.oid % 500:04d}", "Kurta", 1, o.total, Decimal("0"), o.total, "INR",
    )  # fmt: skip


SHIPMENT_COLUMNS = [
    "id", "seller_id", "marketplace_account_id", "external_id", "source_updated_at", "status", "raw_status",
    "created_at", "updated_at", "order_id", "awb", "courier", "dispatch_by", "shipped_at",
]  # fmt: skip


def awb_of(order_id: int) -> str:
    return f"AWB{order_id:012d}"


def _shipment(o: PlannedOrder) -> tuple[Any, ...]:
    shipped = None if o.status == "NEW" else o.ordered_at + timedelta(hours=20)
    return (
        o.oid, o.seller, o.account, f"SH{o.oid:010d}", o.ordered_at, "SHIPPED" if shipped else "PENDING",
        "shipped" if shipped else "pending", o.ordered_at, o.ordered_at, o.oid, awb_of(o.oid), "Delhivery",
        o.ordered_at + timedelta(days=1), shipped,
    )  # fmt: skip


RETURN_COLUMNS = [
    "id", "seller_id", "marketplace_account_id", "external_id", "source_updated_at", "status", "raw_status",
    "created_at", "updated_at", "order_id", "order_external_id", "kind", "return_awb", "requested_at", "currency",
    "internal_status",
]  # fmt: skip


def _return(o: PlannedOrder) -> tuple[Any, ...]:
    at = o.ordered_at + timedelta(days=5)
    return (
        o.oid, o.seller, o.account, f"RT{o.oid:010d}", at, "IN_TRANSIT", "in_transit", at, at, o.oid,
        f"OD{o.oid:010d}", "RTO" if o.oid % 2 else "CUSTOMER_RETURN", f"R{awb_of(o.oid)}", at, "INR", "awaiting",
    )  # fmt: skip


PAYOUT_COLUMNS = [
    "id", "seller_id", "marketplace_account_id", "external_id", "source_updated_at", "status", "raw_status",
    "created_at", "updated_at", "period_start", "period_end", "paid_at", "net_amount", "currency",
]  # fmt: skip


def _payouts(world: World) -> Iterator[tuple[Any, ...]]:
    pid = 0
    for seller in range(1, world.sellers + 1):
        for account, _ in world.accounts_of(seller):
            for week in range(HISTORY_DAYS // 7):
                pid += 1
                end = NOW - timedelta(days=7 * week)
                yield (
                    pid, seller, account, f"ST{pid:09d}", end, "PAID", "paid", end, end, end - timedelta(days=7),
                    end, end + timedelta(days=2), Decimal("12345.6700"), "INR",
                )  # fmt: skip


@dataclass(frozen=True)
class Batch:
    bid: int
    seller: int
    account: int
    day: str
    open: bool

    def row(self) -> tuple[Any, ...]:
        day = datetime.fromisoformat(self.day).replace(tzinfo=UTC)
        cutoff = day + timedelta(hours=12)  # 17:30 IST
        return (
            self.bid, self.seller, self.account, self.day, 1, "IMMEDIATE", cutoff, 3 if self.open else 11,
            "OPEN" if self.open else "CLOSED", None if self.open else f"MNF{self.bid}", day, day,
        )  # fmt: skip


BATCH_COLUMNS = [
    "id", "seller_id", "marketplace_account_id", "ist_day", "batch_no", "closure_policy", "cutoff_at", "stage",
    "status", "manifest_ref", "created_at", "updated_at",
]  # fmt: skip


def _day(at: datetime) -> str:
    return at.date().isoformat()


def _batches(world: World) -> dict[tuple[int, str], Batch]:
    out: dict[tuple[int, str], Batch] = {}
    bid = 0
    for seller in range(1, world.sellers + 1):
        for account, _ in world.accounts_of(seller):
            for back in range(PROCESSED_DAYS + 1):
                bid += 1
                day = _day(NOW - timedelta(days=back))
                out[(account, day)] = Batch(bid, seller, account, day, back == 0)
    return out


PROCESSING_COLUMNS = [
    "order_id", "seller_id", "marketplace_account_id", "batch_id", "stage", "status", "attempts", "created_at",
    "updated_at",
]  # fmt: skip


def _in_flow(o: PlannedOrder) -> bool:
    return o.ordered_at >= NOW - timedelta(hours=OPEN_HOURS)


def _processing(o: PlannedOrder, batches: dict[tuple[int, str], Batch]) -> tuple[Any, ...]:
    batch = batches[(o.account, _day(NOW if _in_flow(o) else o.ordered_at))]
    return (
        o.oid, o.seller, o.account, batch.bid, 3 if _in_flow(o) else 11, "IN_PROGRESS" if _in_flow(o) else "DONE",
        1, o.ordered_at, o.ordered_at,
    )  # fmt: skip


STEP_COLUMNS = [
    "order_id", "seller_id", "marketplace_account_id", "batch_id", "stage", "name", "outcome", "external_ref",
    "occurred_at",
]  # fmt: skip


def _steps(o: PlannedOrder, batches: dict[tuple[int, str], Batch]) -> Iterator[tuple[Any, ...]]:
    batch = batches[(o.account, _day(NOW if _in_flow(o) else o.ordered_at))]
    for stage, name in ((1, "address check"), (2, "stock check"), (3, "accept")):
        yield (o.oid, o.seller, o.account, batch.bid, stage, name, "DONE", None, o.ordered_at)


# ----------------------------------------------------------------------------------------------- timing


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return q[49], q[94], q[98]


def timed(label: str, call: Callable[[int], Any], iterations: int) -> tuple[str, float, float, float]:
    for i in range(min(10, iterations)):  # warm the pool, the plan cache and the buffer cache like a live server
        call(i)
    samples = []
    for i in range(iterations):
        t0 = time.perf_counter()
        call(i)
        samples.append((time.perf_counter() - t0) * 1000)
    p50, p95, p99 = percentiles(samples)
    print(f"  {label:<52} p50 {p50:7.2f}  p95 {p95:7.2f}  p99 {p99:7.2f} ms", flush=True)
    return label, p50, p95, p99


def deep_cursor(engine: Engine, seller: int, offset: int, account: int | None = None) -> str:
    """The cursor a client holds after paging ``offset`` rows into the seller's orders (newest first)."""
    where = "seller_id = :s" + (" AND marketplace_account_id = :a" if account else "")
    with engine.connect() as c:
        at, oid = c.execute(
            text(
                f"SELECT ordered_at, id FROM orders WHERE {where} ORDER BY ordered_at DESC, id DESC OFFSET :o LIMIT 1"
            ),
            {"s": seller, "a": account, "o": offset},
        ).one()
    return ORDERS.encode((at.astimezone(UTC), oid))


def time_queries(url: str, world: World, iterations: int) -> None:
    engine = make_engine(url, pool_size=2)
    sessions = make_session_factory(engine)
    big, typical = 1, world.sellers // 2
    account = world.accounts_of(big)[0][0]
    deep = deep_cursor(engine, big, int(world.orders_of(big) * 0.9))
    filtered = OrderFilters(account_id=account, status="DELIVERED", ordered_from=NOW - timedelta(days=150))
    deep_filtered = deep_cursor(engine, big, int(world.orders_of(big) * 0.4), account)
    with engine.connect() as c:
        big_ids = [
            r[0] for r in c.execute(text("SELECT id FROM orders WHERE seller_id = 1 ORDER BY random() LIMIT 500"))
        ]
    rng = random.Random(7)

    def run(fn: Callable[[Any], Any]) -> Callable[[int], Any]:
        def call(_: int) -> Any:
            with sessions() as s, s.begin():
                return fn(s)

        return call

    print(f"\nRead models in-process ({iterations} calls each; seller {big}: {world.orders_of(big):,} orders, "
          f"seller {typical}: {world.orders_of(typical):,})")  # fmt: skip
    results = [
        timed("orders, first page (big seller)", run(lambda s: orders.list_orders(s, big)), iterations),
        timed("orders, first page (typical seller)", run(lambda s: orders.list_orders(s, typical)), iterations),
        timed(
            "orders, deep page at 90 % (big seller)", run(lambda s: orders.list_orders(s, big, cursor=deep)), iterations
        ),
        timed("orders, filtered, first page", run(lambda s: orders.list_orders(s, big, filtered)), iterations),
        timed(
            "orders, filtered, deep page",
            run(lambda s: orders.list_orders(s, big, OrderFilters(account_id=account), cursor=deep_filtered)),
            iterations,
        ),
        timed("order detail", run(lambda s: orders.get_order(s, big, rng.choice(big_ids))), iterations),
        timed("search by AWB", run(lambda s: search.search(s, big, awb_of(rng.choice(big_ids)))), iterations),
        timed("SLA board (big seller)", run(lambda s: sla_board(s, big, NOW)), iterations),
    ]
    worst = max(results, key=lambda r: r[2])
    print(f"  worst p95: {worst[2]:.2f} ms ({worst[0]}); goal < 50 ms: {'met' if worst[2] < 50 else 'NOT met'}")
    engine.dispose()


# ----------------------------------------------------------------------------------------------- over HTTP

PASSWORD = "bench-password-1"


def bench_user(url: str, seller: int) -> str:
    """A fresh ADMIN of ``seller`` with a password (the bench signs in like a client does); returns the email."""
    engine = make_engine(url)
    email = f"bench-{int(time.time() * 1000)}@seller{seller}.example"
    with make_session_factory(engine)() as s, s.begin():
        user = add_member(s, seller, email, "ADMIN", NOW)
        set_password(s, user.user_id, PASSWORD, NOW)
    engine.dispose()
    return email


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    """``robnu serve`` (the installed command) in its own process(es) on the bench database."""
    env = {
        **os.environ,
        "ROBNU_DATABASE_URL": url,
        "ROBNU_DATA_DIR": tempfile.mkdtemp(prefix="robnu-bench-api-"),
        "ROBNU_RATE_LIMIT": "1000000/minute",  # measuring latency, not the per-tenant limit
        "ROBNU_LOG_LEVEL": "WARNING",
    }
    command = [str(Path(sys.executable).parent / "robnu"), "serve", "--port", str(port), "--workers", str(workers)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"robnu serve exited: {server.stderr.read().decode()[-2000:] if server.stderr else ''}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/v1/me", timeout=2)  # any answer (401) means it is serving
            return server
        except httpx.TransportError:
            time.sleep(0.5)
    server.terminate()
    raise RuntimeError("robnu serve did not answer within 120 s")


def time_http(url: str, world: World, iterations: int, workers: int) -> None:
    big = 1
    email = bench_user(url, big)
    engine = make_engine(url)
    account = world.accounts_of(big)[0][0]
    deep = deep_cursor(engine, big, int(world.orders_of(big) * 0.9))
    deep_filtered = deep_cursor(engine, big, int(world.orders_of(big) * 0.4), account)
    with engine.connect() as c:
        sample = "SELECT id FROM orders WHERE seller_id = 1 ORDER BY random() LIMIT 500"
        big_ids = [r[0] for r in c.execute(text(sample))]
    engine.dispose()
    rng = random.Random(7)
    port = _free_port()
    server = start_server(url, port, workers)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            login = client.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
            login.raise_for_status()
            client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"

            def get(path: str, **params: Any) -> Callable[[int], Any]:
                def call(_: int) -> Any:
                    r = client.get(path, params=params)
                    if r.status_code != 200:
                        raise RuntimeError(f"GET {path}: {r.status_code} {r.text[:300]}")
                    return r

                return call

            def detail(_: int) -> Any:
                return get(f"/v1/orders/{rng.choice(big_ids)}")(0)

            def by_awb(_: int) -> Any:
                return get("/v1/search", q=awb_of(rng.choice(big_ids)))(0)

            since = (NOW - timedelta(days=150)).isoformat()
            print(f"\nOver HTTP (robnu serve, {workers} worker(s), another process; {iterations} requests each)")
            results = [
                timed("GET /v1/orders (first page)", get("/v1/orders"), iterations),
                timed("GET /v1/orders (deep page at 90 %)", get("/v1/orders", cursor=deep), iterations),
                timed(
                    "GET /v1/orders (filtered, first page)",
                    get("/v1/orders", account_id=account, status="DELIVERED", ordered_from=since),
                    iterations,
                ),
                timed(
                    "GET /v1/orders (filtered, deep page)",
                    get("/v1/orders", account_id=account, cursor=deep_filtered),
                    iterations,
                ),
                timed("GET /v1/orders/{id}", detail, iterations),
                timed("GET /v1/search?q=<AWB>", by_awb, iterations),
                timed("GET /v1/sla", get("/v1/sla"), iterations),
            ]
            worst = max(results, key=lambda r: r[2])
            print(f"  worst p95: {worst[2]:.2f} ms ({worst[0]}); goal < 50 ms: {'met' if worst[2] < 50 else 'NOT met'}")
    finally:
        server.terminate()
        server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url", required=True, help="a PostgreSQL server URL (the bench creates its database)"
    )
    parser.add_argument("--sellers", type=int, default=1000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--big-share", type=float, default=0.1, help="share of all orders held by the largest seller")
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--reuse", action="store_true", help="time an already generated robnu_bench_api database")
    parser.add_argument("--workers", type=int, default=1, help="robnu serve worker processes")
    parser.add_argument("--skip-in-process", action="store_true", help="time over HTTP only")
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        parser.error("--database-url must be a PostgreSQL server URL")
    world = World(args.sellers, args.orders, args.big_share)
    url = args.database_url.rsplit("/", 1)[0] + "/robnu_bench_api"
    if not args.reuse:
        url = fresh_database(args.database_url, Path("."), "api")
        engine = make_engine(url)
        migrations.upgrade(engine)
        engine.dispose()
        print(f"Generating {world.sellers:,} sellers and {world.orders:,} orders with COPY into {url}")
        generate(url, world)
    if not args.skip_in_process:
        time_queries(url, world, args.iterations)
    time_http(url, world, args.iterations, args.workers)


if __name__ == "__main__":
    main()
