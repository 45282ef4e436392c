"""Flipkart's OAuth client-credentials bearer tokens.

The cache (memory, then the account's encrypted token store) is ``CachedTokenAuth``'s; a token lives about
60 days and is replaced an hour before it expires. MarketplaceHttp asks for one more when an API call
answers 401 ``invalid_token``; only the token endpoint refusing the application id/secret asks the seller
to reconnect.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import httpx

from robnu.adapters.auth import CachedTokenAuth, error_fields
from robnu.adapters.errors import MarketplaceAuthError, TransientMarketplaceError
from robnu.adapters.flipkart.credentials import FlipkartCredentials

OAUTH_PATH = "/oauth-service/oauth/token"  # no /sellers prefix
TOKEN_MARGIN = timedelta(hours=1)  # mint a new token this long before the ~60-day one expires
DEFAULT_LIFETIME_S = 3600


def oauth_error(response: httpx.Response) -> tuple[str | None, str]:
    """(error code, description) of a Spring-OAuth or request-level error body."""
    return error_fields(response, ("error", "errorCode"), ("error_description", "errorMessage"))


class FlipkartAuth(CachedTokenAuth[FlipkartCredentials]):
    margin = TOKEN_MARGIN

    def __repr__(self) -> str:
        return f"FlipkartAuth(seller_id={self.creds.seller_id})"

    def clean(self, text: str) -> str:
        """Also cut whatever follows "access token:": Flipkart's OAuth errors echo the token sent."""
        text = super().clean(text)
        if "access token:" in text:
            text = text.split("access token:")[0] + "access token: ***"
        return text

    def exchange(self) -> tuple[str, int]:
        pair = f"{self.creds.app_id.get_secret_value()}:{self.creds.app_secret.get_secret_value()}"
        response = self.http.request(
            "token",
            "GET",
            OAUTH_PATH,
            params={"grant_type": "client_credentials", "scope": "Seller_Api"},
            headers={
                "Authorization": f"Basic {base64.b64encode(pair.encode()).decode()}",
                "Accept": "application/json",
            },
            ok_statuses=frozenset({200, 400, 401, 403}),
        )
        body: Any = None
        if response.status_code == 200:
            try:
                body = response.json()
            except ValueError:
                raise TransientMarketplaceError(
                    "Flipkart token endpoint answered a body that is not JSON", http_status=200
                ) from None
        if not isinstance(body, dict) or not body.get("access_token"):
            code, text = oauth_error(response)
            status = response.status_code
            raise MarketplaceAuthError(
                self.clean(f"Flipkart refused the application credentials: HTTP {status} {code}: {text}"),
                http_status=status,
                code=code or "unauthorized",
                needs_reconnect=status in (401, 403),  # 400 (grant type, scope) is our request, not them
            )
        return str(body["access_token"]), int(body.get("expires_in") or 0) or DEFAULT_LIFETIME_S

    def token_expired(self, response: httpx.Response) -> bool:
        code, _ = oauth_error(response)
        return response.status_code == 401 and code == "invalid_token"

    def auth_error(self, response: httpx.Response) -> MarketplaceAuthError:
        code, text = oauth_error(response)
        status = response.status_code
        # a brand-new token refused again is a token problem; a 403 is the application's access
        return MarketplaceAuthError(
            self.clean(f"Flipkart refused the request: HTTP {status} {code}: {text}"),
            http_status=status,
            code=code or ("forbidden" if status == 403 else "unauthorized"),
            needs_reconnect=status == 403,
        )
