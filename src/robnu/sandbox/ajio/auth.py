"""``POST /authToken`` tokens: 30 minutes, no refresh, superseded by a newer token after 60 s."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

TOKEN_TTL = 1800  # seconds [corroborated]
SUPERSEDE_GRACE = 60  # seconds [modelled]


@dataclass
class Token:
    access: str
    refresh: str
    pob_id: str
    issued: int
    expires: int
    superseded_at: int | None = None


class TokenStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, Token] = {}
        self._by_pob: dict[str, list[Token]] = {}

    def issue(self, pob_id: str, now: int) -> Token:
        with self._lock:
            for old in self._by_pob.get(pob_id, []):
                if old.superseded_at is None:
                    old.superseded_at = now + SUPERSEDE_GRACE
            token = Token(secrets.token_urlsafe(32), secrets.token_urlsafe(32), pob_id, now, now + TOKEN_TTL)
            self._tokens[token.access] = token
            self._by_pob.setdefault(pob_id, []).append(token)
            return token

    def get(self, access: str | None) -> Token | None:
        if not access:
            return None
        with self._lock:
            return self._tokens.get(access)

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()
            self._by_pob.clear()
