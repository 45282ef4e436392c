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
CORE_HEAD = "0017_registry"


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
    command.upgrade(alembic_config(engine, extra_version_locations), revision)


def downgrade(engine: Engine, revision: str, extra_version_locations: Sequence[str] = ()) -> None:
    command.downgrade(alembic_config(engine, extra_version_locations), revision)


def current_heads(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def pending(engine: Engine, extra_version_locations: Sequence[str] = ()) -> bool:
    script = ScriptDirectory.from_config(alembic_config(engine, extra_version_locations))
    return set(script.get_heads()) != current_heads(engine)
