"""Replay from the raw-payload journal: idempotent on what is stored; after a mapping rule changes, the stored
rows change exactly as the new rule says and nothing else; a dry run changes nothing; a scratch database gets
the replayed rows; the marketplace is never called."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from robnu.adapters.ajio import mapping
from robnu.adapters.base import HttpFactory
from robnu.cli.main import app
from robnu.config import Settings, get_settings
from robnu.db.engine import make_engine
from robnu.db.models import (
    MarketplacePayout,
    Order,
    OrderItem,
    OrderReturn,
    OrderReturnItem,
    PayoutLineItem,
    Shipment,
    SyncRun,
)
from robnu.db.stock_models import StockMovement
from robnu.domain.errors import InvalidInput, NotFound
from robnu.domain.marketplace import ScheduleTarget
from robnu.sandbox.world import SandboxWorld
from robnu.services.accounts import create_seller
from robnu.services.replay import replay
from robnu.services.runtime import Runtime
from robnu.services.sync import SyncEngine
from tests.conftest import create_database, drop_database
from tests.sandbox_wiring import connect_sandbox_account, wired_runtime

LEAVES = (Order, OrderItem, Shipment, OrderReturn, OrderReturnItem, MarketplacePayout, PayoutLineItem, StockMovement)


class _Refuse(httpx.BaseTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"a replay called the marketplace: {request.url}")


def _rows(engine: Engine) -> dict[tuple[str, int], dict[str, Any]]:
    """Every leaf row, every column."""
    out = {}
    with engine.connect() as c:
        for model in LEAVES:
            for row in c.execute(select(model.__table__)).mappings():
                out[(model.__tablename__, row["id"])] = dict(row)
    return out


@pytest.fixture
def synced(settings: Settings) -> Iterator[tuple[SandboxWorld, Runtime, int]]:
    with wired_runtime(settings, ("AJIO",)) as (world, rt):
        seller = create_seller(rt, "Jaipur Prints", plan="GROWTH")
        creds = world["AJIO"].create_account()
        world["AJIO"].generate_orders(str(creds["account_key"]), 30)
        account, _ = connect_sandbox_account(rt, world, "AJIO", seller, creds=creds)
        world.clock.advance(timedelta(minutes=5))
        for target in (ScheduleTarget.ORDERS, ScheduleTarget.RETURNS, ScheduleTarget.PAYOUTS):
            assert SyncEngine(rt).run(account, target).status == "SUCCEEDED"
        yield world, rt, account


def _orders_run(rt: Runtime, account: int) -> int:
    with rt.sessions() as s:
        return s.execute(
            select(SyncRun.id).where(SyncRun.marketplace_account_id == account, SyncRun.target == "ORDERS")
        ).scalar_one()


def test_replaying_what_is_stored_changes_nothing_and_calls_no_marketplace(
    synced: tuple[SandboxWorld, Runtime, int],
) -> None:
    _, rt, account = synced
    before = _rows(rt.engine)
    rt.http = HttpFactory(endpoints=rt.http.endpoints, transport=_Refuse())  # any marketplace call would fail
    start, end = rt.clock.now() - timedelta(hours=1), rt.clock.now() + timedelta(hours=1)
    report = replay(rt, account, start=start, end=end)
    assert [r.target for r in report.runs] == ["ORDERS", "RETURNS", "PAYOUTS"]
    assert all(r.records > 0 for r in report.runs[:1]) and sum(r.pages for r in report.runs) > 3
    assert report.changes == []
    assert _rows(rt.engine) == before  # not even updated_at moved


def test_a_changed_mapping_rule_changes_exactly_the_rows_it_says(
    synced: tuple[SandboxWorld, Runtime, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, rt, account = synced
    run_id = _orders_run(rt, account)
    before = _rows(rt.engine)
    real_address = mapping._address

    def corrected(o: Any) -> tuple[str | None, str | None, str | None]:  # the new rule: cities in capitals
        city, state, pincode = real_address(o)
        return (city.upper() + " (IN)" if city else city), state, pincode

    monkeypatch.setattr(mapping, "_address", corrected)

    dry = replay(rt, account, run_id=run_id, dry_run=True)
    assert _rows(rt.engine) == before
    changed_orders = {c.external_id for c in dry.changes}
    assert changed_orders and {c.table for c in dry.changes} == {"orders"}
    assert all(set(c.fields) == {"ship_city"} for c in dry.changes)

    done = replay(rt, account, run_id=run_id)
    assert done.changes == dry.changes
    after = _rows(rt.engine)
    assert after.keys() == before.keys()
    for key, old in before.items():
        new = after[key]
        if key[0] == "orders" and old["external_id"] in changed_orders:
            assert new["ship_city"] == old["ship_city"].upper() + " (IN)"
            assert {c for c in old if old[c] != new[c]} <= {"ship_city", "updated_at"}
        else:
            assert new == old, key
    assert len(changed_orders) == sum(1 for k, v in before.items() if k[0] == "orders" and v["ship_city"])

    assert replay(rt, account, run_id=run_id).changes == []  # the rule applied: replaying again is a no-op


def test_replay_into_a_scratch_database_via_the_cli(
    synced: tuple[SandboxWorld, Runtime, int], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, rt, account = synced
    run_id = _orders_run(rt, account)
    scratch = create_database(tmp_path, "scratch")
    monkeypatch.setenv("ROBNU_DATA_DIR", str(rt.settings.data_dir))
    monkeypatch.setenv("ROBNU_DATABASE_URL", str(rt.settings.database_url))
    monkeypatch.setenv("ROBNU_ENDPOINTS", "{}")  # a replay never needs to reach a marketplace
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["replay", str(account), "--run", str(run_id), "--into", scratch])
        assert result.exit_code == 0, result.output
        engine = make_engine(scratch)
        try:
            copied = {v["external_id"]: v["ship_city"] for k, v in _rows(engine).items() if k[0] == "orders"}
        finally:
            engine.dispose()
        stored = {v["external_id"]: v["ship_city"] for k, v in _rows(rt.engine).items() if k[0] == "orders"}
        assert copied == stored and len(stored) > 0
        assert "inserted orders" in result.output and "row(s) changed in" in result.output
    finally:
        get_settings.cache_clear()
        drop_database(scratch)


def test_bad_requests_name_the_option(synced: tuple[SandboxWorld, Runtime, int]) -> None:
    _, rt, account = synced
    with pytest.raises(InvalidInput, match="run"):
        replay(rt, account, run_id=_orders_run(rt, account), start=rt.clock.now())
    with pytest.raises(InvalidInput, match="from"):
        replay(rt, account)
    with pytest.raises(NotFound, match="no page"):
        replay(rt, account, start=rt.clock.now() - timedelta(days=9), end=rt.clock.now() - timedelta(days=8))
    with pytest.raises(NotFound):
        replay(rt, account, run_id=99_999)
