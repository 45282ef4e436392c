"""Alembic migrations, run programmatically (``robnu db upgrade``) on SQLite and PostgreSQL.

Third-party marketplaces ship their satellite migration in their own version directory, declared
through the ``robnu.migrations`` entry-point group (see ``robnu.plugins`` for the forms it takes), branched
from Robnu's core (``plugin.PLUGIN_DEPENDS_ON``); ``upgrade`` applies every head.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from robnu import plugins

HERE = Path(__file__).resolve().parent
CORE_HEAD = "0020_covered_indexes"


def _extra_locations() -> list[str]:
    return [plugins.migration_location(ep) for ep in plugins.group(plugins.MIGRATIONS)]


def alembic_config(engine: Engine, extra_version_locations: Sequence[str] = ()) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    locations = [str(HERE / "versions"), *_extra_locations(), *extra_version_locations]
    cfg.set_main_option("version_locations", " ".join(locations))
    cfg.set_main_option("path_separator", "space")
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "heads", extra_version_locations: Sequence[str] = ()) -> None:
    before = current_heads(engine)
    command.upgrade(alembic_config(engine, extra_version_locations), revision)
    if engine.dialect.name == "postgresql" and current_heads(engine) != before:
        _secure(engine)


def _secure(engine: Engine) -> None:
    """Row-level security and role grants for whatever the upgrade created (idempotent; see robnu.db.rls).
    Only once the tenancy revision has installed its function: below it there is nothing to secure yet."""
    from sqlalchemy import text

    from robnu.adapters.registry import registry
    from robnu.db import rls

    satellites = {a.code: a.satellite.model.__tablename__ for a in registry.all()}
    with engine.begin() as conn:
        if conn.execute(text("SELECT to_regproc('app_current_seller_id') IS NOT NULL")).scalar_one():
            rls.install(conn, satellites)


def downgrade(engine: Engine, revision: str, extra_version_locations: Sequence[str] = ()) -> None:
    command.downgrade(alembic_config(engine, extra_version_locations), revision)


def current_heads(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def pending(engine: Engine, extra_version_locations: Sequence[str] = ()) -> bool:
    """Some head is not applied. A head that an applied plug-in branch depends on counts as applied: Alembic
    then records only the plug-in's revision (a plug-in built on the core head leaves that one row)."""
    script = ScriptDirectory.from_config(alembic_config(engine, extra_version_locations))
    current = current_heads(engine)
    applied = {r.revision for r in script.iterate_revisions(tuple(current), "base")} if current else set()
    return not set(script.get_heads()) <= applied
