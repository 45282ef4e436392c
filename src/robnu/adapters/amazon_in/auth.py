"""Login with Amazon (LWA) access tokens for SP-API.

The seller's refresh token (with the LWA app's client id and secret) is exchanged at
``POST /auth/o2/token`` for an ``Atza|…`` access token living ``expires_in`` (3600 s). Tokens are cached
per account by ``CachedTokenAuth`` and replaced ``TOKEN_MARGIN`` before they expire; a 403
``Unauthorized`` on an API call drops the token and mints one more (once per request, in
MarketplaceHttp). Only LWA refusing the refresh token or the app (invalid_grant, invalid_client…) asks
the seller to reconnect; a token problem never does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx

from robnu.adapters.amazon_in.credentials import AmazonCredentials
from robnu.adapters.auth import CachedTokenAuth
from robnu.adapters.context import TokenStore
from robnu.adapters.errors import MarketplaceAuthError, TransientMarketplaceError
from robnu.adapters.http import MarketplaceHttp
from robnu.domain.clock import Clock

TOKEN_PATH = "/auth/o2/token"  # noqa: S105 - a path, not a secret
TOKEN_HEADER = "x-amz-access-token"  # noqa: S105 - a header name
TOKEN_MARGIN = timedelta(minutes=5)  # mint a new token this long before the current one expires
DEFAULT_LIFETIME_S = 3600
USER_AGENT = "Robnu/1.0 (Language=Python)"
# LWA error codes that mean the refresh token or the app is refused: the seller must reconnect.
RECONNECT_ERRORS = frozenset({"invalid_grant", "invalid_client", "unauthorized_client", "access_denied"})
LWA_OPERATION = "lwaToken"


def sp_error(body: Any) -> tuple[str | None, str]:
    """(code, "message (details)") of an SP-API ``ErrorList`` body."""
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0]
            message = str(first.get("message") or "")
            details = str(first.get("details") or "")
            if details and details != message:
                message = f"{message} ({details})" if message else details
            return (str(first["code"]) if first.get("code") else None), message[:300]
    return None, ""


def lwa_error(body: Any) -> tuple[str | None, str]:
    """(error, error_description) of an OAuth2-shaped LWA error body."""
    if isinstance(body, dict):
        code = body.get("error")
        return (str(code) if code else None), str(body.get("error_description") or "")[:300]
    return None, ""


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


class AmazonAuth(CachedTokenAuth[AmazonCredentials]):
    """The AuthProvider of SP-API calls: LWA access tokens in ``x-amz-access-token`` (cached by the base)."""

    margin = TOKEN_MARGIN
    header = TOKEN_HEADER
    scheme = ""

    def __init__(
        self,
        http: MarketplaceHttp,
        creds: AmazonCredentials,
        tokens: TokenStore,
        clock: Clock,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(http, creds, tokens, clock)
        self.sleep = sleep

    def __repr__(self) -> str:
        return f"AmazonAuth(selling_partner_id={self.creds.selling_partner_id})"

    def exchange(self) -> tuple[str, int]:
        """Exchange the refresh token (form-encoded body). Raises MarketplaceAuthError when LWA refuses."""
        form = {
            "grant_type": "refresh_token",
            "refresh_token": self.creds.refresh_token.get_secret_value(),
            "client_id": self.creds.lwa_client_id.get_secret_value(),
            "client_secret": self.creds.lwa_client_secret.get_secret_value(),
        }
        attempts = 0
        while True:
            response = self.http.request(
                LWA_OPERATION,
                "POST",
                TOKEN_PATH,
                data=form,
                headers={"Accept": "application/json", "User-Agent": USER_AGENT},
                ok_statuses=frozenset({200, 400, 401, 403}),
            )
            body = _json(response)
            if body is not None or attempts >= self.http.policy.max_retries:
                break
            attempts += 1  # a broken body (truncated, malformed): ask again
            self.sleep(min(self.http.policy.backoff_cap, self.http.policy.backoff_base * 2**attempts))
        status = response.status_code
        if status == 200 and isinstance(body, dict) and body.get("access_token"):
            return str(body["access_token"]), int(body.get("expires_in") or DEFAULT_LIFETIME_S)
        if status == 200:
            raise TransientMarketplaceError("Amazon LWA answered 200 without an access token", http_status=200)
        code, text = lwa_error(body)
        raise MarketplaceAuthError(
            self.clean(f"Amazon LWA refused the token exchange: HTTP {status} {code or ''}: {text}".strip()),
            http_status=status,
            code=code or f"HTTP_{status}",
            needs_reconnect=(code in RECONNECT_ERRORS) if code else status in (401, 403),
        )

    def apply(self, request: httpx.Request) -> None:
        super().apply(request)
        request.headers.setdefault("User-Agent", USER_AGENT)

    def token_expired(self, response: httpx.Response) -> bool:
        """A 403 ``Unauthorized`` means: the access token is expired, revoked or invalid. Mint
        another, unless the token in use is one we have just minted and Amazon does not say it
        expired: then a new one would be refused the same way."""
        if response.status_code != 403:
            return False
        code, message = sp_error(_json(response))
        if code not in (None, "Unauthorized"):
            return False
        sent = response.request.headers.get(TOKEN_HEADER) if response.request is not None else None
        return "expired" in message.lower() or sent is None or sent != self.fresh

    def auth_error(self, response: httpx.Response) -> MarketplaceAuthError:
        """A 401/403 that a new token did not fix: the selling partner refused this app (revoked or
        missing role): the seller must reconnect / re-authorise."""
        code, message = sp_error(_json(response))
        status = response.status_code
        return MarketplaceAuthError(
            self.clean(f"Amazon refused the request: HTTP {status} {code or ''}: {message}".strip()),
            http_status=status,
            code=code or ("Unauthorized" if status == 403 else f"HTTP_{status}"),
            needs_reconnect=True,
        )
