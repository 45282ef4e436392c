"""Tokens: signed JWT access tokens (pyjwt, HS256) and opaque high-entropy tokens stored only as SHA-256
digests (refresh tokens, personal API tokens: a fast digest is enough for 256-bit random values)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt

from robnu.domain.errors import RobnuError

ALGORITHM = "HS256"
ISSUER = "robnu"
AUDIENCE = "robnu-api"
# Prefixes make a leaked token recognisable (secret scanners) and tell the two kinds apart.
REFRESH_PREFIX = "rbr_"
API_TOKEN_PREFIX = "rbn_"  # noqa: S105


class InvalidToken(RobnuError):
    """A token that is malformed, tampered with, expired or revoked (the reason is not told to the client)."""


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    seller_id: int
    family_id: int
    expires_at: datetime


def issue_access(key: bytes, claims: AccessClaims, now: datetime) -> str:
    payload: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(claims.user_id),
        "sid": claims.seller_id,
        "fam": claims.family_id,
        "iat": int(now.timestamp()),
        "exp": int(claims.expires_at.timestamp()),
        "jti": secrets.token_urlsafe(8),
    }
    return jwt.encode(payload, key, algorithm=ALGORITHM)


def read_access(key: bytes, token: str, now: datetime) -> AccessClaims:
    try:
        data = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "sid", "fam"], "verify_exp": False},
        )
        expires = int(data["exp"])
        user_id, seller_id, family_id = int(data["sub"]), int(data["sid"]), int(data["fam"])
    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
        raise InvalidToken("access token is not valid") from None
    if expires <= now.timestamp():  # judged on Robnu's clock, not the machine's, so tests can move time
        raise InvalidToken("access token has expired")
    return AccessClaims(user_id, seller_id, family_id, datetime.fromtimestamp(expires, now.tzinfo))


def opaque(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def expiry(now: datetime, seconds: int) -> datetime:
    return now + timedelta(seconds=seconds)
