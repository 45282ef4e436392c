"""The access-token cache per account, encrypted like credentials, in its own table (derived state)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from robnu.adapters.base import TokenStore
from robnu.db.models import MarketplaceAccessToken, MarketplaceAccount
from robnu.domain.clock import Clock
from robnu.security.vault import Binding, CredentialVault

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
                if row is not None:
                    self._cached = (self._vault.open(row.token_ciphertext, self._binding), row.expires_at)
        return self._cached

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
