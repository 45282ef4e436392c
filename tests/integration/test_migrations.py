"""Migrations round-trip and match the models, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from robnu import migrations
from robnu.adapters.registry import registry
from robnu.db.engine import make_engine
from robnu.db.models import Base
from tests.conftest import create_database, drop_database


def test_upgrade_downgrade_upgrade(tmp_path: Path) -> None:
    url = create_database(tmp_path, "mig")
    engine = make_engine(url)
    try:
        migrations.upgrade(engine)
        tables = set(inspect(engine).get_table_names())
        assert {"orders", "marketplace_accounts", "ajio_account_details", "flipkart_account_details"} <= tables
        assert migrations.current_heads(engine) == {migrations.CORE_HEAD}
        migrations.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrations.upgrade(engine)
        with engine.connect() as c:
            codes = c.execute(text("SELECT code FROM marketplaces ORDER BY id")).scalars().all()
        assert codes == ["AJIO", "MEESHO", "AMAZON_IN", "FLIPKART"]
        assert not migrations.pending(engine)
    finally:
        engine.dispose()
        drop_database(url)


def test_models_match_migrations(tmp_path: Path) -> None:
    registry.all()  # satellite models join the metadata
    url = create_database(tmp_path, "cmp")
    engine = make_engine(url)
    try:
        migrations.upgrade(engine)
        with engine.connect() as c:
            diff = compare_metadata(MigrationContext.configure(c, opts={"compare_type": False}), Base.metadata)
        assert diff == []
    finally:
        engine.dispose()
        drop_database(url)
