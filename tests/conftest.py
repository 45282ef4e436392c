"""Shared fixtures: a real database per test (SQLite file, or PostgreSQL when ROBNU_TEST_DATABASE_URL
points at a server), a runtime wired to it, and the in-process sandbox world."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from robnu import migrations
from robnu.config import Settings
from robnu.db.engine import make_engine
from robnu.db.models import Base
from robnu.services.runtime import Runtime

PG_URL = os.environ.get("ROBNU_TEST_DATABASE_URL", "")
FIXED_NOW = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)  # 12:00 IST


def _pg_admin() -> Engine:
    return make_engine(PG_URL, isolation_level="AUTOCOMMIT")


def create_database(tmp_path: Path, label: str) -> str:
    """A fresh, empty database of the configured kind; returns its URL."""
    if not PG_URL:
        return f"sqlite:///{tmp_path / f'{label}.sqlite3'}"
    name = f"robnu_t_{label}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = _pg_admin()
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_URL.rsplit("/", 1)[0] + "/" + name


def drop_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    name = url.rsplit("/", 1)[1]
    admin = _pg_admin()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated database per test process; tests empty it before use."""
    url = create_database(tmp_path_factory.mktemp("db"), "main")
    engine = make_engine(url)
    migrations.upgrade(engine)
    engine.dispose()
    yield url
    drop_database(url)


def _empty_tables(engine: Engine) -> None:
    # A satellite model imported by a test whose migration this database has not run is not a table here.
    present = set(inspect(engine).get_table_names())
    names = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name != "marketplaces" and t.name in present]
    with engine.begin() as c:
        if engine.dialect.name == "postgresql":
            c.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE"))
        else:
            for n in names:
                c.execute(text(f'DELETE FROM "{n}"'))


@pytest.fixture
def settings(tmp_path: Path, migrated_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=migrated_url, http_backoff_base_seconds=0.01)


@pytest.fixture
def rt(settings: Settings) -> Iterator[Runtime]:
    runtime = Runtime.create(settings)
    _empty_tables(runtime.engine)
    yield runtime
    runtime.engine.dispose()


def pytest_report_header(config: pytest.Config) -> str:
    return f"robnu database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite (temporary files)'}"
