"""Three ``robnu worker`` processes on PostgreSQL against a Kirana Hub sandbox served over real HTTP:
every due run happens once; no two runs of one (account, target) overlap; a worker killed with
SIGKILL mid-run has its job recovered and the data ends equal to the sandbox's truth; bad credentials
pause only that account."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from pydantic import SecretStr
from sqlalchemy import select, text, update

from robnu import migrations
from robnu.adapters.registry import registry
from robnu.config import Settings
from robnu.db.models import MarketplaceAccount, Order, RunReport, Schedule, SyncCursor
from robnu.jobs.procrastinate_backend import apply_schema
from robnu.sandbox.server import free_port
from robnu.services import schedules
from robnu.services.accounts import connect_account, create_seller
from robnu.services.runtime import Runtime
from tests.conftest import create_database, drop_database
from tests.fifth_marketplace import sandbox
from tests.fifth_marketplace.adapter import KiranaHubAdapter
from tests.jobs.conftest import KH_VERSIONS, requires_pg

pytestmark = [requires_pg, pytest.mark.postgres, pytest.mark.slow]
ROOT = Path(__file__).parents[2]
GOOD_ACCOUNTS = 9
PAGE_DELAY = 0.25  # seconds per sandbox page: runs last long enough to be killed mid-way


def _orders(since: datetime, count: int, start: int = 0) -> list[dict[str, Any]]:
    out = sandbox.build_orders(start + count)[start:]
    for i, o in enumerate(out):
        o["updated"] = o["placed"] = (since + timedelta(seconds=i)).isoformat()
    return out


@contextmanager
def _serve(app: Any) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _wait(what: str, predicate: Callable[[], bool], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Runtime, dict[str, str]]]:
    url = create_database(tmp_path, "workers")
    keys = f"k1:{base64.b64encode(os.urandom(32)).decode()}"
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=url,
        master_keys=SecretStr(keys),
        active_key_id="k1",
        sync_safety_lag_seconds=1,
        sync_lease_seconds=3,
    )
    rt = Runtime.create(settings)
    migrations.upgrade(rt.engine, extra_version_locations=[KH_VERSIONS])
    apply_schema(rt)
    registry.register(KiranaHubAdapter)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ROBNU_DATABASE_URL": url,
        "ROBNU_DATA_DIR": str(tmp_path / "data"),
        "ROBNU_MASTER_KEYS": keys,
        "ROBNU_ACTIVE_KEY_ID": "k1",
        "ROBNU_SYNC_SAFETY_LAG_SECONDS": "1",
        "ROBNU_SYNC_LEASE_SECONDS": "3",
        "ROBNU_HTTP_BACKOFF_BASE_SECONDS": "0.05",
        "ROBNU_JOBS_TICK_CRON": "* * * * * *",  # every second (sixth field: seconds)
        "ROBNU_JOBS_RECOVER_CRON": "* * * * * */2",
        "ROBNU_JOBS_HEARTBEAT_SECONDS": "0.5",
        "ROBNU_JOBS_STALLED_SECONDS": "3",
        "ROBNU_JOBS_RETRY_BASE_SECONDS": "1",
        "ROBNU_JOBS_RETRY_MAX_SECONDS": "2",
        "ROBNU_JOBS_MAX_ATTEMPTS": "20",
        "ROBNU_LOG_LEVEL": "WARNING",
    }
    try:
        yield rt, env
    finally:
        registry.unregister("KIRANA_HUB")
        rt.engine.dispose()
        drop_database(url)


def test_three_workers_run_every_due_run_once_and_survive_sigkill(
    world: tuple[Runtime, dict[str, str]], tmp_path: Path
) -> None:
    rt, env = world
    now = datetime.now(UTC)
    truth = _orders(now - timedelta(hours=2), 25)
    app = sandbox.create_app(truth)

    @app.middleware("http")
    async def slow(request: Any, call_next: Any) -> Any:
        await asyncio.sleep(PAGE_DELAY)
        return await call_next(request)

    seller = create_seller(rt, "Scale Test", owner_email="ops@example.in")
    good = [
        connect_account(rt, seller, "KIRANA_HUB", {"shop_id": f"KH{n:04d}", "api_token": sandbox.SHOP_TOKEN})
        for n in range(1, GOOD_ACCOUNTS + 1)
    ]
    bad = connect_account(rt, seller, "KIRANA_HUB", {"shop_id": "KH0999", "api_token": "revoked-token-000"})
    for account in [*good, bad]:
        schedules.set_schedule(rt, account, "ORDERS", interval_seconds=3600, jitter_seconds=0)
        schedules.set_schedule(rt, account, "CREDENTIAL_CHECK", interval_seconds=3600, jitter_seconds=0)
    with rt.session() as s:  # everything due now; the bad account's check first
        s.execute(update(Schedule).values(next_run_at=now))
        s.execute(
            update(Schedule)
            .where(Schedule.marketplace_account_id == bad, Schedule.target == "CREDENTIAL_CHECK")
            .values(next_run_at=now - timedelta(minutes=1))
        )

    def final_reports() -> list[RunReport]:
        with rt.sessions() as s:
            return list(s.execute(select(RunReport).where(RunReport.status != "RETRYING")).scalars())

    logs = [open(tmp_path / f"worker{i}.log", "wb") for i in range(3)]  # noqa: SIM115
    with _serve(app) as base_url:
        env["ROBNU_ENDPOINTS"] = json.dumps({"KIRANA_HUB": {"api": base_url}})
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.jobs.kh_worker", "--concurrency", "2"],
                cwd=ROOT,
                env=env,
                stdout=logs[i],
                stderr=subprocess.STDOUT,
            )
            for i in range(3)
        ]
        try:
            # Round 1: every due run happens once.
            expected = 2 * (GOOD_ACCOUNTS + 1)
            _wait("round 1", lambda: len(final_reports()) >= expected)
            time.sleep(1.5)  # a duplicate, if there were one, would show up now
            round1 = final_reports()
            per_run = defaultdict(list)
            for r in round1:
                per_run[(r.marketplace_account_id, r.target)].append(r.status)
            assert len(round1) == expected and all(len(v) == 1 for v in per_run.values()), per_run
            assert all(per_run[(a, t)] == ["SUCCEEDED"] for a in good for t in ("ORDERS", "CREDENTIAL_CHECK"))
            assert per_run[(bad, "CREDENTIAL_CHECK")] == ["AUTH_FAILED"]
            assert per_run[(bad, "ORDERS")] == ["SKIPPED"]

            # Round 2: the marketplace changes; every good account is due again; one worker is killed mid-run.
            later = datetime.now(UTC)
            truth.extend(_orders(later - timedelta(seconds=60), 12, start=25))  # new orders
            for o in truth[:5]:
                o["total"] = "999.00"
                o["updated"] = (later - timedelta(seconds=30)).isoformat()
            with rt.session() as s:
                s.execute(update(Schedule).where(Schedule.target == "ORDERS").values(next_run_at=later))
            victim = workers[0]

            def victim_is_mid_run() -> bool:
                with rt.sessions() as s:
                    owners = s.execute(select(SyncCursor.lease_owner).where(SyncCursor.lease_owner.is_not(None)))
                    return any(f":{victim.pid}:" in (o or "") for o in owners.scalars())

            _wait("the victim to be mid-run", victim_is_mid_run, timeout=60)
            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=10)

            def round2_done() -> bool:
                with rt.sessions() as s:
                    ok = (
                        s.execute(
                            select(RunReport.marketplace_account_id).where(
                                RunReport.target == "ORDERS", RunReport.status == "SUCCEEDED"
                            )
                        )
                        .scalars()
                        .all()
                    )
                    pending = s.execute(
                        text(
                            "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'robnu.run'"
                            " AND status IN ('todo', 'doing')"
                        )
                    ).scalar_one()
                return all(ok.count(a) >= 2 for a in good) and pending == 0

            _wait("round 2 with recovery", round2_done)
        finally:
            for w in workers:
                if w.poll() is None:
                    w.send_signal(signal.SIGTERM)
            for w in workers:
                try:
                    w.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    w.kill()
            for f in logs:
                f.close()

    with rt.sessions() as s:
        reports = list(s.execute(select(RunReport).order_by(RunReport.started_at)).scalars())
        # the data equals the sandbox's truth, for every good account
        want = {o["id"]: Decimal(o["total"]) for o in truth}
        for account in good:
            got = dict(
                s.execute(
                    select(Order.external_id, Order.order_total).where(Order.marketplace_account_id == account)
                ).all()
            )
            assert got == want, f"account {account} differs from the sandbox"
        assert not s.execute(select(Order.id).where(Order.marketplace_account_id == bad)).first()
        # bad credentials paused only that account
        paused = set(s.execute(select(Schedule.marketplace_account_id).where(Schedule.enabled.is_(False))).scalars())
        assert paused == {bad}
        acct = s.get(MarketplaceAccount, bad)
        assert acct is not None and acct.needs_reconnect
        assert not s.execute(select(SyncCursor.id).where(SyncCursor.lease_owner.is_not(None))).first()
    # no two runs of one (account, target) overlapped
    intervals: dict[tuple[int, str], list[tuple[datetime, datetime]]] = defaultdict(list)
    for r in reports:
        assert r.finished_at is not None
        intervals[(r.marketplace_account_id, r.target)].append((r.started_at, r.finished_at))
    for key, spans in intervals.items():
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert start >= end, f"{key} overlapped: a run started at {start} before the previous ended at {end}"
    # the killed run was recovered: some ORDERS run needed more than one attempt
    assert any(r.attempt > 1 for r in reports if r.target == "ORDERS")
