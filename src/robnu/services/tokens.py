"""The access-token cache per account, encrypted like credentials, in its own table (derived state).

A cached token is only a shortcut: one that does not open (copied from another account's row, altered,
sealed under a key the ring no longer has) is dropped and the adapter fetches a fresh one, instead of
every sync of the account failing until someone re-validates it."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from robnu.adapters.base import TokenStore
from robnu.db.models import MarketplaceAccessToken, MarketplaceAccount
from robnu.domain.clock import Clock
from robnu.domain.errors import DecryptionFailed, KeyNotFound
from robnu.security.vault import Binding, CredentialVault

log = logging.getLogger(__name__)

_TABLE = "marketplace_access_tokens"
_COLUMN = "token_ciphertext"


class DbTokenStore(TokenStore):
    """Reads hit memory first; writes go through to the database so other workers reuse the token."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        vault: CredentialVault,
        account: MarketplaceAccount,
        clock: Clock,
    ) -> None:
        self._sessions = sessions
        self._vault = vault
        self._account_id = account.id
        self._binding = Binding(account.seller_id, _TABLE, account.id, _COLUMN)
        self._seller_id = account.seller_id
        self._clock = clock
        self._cached: tuple[str, datetime] | None = None

    def __repr__(self) -> str:
        return f"DbTokenStore(account_id={self._account_id})"

    def get(self) -> tuple[str, datetime] | None:
        if self._cached is None:
            with self._sessions() as s:
                row = s.get(MarketplaceAccessToken, self._account_id)
                if row is None:
                    return None
                sealed, expires_at = row.token_ciphertext, row.expires_at
            try:
                self._cached = (self._vault.open(sealed, self._binding), expires_at)
            except (DecryptionFailed, KeyNotFound, UnicodeDecodeError, ValueError) as exc:
                log.warning(
                    "account %s: the cached access token does not open (%s); dropped, a new one will be fetched",
                    self._account_id,
                    type(exc).__name__,
                )
                self._drop_if_unchanged(sealed)
                return None
        return self._cached

    def _drop_if_unchanged(self, sealed: str) -> None:
        """Delete the unreadable row, unless another worker has meanwhile stored a fresh token there."""
        with self._sessions() as s, s.begin():
            s.execute(
                delete(MarketplaceAccessToken).where(
                    MarketplaceAccessToken.marketplace_account_id == self._account_id,
                    MarketplaceAccessToken.token_ciphertext == sealed,
                )
            )

    def put(self, token: str, expires_at: datetime) -> None:
        self._cached = (token, expires_at)
        sealed = self._vault.seal(token, self._binding)
        with self._sessions() as s, s.begin():
            row = s.get(MarketplaceAccessToken, self._account_id)
            if row is None:
                s.add(
                    MarketplaceAccessToken(
                        marketplace_account_id=self._account_id,
                        seller_id=self._seller_id,
                        token_ciphertext=sealed,
                        expires_at=expires_at,
                        updated_at=self._clock.now(),
                    )
                )
            else:
                row.token_ciphertext, row.expires_at, row.updated_at = sealed, expires_at, self._clock.now()

    def clear(self) -> None:
        self._cached = None
        with self._sessions() as s, s.begin():
            s.execute(
                delete(MarketplaceAccessToken).where(MarketplaceAccessToken.marketplace_account_id == self._account_id)
            )
