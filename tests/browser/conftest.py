"""The browser suite's world: one database with the demo seller (four marketplaces, from the in-process
sandboxes) and a second seller, the dashboard served by uvicorn on a free localhost port, and Debian's
Chromium driven by Playwright (never a downloaded browser). Built once per module; screenshots go to
``tmp/artifacts`` (``ROBNU_ARTIFACTS_DIR``)."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import select

from robnu.cli.demo_run import DemoData, build_demo, wire_demo_world
from robnu.config import Settings
from robnu.db.models import Marketplace, MarketplaceAccount, Order
from robnu.domain.marketplace import ScheduleTarget
from robnu.sandbox.server import free_port
from robnu.sandbox.world import SandboxWorld
from robnu.services.accounts import connect_account, create_seller
from robnu.services.runtime import Runtime
from robnu.services.sync import SyncEngine
from robnu.web.serve import build_app
from tests.browser.signin import add_people
from tests.conftest import _empty_tables

CHROMIUM = os.environ.get("ROBNU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(os.environ.get("ROBNU_ARTIFACTS_DIR", Path(__file__).resolve().parents[2] / "tmp" / "artifacts"))
AXE = Path(__file__).resolve().parent / "vendor" / "axe-4.14.1.min.js"
DEMO_ORDERS = 30

if not shutil.which(CHROMIUM):
    pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


@dataclass
class Served:
    url: str
    rt: Runtime
    world: SandboxWorld
    demo: DemoData
    other_seller_id: int
    other_order_id: int


def _other_seller(rt: Runtime, world: SandboxWorld) -> tuple[int, int]:
    """Seller B: one Meesho account with a few synced orders, to prove seller A never sees them."""
    seller_id = create_seller(rt, "Other Seller")
    sandbox = world["MEESHO"]
    creds: dict[str, Any] = sandbox.create_account()
    sandbox.generate_orders(creds["account_key"], 5)
    fields = rt.registry.get("MEESHO").satellite.credentials.model_fields
    account_id = connect_account(rt, seller_id, "MEESHO", {k: v for k, v in creds.items() if k in fields})
    SyncEngine(rt).run(account_id, ScheduleTarget.ORDERS)
    with rt.sessions() as s:
        order_id = s.execute(select(Order.id).where(Order.seller_id == seller_id).limit(1)).scalar_one()
    return seller_id, order_id


class ServerThread:
    def __init__(self, app: Any) -> None:
        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="dashboard-under-test", daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the dashboard did not start")
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def world_db(tmp_path_factory: pytest.TempPathFactory, migrated_url: str) -> Iterator[tuple[Runtime, SandboxWorld]]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("dashboard-data"), database_url=migrated_url, http_backoff_base_seconds=0.01
    )
    rt = Runtime.create(settings)
    _empty_tables(rt.engine)
    world = wire_demo_world(rt, seed=7)
    try:
        yield rt, world
    finally:
        world.close()
        rt.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [v for v in result if v.get("impact") in ("serious", "critical")]


def account_of(rt: Runtime, seller_id: int, code: str) -> int:
    with rt.sessions() as s:
        return int(
            s.execute(
                select(MarketplaceAccount.id)
                .join(Marketplace, Marketplace.id == MarketplaceAccount.marketplace_id)
                .where(MarketplaceAccount.seller_id == seller_id, Marketplace.code == code)
                .order_by(MarketplaceAccount.id)
                .limit(1)
            ).scalar_one()
        )


@pytest.fixture(scope="module")
def served(world_db: tuple[Runtime, SandboxWorld]) -> Iterator[Served]:
    rt, world = world_db
    demo = build_demo(rt, world, orders=DEMO_ORDERS, seed=7, name="Demo Seller")
    other_seller, other_order = _other_seller(rt, world)
    add_people(rt, demo.seller_id, other_seller)
    with ServerThread(build_app(rt)) as url:
        yield Served(url, rt, world, demo, other_seller, other_order)
