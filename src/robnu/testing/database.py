"""A real database for a test run: a SQLite file, or a fresh PostgreSQL database when
``ROBNU_TEST_DATABASE_URL`` points at a server (each created database is dropped afterwards)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from robnu import migrations
from robnu.db.engine import make_engine
from robnu.db.models import Base

PG_URL_VARIABLE = "ROBNU_TEST_DATABASE_URL"


def server_url() -> str:
    """The PostgreSQL server to create test databases on ("" for SQLite)."""
    return os.environ.get(PG_URL_VARIABLE, "")


def create_database(tmp_path: Path, label: str) -> str:
    """A fresh, empty database of the configured kind; returns its URL."""
    pg = server_url()
    if not pg:
        return f"sqlite:///{tmp_path / f'{label}.sqlite3'}"
    name = f"robnu_t_{label}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = make_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))  # a generated name
    admin.dispose()
    return pg.rsplit("/", 1)[0] + "/" + name


def drop_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    name = url.rsplit("/", 1)[1]
    admin = make_engine(server_url() or url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def migrated_database(tmp_path: Path, label: str) -> str:
    """``create_database`` brought to every head: core, satellites and each installed plug-in's branch."""
    url = create_database(tmp_path, label)
    engine = make_engine(url)
    try:
        migrations.upgrade(engine)
    finally:
        engine.dispose()
    return url


def empty_tables(engine: Engine) -> None:
    """Every table emptied except the registry, so each test starts from nothing on a migrated database."""
    # A satellite model imported by a test whose migration this database has not run is not a table here.
    present = set(inspect(engine).get_table_names())
    names = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name != "marketplaces" and t.name in present]
    if engine.dialect.name == "postgresql":
        _empty_postgresql(engine, names)
        return
    with engine.begin() as c:
        for n in names:
            c.execute(text(f'DELETE FROM "{n}"'))  # noqa: S608  (names from the models, not input)


def _empty_postgresql(engine: Engine, names: list[str]) -> None:
    """What ``TRUNCATE <names> RESTART IDENTITY CASCADE`` leaves, for a fraction of its cost: TRUNCATE takes
    about 2 ms per table even when empty (new relation files), so only the tables a test touched are emptied,
    by DELETE in dependency order, and only their used sequences restarted. A row elsewhere that still refers
    to them (a table outside the models) falls back to the TRUNCATE."""
    with engine.begin() as c:
        probes = " UNION ALL ".join(
            f"SELECT '{n}' WHERE EXISTS (SELECT 1 FROM \"{n}\")"  # noqa: S608  (names from the models)
            for n in names
        )
        with_rows = {str(n) for n in c.execute(text(probes)).scalars()}
        used = [(str(t), str(q)) for t, q in c.execute(_USED_SEQUENCES).tuples() if t in names]
    statements = [f'DELETE FROM "{n}"' for n in names if n in with_rows]  # noqa: S608
    statements += [f'ALTER SEQUENCE "{q}" RESTART' for _, q in used]
    if not statements:
        return
    try:
        with engine.begin() as c:
            c.exec_driver_sql("; ".join(statements))
    except IntegrityError:
        with engine.begin() as c:
            c.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE"))


# Sequences that have handed out a value, with the table owning them (identity and serial columns).
_USED_SEQUENCES = text(
    """
    SELECT t.relname, s.relname FROM pg_sequences q
    JOIN pg_namespace n ON n.nspname = q.schemaname
    JOIN pg_class s ON s.relname = q.sequencename AND s.relnamespace = n.oid AND s.relkind = 'S'
    JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
    JOIN pg_class t ON t.oid = d.refobjid
    WHERE q.schemaname = current_schema() AND q.last_value IS NOT NULL
    """
)
