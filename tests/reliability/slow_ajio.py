"""An AJIO sandbox running in real time whose every answer is slow (its own ``slow`` fault), with a connected
account: syncs take seconds, longer than the short leases these tests use. Reachable in-process (``rt``) and
over real HTTP (``served`` endpoints, for ``robnu`` child processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from robnu.config import Settings
from robnu.db.models import SyncCursor, SyncRun
from robnu.sandbox.faults import FaultKind, FaultRule
from robnu.sandbox.server import endpoints_of, serving
from robnu.sandbox.world import SandboxWorld
from robnu.services.accounts import create_seller
from robnu.services.runtime import Runtime
from tests.sandbox_wiring import connect_sandbox_account, runtime_for, sandbox_http

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 2
SLOW_SECONDS = 0.3  # per request: a 90-day walk (3 order windows + 13 pendency windows) takes about 6 s
WALK_DAYS = 90


@dataclass
class SlowAjio:
    world: SandboxWorld
    rt: Runtime
    settings: Settings
    account: int
    key: str
    endpoints: dict[str, dict[str, str]]

    @property
    def sandbox(self) -> Any:
        return self.world["AJIO"]

    def slow(self, seconds: float = SLOW_SECONDS) -> None:
        self.sandbox.kit.faults.clear()
        if seconds:
            self.sandbox.kit.faults.add(FaultRule(FaultKind.SLOW, "*", remaining=-1, params={"delay_seconds": seconds}))

    def walk_start(self) -> datetime:
        return self.rt.clock.now() - timedelta(days=WALK_DAYS)

    def runs(self) -> list[SyncRun]:
        with self.rt.sessions() as s:
            return list(s.execute(select(SyncRun).order_by(SyncRun.id)).scalars())

    def cursor(self) -> SyncCursor | None:
        with self.rt.sessions() as s:
            return s.execute(select(SyncCursor).where(SyncCursor.target == "ORDERS")).scalar_one_or_none()

    def child_env(self, **extra: str) -> dict[str, str]:
        """The environment of a ``robnu`` child process reaching this database, key file and sandbox."""
        return {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "ROBNU_DATABASE_URL": str(self.settings.database_url),
            "ROBNU_DATA_DIR": str(self.settings.data_dir),
            "ROBNU_ENDPOINTS": json.dumps(self.endpoints),
            "ROBNU_SYNC_LEASE_SECONDS": str(LEASE_SECONDS),
            "ROBNU_SYNC_SAFETY_LAG_SECONDS": "0",
            "ROBNU_HTTP_BACKOFF_BASE_SECONDS": "0.01",
            "ROBNU_LOG_LEVEL": "WARNING",
            "COLUMNS": "200",
            **extra,
        }

    def spawn_sync(self, *args: str, **env: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "robnu.cli.main", "sync", str(self.account), "--target", "ORDERS", *args],
            cwd=ROOT,
            env=self.child_env(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )


def wait_for(what: str, predicate: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@contextmanager
def slow_ajio(
    settings: Settings, *, orders: int = 60, days: float = WALK_DAYS - 10, lease_seconds: int = LEASE_SECONDS
) -> Iterator[SlowAjio]:
    world = SandboxWorld(codes=("AJIO",), rate_scale=1000.0)  # real time: leases expire as they would
    settings = settings.model_copy(update={"sync_lease_seconds": lease_seconds, "sync_safety_lag_seconds": 0})
    try:
        with serving(world) as served, runtime_for(world, settings, http=sandbox_http(world)) as rt:
            seller = create_seller(rt, "Slow AJIO seller")
            creds = world["AJIO"].create_account()
            world["AJIO"].generate_orders(creds["account_key"], orders, days=days)
            account, _ = connect_sandbox_account(rt, world, "AJIO", seller, creds=creds)
            harness = SlowAjio(world, rt, settings, account, str(creds["account_key"]), endpoints_of(served))
            harness.slow()
            yield harness
    finally:
        world.close()
