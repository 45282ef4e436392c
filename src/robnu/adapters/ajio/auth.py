"""AJIO's ``POST /authToken`` bearer tokens: 30 minutes, no refresh endpoint, so mint again.

The cache (memory, then the account's encrypted token store, replaced 5 minutes before expiry) is
``CachedTokenAuth``'s; AJIO adds the exchange and how it tells a stale token from refused credentials.
"""

from __future__ import annotations

import httpx

from robnu.adapters.ajio.credentials import AjioCredentials
from robnu.adapters.auth import CachedTokenAuth, error_fields
from robnu.adapters.errors import MarketplaceAuthError

# 401 error codes that a new token fixes; anything else on a 401/403 is the credentials.
TOKEN_CODES = frozenset({"INVALID_TOKEN", "TOKEN_EXPIRED", "TOKEN_SUPERSEDED"})
RECONNECT_CODES = frozenset({"INVALID_CREDENTIALS", "POB_INACTIVE"})
DEFAULT_LIFETIME_S = 1800


def error_body(response: httpx.Response) -> tuple[str | None, str]:
    """(errorCode, message) of an AJIO error body; tolerant of bodies that are not AJIO's shape."""
    return error_fields(response, ("errorCode",), ("message",))


class AjioAuth(CachedTokenAuth[AjioCredentials]):
    def __repr__(self) -> str:
        return f"AjioAuth(pob_id={self.creds.pob_id})"

    def exchange(self) -> tuple[str, int]:
        body = self.http.request_json(
            "authToken",
            "POST",
            "/authToken",
            json_body={"username": self.creds.pob_id, "password": self.creds.api_password.get_secret_value()},
            ok_statuses=frozenset({200, 400, 401, 403}),
        )
        result = body.get("result") if isinstance(body, dict) else None
        if not isinstance(result, dict) or not result.get("accessToken"):
            status = int(body.get("statusCode") or 401) if isinstance(body, dict) else 401
            code = str(body.get("errorCode") or "AUTH_FAILED") if isinstance(body, dict) else "AUTH_FAILED"
            message = str(body.get("message") or "") if isinstance(body, dict) else ""
            raise MarketplaceAuthError(
                f"AJIO refused the credentials of POB {self.creds.pob_id}: HTTP {status} {code} {message[:200]}",
                http_status=status,
                code=code,
                needs_reconnect=code in RECONNECT_CODES or status in (401, 403),  # refused at /authToken
            )
        return str(result["accessToken"]), int(result.get("expiresIn") or DEFAULT_LIFETIME_S)

    def token_expired(self, response: httpx.Response) -> bool:
        code, _ = error_body(response)
        return response.status_code == 401 and code in TOKEN_CODES

    def auth_error(self, response: httpx.Response) -> MarketplaceAuthError:
        code, message = error_body(response)
        return MarketplaceAuthError(
            f"AJIO answered HTTP {response.status_code} {code or ''} for POB {self.creds.pob_id}: {message}",
            http_status=response.status_code,
            code=code or f"HTTP_{response.status_code}",
            needs_reconnect=code in RECONNECT_CODES,
        )
