"""Robnu's own Meesho request signer (modelled) and the HMAC auth provider.

Meesho issues no access tokens: every request carries ``X-Api-Key``, ``X-Timestamp`` (epoch seconds),
``X-Nonce`` and ``X-Signature`` = HMAC-SHA256(api_secret, canonical string). The canonical string is six
LF-joined lines: METHOD, PATH (relative to the base URL, as on the wire), CANONICAL_QUERY, TIMESTAMP,
NONCE and the hex SHA-256 of the body bytes exactly as sent.

A ``TIMESTAMP_OUT_OF_WINDOW`` answer carries ``details.server_time``: the provider learns the offset
between our clock and Meesho's and signs the retry with the corrected time.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, quote

import httpx

from robnu.adapters.auth import MarketplaceAuth
from robnu.adapters.errors import MarketplaceAuthError
from robnu.adapters.meesho.credentials import MeeshoCredentials
from robnu.domain.clock import Clock

EMPTY_BODY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

# These codes mean the key/secret pair itself is refused: the seller must reconnect.
RECONNECT_CODES = frozenset({"HMAC_MISMATCH", "INVALID_API_KEY", "API_KEY_DISABLED"})
# Answers that a freshly signed retry can fix (our clock, a nonce collision); never a reconnect.
CLOCK_CODES = frozenset({"TIMESTAMP_OUT_OF_WINDOW"})
RESIGN_CODES = CLOCK_CODES | {"NONCE_REUSED"}


def canonical_query(raw_query: str) -> str:
    """CANONICAL_QUERY: form-decode, re-encode per RFC 3986 (upper-case hex), sort by key then value."""
    if not raw_query:
        return ""
    pairs = sorted(
        (quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in parse_qsl(raw_query, keep_blank_values=True)
    )
    return "&".join(f"{k}={v}" for k, v in pairs)


def canonical_string(method: str, path: str, raw_query: str, timestamp: str, nonce: str, body: bytes) -> str:
    return "\n".join(
        (method.upper(), path, canonical_query(raw_query), timestamp, nonce, hashlib.sha256(body).hexdigest())
    )


def signature(secret: str, canonical: str) -> str:
    return hmac.new(secret.encode("utf-8"), canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def error_of(response: httpx.Response) -> tuple[str | None, str, dict[str, Any]]:
    """(code, message, details) of Meesho's error body; tolerant of bodies that are not Meesho's shape."""
    try:
        body = response.json()
    except ValueError:
        return None, response.reason_phrase, {}
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None, response.reason_phrase, {}
    code = error.get("code")
    details = error.get("details")
    return (
        str(code) if code else None,
        str(error.get("message") or response.reason_phrase)[:200],
        details if isinstance(details, dict) else {},
    )


class MeeshoSigner:
    """Signs an ``httpx.Request`` in place. ``base_path`` is the path part of the base URL (stripped)."""

    def __init__(
        self,
        creds: MeeshoCredentials,
        clock: Clock,
        *,
        base_path: str = "",
        nonce: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self.creds = creds
        self.clock = clock
        self.base_path = base_path.rstrip("/")
        self.nonce = nonce
        self.offset = 0  # seconds to add to our clock to get Meesho's (learned from server_time)

    def __repr__(self) -> str:
        return f"MeeshoSigner(supplier_id={self.creds.supplier_id})"

    def timestamp(self) -> int:
        return int(self.clock.now().timestamp()) + self.offset

    def relative_path(self, raw_path: str) -> str:
        if self.base_path and raw_path.startswith(self.base_path + "/"):
            return raw_path[len(self.base_path) :]
        return raw_path

    def sign(self, request: httpx.Request) -> None:
        path, _, query = request.url.raw_path.decode("ascii").partition("?")
        timestamp, nonce = str(self.timestamp()), self.nonce()
        canonical = canonical_string(request.method, self.relative_path(path), query, timestamp, nonce, request.content)
        request.headers["X-Api-Key"] = self.creds.api_key.get_secret_value()
        request.headers["X-Timestamp"] = timestamp
        request.headers["X-Nonce"] = nonce
        request.headers["X-Signature"] = signature(self.creds.api_secret.get_secret_value(), canonical)

    def learn_server_time(self, details: dict[str, Any]) -> bool:
        """Correct the clock offset from ``details.server_time``; False when the answer has none."""
        try:
            server_time = int(details["server_time"])
        except (KeyError, TypeError, ValueError):
            return False
        self.offset = server_time - int(self.clock.now().timestamp())
        return True


class MeeshoAuth(MarketplaceAuth):
    """The AuthProvider for MarketplaceHttp: sign each attempt; a stale timestamp or reused nonce is
    "re-sign and retry once" (the protocol's token_expired hook); anything else on 401/403 is an error,
    with ``needs_reconnect`` only for the codes that mean the key or secret is refused. There is no token,
    so a credentials check proves nothing before its probe call (``prove`` is the base's no-op)."""

    def __init__(self, signer: MeeshoSigner) -> None:
        super().__init__(signer.creds.secret_values())
        self.signer = signer

    def __repr__(self) -> str:
        return f"MeeshoAuth({self.signer!r})"

    def apply(self, request: httpx.Request) -> None:
        self.signer.sign(request)

    def token_expired(self, response: httpx.Response) -> bool:
        code, _, details = error_of(response)
        if code in CLOCK_CODES:
            return self.signer.learn_server_time(details)
        return code == "NONCE_REUSED"

    def invalidate(self) -> None:
        """Nothing is cached: the next attempt is signed afresh (new timestamp and nonce)."""

    def auth_error(self, response: httpx.Response) -> MarketplaceAuthError:
        code, message, details = error_of(response)
        if code in CLOCK_CODES:
            self.signer.learn_server_time(details)
        code = code or f"HTTP_{response.status_code}"
        return MarketplaceAuthError(
            f"Meesho answered HTTP {response.status_code} {code} for supplier {self.signer.creds.supplier_id}: "
            f"{message}",
            http_status=response.status_code,
            code=code,
            needs_reconnect=code in RECONNECT_CODES,
        )
