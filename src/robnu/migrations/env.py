"""Alembic environment: runs against the engine handed over in ``config.attributes``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

import robnu.adapters.registry  # noqa: F401  (satellite models join the metadata)
from robnu.db.models import Base

config = context.config
engine: Engine = config.attributes["engine"]

sqlite = engine.dialect.name == "sqlite"

with engine.connect() as connection:
    if sqlite:
        # SQLite alters a table by copying it and dropping the original; with foreign keys on, that DROP
        # deletes the rows of every table referencing it ON DELETE CASCADE. Off for the migration (the pragma
        # only works outside a transaction, hence before it), checked after, back on before the connection
        # returns to the pool.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=sqlite,  # SQLite alters tables by copy
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left rows that break a foreign key: {broken[:5]}")
        connection.commit()
    finally:
        if sqlite:
            connection.rollback()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
