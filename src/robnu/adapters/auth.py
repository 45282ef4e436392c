"""How a marketplace client authenticates, with what every marketplace shares written once.

``MarketplaceAuth`` is the ``AuthProvider`` a client hands to ``MarketplaceHttp`` (sign or stamp each
request, tell an expired token from refused credentials) plus two things the adapter base relies on:
``clean`` (error text without any secret of the account) and ``prove`` (make the credentials show
themselves now, for a credentials check).

``CachedTokenAuth`` is the access-token cache of the marketplaces that exchange credentials for a bearer
token (AJIO, Amazon's LWA, Flipkart): memory first, then the account's encrypted token store, replaced
``margin`` before it expires, minted again once when the marketplace says the token is stale. A
marketplace writes only ``exchange`` (the call that gets a token), ``token_expired`` and ``auth_error``.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import ClassVar, Generic, TypeVar

import httpx

from robnu.adapters.context import TokenStore
from robnu.adapters.credentials_base import CredentialModel
from robnu.adapters.errors import MarketplaceAuthError
from robnu.adapters.http import MarketplaceHttp
from robnu.domain.clock import Clock

C = TypeVar("C", bound=CredentialModel)


def error_fields(response: httpx.Response, codes: Sequence[str], messages: Sequence[str]) -> tuple[str | None, str]:
    """(code, message) of a JSON error body: the first of ``codes`` and of ``messages`` present; the reason
    phrase when the body is not a JSON object (a proxy's HTML page, an empty body)."""
    try:
        body = response.json()
    except ValueError:
        return None, response.reason_phrase
    if not isinstance(body, dict):
        return None, response.reason_phrase
    code = next((body[k] for k in codes if body.get(k)), None)
    message = next((body[k] for k in messages if body.get(k)), None) or response.reason_phrase
    return (str(code) if code else None), str(message)[:200]


class MarketplaceAuth(ABC):
    """An ``AuthProvider`` (``robnu.adapters.http``) that knows the secrets it must keep out of error text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = [s for s in secrets if s]

    def secrets(self) -> list[str]:
        """Every value that must never appear in a message: the credentials' secrets (and live tokens)."""
        return list(self._secrets)

    def clean(self, text: str) -> str:
        """``text`` with every secret replaced by ``***`` (marketplaces echo what they were sent)."""
        for value in self.secrets():
            text = text.replace(value, "***")
        return text

    def prove(self) -> None:
        """Make the credentials show themselves now, for a credentials check. A marketplace that signs each
        request has nothing to do before the check's probe call; a token marketplace exchanges afresh."""
        return None

    @abstractmethod
    def apply(self, request: httpx.Request) -> None:
        """Add credentials (bearer header, signature...) to a request about to be sent."""

    @abstractmethod
    def token_expired(self, response: httpx.Response) -> bool:
        """True when the answer means: the access token is stale, mint a new one and try again."""

    @abstractmethod
    def invalidate(self) -> None:
        """Forget the cached access token (or whatever a fresh attempt must not reuse)."""

    @abstractmethod
    def auth_error(self, response: httpx.Response) -> MarketplaceAuthError:
        """The error to raise for a 401/403 that a new token will not fix."""


class CachedTokenAuth(MarketplaceAuth, Generic[C]):
    """Bearer tokens exchanged for the account's credentials and cached per account (see the module doc)."""

    margin: ClassVar[timedelta] = timedelta(minutes=5)  # mint a new token this long before the cached one expires
    header: ClassVar[str] = "Authorization"
    scheme: ClassVar[str] = "Bearer "

    def __init__(self, http: MarketplaceHttp, creds: C, tokens: TokenStore, clock: Clock) -> None:
        super().__init__(creds.secret_values())
        self.http = http  # the client of the token endpoint
        self.creds = creds
        self.tokens = tokens
        self.clock = clock
        self.minted = 0  # exchanges made by this instance (for tests and run reports)
        self.fresh: str | None = None  # the token this instance minted last
        self._memory: tuple[str, datetime] | None = None
        # A page walk asks for its next page from a helper thread (adapters.prefetch) while the caller may call
        # too: one thread mints, the other waits for its token instead of minting a second one.
        self._minting = threading.RLock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(minted={self.minted})"

    @abstractmethod
    def exchange(self) -> tuple[str, int]:
        """Ask the marketplace for a new access token: (token, lifetime in seconds). Raises
        ``MarketplaceAuthError`` when it refuses the credentials."""

    def secrets(self) -> list[str]:
        live = [self._memory[0]] if self._memory is not None else []
        return [*super().secrets(), *live]

    def token(self) -> str:
        with self._minting:
            cached = self._memory or self.tokens.get()
            if cached is not None and cached[1] - self.margin > self.clock.now():
                self._memory = cached
                return cached[0]
            return self.mint()

    def mint(self) -> str:
        token, lifetime = self.exchange()
        self._memory = (token, self.clock.now() + timedelta(seconds=lifetime))
        self.fresh = token
        self.tokens.put(*self._memory)
        self.minted += 1
        return token

    def invalidate(self) -> None:
        self._memory = None
        self.fresh = None
        self.tokens.clear()

    def prove(self) -> None:
        """A credentials check exchanges afresh: a cached token proves nothing about the credentials."""
        self.invalidate()
        self.mint()

    def apply(self, request: httpx.Request) -> None:
        request.headers[self.header] = self.scheme + self.token()
