"""The CLI: ``robnu schedules``, ``robnu reports``, ``robnu metrics``; and ``robnu run`` as a real
process against the AJIO sandbox over HTTP: it keeps the seller in sync and stops cleanly on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from robnu.cli import common
from robnu.cli.exits import ExitCode
from robnu.cli.main import app
from robnu.config import Settings, get_settings
from robnu.db.models import Order, RunReport, Schedule, SyncCursor
from robnu.sandbox.server import endpoints_of, serving
from robnu.sandbox.world import SandboxWorld
from robnu.services import schedules
from robnu.services.accounts import connect_account, create_seller
from robnu.services.reports import ReportData, RunOutcome, save_report
from robnu.services.runtime import Runtime
from tests.factories import credentials
from tests.jobs.conftest import remove_kirana_hub, requires_pg
from tests.sandbox_wiring import connect_sandbox_account

ROOT = Path(__file__).parents[2]


@pytest.fixture(autouse=True)
def core_schema_only(rt: Runtime) -> None:
    """The CLI migrates on start; a test marketplace's branch left by another test would stop it."""
    remove_kirana_hub(rt)


@pytest.fixture
def cli(settings: Settings, rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("ROBNU_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ROBNU_DATABASE_URL", str(settings.database_url))
    monkeypatch.setattr(common.console, "width", 250)  # tables wide enough to read back
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _ok(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_schedules_reports_and_metrics_commands(cli: CliRunner, rt: Runtime) -> None:
    seller = create_seller(rt, "CLI Seller")
    account = connect_account(rt, seller, "AJIO", credentials("AJIO"))
    out = _ok(cli, "schedules", "list", "--account", str(account))
    for target in (
        "ORDERS",
        "RETURNS",
        "PAYOUTS",
        "INVENTORY",
        "CREDENTIAL_CHECK",
        "SLA_WATCHDOG",
        "CATALOG",
        "CLAIM_SWEEPER",
        "RECONCILIATION",
    ):
        assert target in out
    assert "every 15m ±1m" in out
    out = _ok(cli, "schedules", "set", str(account), "orders", "--every", "5m", "--jitter", "0")
    assert "ORDERS: every 5m" in out
    out = _ok(cli, "schedules", "set", str(account), "FULL_PROCESSING", "--cron", "0 9,14 * * *")
    assert "cron 0 9,14 * * * IST" in out
    assert "paused 10 schedule(s)" in _ok(cli, "schedules", "pause", str(account))
    assert "resumed 1 schedule(s)" in _ok(cli, "schedules", "resume", str(account), "ORDERS")
    bad = cli.invoke(app, ["schedules", "set", str(account), "ORDERS", "--every", "often"])
    assert bad.exit_code == 2 and "every" in bad.output

    now = rt.clock.now()
    report = save_report(
        rt,
        ReportData(
            account,
            seller,
            "ORDERS",
            RunOutcome.PARTIAL,
            now,
            now + timedelta(seconds=3),
            synced=40,
            held=2,
            details={"new": 38, "updated": 2},
            error="2 quarantined",
        ),
    )
    out = _ok(cli, "reports", "list", "--account", str(account))
    assert "PARTIAL" in out and "40" in out
    out = _ok(cli, "reports", "show", str(report))
    assert "synced     40" in out and "held       2" in out and "What failed: 2 quarantined" in out
    assert cli.invoke(app, ["reports", "show", "999999"]).exit_code == 3  # not found
    out = _ok(cli, "metrics")
    assert 'robnu_runs_total{outcome="PARTIAL",target="ORDERS"} 1.0' in out
    assert "robnu_schedules_paused 9.0" in out


def _wait(what: str, predicate: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.mark.slow
def test_robnu_run_keeps_a_seller_in_sync_and_stops_on_ctrl_c(rt: Runtime, settings: Settings) -> None:
    world = SandboxWorld(codes=("AJIO",), rate_scale=50.0)
    creds: dict[str, Any] = world["AJIO"].create_account()
    key = creds["account_key"]
    want = set(world["AJIO"].generate_orders(key, 8, days=3))
    seller = create_seller(rt, "Run Seller")
    account, _ = connect_sandbox_account(rt, world, "AJIO", seller, creds=creds)
    schedules.set_enabled(rt, account, None, False)  # only orders here: this test is about the process
    schedules.set_schedule(rt, account, "ORDERS", interval_seconds=10, jitter_seconds=0)
    schedules.set_enabled(rt, account, "ORDERS", True)
    with rt.session() as s:  # the first sync starts at once; then every 2 s (below the CLI's minimum, for speed)
        s.execute(
            update(Schedule).where(Schedule.target == "ORDERS").values(next_run_at=rt.clock.now(), interval_seconds=2)
        )

    def stored() -> set[str]:
        with rt.sessions() as s:
            return set(s.execute(select(Order.external_id).where(Order.marketplace_account_id == account)).scalars())

    with serving(world) as served:
        env = {
            **os.environ,
            "ROBNU_DATA_DIR": str(settings.data_dir),
            "ROBNU_DATABASE_URL": str(settings.database_url),
            "ROBNU_ENDPOINTS": json.dumps(endpoints_of(served)),
            "ROBNU_SYNC_SAFETY_LAG_SECONDS": "1",
            "ROBNU_LOG_LEVEL": "WARNING",
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "robnu.cli.main", "run", "--tick", "0.2"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait("the first sync", lambda: want <= stored())
            want |= set(world["AJIO"].generate_orders(key, 3, days=0))  # the seller gets new orders
            _wait("the new orders", lambda: want <= stored())
            proc.send_signal(signal.SIGINT)
            output, _ = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
        world.close()
    text = output.decode()
    assert proc.returncode == 0, text
    assert "stopping" in text and "stopped" in text and "Traceback" not in text
    with rt.sessions() as s:
        assert not s.execute(select(SyncCursor.id).where(SyncCursor.lease_owner.is_not(None))).first()
        runs = s.execute(select(RunReport.status).where(RunReport.target == "ORDERS")).scalars().all()
    assert runs.count("SUCCEEDED") >= 2


@requires_pg
def test_worker_refuses_an_unknown_marketplace(cli: CliRunner) -> None:
    result = cli.invoke(app, ["worker", "--marketplace", "NOPE"])
    assert result.exit_code == ExitCode.BAD_INPUT, result.output
    assert "marketplace" in result.output and "'NOPE'" in result.output and "AJIO" in result.output
