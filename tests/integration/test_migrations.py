"""Migrations round-trip and match the models, on SQLite and PostgreSQL, with or without third-party
marketplaces installed (their branches are heads too; their registry rows follow the four built-ins)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

import tests.fifth_marketplace.adapter  # noqa: F401  (its satellite joins Base's metadata, as a plugin's does)
from robnu import migrations
from robnu.adapters.registry import registry
from robnu.db.engine import make_engine
from robnu.db.models import Base
from tests.conftest import create_database, drop_database

BUILT_IN = ["AJIO", "MEESHO", "AMAZON_IN", "FLIPKART"]
KIRANA_VERSIONS = str(Path(__file__).parents[1] / "fifth_marketplace" / "migrations")


def _codes(engine: Engine) -> list[str]:
    with engine.connect() as c:
        return list(c.execute(text("SELECT code FROM marketplaces ORDER BY id")).scalars())


def test_upgrade_downgrade_upgrade(tmp_path: Path) -> None:
    url = create_database(tmp_path, "mig")
    engine = make_engine(url)
    try:
        migrations.upgrade(engine)
        tables = set(inspect(engine).get_table_names())
        assert {"orders", "marketplace_accounts", "ajio_account_details", "flipkart_account_details"} <= tables
        heads = set(ScriptDirectory.from_config(migrations.alembic_config(engine)).get_heads())
        assert migrations.CORE_HEAD in heads  # the others: one branch per installed third-party marketplace
        # (a plug-in branch built on the core head is recorded alone: the core head is then implied by it)
        assert migrations.current_heads(engine) <= heads and not migrations.pending(engine)
        codes = _codes(engine)
        assert codes[: len(BUILT_IN)] == BUILT_IN
        for code in codes[len(BUILT_IN) :]:  # an installed plugin's row comes with its adapter
            assert registry.get(code).code == code
        migrations.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrations.upgrade(engine)
        assert _codes(engine) == codes
        assert not migrations.pending(engine)
    finally:
        engine.dispose()
        drop_database(url)


def test_models_match_migrations(tmp_path: Path) -> None:
    registry.all()  # satellite models of the built-in and installed adapters join the metadata
    url = create_database(tmp_path, "cmp")
    engine = make_engine(url)
    try:
        migrations.upgrade(engine, extra_version_locations=[KIRANA_VERSIONS])  # the in-repo fifth marketplace
        with engine.connect() as c:
            diff = compare_metadata(MigrationContext.configure(c, opts={"compare_type": False}), Base.metadata)
        assert diff == []
    finally:
        engine.dispose()
        drop_database(url)


def test_registry_rows_are_keyed_by_code_and_statuses_are_checked(tmp_path: Path) -> None:
    """A plugin's row gets its id from the database (no integer chosen by hand, so none can collide), a code
    is there once, and a status outside LIVE/BETA/DISABLED is refused by the database itself."""
    url = create_database(tmp_path, "reg")
    engine = make_engine(url)
    try:
        migrations.upgrade(engine, extra_version_locations=[KIRANA_VERSIONS])
        with engine.begin() as c:
            c.execute(text("INSERT INTO marketplaces (code, display_name, status) VALUES ('ZZ_ONE', 'One', 'BETA')"))
            c.execute(text("INSERT INTO marketplaces (code, display_name, status) VALUES ('ZZ_TWO', 'Two', 'LIVE')"))
            ids = dict(c.execute(text("SELECT code, id FROM marketplaces")).tuples().all())
        assert len(set(ids.values())) == len(ids) and ids["KIRANA_HUB"] > ids["FLIPKART"]
        for code, status in (("ZZ_ONE", "BETA"), ("ZZ_BAD", "RETIRED")):
            with pytest.raises(IntegrityError), engine.begin() as c:
                c.execute(
                    text("INSERT INTO marketplaces (code, display_name, status) VALUES (:c, 'x', :s)"),
                    {"c": code, "s": status},
                )
        migrations.downgrade(engine, "kirana_hub@base", extra_version_locations=[KIRANA_VERSIONS])
        assert "KIRANA_HUB" not in _codes(engine)
    finally:
        engine.dispose()
        drop_database(url)
