"""Opening the master key ring safely for one database.

* A new ring is created only for a database that holds no sealed secret (the first start of an embedded
  install) or on an explicit ``robnu keys init``. A missing key file in front of sealed secrets is an error
  that names the file and what to do: silently starting a new ring would seal new accounts under a key the
  real ring lacks.
* Every key that has sealed something leaves a fingerprint in ``master_key_checks``; a ring that brings a
  different key under a known id is refused when it opens ("wrong key"), rather than every secret later
  reading as tampered. The first time a key id is seen, it must open the secrets already sealed under it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator

from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from robnu.adapters.registry import AdapterRegistry
from robnu.config import Settings
from robnu.db.dialect import insert_for
from robnu.db.engine import SQLITE_BUSY_TIMEOUT_MS
from robnu.db.key_models import MasterKeyCheck
from robnu.db.models import Marketplace, MarketplaceAccessToken, MarketplaceAccount
from robnu.domain.clock import SystemClock
from robnu.domain.errors import DecryptionFailed, KeyNotFound, KeyRingError, UnknownMarketplace
from robnu.security import envelope
from robnu.security.keyring import KeyProvider, KeyRing, MasterKey, key_provider
from robnu.security.vault import Binding

log = logging.getLogger(__name__)

DAMAGED = "(damaged)"  # the key id of a stored value that is not a Robnu ciphertext at all
_SAMPLE = 3  # stored secrets tried before a key seen for the first time is trusted


def sealed_values(session: Session, registry: AdapterRegistry) -> Iterator[tuple[str, Binding]]:
    """Every stored ciphertext with where it lives: each satellite's secret columns, each cached token.
    Accounts of a marketplace whose adapter is not installed here are skipped (nothing to read them with)."""
    rows = session.execute(
        select(MarketplaceAccount.id, MarketplaceAccount.seller_id, Marketplace.code)
        .join(Marketplace)
        .order_by(MarketplaceAccount.id)
    ).all()
    for account_id, seller_id, code in rows:
        try:
            spec = registry.get(code).satellite
        except UnknownMarketplace:
            continue
        row = session.get(spec.model, account_id)
        if row is not None:
            for column in spec.secrets.values():
                yield getattr(row, column), Binding(seller_id, spec.table, account_id, column)
    tokens = session.execute(
        select(
            MarketplaceAccessToken.token_ciphertext,
            MarketplaceAccessToken.seller_id,
            MarketplaceAccessToken.marketplace_account_id,
        )
    ).all()
    for token, seller_id, account_id in tokens:
        yield token, Binding(seller_id, "marketplace_access_tokens", account_id, "token_ciphertext")


def kid_of(token: str) -> str:
    try:
        return envelope.key_id_of(token)
    except DecryptionFailed:
        return DAMAGED


def keys_in_use(session: Session, registry: AdapterRegistry) -> Counter[str]:
    """How many stored ciphertexts each key id wraps (``DAMAGED`` counts values that are no ciphertext)."""
    return Counter(kid_of(token) for token, _ in sealed_values(session, registry))


def _has_accounts(engine: Engine) -> bool:
    if not inspect(engine).has_table("marketplace_accounts"):
        return False
    with Session(engine) as s:
        return s.execute(select(MarketplaceAccount.id).limit(1)).first() is not None


def _where(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def open_ring(settings: Settings, engine: Engine, registry: AdapterRegistry) -> KeyRing:
    """The configured ring, checked against this database; created only when the database holds no secret."""
    provider = key_provider(settings)
    ring = provider.load()
    if ring is None:
        if _has_accounts(engine):
            raise _missing(provider, engine, registry)
        ring = provider.create()
        log.warning("created a new master key ring (%s): back it up with the database", provider.description)
    verify(engine, ring, registry)
    return ring


def _missing(provider: KeyProvider, engine: Engine, registry: AdapterRegistry) -> KeyRingError:
    with Session(engine) as s:
        used = keys_in_use(s, registry)
    sealed = ", ".join(f"{kid} ({n})" for kid, n in sorted(used.items())) or "none readable"
    return KeyRingError(
        f"{provider.description} is missing, but the database {_where(engine)} holds {sum(used.values())} "
        f"secrets sealed under keys: {sealed}. Restore the key file from your backup, or point ROBNU_KEY_FILE "
        "(or ROBNU_MASTER_KEYS) at the keys. Only to start over with a new key, losing those secrets, run "
        "`robnu keys init --yes` and reconnect every account."
    )


def init_ring(settings: Settings, engine: Engine, registry: AdapterRegistry, *, orphan_secrets: bool) -> KeyRing:
    """``robnu keys init``: a new ring where none exists. With secrets already sealed, only if the operator
    accepts (``orphan_secrets``) that they stay unreadable until their key is found."""
    provider = key_provider(settings)
    if provider.load() is not None:
        raise KeyRingError(f"{provider.description} already exists; `robnu keys rotate` adds a key to it")
    if _has_accounts(engine) and not orphan_secrets:
        raise _missing(provider, engine, registry)
    ring = provider.create()
    record_check(engine, ring.active())
    return ring


def verify(engine: Engine, ring: KeyRing, registry: AdapterRegistry) -> None:
    """Refuse a ring whose key differs from the one a key id sealed data with; fingerprint new key ids."""
    if not inspect(engine).has_table(MasterKeyCheck.__tablename__):
        return  # not migrated yet: checked on the next start
    with Session(engine) as s:
        known = dict(s.execute(select(MasterKeyCheck.kid, MasterKeyCheck.check_value)).tuples().all())
        for kid, key in ring.keys.items():
            if kid in known and known[kid] != key.check_value():
                raise _wrong(ring, kid)
        fresh = [key for kid, key in ring.keys.items() if kid not in known]
        if not fresh:
            return
        for key in fresh:
            if not _opens_what_it_sealed(s, registry, ring, key):
                raise _wrong(ring, key.kid)
    for key in fresh:
        record_check(engine, key, best_effort=True)


def _opens_what_it_sealed(session: Session, registry: AdapterRegistry, ring: KeyRing, key: MasterKey) -> bool:
    """True if ``key`` opens one of a few secrets sealed under its id (or nothing is sealed under it yet)."""
    tried = 0
    for token, binding in sealed_values(session, registry):
        if kid_of(token) != key.kid:
            continue
        tried += 1
        try:
            envelope.decrypt(ring, token, binding.aad())
            return True
        except (DecryptionFailed, KeyNotFound):
            if tried >= _SAMPLE:
                return False
    return tried == 0


def _wrong(ring: KeyRing, kid: str) -> KeyRingError:
    return KeyRingError(
        f"master key {kid} from {ring.description} is not the key this database's secrets were sealed with "
        "(its fingerprint differs). It is probably another installation's key: restore the right keys."
    )


def record_check(engine: Engine, key: MasterKey, *, best_effort: bool = False) -> None:
    """Store ``key``'s fingerprint (once per key id).

    ``best_effort``: the ring is opened lazily, possibly while this thread's own session holds SQLite's one
    write lock; waiting for it would wait for ourselves. Then the write is tried briefly and otherwise left
    to the next start (the key still opens what it sealed, which is what the fingerprint will record)."""
    if not inspect(engine).has_table(MasterKeyCheck.__tablename__):
        return
    sqlite = engine.dialect.name == "sqlite"
    with Session(engine) as s:
        try:
            if sqlite and best_effort:
                s.execute(text("PRAGMA busy_timeout=200"))
            s.execute(
                insert_for(s)(MasterKeyCheck)
                .values(kid=key.kid, check_value=key.check_value(), recorded_at=SystemClock().now())
                .on_conflict_do_nothing(index_elements=["kid"])
            )
            s.commit()
        except OperationalError:
            if not best_effort:
                raise
            s.rollback()
            log.info("the fingerprint of key %s is recorded on a later start (database busy)", key.kid)
        finally:
            if sqlite and best_effort:
                s.execute(text(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}"))
