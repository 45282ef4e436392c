"""The wiring one process needs: settings, database, key ring, adapter registry, HTTP factory, clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from robnu import migrations
from robnu.adapters.base import HttpFactory
from robnu.adapters.http import HttpPolicy
from robnu.adapters.registry import AdapterRegistry, registry
from robnu.config import Settings, get_settings
from robnu.db.engine import make_engine, make_session_factory
from robnu.domain.clock import Clock, SystemClock
from robnu.security.keyring import KeyRing
from robnu.security.vault import CredentialVault
from robnu.services.key_setup import open_ring
from robnu.services.storage import Storage


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    vault: CredentialVault
    storage: Storage
    registry: AdapterRegistry = field(default_factory=lambda: registry)
    http: HttpFactory = field(default_factory=HttpFactory)
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    def create(
        cls,
        settings: Settings | None = None,
        *,
        http: HttpFactory | None = None,
        clock: Clock | None = None,
        ring: KeyRing | None = None,
        engine: Engine | None = None,
    ) -> Runtime:
        settings = settings or get_settings()
        engine = engine or make_engine(settings.resolved_database_url())
        policy = HttpPolicy(
            max_retries=settings.http_max_retries,
            backoff_base=settings.http_backoff_base_seconds,
            timeout=settings.http_timeout_seconds,
        )
        return cls(
            settings=settings,
            engine=engine,
            sessions=make_session_factory(engine),
            # Opened on first use, against this database (see key_setup): no command creates keys by accident.
            vault=CredentialVault(ring or partial(open_ring, settings, engine, registry)),
            storage=Storage.from_url(settings.storage_url, settings.data_dir),
            http=http or HttpFactory(policy=policy, endpoints=settings.endpoints),
            clock=clock or SystemClock(),
        )

    def __repr__(self) -> str:
        return f"Runtime(db={self.engine.url.render_as_string(hide_password=True)})"

    def upgrade_database(self) -> None:
        migrations.upgrade(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error: nothing half-written."""
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
