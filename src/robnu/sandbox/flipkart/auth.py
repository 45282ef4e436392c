"""OAuth client credentials: tokens at ``/oauth-service/oauth/token``, bearer on API calls."""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import Request

from robnu.sandbox.flipkart.errors import invalid_token, oauth_error
from robnu.sandbox.flipkart.world import World

TOKEN_LIFETIME = timedelta(seconds=5183999)  # observed expires_in ≈ 60 days


@dataclass
class Token:
    value: str
    account_key: str
    expires_at: datetime
    revoked: bool = False


class TokenStore:
    def __init__(self, world: World) -> None:
        self.world = world
        self._lock = threading.Lock()
        self._tokens: dict[str, Token] = {}
        self._issued = 0

    def reset(self) -> None:
        with self._lock:
            self._tokens.clear()

    def issue(self, authorization: str | None, grant_type: str | None, scope: str | None) -> tuple[Token, str]:
        """Check Basic credentials and issue a token; raise the Spring-OAuth error otherwise."""
        if grant_type != "client_credentials":
            raise oauth_error(400, "unsupported_grant_type", f"Unsupported grant type: {grant_type}")
        if not authorization or not authorization.lower().startswith("basic "):
            raise oauth_error(401, "unauthorized", "Full authentication is required to access this resource")
        try:
            app_id, _, secret = base64.b64decode(authorization[6:].strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise oauth_error(401, "unauthorized", "Bad credentials") from None
        key = self.world.by_app_id.get(app_id)
        if key is None:
            raise oauth_error(401, "unauthorized", f"No client with requested id: {app_id}")
        account = self.world.account(key)
        if secret != account.app_secret or account.revoked:
            # modelled: a revoked self-access application answers like a wrong secret
            raise oauth_error(401, "unauthorized", "Bad credentials")
        scopes = [s for s in (scope or "Seller_Api").replace(" ", ",").split(",") if s]
        if "Seller_Api" not in scopes:
            raise oauth_error(400, "invalid_scope", f"Invalid scope: {scope}")
        now = self.world.clock.now()
        with self._lock:
            self._issued += 1
            digest = hashlib.sha256(f"{app_id}:{self._issued}:{now.isoformat()}".encode()).hexdigest()
            value = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
            token = Token(value, key, now + TOKEN_LIFETIME)
            self._tokens[value] = token
        return token, ",".join(scopes)

    @staticmethod
    def bearer(request: Request) -> str:
        header = request.headers.get("authorization", "")
        return header[7:].strip() if header.lower().startswith("bearer ") else header.strip()

    def peek(self, request: Request) -> str | None:
        """The account a request's token names, without checking it (for rate-limit keys)."""
        token = self._tokens.get(self.bearer(request))
        return token.account_key if token else None

    def require(self, request: Request) -> str:
        """The account key of a valid bearer token, or a 401 ``invalid_token``."""
        value = self.bearer(request)
        token = self._tokens.get(value)
        if token is None or token.revoked or token.expires_at <= self.world.clock.now():
            raise invalid_token(value)
        if self.world.account(token.account_key).revoked:
            raise invalid_token(value)
        return token.account_key

    def expire(self, request: Request) -> None:
        token = self._tokens.get(self.bearer(request))
        if token is not None:
            token.revoked = True

    def remaining_seconds(self, token: Token) -> int:
        return max(0, int((token.expires_at - self.world.clock.now()).total_seconds()))
