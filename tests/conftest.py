"""Shared fixtures: a real database per test (SQLite file, or PostgreSQL when ROBNU_TEST_DATABASE_URL
points at a server), a runtime wired to it, and the in-process sandbox world."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from robnu import migrations
from robnu.config import Settings
from robnu.db.engine import make_engine
from robnu.services.runtime import Runtime
from robnu.testing import wiring
from robnu.testing.database import create_database, drop_database, empty_tables, server_url

PG_URL = server_url()
FIXED_NOW = wiring.FIXED_NOW  # 12:00 IST
_empty_tables = empty_tables


@pytest.fixture(scope="session")
def migrated_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated database per test process; tests empty it before use."""
    url = create_database(tmp_path_factory.mktemp("db"), "main")
    engine = make_engine(url)
    migrations.upgrade(engine)
    engine.dispose()
    yield url
    drop_database(url)


@pytest.fixture
def settings(tmp_path: Path, migrated_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=migrated_url, http_backoff_base_seconds=0.01)


@pytest.fixture
def rt(settings: Settings) -> Iterator[Runtime]:
    runtime = Runtime.create(settings)
    _empty_tables(runtime.engine)
    yield runtime
    runtime.engine.dispose()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules holding a ``slow`` test run first (each module kept whole, in its own order): a minute-long test
    started last would leave one xdist worker running it alone at the end. (Groups are sent first by xdist.)"""
    slow_modules = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_modules)


def pytest_report_header(config: pytest.Config) -> str:
    return f"robnu database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite (temporary files)'}"
