"""Engine and session construction. SQLite gets WAL and a busy timeout so workers and the CLI coexist."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

SQLITE_CACHED_STATEMENTS = 16
SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("postgresql"):
        # Tenants differ in size by orders of magnitude: a prepared statement's generic plan (chosen without the
        # seller's id) can be 100x slower for the big seller than the plan for its actual values. Plan every
        # execution with its values; the statements stay prepared (no re-parse).
        options = kwargs.setdefault("connect_args", {}).get("options", "")
        kwargs["connect_args"]["options"] = f"{options} -c plan_cache_mode=force_custom_plan".strip()
    if url.startswith("sqlite"):
        # Python's sqlite3 keeps 128 prepared statements per connection; multi-row upserts of every batch
        # size are distinct statements, so a long sync held ~80 MiB per pooled connection (docs/benchmarks.md).
        kwargs["connect_args"] = {"cached_statements": SQLITE_CACHED_STATEMENTS, **kwargs.get("connect_args", {})}
    engine = create_engine(url, future=True, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
