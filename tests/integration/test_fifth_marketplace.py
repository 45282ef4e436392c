"""The fifth-marketplace proof: a row, a satellite migration and an adapter — no leaf-table change — and
its dispatch flow run by the core's engine, reaching Robnu's state only through the store port."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, inspect, select

from robnu import migrations
from robnu.adapters.base import HttpFactory
from robnu.adapters.http import HttpPolicy
from robnu.adapters.registry import registry
from robnu.config import Settings
from robnu.db.engine import make_engine
from robnu.db.models import LEAF_TABLES, Order, OrderItem, SyncQuarantine
from robnu.db.processing_models import OrderProcessing, ProcessingBatch
from robnu.db.stock_models import Document
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.statuses import SyncRunStatus
from robnu.sandbox.transport import InProcessTransport
from robnu.services.accounts import connect_account, create_seller, show_account
from robnu.services.processing import process_account
from robnu.services.runtime import Runtime
from robnu.services.sync import SyncEngine
from robnu.services.validation import validate_account
from tests.conftest import FIXED_NOW, create_database, drop_database
from tests.fifth_marketplace import sandbox
from tests.fifth_marketplace.adapter import KiranaHubAdapter
from tests.fifth_marketplace.processing import KiranaHubProcessingAdapter
from tests.processing.crash import SimulatedCrash, crash_after

VERSIONS = str(Path(__file__).parents[1] / "fifth_marketplace" / "migrations")


def _leaf_schema(engine: Engine) -> dict[str, list[tuple[str, str]]]:
    insp = inspect(engine)
    return {t: sorted((c["name"], str(c["type"])) for c in insp.get_columns(t)) for t in LEAF_TABLES}


Kirana = tuple[Runtime, list[dict[str, object]], sandbox.Dispatch]


@pytest.fixture
def kirana_rt(tmp_path: Path) -> Iterator[Kirana]:
    url = create_database(tmp_path, "fifth")
    engine = make_engine(url)
    migrations.upgrade(engine)
    before = _leaf_schema(engine)
    migrations.upgrade(engine, extra_version_locations=[VERSIONS])  # the marketplace's own migration
    assert _leaf_schema(engine) == before  # no leaf table changed
    assert "kirana_hub_account_details" in inspect(engine).get_table_names()
    orders = sandbox.build_orders(35)
    dispatch = sandbox.Dispatch()
    http = HttpFactory(
        policy=HttpPolicy(backoff_base=0.01),
        endpoints={"KIRANA_HUB": {"api": "http://kirana.sandbox"}},
        transport=InProcessTransport(sandbox.create_app(orders, dispatch)),
    )
    from robnu.domain.clock import ManualClock

    rt = Runtime.create(
        Settings(data_dir=tmp_path / "d", database_url=url, backfill_days=60),
        http=http,
        clock=ManualClock(FIXED_NOW),
        engine=engine,
    )
    registry.register(KiranaHubAdapter)
    try:
        yield rt, orders, dispatch
    finally:
        registry.unregister("KIRANA_HUB")
        http.transport.close()  # the in-process sandbox's event loop: not left to the interpreter's exit
        engine.dispose()
        drop_database(url)


def test_fifth_marketplace_syncs_into_unchanged_leaf_tables(kirana_rt: Kirana) -> None:
    rt, orders, _ = kirana_rt
    orders[3]["total"] = "not-a-number"  # one bad record: quarantined, the run goes on
    seller = create_seller(rt, "Corner Store")
    account = connect_account(rt, seller, "KIRANA_HUB", {"shop_id": "KH0042", "api_token": sandbox.SHOP_TOKEN})
    assert show_account(rt, account).credentials == {"shop_id": "KH0042", "api_token": "********"}  # none of it
    assert validate_account(rt, account).status == "VALID"

    outcome = SyncEngine(rt).run(account, ScheduleTarget.ORDERS)
    assert outcome.status is SyncRunStatus.PARTIAL
    assert (outcome.fetched, outcome.inserted, outcome.quarantined) == (35, 34, 1)
    with rt.sessions() as s:
        assert s.execute(select(func.count(Order.id))).scalar_one() == 34
        assert s.execute(select(func.count(OrderItem.id))).scalar_one() == 34
        assert s.execute(select(SyncQuarantine.external_id)).scalar_one() == "KH-00003"
        order = s.execute(select(Order).where(Order.external_id == "KH-00010")).scalar_one()
        assert str(order.order_total) == "110.5000" and order.marketplace_account_id == account

    again = SyncEngine(rt).run(account, ScheduleTarget.ORDERS, since=FIXED_NOW.replace(month=10))
    assert (again.inserted, again.updated) == (0, 0)  # idempotent


def test_unregistered_code_is_a_clear_error() -> None:
    from robnu.domain.errors import UnknownMarketplace

    with pytest.raises(UnknownMarketplace, match=r"KIRANA_HUB.*no registered adapter"):
        registry.get("KIRANA_HUB")


def test_fifth_marketplace_runs_its_dispatch_flow_on_the_engine_through_the_port(kirana_rt: Kirana) -> None:
    rt, orders, dispatch = kirana_rt
    registry.unregister("KIRANA_HUB")
    registry.register(KiranaHubProcessingAdapter)  # the same marketplace, with its flow declared
    seller = create_seller(rt, "Corner Store", plan="GROWTH")
    account = connect_account(rt, seller, "KIRANA_HUB", {"shop_id": "KH0042", "api_token": sandbox.SHOP_TOKEN})
    assert SyncEngine(rt).run(account, ScheduleTarget.ORDERS).inserted == 35
    orders[7]["state"] = "cancelled"  # cancelled at Kirana Hub after the sync: refused at acceptance
    orders[9]["ship_to"] = {"pincode": "110001", "state_code": "29"}  # a Delhi pincode on a Karnataka order
    orders[9]["updated"] = (sandbox.BASE + timedelta(days=1)).isoformat()
    SyncEngine(rt).run(account, ScheduleTarget.ORDERS, since=FIXED_NOW.replace(month=10))

    with pytest.raises(SimulatedCrash):  # dies after accepting at Kirana Hub, before recording it
        process_account(rt, account, ledger=crash_after(3))
    report = process_account(rt, account)

    # The address hold was recorded by the run that crashed later (stage 1 had finished); this run's
    # report has the acceptance refused again after the resume.
    assert (report.processed, report.held) == (33, 1)
    assert report.exceptions == ["KH-00007 at accept: Kirana Hub refused: not open"]
    live = {o["id"] for o in orders} - {"KH-00007", "KH-00009"}
    assert dispatch.accepts == Counter(dict.fromkeys(live, 1))  # accepted once, though the first run crashed
    assert dispatch.handed == Counter(dict.fromkeys(live, 1)) and len(dispatch.handovers) == 1
    with rt.sessions() as s:
        labels = s.execute(select(Document.external_ref).where(Document.doc_type == "LABEL")).scalars().all()
        assert sorted(labels) == sorted(f"KHX{oid[3:]}" for oid in live)
        manifest = s.execute(select(Document).where(Document.doc_type == "MANIFEST")).scalar_one()
        assert manifest.external_ref == next(iter(dispatch.handovers))
        batch = s.execute(select(ProcessingBatch)).scalar_one()
        assert (batch.stage, batch.status, batch.manifest_ref) == (5, "CLOSED", manifest.external_ref)
        held = s.execute(select(OrderProcessing).where(OrderProcessing.status == "HELD")).scalars().all()
        assert {(h.stage, h.held_reason) for h in held} == {
            (0, "buyer pincode 110001 does not belong to state 29"),
            (2, "Kirana Hub refused: not open"),
        }
